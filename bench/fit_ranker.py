"""Fit the engine's default ranker on the development market only.

    python -m bench.fit_ranker            # writes ml/data/ranker.json

Pairs come from development markets (``bench.synth``, seeds 7 and 8, never the
held-out pools or the gold set): for every query its 100 best candidates under
the hand-weighted ranker, every candidate with a grade, and 60 random others.
Target: grade >= 2 (a good or exact match). Model: logistic regression over
the engine's pair features (capacity features excluded: relevance ignores
load; the market policy handles it). C is chosen by 5-fold cross-validation
grouped by query, scored by nDCG@10 over each query's pairs. The file records
the script, the sha256 of the training data, the date and the CV table.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.metrics import ndcg_at
from bench.synth import generate
from ml.engine import FEATURES, default_scorer, pair_features, prepare_queries
from ml.index import Index, build_index
from ml.ranker import INTERACTIONS, expand

OUT = Path(__file__).resolve().parent.parent / "ml" / "data" / "ranker.json"
EXCLUDE = ("remaining_capacity", "at_capacity")
SEEDS = (7, 8)


def pairs_for(seed: int, rng: np.random.Generator) -> tuple:
    m = generate(seed=seed)
    h = hashlib.sha256()
    for o in (*m.profiles, *m.queries):
        h.update(json.dumps(o, sort_keys=True, ensure_ascii=False).encode())
    with tempfile.TemporaryDirectory() as tmp:
        index = Index.load(build_index(m.profiles, Path(tmp) / "idx"))
        qb = prepare_queries(index, m.queries)
        xs, _ys, gs, qs, ts = [], [], [], [], []
        for qi, q in enumerate(m.queries):
            rows = index.rows_of_kind(q["target"])
            bm = (index.bm25_of_kind(q["target"], "word"), index.bm25_of_kind(q["target"], "char"))
            f = pair_features(index, qb, np.array([qi]), rows, bm)[0]
            ids = [str(index.ids[int(r)]) for r in rows]
            rel = m.qrels[q["id"]]
            grade = np.array([rel.get(i, 0) for i in ids])
            ok = np.array([i != q["owner"] for i in ids])
            base = default_scorer(f)
            top = np.argsort(-base)[:100]
            pick = set(top.tolist()) | set(np.flatnonzero(grade > 0).tolist())
            pick |= set(rng.choice(len(rows), min(60, len(rows)), replace=False).tolist())
            sel = np.array(sorted(i for i in pick if ok[i]))
            xs.append(f[sel])
            gs.append(grade[sel])
            qs.append(np.full(len(sel), qi + seed * 100_000))
            ts.append(np.full(len(sel), q["target"]))
        x = np.concatenate(xs)
        g = np.concatenate(gs)
        return x, (g >= 2).astype(int), g, np.concatenate(qs), h.hexdigest(), np.concatenate(ts)


def fit_nonneg(
    x: np.ndarray, y: np.ndarray, c: float, *, intercept: bool = True, sw: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with weights >= 0 (intercept free)."""
    from scipy.optimize import minimize

    n, d = x.shape
    yy = 2.0 * y - 1.0
    sw = np.ones(n) if sw is None else sw

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = yy * (x @ w + b)
        lo = sw * np.logaddexp(0.0, -z)
        sig = -sw * yy / (1.0 + np.exp(z))
        grad = np.concatenate([x.T @ sig + w / c, [sig.sum()]])
        return float(lo.sum() + 0.5 * w @ w / c), grad

    bounds = [(0, None)] * d + [(None, None) if intercept else (0, 0)]
    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:d], float(res.x[d])


def cv_ndcg(x, y, g, q, c: float, folds: int = 5) -> float:
    uq = np.unique(q)
    fold_of = {int(u): i % folds for i, u in enumerate(np.random.default_rng(0).permutation(uq))}
    fq = np.array([fold_of[int(v)] for v in q])
    scores = []
    for k in range(folds):
        tr, te = fq != k, fq == k
        w, b = fit_nonneg(x[tr], y[tr], c)
        s = x[te] @ w + b
        for u in np.unique(q[te]):
            mm = q[te] == u
            gg, ss = g[te][mm], s[mm]
            if gg.max() == 0:
                continue
            order = np.argsort(-ss, kind="stable")
            ids = [str(i) for i in range(len(gg))]
            scores.append(ndcg_at([ids[i] for i in order], {ids[i]: int(gg[i]) for i in range(len(gg))}))
    return float(np.mean(scores))


def cv_ndcg_fixed(x, g, q) -> float:
    s_all = default_scorer(x.astype(np.float32))
    scores = []
    for u in np.unique(q):
        mm = q == u
        gg, ss = g[mm], s_all[mm]
        if gg.max() == 0:
            continue
        order = np.argsort(-ss, kind="stable")
        ids = [str(i) for i in range(len(gg))]
        scores.append(ndcg_at([ids[i] for i in order], {ids[i]: int(gg[i]) for i in range(len(gg))}))
    return float(np.mean(scores))


def pairwise(x, g, q, rng, per_query: int = 400):
    """Differences x_i - x_j for sampled pairs of one query with grade_i > grade_j."""
    ds, ws = [], []
    for u in np.unique(q):
        idx = np.flatnonzero(q == u)
        gg = g[idx]
        if gg.max() == gg.min():
            continue
        a = rng.choice(idx, per_query)
        b = rng.choice(idx, per_query)
        ga, gb = g[a], g[b]
        hi = np.where(ga > gb, a, b)[ga != gb]
        lo = np.where(ga > gb, b, a)[ga != gb]
        ds.append(x[hi] - x[lo])
        ws.append(np.abs(2.0**ga - 2.0**gb)[ga != gb])
    d = np.concatenate(ds)
    w = np.concatenate(ws)
    # symmetric: every difference also as its negative with label 0; pairs
    # weighted by their gain difference (an exact match over a miss counts most)
    return np.concatenate([d, -d]), np.concatenate([np.ones(len(d)), np.zeros(len(d))]), np.concatenate([w, w])


def cv_pairwise(x, g, q, c: float, folds: int = 4) -> float:
    uq = np.unique(q)
    fold_of = {int(u): i % folds for i, u in enumerate(np.random.default_rng(0).permutation(uq))}
    fq = np.array([fold_of[int(v)] for v in q])
    scores = []
    for k in range(folds):
        tr, te = fq != k, fq == k
        dx, dy, dw = pairwise(x[tr], g[tr], q[tr], np.random.default_rng(k))
        w, _ = fit_nonneg(dx, dy, c, intercept=False, sw=dw)
        s = x[te] @ w
        for u in np.unique(q[te]):
            mm = q[te] == u
            gg, ss = g[te][mm], s[mm]
            if gg.max() == 0:
                continue
            order = np.argsort(-ss, kind="stable")
            ids = [str(i) for i in range(len(gg))]
            scores.append(ndcg_at([ids[i] for i in order], {ids[i]: int(gg[i]) for i in range(len(gg))}))
    return float(np.mean(scores))


def load_pairs():
    cache = Path(tempfile.gettempdir()) / "tsunagu_fit_pairs.npz"
    if cache.exists():
        z = np.load(cache)
        return z["x"], z["g"], z["q"], z["t"], str(z["digest"])
    rng = np.random.default_rng(0)
    parts = [pairs_for(s, rng) for s in SEEDS]
    x = np.concatenate([p[0] for p in parts]).astype(np.float64)
    g = np.concatenate([p[2] for p in parts])
    q = np.concatenate([p[3] for p in parts])
    t = np.concatenate([p[5] for p in parts])
    digest = hashlib.sha256("".join(p[4] for p in parts).encode()).hexdigest()
    np.savez(cache, x=x, g=g, q=q, t=t, digest=digest)
    return x, g, q, t, digest


def main() -> None:
    x, g, q, t, digest = load_pairs()
    names = [*FEATURES, *(f"{a}*{b}" for a, b in INTERACTIONS)]
    x = expand(x, FEATURES)
    use = np.array([not any(e in n for e in EXCLUDE) for n in names])
    models = {}
    cv: dict[str, dict[str, float]] = {}
    for target in ("expert", "sme", "buyer"):
        m = t == target
        xu = x[m][:, use]
        cv[target] = {"hand-weighted ranker": round(cv_ndcg_fixed(x[m][:, : len(FEATURES)], g[m], q[m]), 4)}
        for c in (0.1, 10.0):
            cv[target][str(c)] = round(cv_pairwise(xu, g[m], q[m], c), 4)
        print(target, cv[target], flush=True)
        best = max((k for k in cv[target] if k[0].isdigit()), key=lambda k: cv[target][k])
        dx, dy, dw = pairwise(xu, g[m], q[m], np.random.default_rng(0))
        w, _ = fit_nonneg(dx, dy, float(best), intercept=False, sw=dw)
        # calibration: P(grade >= 2) from the ranking score (Platt scaling)
        s = xu @ w
        a, b = fit_nonneg(s[:, None], (g[m] >= 2).astype(float), 100.0)
        coef = np.zeros(len(names))
        coef[use] = w * a[0]
        models[target] = {
            "coef": [round(float(v), 6) for v in coef],
            "intercept": round(float(b), 6),
            "C": float(best),
            "use_learned": bool(cv[target][best] > cv[target]["hand-weighted ranker"]),
        }
    out = {
        "version": time.strftime("%Y%m%d") + "-" + digest[:8],
        "model": "pairwise logistic ranker per target (non-negative weights) + Platt calibration",
        "target": "rank by grade; calibrated to P(grade >= 2)",
        "features": list(FEATURES),
        "interactions": [list(p) for p in INTERACTIONS],
        "targets": models,
        "cv_ndcg@10": cv,
        "training": {
            "script": "bench/fit_ranker.py",
            "data": f"bench.synth.generate(seed={list(SEEDS)}) development markets only",
            "data_sha256": digest,
            "pairs": len(g),
            "positives": int((g >= 2).sum()),
            "queries": len(np.unique(q)),
            "date": time.strftime("%Y-%m-%d"),
        },
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
