#!/usr/bin/env python3
"""Validate the hand-graded gold set (stdlib only, no project imports).

Usage: python3 bench/gold/check.py [--vocab PATH]

Checks: every line is valid JSON; required fields; every code exists in the
vocabulary; ids unique; query owners are gold SMEs; every qrels id exists;
grades 0-3; every query has >= 1 grade-3 and >= 3 grade-0 experts; a grade
>= 2 expert covers the query's prefecture (or is nationwide); expert bios are
100-400 characters; SHA256SUMS matches the three data files.
"""
import argparse
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_VOCAB = os.path.join(HERE, "..", "..", "..", "shared", "interchange", "vocabulary.json")
DATA_FILES = ("profiles.jsonl", "queries.jsonl", "qrels.tsv")

errors = []


def err(msg):
    errors.append(msg)


def load_jsonl(name):
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                err("%s:%d: invalid JSON (%s)" % (name, n, e))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", default=os.environ.get("TSUNAGU_VOCAB", DEFAULT_VOCAB))
    args = ap.parse_args()
    with open(args.vocab, encoding="utf-8") as f:
        v = json.load(f)
    codes = {k: {x["code"] for x in v[k]} for k in
             ("prefectures", "sectors", "capabilities", "certifications",
              "need_categories", "expert_types", "industries")}

    def chk(fname, n, kind, values):
        for c in values:
            if c not in codes[kind]:
                err("%s:%d: unknown %s code %r" % (fname, n, kind, c))

    profiles = {}
    for n, p in load_jsonl("profiles.jsonl"):
        for fld in ("id", "kind", "name"):
            if fld not in p:
                err("profiles.jsonl:%d: missing %s" % (n, fld))
        pid = p.get("id")
        if pid in profiles:
            err("profiles.jsonl:%d: duplicate id %s" % (n, pid))
        profiles[pid] = p
        if p.get("prefecture") is not None:
            chk("profiles.jsonl", n, "prefectures", [p["prefecture"]])
        chk("profiles.jsonl", n, "sectors", p.get("sectors", []))
        if p.get("kind") == "expert":
            if not pid.startswith("gx-"):
                err("profiles.jsonl:%d: expert id %s" % (n, pid))
            chk("profiles.jsonl", n, "expert_types", [p["expert_type"]])
            chk("profiles.jsonl", n, "need_categories", p.get("skills", []))
            chk("profiles.jsonl", n, "prefectures", p.get("regions", []))
            cap, act = p.get("capacity"), p.get("active_engagements", 0)
            if not (isinstance(cap, int) and 1 <= cap <= 5 and isinstance(act, int) and 0 <= act <= cap):
                err("profiles.jsonl:%d: capacity/active out of range" % n)
            if not 100 <= len(p.get("description", "")) <= 400:
                err("profiles.jsonl:%d: bio length %d" % (n, len(p.get("description", ""))))
        elif p.get("kind") == "sme":
            if not pid.startswith("gs-"):
                err("profiles.jsonl:%d: sme id %s" % (n, pid))
            chk("profiles.jsonl", n, "capabilities", p.get("capabilities", []))
            chk("profiles.jsonl", n, "certifications", p.get("certifications", []))
            chk("profiles.jsonl", n, "industries", [p["industry"]])
        else:
            err("profiles.jsonl:%d: unexpected kind %r" % (n, p.get("kind")))

    queries = {}
    for n, q in load_jsonl("queries.jsonl"):
        for fld in ("id", "kind", "owner", "target", "title", "description", "source"):
            if fld not in q:
                err("queries.jsonl:%d: missing %s" % (n, fld))
        if q.get("id") in queries or q.get("id") in profiles:
            err("queries.jsonl:%d: duplicate id %s" % (n, q.get("id")))
        queries[q.get("id")] = q
        if q.get("kind") != "need" or q.get("target") != "expert":
            err("queries.jsonl:%d: expected need/expert" % n)
        if profiles.get(q.get("owner"), {}).get("kind") != "sme":
            err("queries.jsonl:%d: owner %s is not a gold SME" % (n, q.get("owner")))
        if "category" in q:
            chk("queries.jsonl", n, "need_categories", [q["category"]])
        chk("queries.jsonl", n, "sectors", q.get("sectors", []))
        if q.get("prefecture") is not None:
            chk("queries.jsonl", n, "prefectures", [q["prefecture"]])

    grades = defaultdict(dict)
    with open(os.path.join(HERE, "qrels.tsv"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or (n == 1 and line.startswith("query_id\t")):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                err("qrels.tsv:%d: expected 4 columns" % n)
                continue
            qid, pid, g, reason = parts
            if qid not in queries:
                err("qrels.tsv:%d: unknown query %s" % (n, qid))
            if profiles.get(pid, {}).get("kind") != "expert":
                err("qrels.tsv:%d: %s is not a gold expert" % (n, pid))
            if g not in ("0", "1", "2", "3"):
                err("qrels.tsv:%d: grade %r" % (n, g))
                continue
            if pid in grades[qid]:
                err("qrels.tsv:%d: duplicate pair %s %s" % (n, qid, pid))
            if not reason.strip():
                err("qrels.tsv:%d: empty reason" % n)
            grades[qid][pid] = int(g)
            e, pref = profiles.get(pid, {}), queries.get(qid, {}).get("prefecture")
            if int(g) >= 2 and pref and e.get("regions") and pref not in e["regions"]:
                err("qrels.tsv:%d: grade %s but %s does not cover prefecture %s" % (n, g, pid, pref))

    for qid in queries:
        c = Counter(grades[qid].values())
        if c[3] < 1:
            err("%s: no grade-3 expert" % qid)
        if c[0] < 3:
            err("%s: fewer than 3 grade-0 distractors" % qid)

    sums = os.path.join(HERE, "SHA256SUMS")
    if os.path.exists(sums):
        listed = {}
        with open(sums, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    h, name = line.split(None, 1)
                    listed[name.strip().lstrip("*")] = h
        for name in DATA_FILES:
            with open(os.path.join(HERE, name), "rb") as f:
                h = hashlib.sha256(f.read()).hexdigest()
            if listed.get(name) != h:
                err("SHA256SUMS: mismatch for %s" % name)
    else:
        err("SHA256SUMS missing")

    experts = [p for p in profiles.values() if p.get("kind") == "expert"]
    bare = sum(1 for p in experts if not p.get("skills") and not p.get("sectors"))
    coded = sum(1 for q in queries.values() if "category" in q or "sectors" in q)
    print("experts %d (code-less %d), smes %d, queries %d (coded %d, text-only %d, controls %d), qrels %d"
          % (len(experts), bare, len(profiles) - len(experts), len(queries), coded,
             len(queries) - coded, sum(1 for q in queries.values() if q.get("control")),
             sum(len(x) for x in grades.values())))
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else "%d error(s)" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
