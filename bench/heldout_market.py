"""Held-out synthetic market built only from ``bench/heldout/pools.json``.

The pools were written independently of the engine and of ``bench/synth.py``
(see ``bench/heldout/README.md``). This generator follows the same market
logic as the development market (latent sectors / capabilities / need
categories / regions decide the graded relevance; about half of the
profiles and queries carry codes) but every sentence of every description
comes from the held-out pools: profiles use the ``profile`` / ``expert``
lists, queries the ``query`` / ``need`` lists, so a query never shares a
sentence with a profile. Nothing here may be used for tuning: the engine is
tuned on ``bench.synth`` only; this market is for reporting.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from bench.synth import PREF_JA, PREFS, REGION_OF, Market

POOLS = Path(__file__).resolve().parent / "heldout" / "pools.json"

# need-category domain -> expert types that typically serve it
DOMAIN_TYPES = {
    "dx": ["dx_coordinator", "it_expert"],
    "finance": ["financial_adviser", "sme_consultant"],
    "growth": ["innovation_producer", "procurement_adviser"],
    "gx": ["sme_consultant", "tech_adviser"],
    "hr": ["sme_consultant", "yorozu_adviser"],
    "labour": ["sme_consultant", "yorozu_adviser"],
    "price": ["yorozu_adviser", "sme_consultant"],
    "prod": ["sme_consultant", "tech_adviser"],
    "region": ["yorozu_adviser", "sme_consultant"],
    "restructure": ["sme_consultant", "innovation_producer"],
    "rnd": ["tech_adviser", "innovation_producer"],
    "sales": ["yorozu_adviser", "export_adviser"],
    "startup": ["yorozu_adviser", "sme_consultant"],
    "subsidy": ["sme_consultant", "yorozu_adviser"],
    "succession": ["ma_adviser", "sme_consultant"],
    "tax": ["sme_consultant", "financial_adviser"],
    "trade": ["yorozu_adviser", "sme_consultant"],
}
# sectors whose buyers usually demand a certification
SECTOR_CERT = {
    "aerospace": "jisq9100",
    "space": "jisq9100",
    "defense": "jisq9100",
    "automotive": "iatf16949",
    "ev_battery": "iatf16949",
    "medical_devices": "iso13485",
    "food": "fssc22000",
}


def pools_sha256() -> str:
    return hashlib.sha256(POOLS.read_bytes()).hexdigest()


def _domain(code: str) -> str:
    return code.split(".")[0]


def _sent(s: str) -> str:
    return s if s.endswith(("。", "！", "？", "!", "?")) else s + "。"


def generate_heldout(
    n_sme: int = 3000,
    n_expert: int = 400,
    n_buyer: int = 120,
    n_queries: int = 800,
    seed: int = 2026,
    code_rate: float = 0.5,
) -> Market:
    pools = json.loads(POOLS.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    sectors = list(pools["sectors"])
    caps = list(pools["capabilities"])
    needs = list(pools["need_categories"])
    certs_all = set(pools["certifications"])
    sector_cert = {s: c for s, c in SECTOR_CERT.items() if c in certs_all and s in pools["sectors"]}
    fill_p, fill_q = pools["filler"]["profile"], pools["filler"]["query"]
    sec_w = [1.0 / (i + 1) ** 0.6 for i in range(len(sectors))]
    cap_w = [1.0 / (i + 1) ** 0.5 for i in range(len(caps))]
    need_w = [1.0 / (i + 1) ** 0.4 for i in range(len(needs))]
    rng.shuffle(sec_w)
    rng.shuffle(cap_w)
    rng.shuffle(need_w)

    def phrase(section: str, code: str, lst: str) -> str:
        return _sent(rng.choice(pools[section][code][lst]))

    def filler(lst: list[str], p: float) -> str:
        return _sent(rng.choice(lst)) if rng.random() < p else ""

    def pick_pref() -> int:
        return rng.choices(range(47), weights=[3 if i in (3, 12, 13, 22, 26, 39) else 1 for i in range(47)])[0]

    profiles: list[dict] = []
    latent: dict[str, dict] = {}
    for i in range(n_sme):
        pid = f"hsme-{i:05d}"
        ss = list(dict.fromkeys(rng.choices(sectors, sec_w, k=rng.choice([1, 1, 2]))))
        cs = list(dict.fromkeys(rng.choices(caps, cap_w, k=rng.choice([1, 2, 2, 3]))))
        pf = pick_pref()
        certs = ["iso9001"] if rng.random() < 0.5 else []
        for s in ss:
            if s in sector_cert and rng.random() < 0.6 and sector_cert[s] not in certs:
                certs.append(sector_cert[s])
        cap = rng.choice([1, 2, 3, 3, 5])
        active = cap if rng.random() < 0.2 else rng.randint(0, cap - 1)
        body = [phrase("sectors", s, "profile") for s in ss] + [phrase("capabilities", c, "profile") for c in cs]
        rng.shuffle(body)
        text = filler(fill_p, 0.6) + "".join(body)
        if certs and rng.random() < 0.6:
            text += phrase("certifications", rng.choice(certs), "profile")
        text += filler(fill_p, 0.4)
        p = {
            "id": pid,
            "kind": "sme",
            "name": "株式会社"
            + rng.choice(["北辰", "東和", "旭", "協栄", "光洋", "丸三"])
            + rng.choice(["工業", "製作所", "技研"])
            + str(i),
            "prefecture": PREFS[pf],
            "description": text,
            "certifications": certs,
            "capacity": cap,
            "active_engagements": active,
            "industry": "manufacturing",
            "employees": rng.randint(3, 300),
        }
        if rng.random() < code_rate:
            p["sectors"], p["capabilities"] = ss, cs
        profiles.append(p)
        latent[pid] = {"sectors": set(ss), "caps": set(cs), "pref": pf, "certs": set(certs)}

    domains = sorted({_domain(n) for n in needs})
    for i in range(n_expert):
        pid = f"hexp-{i:04d}"
        broad = rng.random() < 0.05
        k = rng.randint(4, 7) if broad else rng.choice([1, 2, 2, 3])
        dom = rng.choice(domains)
        same = [n for n in needs if _domain(n) == dom]
        sk = list(dict.fromkeys([rng.choice(same), *rng.choices(same if rng.random() < 0.6 else needs, k=k - 1)]))
        et = rng.choice(DOMAIN_TYPES.get(_domain(sk[0]), ["sme_consultant"]))
        pf = pick_pref()
        nationwide = broad or rng.random() < 0.15
        regions = (
            []
            if nationwide
            else sorted(
                {PREFS[pf]} | {PREFS[j] for j in range(47) if REGION_OF[j] == REGION_OF[pf] and rng.random() < 0.5}
            )
        )
        cap = rng.choice([1, 1, 2, 3]) if broad else rng.choice([1, 2, 3, 4])
        active = cap if rng.random() < 0.2 else rng.randint(0, cap - 1)
        body = [phrase("need_categories", s, "expert") for s in sk]
        area = "全国" if nationwide else "・".join(PREF_JA[PREFS.index(r)] for r in regions[:3])
        text = phrase("expert_types", et, "expert") + "".join(body) + f"（{area}）" + filler(fill_p, 0.3)
        p = {
            "id": pid,
            "kind": "expert",
            "name": f"専門家{i}",
            "prefecture": PREFS[pf],
            "description": text,
            "expert_type": et,
            "regions": regions,
            "capacity": cap,
            "active_engagements": active,
        }
        if rng.random() < code_rate:
            p["skills"] = sk
        profiles.append(p)
        latent[pid] = {
            "skills": set(sk),
            "regions": {PREFS.index(r) for r in regions} if regions else set(range(47)),
        }

    for i in range(n_buyer):
        pid = f"hbuy-{i:04d}"
        ss = list(dict.fromkeys(rng.choices(sectors, sec_w, k=rng.choice([1, 2]))))
        pf = pick_pref()
        cap = rng.choice([2, 3, 5, 8])
        active = cap if rng.random() < 0.15 else rng.randint(0, cap - 1)
        text = "".join(phrase("sectors", s, "profile") for s in ss) + filler(fill_p, 0.5)
        p = {
            "id": pid,
            "kind": "buyer",
            "name": f"{rng.choice(['日本', '東洋', '中央'])}{rng.choice(['電機', '重工', '化学'])}{i}",
            "prefecture": PREFS[pf],
            "description": text,
            "capacity": cap,
            "active_engagements": active,
        }
        if rng.random() < code_rate:
            p["sectors"] = ss
        profiles.append(p)
        latent[pid] = {"sectors": set(ss), "pref": pf}

    smes = [p for p in profiles if p["kind"] == "sme"]
    experts = [p for p in profiles if p["kind"] == "expert"]
    buyers = [p for p in profiles if p["kind"] == "buyer"]
    queries: list[dict] = []
    qrels: dict[str, dict[str, int]] = {}
    for i in range(n_queries):
        r = rng.random()
        coded = rng.random() < code_rate
        if r < 0.5:
            owner = rng.choice(smes)
            cat = rng.choices(needs, need_w)[0]
            pf = latent[owner["id"]]["pref"]
            a, b = rng.sample(pools["need_categories"][cat]["need"], 2)
            q = {
                "id": f"hneed-{i:05d}",
                "kind": "need",
                "owner": owner["id"],
                "target": "expert",
                "title": a,
                "description": _sent(b) + filler(fill_q, 0.4),
            }
            if coded:
                q["category"] = cat
            if rng.random() < 0.7:
                q["prefecture"] = PREFS[pf]
            rel: dict[str, int] = {}
            for e in experts:
                le = latent[e["id"]]
                covers = pf in le["regions"]
                if cat in le["skills"]:
                    g = 3 if covers else 1
                elif any(_domain(s) == _domain(cat) for s in le["skills"]):
                    g = 1 if covers else 0
                else:
                    g = 0
                if g:
                    rel[e["id"]] = g
        elif r < 0.85:
            owner = rng.choice(buyers)
            sec = rng.choice(sorted(latent[owner["id"]]["sectors"]))
            cs = list(dict.fromkeys(rng.choices(caps, cap_w, k=rng.choice([1, 1, 2]))))
            req = [sector_cert[sec]] if sec in sector_cert and rng.random() < 0.4 else []
            body = [phrase("capabilities", c, "query") for c in cs] + [phrase("sectors", sec, "query")]
            rng.shuffle(body)
            desc = "".join(body) + filler(fill_q, 0.5)
            q = {
                "id": f"hopp-{i:05d}",
                "kind": "opportunity",
                "owner": owner["id"],
                "target": "sme",
                "title": rng.choice(fill_q)[:20] if rng.random() < 0.3 else body[0].rstrip("。"),
                "description": desc,
                "required_certifications": req,
            }
            if coded:
                q["sectors"], q["required_capabilities"] = [sec], cs
            rel = {}
            for s in smes:
                ls = latent[s["id"]]
                if req and not set(req) <= set(s["certifications"]):
                    continue
                capm = len(set(cs) & ls["caps"]) / len(cs)
                secm = sec in ls["sectors"]
                g = 3 if capm == 1 and secm else 2 if capm == 1 else 1 if capm > 0 else 0
                if g:
                    rel[s["id"]] = g
        else:
            owner = rng.choice(smes)
            sec = rng.choices(sectors, sec_w)[0]
            q = {
                "id": f"hneed-{i:05d}",
                "kind": "need",
                "owner": owner["id"],
                "target": "buyer",
                "title": rng.choice(pools["sectors"][sec]["query"]),
                "description": filler(fill_q, 0.5) + phrase("sectors", sec, "query"),
            }
            if coded:
                q["category"], q["sectors"] = "sales.channel", [sec]
            rel = {b["id"]: 2 for b in buyers if sec in latent[b["id"]]["sectors"]}
        queries.append(q)
        qrels[q["id"]] = rel
    return Market(profiles, queries, qrels)
