"""Deterministic demo market for Tsunagu.

``build_market(seed)`` returns interchange-format profiles (SMEs, experts,
buyers) and queries (needs, opportunities) plus demo login personas. Pure
Python (no models or settings; the 法人番号 rule is accounts.rules'), only
``random.Random(seed)`` for randomness, so the same seed always gives
identical output.

Extra fields beyond the interchange README (ignored by the engine):
profiles carry ``email``, ``phone``, ``contact_name`` and, for incorporated
SMEs, ``corporate_number`` (13-digit 法人番号 with a valid check digit);
opportunities carry ``deadline``, ``budget_jpy``, ``restricted`` and ``status``.
"""

from __future__ import annotations

import datetime as _dt
import random
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from accounts.rules import corporate_number_check_digit
from demo import archetypes as _arch
from demo import names as _names
from demo import opportunity_phrases as _op
from demo import phrases as _ph
from ml.vocab import load_vocabulary

T = TypeVar("T")

DEFAULT_SEED = 20261123

N_SME = 330
N_NEEDS = 190
BUYER_TARGETED_NEEDS = 18  # reserved slots; more arise naturally
SOLE_PROPRIETORS = 8
LARGE_FIRMS = 7
SME_CODES_MISSING_SHARE = 0.30
NEED_CODES_MISSING_SHARE = 0.50
OPP_CODES_MISSING_SHARE = 0.45
DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 - public demo login

DESC_MIN = 80
DESC_MAX = 400

# holding this certification implies serving this sector
_CERT_SECTOR = {
    "jisq9100": "aerospace",
    "iatf16949": "automotive",
    "iso13485": "medical_devices",
    "mod_qualified": "defense",
    "haccp": "food",
}
_GOTECH_TYPES = {"innovation_producer", "tech_adviser", "sme_consultant", "financial_adviser"}
_SOFTWARE = {"embedded", "ai_software", "drones"}
_NON_INDUSTRIAL = {"retail_tourism", "food", "textile", "wholesale", "environment"}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


# ----------------------------------------------------------------- helpers


def make_corporate_number(base12: str) -> str:
    """Full 13-digit 法人番号: check digit first, then the 12 base digits."""
    return f"{corporate_number_check_digit(base12)}{base12}"


def to_fullwidth(text: str) -> str:
    """Replace ASCII letters and digits with their full-width forms."""
    return "".join(_FULLWIDTH.get(c, c) for c in text)


def format_yen(amount: int) -> str:
    """Japanese money notation: 3億2,000万円 / 8,500万円 / 50万円."""
    man = amount // 10_000
    oku, rest = divmod(man, 10_000)
    if oku and rest:
        return f"{oku}億{rest:,}万円"
    if oku:
        return f"{oku}億円"
    return f"{man:,}万円"


# ----------------------------------------------------------------- generator


class _MarketBuilder:
    def __init__(self, seed: int, vocab: dict[str, Any]) -> None:
        self.rng = random.Random(seed)
        self.vocab = vocab
        self.pref_ja = {p["code"]: p["ja"] for p in vocab["prefectures"]}
        self.pref_en = {p["code"]: p["en"].lower() for p in vocab["prefectures"]}
        self.pref_region = {p["code"]: p["region"] for p in vocab["prefectures"]}
        self.region_ja = {r["code"]: r["ja"] for r in vocab["regions"]}
        self.labels: dict[str, dict[str, tuple[str, list[str]]]] = {}
        for key in ("sectors", "capabilities", "certifications", "need_categories", "expert_types"):
            self.labels[key] = {e["code"]: (e["ja"], list(e.get("aliases_ja", []))) for e in vocab[key]}
        self.industries = {e["code"]: e for e in vocab["industries"]}
        self.used_stems: set[str] = set()
        self.used_domains: set[str] = set()
        self.used_corp: set[str] = set()
        self.used_person_names: set[str] = set()
        self.used_texts: set[str] = set()

    # -- randomness shorthands
    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        return self.rng.choices(list(items), weights=list(weights), k=1)[0]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        return self.rng.sample(list(seq), min(k, len(seq)))

    # -- text
    def fill(self, template: str, ctx: dict[str, Any]) -> str:
        def repl(m: re.Match[str]) -> str:
            key = m.group(1)
            if key in ctx:
                return str(ctx[key])
            if key in _ph.VARIANTS:
                return self.choice(_ph.VARIANTS[key])
            raise KeyError(f"unknown placeholder {{{key}}} in {template!r}")

        out = template
        for _ in range(4):  # context values may themselves hold placeholders
            if "{" not in out:
                break
            out = _PLACEHOLDER.sub(repl, out)
        return out

    def label(self, kind: str, code: str, alias_p: float = 0.35) -> str:
        ja, aliases = self.labels[kind][code]
        if aliases and self.chance(alias_p):
            return self.choice(aliases)
        return ja

    def join_ja(self, words: list[str]) -> str:
        if not words:
            return ""
        if len(words) == 1:
            return words[0]
        sep = self.choice(["、", "・", "や"])
        if sep == "や" and len(words) > 2:
            return "、".join(words[:-1]) + "や" + words[-1]
        if self.chance(0.3):
            return "、".join(words[:-1]) + "と" + words[-1]
        return sep.join(words)

    def assemble(self, parts: list[tuple[str, bool]], fillers: list[str], ctx: dict[str, Any]) -> str:
        """Join sentences; drop optional ones (from the end) to stay ≤ DESC_MAX
        and append fillers to reach DESC_MIN."""
        parts = [(s, req) for s, req in parts if s]
        text = "".join(s for s, _ in parts)
        while len(text) > DESC_MAX:
            idx = next((i for i in range(len(parts) - 1, -1, -1) if not parts[i][1]), None)
            if idx is None:
                cut = text[:DESC_MAX].rfind("。")
                text = text[: cut + 1] if cut >= DESC_MIN else text[:DESC_MAX]
                break
            parts.pop(idx)
            text = "".join(s for s, _ in parts)
        tries = 0
        while len(text) < DESC_MIN and tries < 10:
            extra = self.fill(self.choice(fillers), ctx)
            if extra not in text and len(text) + len(extra) <= DESC_MAX:
                text += extra
            tries += 1
        return text

    def maybe_fullwidth(self, text: str, p: float) -> str:
        return to_fullwidth(text) if self.chance(p) else text

    # -- people and contacts
    def person(self) -> tuple[str, str, str]:
        """(display name, family romaji, given romaji)"""
        fam, fam_r = self.choice(_names.FAMILY_NAMES)
        giv, giv_r = self.choice(_names.GIVEN_NAMES)
        return f"{fam} {giv}", fam_r, giv_r

    def unique_person(self) -> tuple[str, str, str]:
        for _ in range(500):
            p = self.person()
            if p[0] not in self.used_person_names:
                self.used_person_names.add(p[0])
                return p
        raise RuntimeError("ran out of person names")

    def phone(self, area: str) -> str:
        n_local = 10 - len(area)
        first_len = n_local - 4
        first = str(self.rng.randint(2, 9)) + "".join(str(self.rng.randint(0, 9)) for _ in range(first_len - 1))
        last = f"{self.rng.randint(0, 9999):04d}"
        return f"{area}-{first}-{last}"

    def mobile(self) -> str:
        return f"{self.choice(['080', '090', '070'])}-{self.rng.randint(1000, 9999)}-{self.rng.randint(0, 9999):04d}"

    def domain(self, stem: str) -> str:
        base = re.sub(r"[^a-z0-9-]", "", stem.lower()).strip("-") or "firm"
        dom = f"{base}.example.jp"
        i = 2
        while dom in self.used_domains:
            dom = f"{base}{i}.example.jp"
            i += 1
        self.used_domains.add(dom)
        return dom

    def email(self, domain: str, fam_r: str, giv_r: str) -> str:
        local = self.choice(["info", "soumu", "eigyo", "contact", "person", "person"])
        if local == "person":
            local = f"{giv_r[0]}.{fam_r}" if self.chance(0.5) else f"{fam_r}"
        return f"{local}@{domain}"

    def corporate_number(self, pref: str, form: str) -> str:
        kind = {"株式会社": "01", "有限会社": "02", "合同会社": "03"}.get(form, "01")
        for _ in range(1000):
            registry = f"{int(pref):02d}{self.rng.randint(0, 99):02d}"
            serial = f"{self.rng.randint(1, 999999):06d}"
            number = make_corporate_number(registry + kind + serial)
            if number not in self.used_corp:
                self.used_corp.add(number)
                return number
        raise RuntimeError("could not draw a unique corporate number")

    # ------------------------------------------------------------- SMEs
    def sme_prefectures(self, n: int) -> list[str]:
        n_tohoku = round(n * 0.6)
        tw = _names.TOHOKU_WEIGHTS
        ow = _names.OTHER_WEIGHTS
        prefs = [self.weighted(list(tw), list(tw.values())) for _ in range(n_tohoku)]
        # every Tohoku prefecture appears; then every other prefecture at least once
        for i, code in enumerate(_names.TOHOKU):
            prefs[i] = code
        others = [self.weighted(list(ow), list(ow.values())) for _ in range(n - n_tohoku)]
        for i, code in enumerate(sorted(ow)):
            if i < len(others):
                others[i] = code
        allp = prefs + others
        self.rng.shuffle(allp)
        return allp

    def pick_archetype(self, pref: str) -> dict[str, Any]:
        weights = [a["weight"] * a["bias"].get(pref, 1.0) for a in _arch.ARCHETYPES]
        return self.weighted(_arch.ARCHETYPES, weights)

    def company_name(self, arche: dict[str, Any], pref: str, employees: int, sole: bool) -> tuple[str, str, str]:
        """(name, legal form or '', romaji stem)"""
        for _ in range(500):
            r = self.rng.random()
            if sole or r < 0.15:
                core, core_r = self.choice(_names.FAMILY_NAMES)
            elif pref in _names.TOHOKU and r < 0.55:
                core, core_r = self.choice(_names.TOHOKU_CORES)
            elif pref in _names.REGIONAL_CORES and r < 0.45:
                core, core_r = self.choice(_names.REGIONAL_CORES[pref])
            else:
                core, core_r = self.choice(_names.GENERIC_CORES)
            suffix, suffix_r = self.choice(arche["suffixes"])
            stem = core + suffix
            if stem in self.used_stems:
                continue
            self.used_stems.add(stem)
            romaji = f"{core_r}-{suffix_r}"
            if sole:
                return stem, "", romaji
            r2 = self.rng.random()
            if arche["industry"] == "other" and r2 < 0.2:
                form = "合同会社"
            elif employees < 60 and r2 < 0.3:
                form = "有限会社"
            else:
                form = "株式会社"
            if form == "株式会社" and self.chance(0.4):
                return f"{stem}{form}", form, romaji
            return f"{form}{stem}", form, romaji
        raise RuntimeError("ran out of company names")

    def size(self, arche: dict[str, Any], industry: str, large: bool, sole: bool) -> tuple[int, int]:
        ind = self.industries[industry]
        if sole:
            return self.rng.randint(1, 4), 0
        if large:
            emp = int(ind["sme_max_employees"] * self.rng.uniform(1.15, 4.5))
            cap = int(ind["sme_max_capital_jpy"] * self.choice([1.2, 1.5, 2, 3.3, 5, 8]))
            return emp, cap // 1_000_000 * 1_000_000
        lo, hi = arche["emp"]
        emp = round(lo * (hi / lo) ** self.rng.random())
        emp = max(1, min(emp, ind["sme_max_employees"]))
        if emp <= 5:
            caps = [3, 5, 10, 10, 3]
        elif emp <= 20:
            caps = [5, 10, 10, 20, 30]
        elif emp <= 100:
            caps = [10, 20, 30, 45, 50, 80, 96]
        else:
            caps = [30, 50, 80, 90, 100, 150, 300]
        cap = self.choice(caps) * 1_000_000
        if emp > 50 and self.chance(0.08):  # capital above the threshold, still SME by headcount
            cap = ind["sme_max_capital_jpy"] * 2
        return emp, cap

    def sme(
        self,
        idx: int,
        pref: str,
        arche: dict[str, Any],
        *,
        large: bool = False,
        sole: bool = False,
        codes_missing: bool = False,
        forced: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        forced = forced or {}
        city, area = forced.get("city") or self.choice(_names.CITIES[pref])
        product = self.fill(forced.get("product") or self.choice(arche["products"]), {})
        industry = arche["industry"]
        if arche["key"] == "retail_tourism" and ("旅館" in product or "レストラン" in product):
            industry = "services"
        employees, capital = self.size(arche, industry, large, sole)
        if "employees" in forced:
            employees, capital = forced["employees"], forced["capital_jpy"]
        name, form, romaji = self.company_name(arche, pref, employees, sole)

        # codes
        sectors = [arche["sectors"][0]] + [s for s in arche["sectors"][1:] if self.chance(0.55)]
        if arche["extra_sectors"] and self.chance(0.3):
            sectors.append(self.choice(arche["extra_sectors"]))
        caps = list(arche["caps"])
        if len(caps) > 1 and self.chance(0.15):
            caps = caps[:1]
        n_extra = self.weighted([0, 1, 2], [0.35, 0.45, 0.2])
        caps += [c for c in self.sample(arche["extra_caps"], n_extra) if c not in caps]
        certs: list[str] = []
        damp = 0.35 if employees <= 10 else 1.0
        for code, p in arche["certs"].items():
            if self.chance(p * damp):
                certs.append(code)
        if employees >= 30 and self.chance(0.12):
            certs.append(
                self.choice(
                    ["partnership_declaration", "health_management", "bcp_kyoka", "keiei_ryoku_kojo", "security_action"]
                )
            )
        certs = list(dict.fromkeys(certs))
        for cert, sec in _CERT_SECTOR.items():
            if cert in certs and sec not in sectors:
                sectors.append(sec)
        if "sectors" in forced:
            sectors, caps, certs = forced["sectors"], forced["capabilities"], forced["certifications"]
        sectors = list(dict.fromkeys(sectors))

        founded = self.rng.randint(1948, 2018) if arche["key"] != "drones" else self.rng.randint(2015, 2023)
        years = 2026 - founded
        sales = employees * self.rng.randint(12, 32) * 1_000_000 if employees else 0
        ctx = self.sme_ctx(pref, city, product, arche, employees, years, founded, sales, caps, certs, sectors)
        description = self.sme_description(ctx, arche, sole, caps, certs, pref, codes_missing)

        contact, fam_r, giv_r = self.person()
        dom = self.domain(romaji)
        profile: dict[str, Any] = {
            "id": f"sme-{idx:04d}",
            "kind": "sme",
            "name": name,
            "prefecture": pref,
            "description": description,
        }
        if not codes_missing:
            profile["sectors"] = sectors
            profile["capabilities"] = caps
            profile["certifications"] = certs
        if not codes_missing or self.chance(0.5):
            profile["industry"] = industry
        if not codes_missing or self.chance(0.7):
            profile["employees"] = employees
            profile["capital_jpy"] = capital
        profile["capacity"] = 1 if sole else self.weighted([1, 2, 3, 4, 5], [1, 3, 4, 2, 1])
        profile["active_engagements"] = self.rng.randint(0, min(1, profile["capacity"]))
        if not sole:
            profile["corporate_number"] = self.corporate_number(pref, form)
        profile["contact_name"] = contact
        profile["email"] = self.email(dom, fam_r, giv_r)
        profile["phone"] = self.phone(area)
        # private generator state (stripped before returning)
        profile["_meta"] = {
            "arche": arche,
            "city": city,
            "product": product,
            "ctx": ctx,
            "sectors": sectors,
            "caps": caps,
            "certs": certs,
            "coded": not codes_missing,
        }
        return profile

    def sme_ctx(
        self,
        pref: str,
        city: str,
        product: str,
        arche: dict[str, Any],
        employees: int,
        years: int,
        founded: int,
        sales: int,
        caps: list[str],
        certs: list[str],
        sectors: list[str],
    ) -> dict[str, Any]:
        target = [s for s in arche["extra_sectors"] if s not in sectors] or sectors
        return {
            "pref": self.pref_ja[pref] if self.chance(0.8) else "",
            "city": city,
            "product": product,
            "label": arche["label"],
            "emp": employees,
            "years": years,
            "founded": founded,
            "sales": format_yen(sales) if sales else "数百万円",
            "customer": self.fill(self.choice(arche["customers"]), {}),
            "equip": self.fill(self.join_ja(self.sample(arche["equipment"], 2)), {}),
            "strength": self.choice(arche["strengths"]),
            "cap_words": self.join_ja([self.label("capabilities", c) for c in caps[:3]]),
            "cert_words": self.join_ja([self.label("certifications", c, 0.4) for c in certs[:3]]),
            "sector_words": self.join_ja([self.label("sectors", s, 0.2) for s in self.sample(target, 2)]),
            "pct": self.rng.randint(2, 7),
            "product_short": product.split("の")[-1] if "の" in product else product,
            "making": "開発している"
            if arche["key"] in _SOFTWARE
            else (
                "製造している"
                if arche["industry"] == "manufacturing" and arche["key"] != "construction"
                else "手がけている"
            ),
            "site_phrase": f"{city}の工業団地"
            if arche["industry"] == "manufacturing" and arche["key"] not in _NON_INDUSTRIAL | {"construction"}
            else city,
        }

    def sme_description(
        self,
        ctx: dict[str, Any],
        arche: dict[str, Any],
        sole: bool,
        caps: list[str],
        certs: list[str],
        pref: str,
        codes_missing: bool,
    ) -> str:
        for _ in range(20):
            if arche.get("openers") or arche["key"] in _ph.SME_OPENERS_BY_KEY:
                openers = arche.get("openers") or _ph.SME_OPENERS_BY_KEY[arche["key"]]
            elif arche["key"] in _SOFTWARE:
                openers = _ph.SME_OPENERS_SOFTWARE
            else:
                openers = _ph.SME_OPENERS_SOLE if sole else _ph.SME_OPENERS
            opener = self.choice(openers)
            parts: list[tuple[str, bool]] = [(self.fill(opener, ctx), True)]
            cap_t = self.choice(_ph.SME_CAPABILITY if caps else _ph.SME_CAPABILITY_NONE)
            parts.append((self.fill(cap_t, ctx), True))
            if certs and (codes_missing or self.chance(0.75)):
                parts.append((self.fill(self.choice(_ph.SME_CERTS), ctx), codes_missing))
            colour = _ph.REGION_COLOUR.get(pref)
            if colour and arche["key"] not in _NON_INDUSTRIAL and self.chance(0.45):
                parts.append((self.fill(self.choice(colour), ctx), False))
            outlook = _ph.SME_OUTLOOK_SERVICE if arche["key"] in _NON_INDUSTRIAL | _SOFTWARE else _ph.SME_OUTLOOK
            picked = self.sample(outlook, self.rng.randint(1, 2))
            if sum("{sales}" in t for t in picked) > 1:
                picked = picked[:1]
            for t in picked:
                parts.append((self.fill(t, ctx), False))
            if self.chance(0.25):
                head, tail = parts[0], parts[1:]
                self.rng.shuffle(tail)
                parts = [head, *tail]
            text = self.assemble(parts, outlook, ctx)
            text = self.maybe_fullwidth(text, 0.08)
            if text not in self.used_texts:
                self.used_texts.add(text)
                return text
        return text

    def build_smes(self) -> list[dict[str, Any]]:
        prefs = self.sme_prefectures(N_SME)
        # persona SME: a Miyagi precision-machining shop eyeing semiconductors
        semi = next(a for a in _arch.ARCHETYPES if a["key"] == "semi_machining")
        if "04" in prefs:
            prefs.remove("04")
        persona = self.sme(
            1,
            "04",
            semi,
            forced={
                "city": ("名取市", "022"),
                "product": "{semi_eq}向けの真空チャンバー部品やアルミ・ステンレスの精密切削部品",
                "employees": 48,
                "capital_jpy": 30_000_000,
                "sectors": ["semiconductor", "precision_machinery"],
                "capabilities": ["precision_machining", "semiconductor_equipment_parts", "inspection_measurement"],
                "certifications": ["iso9001", "iso14001"],
            },
        )
        smes = [persona]
        n = len(prefs)
        order = list(range(n))
        self.rng.shuffle(order)
        sole_idx = set(order[:SOLE_PROPRIETORS])
        large_idx = set(order[SOLE_PROPRIETORS : SOLE_PROPRIETORS + LARGE_FIRMS])
        missing_idx = set(
            order[
                SOLE_PROPRIETORS + LARGE_FIRMS : SOLE_PROPRIETORS + LARGE_FIRMS + round(N_SME * SME_CODES_MISSING_SHARE)
            ]
        )
        sole_keys = {
            "sheet_metal",
            "ai_software",
            "food",
            "retail_tourism",
            "am_proto",
            "textile",
            "construction",
            "embedded",
        }
        large_keys = {
            "auto_press",
            "ems",
            "semi_machining",
            "aero_parts",
            "battery_chem",
            "molding",
            "forging",
            "food",
            "construction",
            "thermal_ev",
        }
        for i, pref in enumerate(prefs):
            arche = self.pick_archetype(pref)
            sole = i in sole_idx
            large = i in large_idx
            if sole:
                while arche["key"] not in sole_keys:
                    arche = self.pick_archetype(pref)
            if large:
                while arche["key"] not in large_keys:
                    arche = self.pick_archetype(pref)
            smes.append(self.sme(len(smes) + 1, pref, arche, large=large, sole=sole, codes_missing=i in missing_idx))
        return smes

    # ------------------------------------------------------------- experts
    def build_experts(self) -> list[dict[str, Any]]:
        experts: list[dict[str, Any]] = []
        tohoku = _names.TOHOKU
        # persona expert: semiconductor innovation producer covering Tohoku
        bg0 = _ph.EXPERT_BACKGROUNDS["innovation_producer"][0]
        experts.append(
            self.expert(
                1,
                "innovation_producer",
                bg0,
                forced_regions=list(tohoku),
                forced_pref="04",
                forced_skills=[
                    "growth.semiconductor_entry",
                    "rnd.go_tech",
                    "rnd.collab",
                    "dx.shopfloor_process",
                    "sales.channel",
                    "price.pass_through",
                ],
                forced_capacity=(4, 1),
            )
        )
        counts = dict(_ph.EXPERT_TYPE_COUNTS)
        counts["innovation_producer"] -= 1
        yorozu_prefs = ["02", "03", "04", "05", "06", "07", "13", "23", "27", "43", "01", "15"]
        lab_prefs = list(_names.TOHOKU)
        self.rng.shuffle(lab_prefs)
        for etype, count in counts.items():
            backgrounds = _ph.EXPERT_BACKGROUNDS[etype]
            for k in range(count):
                bg = backgrounds[k % len(backgrounds)] if k < len(backgrounds) else self.choice(backgrounds)
                regions: list[str]
                pref: str
                if etype == "yorozu_adviser":
                    pref = yorozu_prefs[k % len(yorozu_prefs)]
                    regions = [pref]
                elif etype == "tech_adviser":
                    pref = lab_prefs[k % len(lab_prefs)]
                    others = [p for p in tohoku if p != pref]
                    regions = [pref, *self.sample(others, self.rng.randint(0, 2))]
                elif etype in ("innovation_producer", "procurement_adviser"):
                    if self.chance(0.5):
                        pref, regions = self.choice(["13", "04", "23", "27"]), []
                    else:
                        pref = self.choice(tohoku)
                        regions = sorted({pref, *self.sample(tohoku, self.rng.randint(2, 5))})
                elif etype in ("dx_coordinator", "it_expert"):
                    if self.chance(0.75):
                        pref = self.choice(tohoku)
                    else:
                        pref = self.choice(["13", "14", "23", "27", "40", "15", "01"])
                    if etype == "it_expert" and self.chance(0.25):
                        regions = []
                    else:
                        same_region = [
                            p for p, r in self.pref_region.items() if r == self.pref_region[pref] and p != pref
                        ]
                        regions = sorted({pref, *self.sample(same_region, self.rng.randint(0, 2))})
                else:
                    pref = self.weighted(
                        ["04", "03", "07", "13", "06", "27", "23", "02", "05"], [4, 2, 2, 3, 1, 1, 1, 1, 1]
                    )
                    if self.chance(0.3):
                        regions = []
                    else:
                        same_region = [
                            p for p, r in self.pref_region.items() if r == self.pref_region[pref] and p != pref
                        ]
                        regions = sorted({pref, *self.sample(same_region, self.rng.randint(0, 3))})
                experts.append(self.expert(len(experts) + 1, etype, bg, forced_regions=regions, forced_pref=pref))
        return experts

    def expert(
        self,
        idx: int,
        etype: str,
        bg: dict[str, Any],
        *,
        forced_regions: list[str],
        forced_pref: str,
        forced_skills: list[str] | None = None,
        forced_capacity: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        name, fam_r, giv_r = self.unique_person()
        pool = list(bg["skills"])
        skills = forced_skills or self.sample(pool, self.rng.randint(min(3, len(pool)), len(pool)))
        if forced_skills is None and self.chance(0.3):
            extra = self.choice(
                [
                    "subsidy.application",
                    "sales.channel",
                    "hr.reskilling",
                    "dx.it_tools",
                    "price.pass_through",
                    "gx.carbon_neutral",
                ]
            )
            if extra not in skills:
                skills.append(extra)
        sectors = list(bg["sectors"])
        if forced_capacity:
            capacity, active = forced_capacity
        else:
            capacity = self.weighted([1, 2, 3, 4, 5], [1, 2, 3, 2, 2])
            r = self.rng.random()
            active = capacity if r < 0.2 else (0 if r < 0.45 else self.rng.randint(0, capacity))
        lab = _ph.TECH_LABS.get(forced_pref, "公設試験研究機関")
        region_ja = (
            "全国"
            if not forced_regions
            else (
                self.region_ja[self.pref_region[forced_regions[0]]]
                if len(forced_regions) > 2
                else "・".join(self.pref_ja[p] for p in forced_regions)
            )
        )
        ctx = {
            "pref": self.pref_ja[forced_pref],
            "lab": lab,
            "n": self.rng.randint(2, 9),
            "visits": self.rng.randint(1, 4),
            "pct": self.rng.randint(5, 8),
            "region_ja": region_ja,
        }
        description = ""
        for _ in range(20):
            parts: list[tuple[str, bool]] = [
                (self.fill(self.choice(_ph.EXPERT_TYPE_INTROS[etype]), ctx), True),
                (self.fill(str(bg["text"]), ctx), True),
            ]
            skill_words = self.join_ja([self.label("need_categories", s, 0.3) for s in skills[:4]])
            parts.append(
                (
                    self.fill(
                        self.choice(
                            [
                                "得意分野は{sw}です。",
                                "主な支援テーマ：{sw}。",
                                "{sw}のご相談をお受けしています。",
                                "{sw}について、実務に即した助言を行います。",
                            ]
                        ),
                        {"sw": skill_words},
                    ),
                    True,
                )
            )
            records = [
                r
                for r in _ph.EXPERT_RECORDS
                if ("{gotech}" not in r or etype in _GOTECH_TYPES) and ("{region_ja}" not in r or forced_regions)
            ]
            for t in self.sample(_ph.EXPERT_APPROACH, 1) + self.sample(records, 1):
                parts.append((self.fill(t, ctx), False))
            if forced_regions == []:
                parts.append(("全国どこでも対応します（遠方はオンライン中心）。", False))
            description = self.assemble(parts, _ph.EXPERT_APPROACH, ctx)
            if description not in self.used_texts:
                self.used_texts.add(description)
                break
        if etype == "yorozu_adviser":
            dom = f"yorozu-{self.pref_en[forced_pref]}.example.jp"
        elif etype == "tech_adviser":
            dom = f"iri-{self.pref_en[forced_pref]}.example.jp"
        elif etype == "innovation_producer" and self.chance(0.5):
            dom = "innovp-network.example.jp"
        else:
            dom = self.domain(f"{fam_r}-office")
        profile: dict[str, Any] = {
            "id": f"expert-{idx:04d}",
            "kind": "expert",
            "name": name,
            "prefecture": forced_pref,
            "description": description,
            "sectors": sectors,
            "expert_type": etype,
            "skills": skills,
            "regions": forced_regions,
            "capacity": capacity,
            "active_engagements": active,
            "contact_name": name,
            "email": f"{giv_r}.{fam_r}@{dom}",
            "phone": self.mobile(),
        }
        return profile

    # ------------------------------------------------------------- buyers
    def build_buyers(self) -> list[dict[str, Any]]:
        source = sorted(_names.BUYERS, key=lambda b: b["romaji"] != "miyagi-semicon")
        buyers: list[dict[str, Any]] = []
        for i, b in enumerate(source, start=1):
            pref = str(b["prefecture"])
            area = next((a for c, a in _names.CITIES[pref] if c == b["city"]), _names.CITIES[pref][0][1])
            contact, _fam_r, _giv_r = self.person()
            ctx: dict[str, Any] = {}
            parts = [(str(b["intro"]), True)]
            for t in self.sample(_op.BUYER_POLICY, 3):
                parts.append((self.fill(t, ctx), False))
            sectors = list(b["sectors"])  # type: ignore[call-overload]
            sector_words = self.join_ja([self.label("sectors", s, 0.2) for s in sectors])
            parts.append((f"主な調達分野は{sector_words}関連です。", False))
            description = self.assemble(parts, _op.BUYER_POLICY, ctx)
            capacity = int(b["capacity"])  # type: ignore[call-overload]
            dom = self.domain(str(b["romaji"]))
            buyers.append(
                {
                    "id": f"buyer-{i:04d}",
                    "kind": "buyer",
                    "name": b["name"],
                    "prefecture": pref,
                    "description": description,
                    "sectors": sectors,
                    "capacity": capacity,
                    "active_engagements": self.rng.randint(0, max(0, capacity - 1)),
                    "contact_name": contact,
                    "email": f"{self.choice(['procurement', 'chotatsu', 'purchasing', 'kobai'])}@{dom}",
                    "phone": self.phone(area),
                    "_meta": {"city": b["city"]},
                }
            )
        return buyers

    # ------------------------------------------------------------- needs
    _GROWTH_SECTOR = {
        "growth.semiconductor_entry": "semiconductor",
        "growth.defense_entry": "defense",
        "growth.aerospace_entry": "aerospace",
        "growth.automotive_ev_transition": "ev_battery",
        "growth.medical_entry": "medical_devices",
    }

    def need_ctx(self, sme: dict[str, Any], sector: str | None) -> dict[str, Any]:
        meta = sme["_meta"]
        base = dict(meta["ctx"])
        caps = meta["caps"]
        year = self.choice([2027, 2027, 2027, 2028])
        base.update(
            {
                "pct": self.rng.randint(2, 8),
                "n": self.rng.randint(2, 6),
                "emp_small": self.rng.randint(2, 8),
                "hours": self.choice([45, 60, 70, 80]),
                "budget": self.choice(
                    ["100万円", "200万円", "300万円", "500万円", "1,000万円", "1,500万円", "数百万円"]
                ),
                "year": year,
                "month": self.rng.randint(1, 12),
                "stage": self.choice(_ph.DX_STAGES),
                "age": self.rng.randint(64, 78),
                "years2": self.rng.randint(2, 12),
                "cap_ja": self.label("capabilities", caps[0], 0.5) if caps else "ものづくり",
                "sector_ja": self.label("sectors", sector, 0.2) if sector else "成長",
                "region_ja": self.pref_ja[sme["prefecture"]],
                "pref_short": self.pref_ja[sme["prefecture"]].rstrip("県府都")
                if sme["prefecture"] != "01"
                else "北海道",
                "cert_phrase": (
                    self.join_ja([self.label("certifications", c, 0.3) for c in meta["certs"][:2]]) + "を取得しており、"
                )
                if meta["certs"]
                else "",
            }
        )
        return base

    def need(self, idx: int, sme: dict[str, Any], category: str, target: str, codes_missing: bool) -> dict[str, Any]:
        meta = sme["_meta"]
        sector: str | None = self._GROWTH_SECTOR.get(category)
        if target == "buyer" and sector is None:
            buyer_sectors = {
                "semiconductor",
                "defense",
                "aerospace",
                "automotive",
                "ev_battery",
                "space",
                "electronics",
            }
            sector = next((s for s in meta["sectors"] if s in buyer_sectors), "automotive")
        if category == "growth.automotive_ev_transition" and self.chance(0.5):
            sector = "automotive"
        ctx = self.need_ctx(sme, sector)
        content = _ph.NEED_CONTENT.get(category)
        if content is None:
            label = self.labels["need_categories"][category][0]
            content = {
                "t": [f"{label}について相談したい"],
                "p": [f"{label}に関する課題を抱えています。"],
                "g": [f"{label}に詳しい専門家の助言をいただきたいです。"],
            }
        title = description = ""
        for _ in range(30):
            if target == "buyer":
                title = self.fill(self.choice(_ph.BUYER_NEED_TITLES + content["t"]), ctx)
            else:
                pre, post = self.choice(_ph.NEED_TITLE_DECOR)
                title = self.fill(pre, ctx) + self.fill(self.choice(content["t"]), ctx) + self.fill(post, ctx)
            situations = _ph.NEED_SITUATIONS
            if meta["arche"]["key"] in _NON_INDUSTRIAL:
                situations = [t for t in situations if not any(w in t for w in ("協力会社", "納めて", "量産"))]
            situation = self.fill(self.choice(situations), ctx)
            problems = self.sample(content["p"], self.weighted([1, 2], [0.6, 0.4]))
            problem = "".join(self.fill(p, ctx) for p in problems)
            goal = self.fill(self.choice(content["g"]), ctx)
            constraint = self.fill(self.choice(_ph.NEED_CONSTRAINTS), ctx)
            timeline = self.fill(self.choice(_ph.NEED_TIMELINES), ctx)
            if target == "buyer":
                problem = self.fill(self.choice(_ph.BUYER_NEED_PROBLEMS), ctx) + problem
                request = self.fill(self.choice(_ph.NEED_REQUESTS_BUYER), ctx)
            else:
                request = self.fill(self.choice(_ph.NEED_REQUESTS_EXPERT), ctx)
            colour = _ph.REGION_COLOUR.get(sme["prefecture"]) if meta["arche"]["key"] not in _NON_INDUSTRIAL else None
            colour_s = self.fill(self.choice(colour), ctx) if colour and self.chance(0.2) else ""
            r = self.rng.random()
            parts: list[tuple[str, bool]]
            if r < 0.55:
                parts = [
                    (situation, False),
                    (problem, True),
                    (colour_s, False),
                    (constraint, False),
                    (goal, True),
                    (timeline, False),
                    (request, False),
                ]
            elif r < 0.8:
                parts = [
                    (problem, True),
                    (situation, False),
                    (goal, True),
                    (timeline, False),
                    (constraint, False),
                    (request, False),
                ]
            else:
                parts = [
                    (goal, True),
                    (situation, False),
                    (problem, True),
                    (colour_s, False),
                    (request, False),
                    (timeline, False),
                ]
            # drop a random optional part now and then for rhythm
            if self.chance(0.35):
                opt = [i for i, (s, req) in enumerate(parts) if not req and s]
                if opt:
                    parts.pop(self.choice(opt))
            description = self.assemble(parts, _ph.NEED_CONSTRAINTS, ctx)
            if description not in self.used_texts:
                self.used_texts.add(description)
                break
        description = self.maybe_fullwidth(description, 0.08)
        title = self.maybe_fullwidth(title, 0.04)
        need: dict[str, Any] = {
            "id": f"need-{idx:04d}",
            "kind": "need",
            "owner": sme["id"],
            "target": target,
            "title": title,
            "description": description,
        }
        if not codes_missing:
            need["category"] = category
            if sector:
                need["sectors"] = [sector]
            else:
                need["sectors"] = self.sample(meta["sectors"], self.rng.randint(0, 2))
        if self.chance(0.9):
            need["prefecture"] = sme["prefecture"]
        return need

    def build_needs(self, smes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        needs: list[dict[str, Any]] = []
        persona = smes[0]
        persona_plan = [
            ("growth.semiconductor_entry", "buyer"),
            ("dx.shopfloor_process", "expert"),
            ("rnd.go_tech", "expert"),
            ("price.pass_through", "expert"),
            ("hr.core_hiring", "expert"),
            ("growth.semiconductor_entry", "expert"),
        ]
        for cat, target in persona_plan:
            needs.append(self.need(len(needs) + 1, persona, cat, target, codes_missing=False))
        others = smes[1:]
        n_missing = round((N_NEEDS - len(needs)) * NEED_CODES_MISSING_SHARE)
        flags = [True] * n_missing + [False] * (N_NEEDS - len(needs) - n_missing)
        self.rng.shuffle(flags)
        buyer_growth = {
            "growth.semiconductor_entry",
            "growth.defense_entry",
            "growth.aerospace_entry",
            "growth.automotive_ev_transition",
        }
        general = [
            "subsidy.application",
            "price.pass_through",
            "dx.digitization",
            "hr.recruiting",
            "labour.shortage",
            "succession.handover",
            "dx.it_tools",
            "finance.cashflow",
            "gx.carbon_neutral",
            "dx.strategy",
            "sales.channel",
            "labour.wage_increase",
            "hr.workplace",
            "dx.security",
            "prod.process",
            "price.costing",
        ]
        # a fixed share of needs are SMEs looking for growth-sector customers
        sector_growth = {
            "semiconductor": "growth.semiconductor_entry",
            "defense": "growth.defense_entry",
            "aerospace": "growth.aerospace_entry",
            "automotive": "growth.automotive_ev_transition",
            "ev_battery": "growth.automotive_ev_transition",
        }
        growth_smes = [p for p in others if set(p["_meta"]["sectors"]) & set(sector_growth)]
        buyer_slots = set(self.sample(range(len(flags)), BUYER_TARGETED_NEEDS))
        for slot, missing in enumerate(flags):
            if slot in buyer_slots and growth_smes:
                sme = self.choice(growth_smes)
                options = [sector_growth[x] for x in sme["_meta"]["sectors"] if x in sector_growth]
                category = self.choice([*options, "sales.channel"])
                needs.append(self.need(len(needs) + 1, sme, category, "buyer", missing))
                continue
            sme = self.choice(others)
            arche = sme["_meta"]["arche"]
            if self.chance(0.75):
                cats = list(arche["needs"])
                category = self.weighted(cats, [arche["needs"][c] for c in cats])
            else:
                category = self.choice(general)
            target = "expert"
            growth_sme = any(
                s in {"semiconductor", "defense", "aerospace", "automotive", "ev_battery"}
                for s in sme["_meta"]["sectors"]
            )
            if (category in buyer_growth and self.chance(0.8)) or (
                category == "sales.channel" and self.chance(0.7) and growth_sme
            ):
                target = "buyer"
            needs.append(self.need(len(needs) + 1, sme, category, target, missing))
        return needs

    # ------------------------------------------------------------- opportunities
    def satisfying(self, smes: list[dict[str, Any]], caps: list[str], certs: list[str]) -> list[dict[str, Any]]:
        return [
            s
            for s in smes
            if s["_meta"]["coded"] and set(certs) <= set(s["_meta"]["certs"]) and set(caps) & set(s["_meta"]["caps"])
        ]

    def opportunity(
        self,
        idx: int,
        buyer: dict[str, Any],
        item: dict[str, Any],
        smes: list[dict[str, Any]],
        codes_missing: bool,
        forced: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        forced = forced or {}
        caps = list(item["caps"])
        if len(caps) > 2 and self.chance(0.4):
            caps = self.sample(caps, 2)
            if not self.satisfying(smes, caps, []):
                caps = list(item["caps"])
        # mandatory certifications: only ones that some coded SME with a matching
        # capability actually holds, so the opportunity stays satisfiable
        pool = list(item["certs"])
        restricted = forced.get("restricted") or (
            "defense" in item["sectors"] and "defense" in buyer["sectors"] and self.chance(0.6)
        )
        k = self.weighted([0, 1, 2], [0.3, 0.5, 0.2])
        if restricted and "mod_qualified" in pool:
            chosen = ["mod_qualified"]
            k = max(0, k - 1)
            rest = [c for c in pool if c != "mod_qualified"]
        else:
            chosen, rest = [], pool
        chosen += self.sample(rest, k)
        while chosen and len(self.satisfying(smes, caps, chosen)) < 2:
            chosen.pop()
        if "required_certifications" in forced:
            chosen = forced["required_certifications"]
            caps = forced["required_capabilities"]
        sector_codes = [s for s in item["sectors"] if s in buyer["sectors"]] or list(item["sectors"][:1])
        item_name = self.fill(item["item"], {})
        material = self.choice(item["materials"])
        deadline = _dt.date(2026, 12, 1) + _dt.timedelta(days=self.rng.randint(0, 211))
        if "deadline" in forced:
            deadline = forced["deadline"]
        budget = int(3_000_000 * 100 ** self.rng.random()) // 100_000 * 100_000
        if "budget_jpy" in forced:
            budget = forced["budget_jpy"]
        fy = self.choice([2027, 2027, 2028])
        area_pref = buyer["prefecture"]
        ctx: dict[str, Any] = {
            "item": item_name,
            "process": item["process"],
            "material": material,
            "sector_ja": self.label("sectors", sector_codes[0], 0.25),
            "site": self.choice(
                [
                    f"{buyer['_meta']['city']}工場",
                    f"{buyer['_meta']['city']}事業所",
                    "本社工場",
                    "新工場",
                    "開発センター",
                ]
            ),
            "fy": fy,
            "year": fy,
            "month": self.rng.randint(1, 12),
            "area": self.choice(["東北", "全国", self.pref_ja[area_pref], "東日本"]),
            "pct": self.rng.randint(2, 6),
            "qty": "",
            "tol": self.choice(_op.TOLERANCES),
            "weeks": self.choice([2, 3, 4, 6, 8]),
            "budget": format_yen(budget),
            "deadline_ja": f"{deadline.year}年{deadline.month}月{deadline.day}日",
            "n": self.rng.randint(2, 5),
            "q": self.choice([50, 100, 200, 300, 500, 1000, 2000, "1万", "5万"]),
            "cert_text": self.join_ja([self.label("certifications", c, 0.4) for c in chosen]),
            "cap_text": self.join_ja([self.label("capabilities", c, 0.4) for c in caps]),
        }
        ctx["qty"] = self.fill(self.choice(_op.QUANTITIES), ctx)
        title = description = ""
        for _ in range(30):
            title = self.fill(self.choice(_op.OPP_TITLES), ctx)
            parts: list[tuple[str, bool]] = []
            if self.chance(0.35):
                parts.append((str(buyer["description"]).split("。")[0] + "。", False))
            parts.append((self.fill(self.choice(_op.OPP_INTROS), ctx), True))
            specs = _op.ITEM_SPECS.get(item["item"], _op.OPP_SPECS)
            parts.append((self.fill(self.choice(specs), ctx), True))
            if restricted:
                parts.append((self.choice(_op.OPP_RESTRICTED), True))
            if chosen:
                parts.append((self.fill(self.choice(_op.OPP_REQS_CERT), ctx), True))
            parts.append((self.fill(self.choice(_op.OPP_REQS_CAP), ctx), codes_missing))
            for t in self.sample(_op.OPP_CONDITIONS, self.rng.randint(1, 3)):
                parts.append((self.fill(t, ctx), False))
            parts.append((self.choice(_op.OPP_CLOSING), False))
            description = self.assemble(parts, _op.OPP_CONDITIONS, ctx)
            if description not in self.used_texts:
                self.used_texts.add(description)
                break
        description = self.maybe_fullwidth(description, 0.06)
        status = forced.get("status") or self.weighted(["open", "draft", "closed"], [0.8, 0.1, 0.1])
        opp: dict[str, Any] = {
            "id": f"opp-{idx:04d}",
            "kind": "opportunity",
            "owner": buyer["id"],
            "target": "sme",
            "title": title,
            "description": description,
        }
        if not codes_missing:
            opp["sectors"] = sector_codes
            opp["required_capabilities"] = caps
        opp["required_certifications"] = chosen
        opp["prefecture"] = forced.get("prefecture", area_pref)
        opp["deadline"] = deadline.isoformat()
        opp["budget_jpy"] = budget
        opp["restricted"] = restricted
        opp["status"] = status
        return opp

    def build_opportunities(self, buyers: list[dict[str, Any]], smes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        opps: list[dict[str, Any]] = []
        first_item = _op.OPP_ITEMS[0]
        opps.append(
            self.opportunity(
                1,
                buyers[0],
                first_item,
                smes,
                codes_missing=False,
                forced={
                    "required_certifications": ["iso9001"],
                    "required_capabilities": ["precision_machining", "semiconductor_equipment_parts"],
                    "deadline": _dt.date(2027, 2, 26),
                    "budget_jpy": 24_000_000,
                    "status": "open",
                    "prefecture": "04",
                },
            )
        )
        plan: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for b in buyers:
            # only items that at least one coded SME could supply
            items = [
                it
                for it in _op.OPP_ITEMS
                if set(it["sectors"]) & set(b["sectors"]) and self.satisfying(smes, it["caps"], [])
            ]
            n = 3 if b["capacity"] >= 4 else 2
            if b is buyers[0]:
                n -= 1
                items = [it for it in items if it is not first_item]
            for it in self.sample(items, n):
                plan.append((b, it))
        n_missing = round(len(plan) * OPP_CODES_MISSING_SHARE)
        flags = [True] * n_missing + [False] * (len(plan) - n_missing)
        self.rng.shuffle(flags)
        forced_restricted = False
        for (b, it), missing in zip(plan, flags, strict=True):
            forced: dict[str, Any] = {}
            if not forced_restricted and "defense" in b["sectors"] and "defense" in it["sectors"]:
                forced = {"restricted": True}
                forced_restricted = True
            opps.append(self.opportunity(len(opps) + 1, b, it, smes, missing, forced))
        return opps

    # ------------------------------------------------------------- all
    def build(self) -> dict[str, Any]:
        smes = self.build_smes()
        experts = self.build_experts()
        buyers = self.build_buyers()
        needs = self.build_needs(smes)
        opps = self.build_opportunities(buyers, smes)
        personas = {
            "sme": {
                "email": "sme@demo.tsunagu.jp",
                "password": DEMO_PASSWORD,
                "profile_id": smes[0]["id"],
                "name": smes[0]["contact_name"],
            },
            "expert": {
                "email": "expert@demo.tsunagu.jp",
                "password": DEMO_PASSWORD,
                "profile_id": experts[0]["id"],
                "name": experts[0]["name"],
            },
            "buyer": {
                "email": "buyer@demo.tsunagu.jp",
                "password": DEMO_PASSWORD,
                "profile_id": buyers[0]["id"],
                "name": buyers[0]["contact_name"],
            },
            "bureau": {
                "email": "bureau@demo.tsunagu.jp",
                "password": DEMO_PASSWORD,
                "prefecture": "04",
                "name": "東北経済産業局 デモ担当",
            },
        }
        for p in smes + buyers:
            p.pop("_meta", None)
        return {"profiles": smes + experts + buyers, "queries": needs + opps, "personas": personas}


def build_market(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Return {"profiles": [...], "queries": [...], "personas": {...}} — deterministic for a seed.

    Profiles are SMEs (``sme-0001``…), experts (``expert-0001``…) and buyers
    (``buyer-0001``…); queries are needs (``need-0001``…) and opportunities
    (``opp-0001``…), all as interchange-format dicts.  ``personas`` holds the
    demo logins (sme / expert / buyer / bureau) and the profile each one owns.
    """
    return _MarketBuilder(seed, load_vocabulary()).build()
