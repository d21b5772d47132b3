"""Quality, market and learning benchmarks on the synthetic market.

Everything the engine does here goes through the command line contract
(``python -m ml rank|train|evaluate``), exactly as an outside evaluation runs it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.baseline import BM25Baseline
from bench.metrics import ACCEPT, APPLY, expected_matches, mean_ndcg
from bench.synth import generate

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent


def _write(path: Path, objs: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for o in objs:
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")


def _ml(*args: str) -> tuple[float, str]:
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "ml", "--quiet", *args], cwd=ROOT, capture_output=True, text=True)
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


def run(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    m = generate(args.sme, args.experts, args.buyers, args.queries, seed=args.seed)
    prof, qry = OUT / "profiles.jsonl", OUT / "queries.jsonl"
    _write(prof, m.profiles)
    _write(qry, m.queries)
    (OUT / "qrels.json").write_text(json.dumps(m.qrels, ensure_ascii=False))
    remaining = {p["id"]: max(0, p.get("capacity", 3) - p.get("active_engagements", 0)) for p in m.profiles}
    coded = sum(1 for p in m.profiles if p.get("sectors") or p.get("capabilities") or p.get("skills"))
    print(
        f"synthetic market: {len(m.profiles)} profiles ({coded} with codes), {len(m.queries)} queries, seed {args.seed}"
    )

    t0 = time.time()
    base = BM25Baseline(m.profiles).rank(m.queries, top=10)
    t_base = time.time() - t0
    t_rel, _ = _ml(
        "rank", "--profiles", str(prof), "--queries", str(qry), "--policy", "relevance", "--out", str(OUT / "rel.jsonl")
    )
    t_mkt, _ = _ml(
        "rank", "--profiles", str(prof), "--queries", str(qry), "--policy", "market", "--out", str(OUT / "market.jsonl")
    )
    rel, mkt = _read_results(OUT / "rel.jsonl"), _read_results(OUT / "market.jsonl")

    nd = {name: mean_ndcg(r, m.qrels) for name, r in (("bm25s", base), ("relevance", rel), ("market", mkt))}
    em = {
        name: expected_matches(r, m.qrels, remaining)
        for name, r in (("bm25s", base), ("relevance", rel), ("market", mkt))
    }
    by_target = {}
    for q in m.queries:
        by_target.setdefault(q["target"], []).append(q["id"])
    table(
        "Quality (nDCG@10, graded relevance)",
        ["ranking", "nDCG@10", "× bm25s", *[f"nDCG@10 target={t}" for t in by_target], "seconds"],
        [
            [
                name,
                nd[name],
                nd[name] / nd["bm25s"],
                *[mean_ndcg(r, {q: m.qrels[q] for q in ids}) for ids in by_target.values()],
                t,
            ]
            for name, r, t in (("bm25s", base, t_base), ("relevance", rel, t_rel), ("market", mkt, t_mkt))
        ],
    )
    table(
        "Market (expected accepted introductions, top 10, simulator after Su et al.)",
        ["ranking", "expected matches", "× bm25s", "× relevance"],
        [
            [name, em[name], em[name] / em["bm25s"], em[name] / em["relevance"]]
            for name in ("bm25s", "relevance", "market")
        ],
    )
    ok_q = nd["relevance"] >= 1.5 * nd["bm25s"]
    ok_m = em["market"] >= 1.6 * em["bm25s"] and em["market"] >= 1.1 * em["relevance"]
    print(
        f"\ntargets: nDCG ≥ 1.5× bm25s: {'PASS' if ok_q else 'FAIL'}; "
        f"market ≥ 1.6× bm25s and ≥ 1.1× relevance: {'PASS' if ok_m else 'FAIL'}"
    )

    # learning from outcomes: labels logged from the relevance ranking, split by query
    labels = simulate_labels(rel, m.qrels, remaining, seed=args.seed)
    qs = sorted({lab["query"] for lab in labels})
    random.Random(1).shuffle(qs)
    held = set(qs[: len(qs) // 3])
    train_l = [lab for lab in labels if lab["query"] not in held]
    test_l = [lab for lab in labels if lab["query"] in held]
    _write(OUT / "labels_train.jsonl", train_l)
    _write(OUT / "labels_test.jsonl", test_l)
    noise = [dict(lab, label=random.Random(i).choice(["accepted", "declined"])) for i, lab in enumerate(train_l)]
    _write(OUT / "labels_noise.jsonl", noise)
    common = ["--profiles", str(prof), "--queries", str(qry)]
    _ml("train", *common, "--labels", str(OUT / "labels_train.jsonl"), "--out", str(OUT / "model"))
    _ml("train", *common, "--labels", str(OUT / "labels_noise.jsonl"), "--out", str(OUT / "model_noise"))
    _, ev = _ml("evaluate", *common, "--labels", str(OUT / "labels_test.jsonl"), "--model-b", str(OUT / "model"))
    # the learning loop's real question: should a new model replace the current one?
    _, ev_noise = _ml(
        "evaluate",
        *common,
        "--labels",
        str(OUT / "labels_test.jsonl"),
        "--model-a",
        str(OUT / "model"),
        "--model-b",
        str(OUT / "model_noise"),
    )
    ev, ev_noise = json.loads(ev), json.loads(ev_noise)
    table(
        f"Learning from outcomes ({len(train_l)} training labels, {len(test_l)} held-out labels from other queries)",
        ["model A (current) vs model B (candidate)", "AUC A", "AUC B", "nDCG A", "nDCG B", "decision"],
        [
            [
                "untrained vs trained on outcomes",
                ev["a"]["auc"],
                ev["b"]["auc"],
                ev["a"]["ndcg"],
                ev["b"]["ndcg"],
                ev["decision"],
            ],
            [
                "trained vs trained on shuffled labels",
                ev_noise["a"]["auc"],
                ev_noise["b"]["auc"],
                ev_noise["a"]["ndcg"],
                ev_noise["b"]["ndcg"],
                ev_noise["decision"],
            ],
        ],
    )
    _ml("rank", *common, "--policy", "market", "--model", str(OUT / "model"), "--out", str(OUT / "market_model.jsonl"))
    mm = _read_results(OUT / "market_model.jsonl")
    table(
        "Ranking with the trained model",
        ["ranking", "nDCG@10", "expected matches"],
        [["market + trained model", mean_ndcg(mm, m.qrels), expected_matches(mm, m.qrels, remaining)]],
    )
