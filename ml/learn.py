"""Learning from outcomes: train, save, load and compare ranking models.

A model directory is self-describing:

    model.json   version, feature names, metrics, training-data hash, params
    model.pkl    the fitted scikit-learn estimator (pickle)

Labels are ``{"query", "id", "label"}`` with label accepted / declined /
deal. The ranker predicts the probability that a proposed introduction is
accepted (deal counts as accepted, with double weight, since it is the
outcome the platform exists for); that probability is also the
acceptance estimate the market policy uses.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from ml.engine import FEATURES, Scorer, default_scorer, features_for_pairs
from ml.index import Index

if TYPE_CHECKING:
    from ml.interchange import JSONObject

MODEL_FORMAT = 1
POSITIVE = {"accepted": 1, "deal": 1, "declined": 0}
SAMPLE_WEIGHT = {"accepted": 1.0, "deal": 2.0, "declined": 1.0}
# A candidate model must beat the current one by this much (AUC) to be promoted,
# on at least this many held-out labels from this many queries, and the 95 %
# bootstrap interval of the AUC difference (queries resampled) must lie above 0.
PROMOTE_MARGIN = 0.005
MIN_LABELS = 200
MIN_QUERIES = 20
BOOTSTRAP = 400


@dataclass
class Model:
    path: Path | None
    meta: dict[str, Any]  # model.json
    estimator: Any  # a fitted scikit-learn classifier; None = the untrained hand-weighted ranker

    @property
    def version(self) -> str:
        version: str = self.meta.get("version", "untrained")
        return version

    def score(self, x: NDArray[np.float32], targets: list[str]) -> NDArray[np.float64]:
        """Scores of feature rows whose queries target ``targets`` (per row), as ranking would give them."""
        if self.estimator is not None:
            return self.scorer()(x)
        out = np.zeros(len(x))
        tt = np.array(targets)
        for t in set(targets):
            m = tt == t
            out[m] = default_scorer.for_target(t)(x[m])
        return out

    def scorer(self) -> Scorer:
        if self.estimator is None:
            return default_scorer
        est = self.estimator

        def score(f: NDArray[np.float32]) -> NDArray[np.float64]:
            if len(f) == 0:
                return np.zeros(0)
            # scikit-learn is untyped: predict_proba gives (pairs x classes) float64
            proba: NDArray[np.float64] = est.predict_proba(f.astype(np.float64))[:, 1]
            return proba

        return score


def untrained() -> Model:
    return Model(None, {"version": "untrained", "features": list(FEATURES)}, None)


def load_model(path: str | Path | None) -> Model:
    if path is None:
        return untrained()
    d = Path(path)
    meta_path = d / "model.json"
    if not meta_path.exists():
        raise FileNotFoundError(f"{d}: not a model directory (no model.json)")
    meta = json.loads(meta_path.read_text())
    if meta.get("features") != list(FEATURES):
        raise ValueError(f"{d}: model features {meta.get('features')} do not match the engine's {list(FEATURES)}")
    with (d / "model.pkl").open("rb") as fh:
        # a model directory is written by ``train`` and promoted by ``evaluate``
        # inside the deployment; it is trusted code-adjacent data, not user input
        est = pickle.load(fh)  # noqa: S301
    return Model(d, meta, est)


def labels_hash(profiles: list[JSONObject], queries: list[JSONObject], labels: list[JSONObject]) -> str:
    h = hashlib.sha256()
    for group in (profiles, queries, labels):
        for obj in group:
            h.update(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode())
            h.update(b"\n")
        h.update(b"\x00")
    return h.hexdigest()


NEGATIVES_PER_QUERY = 8
NEGATIVE_WEIGHT = 0.5

# One index holding every kind (the command line builds one from a profiles file), or the
# platform's persistent index per candidate kind, keyed by a query's "target".
Indexes: TypeAlias = "Index | Mapping[str, Index]"


def index_for(indexes: Indexes, target: str) -> Index | None:
    return indexes if isinstance(indexes, Index) else indexes.get(target)


def _pair_features(
    indexes: Indexes, queries: list[JSONObject], pairs: list[tuple[int, str]]
) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """features_for_pairs over one index, or over each target's own index (pairs grouped by target)."""
    if isinstance(indexes, Index):
        return features_for_pairs(indexes, queries, pairs)
    x = np.zeros((len(pairs), len(FEATURES)), dtype=np.float32)
    found = np.zeros(len(pairs), dtype=bool)
    by_target: dict[str, list[int]] = {}
    for k, (qi, _cid) in enumerate(pairs):
        by_target.setdefault(str(queries[qi]["target"]), []).append(k)
    for target, ks in by_target.items():
        index = indexes.get(target)
        if index is None:
            continue
        part_x, part_found = features_for_pairs(index, queries, [pairs[k] for k in ks])
        x[ks], found[ks] = part_x, part_found
    return x, found


def labelled_matrix(
    index: Indexes, queries: list[JSONObject], labels: list[JSONObject], *, negatives: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """(X, y, weight, query position) for every label whose query and profile are known.

    Logged labels only cover candidates that were shown, i.e. already near
    the top; a model fitted on them alone never sees a poor candidate and may
    rank one high. ``negatives`` random unlabelled candidates of the query's
    target kind are therefore added per query as (down-weighted) negatives.
    """
    qpos = {q["id"]: i for i, q in enumerate(queries)}
    pairs, ys, ws = [], [], []
    labelled: dict[int, set[str]] = {}
    for lab in labels:
        if lab["query"] in qpos:
            pairs.append((qpos[lab["query"]], lab["id"]))
            ys.append(POSITIVE[lab["label"]])
            ws.append(SAMPLE_WEIGHT[lab["label"]])
            labelled.setdefault(qpos[lab["query"]], set()).add(lab["id"])
    if negatives:
        rng = np.random.default_rng(0)
        for qi, seen in sorted(labelled.items()):
            own = index_for(index, queries[qi]["target"])
            rows = own.rows_of_kind(queries[qi]["target"]) if own is not None else np.zeros(0, np.int64)
            if own is None or len(rows) == 0:
                continue
            for r in rng.choice(rows, min(len(rows), negatives), replace=False):
                cid = str(own.ids[int(r)])
                if cid in seen or cid == queries[qi].get("owner"):
                    continue
                pairs.append((qi, cid))
                ys.append(0)
                ws.append(NEGATIVE_WEIGHT)
    x, found = _pair_features(index, queries, pairs)
    qs = np.array([p[0] for p in pairs], dtype=np.int64)
    return x[found], np.array(ys)[found], np.array(ws)[found], qs[found]


def holdout_split(query_ids: list[str], qs: NDArray[np.int64], fraction: float = 0.25) -> NDArray[np.bool_]:
    """Boolean mask of held-out rows; split by query (stable hash), never by pair."""

    def bucket(q: str) -> int:
        return int(hashlib.md5(q.encode(), usedforsecurity=False).hexdigest(), 16) % 1000

    held = np.array([bucket(q) < fraction * 1000 for q in query_ids], dtype=bool)
    return held[qs] if len(qs) else np.zeros(0, dtype=bool)


def metrics(scores: NDArray[np.float64], y: NDArray[np.int64], qs: NDArray[np.int64]) -> dict[str, Any]:
    """AUC over all pairs, and mean per-query nDCG of accepted labels (ties broken pessimistically)."""
    from sklearn.metrics import roc_auc_score

    out: dict[str, Any] = {"pairs": len(y), "positives": int(y.sum()) if len(y) else 0}
    if len(y) == 0 or y.min() == y.max():
        out["auc"] = None
        out["ndcg"] = None
        return out
    out["auc"] = round(float(roc_auc_score(y, scores)), 5)
    ndcgs = []
    for q in np.unique(qs):
        m = qs == q
        yy, ss = y[m], scores[m]
        if yy.sum() == 0 or yy.sum() == len(yy):
            continue
        order = np.lexsort((yy, -ss))  # ties: negatives first (pessimistic)
        gains = yy[order] / np.log2(np.arange(2, len(yy) + 2))
        ideal = np.sort(yy)[::-1] / np.log2(np.arange(2, len(yy) + 2))
        ndcgs.append(gains.sum() / ideal.sum())
    out["ndcg"] = round(float(np.mean(ndcgs)), 5) if ndcgs else None
    out["queries"] = len(ndcgs)
    return out


def train_model(
    index: Indexes,
    profiles: list[JSONObject] | None,
    queries: list[JSONObject],
    labels: list[JSONObject],
    out_dir: str | Path,
    *,
    data_digest: str | None = None,
) -> dict[str, Any]:
    """Fit the ranker on outcome labels and write a versioned model directory.

    `data_digest` names the training data when the profiles are not at hand (the
    platform trains on its persistent indexes: their versions and the labels).

    A quarter of the queries (by a stable hash of their ids) is held out; the
    metrics in model.json are measured there, for the trained model and for
    the untrained ranker, so the record shows whether training helped.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    x, y, w, qs = labelled_matrix(index, queries, labels, negatives=NEGATIVES_PER_QUERY)
    if len(y) < 10 or y.min() == y.max():
        raise ValueError(
            f"not enough usable labels to train ({len(y)} pairs, {int(y.sum()) if len(y) else 0} positive)"
        )
    held = holdout_split([q["id"] for q in queries], qs)
    if held.all() or not held.any():
        held = np.zeros(len(y), dtype=bool)
        held[::4] = True
    tr = ~held
    if y[tr].min() == y[tr].max():
        raise ValueError("training split has a single class; need accepted and declined labels")
    if tr.sum() >= 2000:
        est = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, max_leaf_nodes=15, random_state=0)
        kind = "hist_gradient_boosting"
    else:
        est = LogisticRegression(C=1.0, max_iter=1000)
        kind = "logistic_regression"
    est.fit(x[tr].astype(np.float64), y[tr], sample_weight=w[tr])
    trained = est.predict_proba(x[held].astype(np.float64))[:, 1]
    base = untrained().score(x[held], [queries[int(q)]["target"] for q in qs[held]])
    m_tr = metrics(trained, y[held], qs[held])
    m_base = metrics(base, y[held], qs[held])
    # Refit on everything for the saved model; the held-out figures above stay
    # the honest estimate.
    est.fit(x.astype(np.float64), y, sample_weight=w)
    digest = data_digest or labels_hash(profiles or [], queries, labels)
    version = time.strftime("%Y%m%d-%H%M%S") + "-" + digest[:8]
    meta: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "version": version,
        "estimator": kind,
        "features": list(FEATURES),
        "training_data_sha256": digest,
        "script": "ml.learn.train_model (python -m ml train)",
        "labels": {"pairs": len(y), "positives": int(y.sum()), "train": int(tr.sum()), "holdout": int(held.sum())},
        "metrics": {"holdout": m_tr, "untrained_holdout": m_base},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".model-", dir=out.parent))
    try:
        with (tmp / "model.pkl").open("wb") as fh:
            pickle.dump(est, fh)
        (tmp / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def evaluate_models(
    index: Indexes, model_a: Model, model_b: Model, queries: list[JSONObject], labels: list[JSONObject]
) -> dict[str, Any]:
    """Compare two models on labelled pairs. ``better`` says whether B should replace A."""
    x, y, _, qs = labelled_matrix(index, queries, labels)
    targets = [queries[int(q)]["target"] for q in qs]
    sa, sb = model_a.score(x, targets), model_b.score(x, targets)
    ma = metrics(sa, y, qs)
    mb = metrics(sb, y, qs)
    n_queries = len(np.unique(qs))
    ci = auc_diff_interval(sa, sb, y, qs)
    enough = len(y) >= MIN_LABELS and n_queries >= MIN_QUERIES
    better = (
        enough
        and mb.get("auc") is not None
        and ma.get("auc") is not None
        and mb["auc"] >= ma["auc"] + PROMOTE_MARGIN
        and ci is not None
        and ci[0] > 0.0
        and (mb.get("ndcg") or 0.0) >= (ma.get("ndcg") or 0.0) - 0.01
    )
    why = (
        f"too few held-out labels ({len(y)} from {n_queries} queries; need >= {MIN_LABELS} from >= {MIN_QUERIES})"
        if not enough
        else "b is better"
        if better
        else "b is not better (AUC margin or bootstrap interval)"
    )
    return {
        "a": {"model": model_a.version, **ma},
        "b": {"model": model_b.version, **mb},
        "labels": len(y),
        "queries": n_queries,
        "auc_diff_ci": [round(ci[0], 5), round(ci[1], 5)] if ci else None,
        "better": bool(better),
        "margin": PROMOTE_MARGIN,
        "gate": {"min_labels": MIN_LABELS, "min_queries": MIN_QUERIES, "bootstrap": BOOTSTRAP, "ci": 0.95},
        "reason": why,
        "decision": "promote b" if better else "keep a",
    }


def auc_diff_interval(
    sa: NDArray[np.float64], sb: NDArray[np.float64], y: NDArray[np.int64], qs: NDArray[np.int64], *, seed: int = 0
) -> tuple[float, float] | None:
    """95 % bootstrap interval of AUC(b) - AUC(a).

    Whole queries are resampled: labels of one query are not independent.
    """
    from sklearn.metrics import roc_auc_score

    if len(y) == 0 or y.min() == y.max():
        return None
    uq, inv = np.unique(qs, return_inverse=True)
    members = [np.flatnonzero(inv == k) for k in range(len(uq))]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(BOOTSTRAP):
        pick = np.concatenate([members[k] for k in rng.integers(0, len(uq), len(uq))])
        yy = y[pick]
        if yy.min() == yy.max():
            continue
        diffs.append(float(roc_auc_score(yy, sb[pick]) - roc_auc_score(yy, sa[pick])))
    if len(diffs) < BOOTSTRAP // 2:
        return None
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(lo), float(hi)
