"""Quality, market, fairness and learning benchmarks.

Three evaluation sets, all ranked through the command line contract
(``python -m ml rank|train|evaluate``), exactly as an outside evaluation
runs it:

* ``dev``: the development market (``bench.synth``). The only set anything
  may be tuned on.
* ``heldout``: a market built from the frozen, independently written phrase
  pools (``bench.heldout_market``). Reporting only.
* ``gold``: the frozen hand-graded real-text set (``bench/gold``). Reporting only.

Baselines (``bench.baseline``): bm25s over character bigrams (text), the same
with codes / regions / categories as tokens (``bm25s+codes``, the reference
for the targets) and, for the market, ``bm25s+codes`` skipping candidates at
full capacity. Every figure is reported per slice: queries with codes vs
text only, and by target kind. ``engine (codes stripped)`` ranks the same
data with every sector / capability / skill / category code removed.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.baseline import BM25Baseline, remaining
from bench.heldout_market import generate_heldout, pools_sha256
from bench.metrics import (
    ACCEPT,
    APPLY,
    expected_matches,
    exposure,
    gini,
    hit_at,
    mean_over,
    ndcg_at,
    never_shown_share,
    rr,
)
from bench.synth import generate

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent
GOLD = Path(__file__).resolve().parent / "gold"
STRIP = ("sectors", "capabilities", "skills", "category", "required_capabilities")
EXPOSURE_WEIGHTS = (0.0, 0.1, 0.2, 0.4, 0.8, 1.5)


def _write(path: Path, objs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for o in objs:
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _ml(*args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    import os

    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "ml", "--quiet", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if proc.returncode != 0:
        raise SystemExit(f"python -m ml {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return time.time() - t0, proc.stdout


def _read_results(path: Path) -> dict[str, list[str]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        o = json.loads(line)
        out[o["query"]] = [r["id"] for r in o["results"]]
    return out


def table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(f"{x:.3f}" if isinstance(x, float) else str(x) for x in r) + " |")
    sys.stdout.flush()


def coded(q: dict) -> bool:
    return bool(q.get("category") or q.get("sectors") or q.get("required_capabilities"))


def strip_codes(objs: list[dict]) -> list[dict]:
    return [{k: v for k, v in o.items() if k not in STRIP} for o in objs]


def slices(queries: list[dict]) -> dict[str, list[str]]:
    s: dict[str, list[str]] = {"all": [q["id"] for q in queries]}
    s["coded"] = [q["id"] for q in queries if coded(q)]
    s["text-only"] = [q["id"] for q in queries if not coded(q)]
    for t in ("expert", "sme", "buyer"):
        ids = [q["id"] for q in queries if q["target"] == t]
        if ids:
            s[f"target={t}"] = ids
    return s


def rank_engine(d: Path, prof: Path, qry: Path, name: str, *extra: str, env: dict[str, str] | None = None):
    out = d / f"{name}.jsonl"
    t, _ = _ml("rank", "--profiles", str(prof), "--queries", str(qry), *extra, "--out", str(out), env=env)
    return _read_results(out), t


def eval_market(name: str, profiles, queries, qrels, *, summary: dict, curve: bool) -> dict[str, Any]:
    """nDCG per slice, expected matches, exposure for one market; returns the figures."""
    d = OUT / name
    prof, qry = d / "profiles.jsonl", d / "queries.jsonl"
    _write(prof, profiles)
    _write(qry, queries)
    (d / "qrels.json").write_text(json.dumps(qrels, ensure_ascii=False))
    _write(d / "profiles_stripped.jsonl", strip_codes(profiles))
    _write(d / "queries_stripped.jsonl", strip_codes(queries))
    rem = {p["id"]: remaining(p) for p in profiles}
    n_coded = sum(1 for p in profiles if p.get("sectors") or p.get("capabilities") or p.get("skills"))
    print(
        f"\n# {name}: {len(profiles)} profiles ({n_coded} with codes), {len(queries)} queries "
        f"({sum(1 for q in queries if coded(q))} with codes)"
    )
    runs: dict[str, dict[str, list[str]]] = {}
    t0 = time.time()
    runs["bm25s"] = BM25Baseline(profiles).rank(queries)
    b = BM25Baseline(profiles, codes=True)
    runs["bm25s+codes"] = b.rank(queries)
    runs["bm25s+codes, capacity-aware"] = b.rank(queries, capacity_aware=True)
    t_base = time.time() - t0
    runs["engine relevance"], t_rel = rank_engine(d, prof, qry, "rel", "--policy", "relevance")
    runs["engine market"], t_mkt = rank_engine(d, prof, qry, "market", "--policy", "market")
    runs["engine relevance (codes stripped)"], _ = rank_engine(
        d, d / "profiles_stripped.jsonl", d / "queries_stripped.jsonl", "rel_stripped", "--policy", "relevance"
    )
    sl = slices(queries)
    ref = "bm25s+codes"
    nd = {r: {s: mean_over(ndcg_at, runs[r], qrels, ids) for s, ids in sl.items()} for r in runs}
    table(
        f"{name}: nDCG@10 per slice (× = ratio to bm25s+codes)",
        ["ranking", *[f"{s} (n={len(ids)})" for s, ids in sl.items()]],
        [[r, *[f"{nd[r][s]:.3f} ({nd[r][s] / max(nd[ref][s], 1e-9):.2f}×)" for s in sl]] for r in runs],
    )
    print(f"\nbaselines {t_base:.1f}s, engine relevance {t_rel:.1f}s, market {t_mkt:.1f}s (CLI incl. index build)")
    cands = [p["id"] for p in profiles]
    mk = {}
    for r in ("bm25s+codes", "bm25s+codes, capacity-aware", "engine relevance", "engine market"):
        e = exposure(runs[r], cands)
        mk[r] = {
            "expected_matches": expected_matches(runs[r], qrels, rem),
            "gini": gini(list(e.values())),
            "never_shown": never_shown_share(runs[r], qrels),
        }
    base_em = mk["bm25s+codes, capacity-aware"]["expected_matches"]
    rel_em = mk["engine relevance"]["expected_matches"]
    table(
        f"{name}: market (expected accepted introductions, top 10) and exposure",
        [
            "ranking",
            "expected matches",
            "× bm25s cap-aware",
            "× engine relevance",
            "exposure Gini",
            "relevant never shown",
        ],
        [
            [
                r,
                v["expected_matches"],
                v["expected_matches"] / base_em,
                v["expected_matches"] / rel_em,
                v["gini"],
                v["never_shown"],
            ]
            for r, v in mk.items()
        ],
    )
    fig = {"ndcg": nd, "market": mk}
    ok_q = nd["engine relevance"]["all"] >= 1.5 * nd[ref]["all"]
    ok_s = all(nd["engine relevance"][s] >= nd[ref][s] for s in sl)
    em = mk["engine market"]["expected_matches"]
    ok_m = em >= 1.6 * base_em and em >= 1.1 * rel_em
    print(
        f"\n{name} targets: nDCG ≥ 1.5× bm25s+codes: {'PASS' if ok_q else 'FAIL'} "
        f"({nd['engine relevance']['all'] / nd[ref]['all']:.2f}×); every slice ≥ 1.0×: {'PASS' if ok_s else 'FAIL'}; "
        f"market ≥ 1.6× cap-aware bm25s and ≥ 1.1× relevance: {'PASS' if ok_m else 'FAIL'} "
        f"({em / base_em:.2f}×, {em / rel_em:.2f}×)"
    )
    if curve:
        rows = []
        fig["exposure_curve"] = []
        for w in EXPOSURE_WEIGHTS:
            res, _ = rank_engine(d, prof, qry, f"market_exp{w}", "--policy", "market", "--exposure-weight", str(w))
            e = exposure(res, cands)
            row = {
                "weight": w,
                "expected_matches": expected_matches(res, qrels, rem),
                "never_shown": never_shown_share(res, qrels),
                "gini": gini(list(e.values())),
                "ndcg": mean_over(ndcg_at, res, qrels),
            }
            fig["exposure_curve"].append(row)
            rows.append([w, row["expected_matches"], row["never_shown"], row["gini"], row["ndcg"]])
        table(
            f"{name}: fair exposure curve (market policy, --exposure-weight)",
            ["weight", "expected matches", "relevant never shown", "exposure Gini", "nDCG@10"],
            rows,
        )
    summary[name] = fig
    return {"runs": runs, "prof": prof, "qry": qry, "rem": rem}


def eval_gold(summary: dict) -> None:
    profiles = _read_jsonl(GOLD / "profiles.jsonl")
    queries = _read_jsonl(GOLD / "queries.jsonl")
    qrels: dict[str, dict[str, int]] = {q["id"]: {} for q in queries}
    for line in (GOLD / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            qid, pid, g, *_ = line.split("\t")
            qrels[qid][pid] = int(g)
    d = OUT / "gold"
    d.mkdir(parents=True, exist_ok=True)
    stripped_q = strip_codes(queries)
    _write(d / "queries_stripped.jsonl", stripped_q)
    _write(d / "profiles_stripped.jsonl", strip_codes(profiles))
    runs = {
        "bm25s": BM25Baseline(profiles).rank(queries),
        "bm25s+codes": BM25Baseline(profiles, codes=True).rank(queries),
    }
    runs["engine relevance"], _ = rank_engine(
        d, GOLD / "profiles.jsonl", GOLD / "queries.jsonl", "rel", "--policy", "relevance"
    )
    runs["engine market"], _ = rank_engine(d, GOLD / "profiles.jsonl", GOLD / "queries.jsonl", "market")
    runs["engine relevance (codes stripped)"], _ = rank_engine(
        d, d / "profiles_stripped.jsonl", d / "queries_stripped.jsonl", "rel_stripped", "--policy", "relevance"
    )
    ctrl = [q["id"] for q in queries if q.get("control")]
    main_q = [q["id"] for q in queries if not q.get("control")]
    sl = {
        "all": [q["id"] for q in queries],
        "non-control": main_q,
        "controls": ctrl,
        "coded": [q["id"] for q in queries if coded(q)],
        "text-only": [q["id"] for q in queries if not coded(q)],
    }
    rows, fig = [], {}
    for r, res in runs.items():
        fig[r] = {}
        for s, ids in sl.items():
            fig[r][s] = {
                "hit@3": mean_over(hit_at, res, qrels, ids),
                "mrr": mean_over(rr, res, qrels, ids),
                "ndcg@10": mean_over(ndcg_at, res, qrels, ids),
            }
        rows.append(
            [r, *[f"{fig[r][s]['hit@3']:.2f} / {fig[r][s]['mrr']:.2f} / {fig[r][s]['ndcg@10']:.2f}" for s in sl]]
        )
    print(f"\n# gold: {len(profiles)} profiles, {len(queries)} needs ({len(ctrl)} controls)")
    table(
        "gold: hit@3 / MRR / nDCG@10 per slice (grade 3 = hit)",
        ["ranking", *[f"{s} (n={len(ids)})" for s, ids in sl.items()]],
        rows,
    )
    e, b = fig["engine relevance"], fig["bm25s+codes"]
    ok = e["all"]["hit@3"] >= 0.80 and all(e["all"][m] >= b["all"][m] for m in ("hit@3", "mrr", "ndcg@10"))
    print(
        f"\ngold targets: hit@3 ≥ 0.80 and ≥ bm25s+codes on hit@3/MRR/nDCG: {'PASS' if ok else 'FAIL'}; "
        f"controls hit@3 ≥ 0.75: {'PASS' if e['controls']['hit@3'] >= 0.75 else 'FAIL'}"
    )
    summary["gold"] = fig


def simulate_labels(results: dict[str, list[str]], qrels, remaining, seed: int) -> list[dict]:
    """Outcome labels as the platform would log them from shown rankings."""
    rng = random.Random(seed)
    labels = []
    load = dict(remaining)
    for q, ranked in results.items():
        for k, c in enumerate(ranked, start=1):
            if rng.random() < 1.0 / k:
                g = qrels.get(q, {}).get(c, 0)
                if rng.random() < APPLY[g] + 0.2:
                    ok = load.get(c, 0) > 0 and rng.random() < ACCEPT[g]
                    if ok:
                        load[c] -= 1
                    labels.append(
                        {
                            "query": q,
                            "id": c,
                            "label": ("deal" if g >= 3 and rng.random() < 0.3 else "accepted") if ok else "declined",
                        }
                    )
    return labels


def eval_learning(dev: dict, qrels: dict, seed: int) -> None:
    d = OUT / "dev"
    prof, qry, rem = dev["prof"], dev["qry"], dev["rem"]
    labels = simulate_labels(dev["runs"]["engine relevance"], qrels, rem, seed=seed)
    qs = sorted({lab["query"] for lab in labels})
    random.Random(1).shuffle(qs)
    held = set(qs[: len(qs) // 3])
    train_l = [lab for lab in labels if lab["query"] not in held]
    test_l = [lab for lab in labels if lab["query"] in held]
    _write(d / "labels_train.jsonl", train_l)
    _write(d / "labels_test.jsonl", test_l)
    noise = [dict(lab, label=random.Random(i).choice(["accepted", "declined"])) for i, lab in enumerate(train_l)]
    _write(d / "labels_noise.jsonl", noise)
    common = ["--profiles", str(prof), "--queries", str(qry)]
    _ml("train", *common, "--labels", str(d / "labels_train.jsonl"), "--out", str(d / "model"))
    _ml("train", *common, "--labels", str(d / "labels_noise.jsonl"), "--out", str(d / "model_noise"))
    _, ev = _ml("evaluate", *common, "--labels", str(d / "labels_test.jsonl"), "--model-b", str(d / "model"))
    _, ev_noise = _ml(
        "evaluate",
        *common,
        "--labels",
        str(d / "labels_test.jsonl"),
        "--model-a",
        str(d / "model"),
        "--model-b",
        str(d / "model_noise"),
    )
    ev, ev_noise = json.loads(ev), json.loads(ev_noise)

    def ci(e: dict) -> str:
        c = e.get("auc_diff_ci")
        return f"[{c[0]:.3f}, {c[1]:.3f}]" if c else "-"

    table(
        f"dev: learning from outcomes ({len(train_l)} training labels, "
        f"{len(test_l)} held-out labels from other queries)",
        ["model A (current) vs model B (candidate)", "AUC A", "AUC B", "95% CI of AUC B−A", "decision"],
        [
            ["untrained vs trained on outcomes", ev["a"]["auc"], ev["b"]["auc"], ci(ev), ev["decision"]],
            [
                "trained vs trained on shuffled labels",
                ev_noise["a"]["auc"],
                ev_noise["b"]["auc"],
                ci(ev_noise),
                ev_noise["decision"],
            ],
        ],
    )


def run(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "heldout_pools_sha256": pools_sha256()}
    curve = getattr(args, "curve", True)
    m = generate(args.sme, args.experts, args.buyers, args.queries, seed=args.seed)
    dev = eval_market("dev", m.profiles, m.queries, m.qrels, summary=summary, curve=curve)
    h = generate_heldout(seed=args.heldout_seed)
    eval_market("heldout", h.profiles, h.queries, h.qrels, summary=summary, curve=curve)
    eval_gold(summary)
    if not getattr(args, "no_learning", False):
        eval_learning(dev, m.qrels, args.seed)
    (OUT / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
