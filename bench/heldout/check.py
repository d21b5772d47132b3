#!/usr/bin/env python3
"""Validate bench/heldout/pools.json against the shared vocabulary.

Stdlib only, no project imports. Usage (from anywhere):

    python3 bench/heldout/check.py [--pools PATH] [--vocab PATH] [--verbose]

Exit status 0 when every hard rule holds, 1 otherwise. Warnings (a phrase
that names another code of the same section, or a stricter reading of the
label rule) are printed but do not fail the check.

Hard rules
  * pools.json is valid UTF-8 JSON with the sections below, each keyed by
    exactly the codes of the matching vocabulary section;
  * every list holds >= 6 phrases (need_categories.need >= 8), each a
    string of 15..60 characters;
  * in every list at least 2/3 of the phrases contain neither the entry's
    "ja" label nor any of its "aliases_ja" (compared after NFKC, casefold and
    whitespace removal; ASCII-only terms must stand as whole tokens, so
    "AM" does not match inside "CAM");
  * no phrase occurs twice anywhere in the file (after the same normalisation);
  * filler phrases contain no label or alias of any code of any matching
    section, and no prefecture or region name;
  * SHA256SUMS beside pools.json, if present, matches.
"""
import argparse
import hashlib
import json
import math
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_POOLS = os.path.join(HERE, "pools.json")
DEFAULT_VOCAB = "/work/shared/interchange/vocabulary.json"

# pools section -> (vocabulary section, {list name: minimum length})
SECTIONS = {
    "capabilities": ("capabilities", {"profile": 6, "query": 6}),
    "sectors": ("sectors", {"profile": 6, "query": 6}),
    "certifications": ("certifications", {"profile": 6}),
    "need_categories": ("need_categories", {"need": 8, "expert": 6}),
    "expert_types": ("expert_types", {"expert": 6}),
}
FILLER_LISTS = {"profile": 30, "query": 30}
MIN_CHARS, MAX_CHARS = 15, 60
MIN_CLEAN_RATIO = 2 / 3


def norm(s):
    s = unicodedata.normalize("NFKC", s).casefold()
    return re.sub(r"\s+", "", s)


def term_matcher(term):
    """Return a predicate telling whether a normalised phrase contains term."""
    t = norm(term)
    if not t:
        return lambda p: False
    if re.fullmatch(r"[\x00-\x7f]+", t):
        pat = re.compile(r"(?<![a-z0-9])" + re.escape(t) + r"(?![a-z0-9])")
        return lambda p: bool(pat.search(p))
    return lambda p: t in p


class Entry:
    def __init__(self, section, item):
        self.section = section
        self.code = item["code"]
        self.terms = [item["ja"]] + list(item.get("aliases_ja", []))
        self.matchers = [(t, term_matcher(t)) for t in self.terms]
        # stricter reading: also the parts of a compound label ("設計・試作")
        parts = [p for p in re.split(r"[・（）()]", item["ja"]) if len(norm(p)) >= 2]
        self.strict = self.matchers + [(p, term_matcher(p)) for p in parts]

    def hits(self, phrase, strict=False):
        p = norm(phrase)
        return [t for t, m in (self.strict if strict else self.matchers) if m(p)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pools", default=DEFAULT_POOLS)
    ap.add_argument("--vocab", default=DEFAULT_VOCAB)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    errors, warnings = [], []
    with open(args.vocab, encoding="utf-8") as f:
        vocab = json.load(f)
    raw = open(args.pools, "rb").read()
    try:
        pools = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"FAIL: pools.json is not valid UTF-8 JSON: {e}")
        return 1

    entries = {sec: {it["code"]: Entry(sec, it) for it in vocab[vsec]}
               for sec, (vsec, _) in SECTIONS.items()}
    all_entries = [e for sec in entries.values() for e in sec.values()]
    place_names = [r["ja"] for r in vocab["regions"]] + [p["ja"] for p in vocab["prefectures"]]
    # a prefecture is also named without its suffix (青森県 -> 青森)
    place_names += [p["ja"][:-1] for p in vocab["prefectures"] if p["ja"][-1] in "都道府県" and len(p["ja"]) > 2]
    place_matchers = [(t, term_matcher(t)) for t in place_names]

    expected = set(SECTIONS) | {"filler"}
    extra = set(pools) - expected
    if extra:
        errors.append(f"unexpected top-level keys: {sorted(extra)}")

    seen = {}
    stats = {}  # section -> [phrases, clean, clean_strict]

    def check_phrase(where, ph):
        if not isinstance(ph, str):
            errors.append(f"{where}: not a string: {ph!r}")
            return False
        n = len(ph)
        if not (MIN_CHARS <= n <= MAX_CHARS):
            errors.append(f"{where}: {n} chars (need {MIN_CHARS}..{MAX_CHARS}): {ph}")
        if ph != ph.strip():
            errors.append(f"{where}: leading/trailing whitespace: {ph!r}")
        key = norm(ph)
        if key in seen:
            errors.append(f"{where}: duplicate of {seen[key]}: {ph}")
        else:
            seen[key] = where
        return True

    for sec, (vsec, lists) in SECTIONS.items():
        block = pools.get(sec)
        if not isinstance(block, dict):
            errors.append(f"missing section {sec}")
            continue
        codes = set(entries[sec])
        missing, unknown = codes - set(block), set(block) - codes
        if missing:
            errors.append(f"{sec}: missing codes {sorted(missing)}")
        if unknown:
            errors.append(f"{sec}: unknown codes {sorted(unknown)}")
        st = stats.setdefault(sec, [0, 0, 0])
        for code in sorted(codes & set(block)):
            ent = entries[sec][code]
            val = block[code]
            if not isinstance(val, dict):
                errors.append(f"{sec}.{code}: not an object")
                continue
            if set(val) - set(lists):
                errors.append(f"{sec}.{code}: unexpected lists {sorted(set(val) - set(lists))}")
            for lname, minimum in lists.items():
                phrases = val.get(lname)
                where = f"{sec}.{code}.{lname}"
                if not isinstance(phrases, list):
                    errors.append(f"{where}: missing list")
                    continue
                if len(phrases) < minimum:
                    errors.append(f"{where}: {len(phrases)} phrases (need >= {minimum})")
                clean = clean_strict = 0
                for i, ph in enumerate(phrases):
                    if not check_phrase(f"{where}[{i}]", ph):
                        continue
                    if not ent.hits(ph):
                        clean += 1
                    if not ent.hits(ph, strict=True):
                        clean_strict += 1
                    others = [(o.code, t) for o in entries[sec].values() if o is not ent
                              for t in o.hits(ph)]
                    if others:
                        warnings.append(f"{where}[{i}] names other {sec} code(s) {others}: {ph}")
                if phrases and clean < math.ceil(MIN_CLEAN_RATIO * len(phrases) - 1e-9):
                    errors.append(f"{where}: only {clean}/{len(phrases)} phrases avoid the label/aliases")
                if phrases and clean_strict < math.ceil(MIN_CLEAN_RATIO * len(phrases) - 1e-9):
                    warnings.append(f"{where}: strict (label parts) clean {clean_strict}/{len(phrases)}")
                st[0] += len(phrases)
                st[1] += clean
                st[2] += clean_strict

    filler = pools.get("filler")
    if not isinstance(filler, dict):
        errors.append("missing section filler")
    else:
        if set(filler) - set(FILLER_LISTS):
            errors.append(f"filler: unexpected lists {sorted(set(filler) - set(FILLER_LISTS))}")
        for lname, minimum in FILLER_LISTS.items():
            phrases = filler.get(lname)
            where = f"filler.{lname}"
            if not isinstance(phrases, list):
                errors.append(f"{where}: missing list")
                continue
            if len(phrases) < minimum:
                errors.append(f"{where}: {len(phrases)} phrases (need >= {minimum})")
            for i, ph in enumerate(phrases):
                if not check_phrase(f"{where}[{i}]", ph):
                    continue
                p = norm(ph)
                sig = [(e.section, e.code, t) for e in all_entries for t, m in e.strict if m(p)]
                sig += [("place", t) for t, m in place_matchers if m(p)]
                if sig:
                    errors.append(f"{where}[{i}] carries a matching signal {sig}: {ph}")
            stats.setdefault("filler", [0, 0, 0])[0] += len(phrases)

    sums = os.path.join(os.path.dirname(os.path.abspath(args.pools)), "SHA256SUMS")
    if os.path.exists(sums):
        digest = hashlib.sha256(raw).hexdigest()
        listed = {}
        for line in open(sums, encoding="utf-8"):
            parts = line.split()
            if len(parts) == 2:
                listed[parts[1].lstrip("*")] = parts[0]
        want = listed.get(os.path.basename(args.pools))
        if want is None:
            errors.append("SHA256SUMS does not list pools.json")
        elif want != digest:
            errors.append(f"SHA256SUMS mismatch: listed {want}, actual {digest}")

    total = sum(v[0] for v in stats.values())
    print(f"phrases: {total} (unique {len(seen)})")
    tp = tc = ts = 0
    for sec, (n, c, s) in stats.items():
        if sec == "filler":
            print(f"  filler: {n}")
            continue
        tp, tc, ts = tp + n, tc + c, ts + s
        print(f"  {sec}: {len(pools.get(sec, {}))} codes, {n} phrases, "
              f"{c / n:.1%} without label/aliases (strict {s / n:.1%})" if n else f"  {sec}: 0")
    if tp:
        print(f"  all coded sections: {tc}/{tp} = {tc / tp:.1%} without label/aliases; "
              f"{tp - tc} verbatim ({(tp - tc) / tp:.1%}); strict clean {ts / tp:.1%}")
    print(f"warnings: {len(warnings)}")
    if args.verbose:
        for w in warnings:
            print("  WARN", w)
    for e in errors:
        print("  FAIL", e)
    print("OK" if not errors else f"FAILED ({len(errors)} errors)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
