"""Relevance features, scoring, the market policy and reasons.

One query at a time would be simplest, but the market policy needs every
query's candidate list at once, so ranking runs in three steps:

1. candidates: every row of the target kind when there are few (exact), or a
   sparse top-k retrieval over term-major postings when there are many;
2. features and relevance for (query, candidate) pairs, hard filters
   (mandatory certifications, owner) applied;
3. ``relevance``: sort; ``market``: re-rank all lists jointly against each
   candidate's remaining capacity (see ``market_rerank``).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.stats import poisson

from ml.concepts import concept_label, concept_space
from ml.docs import KINDS, PREF_INDEX, query_parts, query_text
from ml.index import COVER_UNKNOWN, PRED_THRESHOLD, PRED_WEIGHT, Index, bm25_matrix, predict_concepts
from ml.ranker import expand, load_ranker
from ml.text import keyword_surfaces
from ml.vocab import code_list, label_ja, load_vocabulary

if TYPE_CHECKING:
    from ml.interchange import JSONObject

FEATURES: tuple[str, ...] = (
    "word_cos",
    "char_cos",
    "sector_overlap",
    "capability_overlap",
    "need_overlap",
    "cert_overlap",
    "concept_cos",
    "region",
    "region_expert",
    "expert_type",
    "remaining_capacity",
    "at_capacity",
    "word_bm25",
    "char_bm25",
    "type_fit",
)
# Hand-set weights of the untrained ranker: text and structured evidence in
# roughly equal shares; capacity is left to the market policy. Region counts
# more when the target is an expert: experts state where they take
# engagements, while suppliers and buyers trade nationwide.
DEFAULT_WEIGHTS = np.array(
    [0.22, 0.13, 0.14, 0.20, 0.16, 0.03, 0.08, 0.05, 0.14, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float64
)

EXPOSURE_WEIGHT = 0.2  # default weight of the fair-exposure term (see market_rerank)
EXPOSURE_CAP = 1.0  # exposure owed to one candidate at most (= one first place)


def exposure_weight_default() -> float:
    env = os.environ.get("ML_EXPOSURE_WEIGHT")
    return float(env) if env else EXPOSURE_WEIGHT


BRUTE_MAX = 8_000  # up to this many rows of a kind, score them all (exact)
RETRIEVE = 300  # otherwise: candidates kept from sparse retrieval per query
MARKET_POOL = 60  # candidates per query the market policy may reorder
MARKET_ITERS = 20
MARKET_RELEVANCE_POWER = 3.0  # chosen on the development market (0.7, 1, 1.5, 2, 3 tried)
CONCEPT_RETRIEVAL_WEIGHT = 0.7  # concept cosine in candidate generation
BM25_RETRIEVAL_WEIGHT = 0.5  # word BM25 (scaled to the query's best) in candidate generation

# pairs x FEATURES -> one relevance (acceptance-probability estimate) per pair
Scorer = Callable[[NDArray[np.float32]], NDArray[np.float64]]


def hand_scorer(f: NDArray[np.float32]) -> NDArray[np.float64]:
    """The hand-weighted ranker (the fallback when no fitted ranker applies)."""
    return np.clip(f @ DEFAULT_WEIGHTS, 0.0, 1.0)


def scorer_for_target(target: str) -> Scorer:
    """The fitted default ranker for one target kind (``ml/data/ranker.json``), else the hand weights."""
    data = load_ranker()
    m = (data or {}).get("targets", {}).get(target)
    if data is None or m is None or not m.get("use_learned") or data.get("features") != list(FEATURES):
        return hand_scorer
    coef = np.asarray(m["coef"], dtype=np.float64)
    b = float(m["intercept"])

    def score(f: NDArray[np.float32]) -> NDArray[np.float64]:
        if len(f) == 0:
            return np.zeros(0)
        z = expand(f, FEATURES) @ coef + b
        out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return out

    return score


class _DefaultScorer:
    """Callable like any Scorer (hand weights); ``for_target`` gives the fitted per-target ranker."""

    def __call__(self, f: NDArray[np.float32]) -> NDArray[np.float64]:
        return hand_scorer(f)

    def for_target(self, target: str) -> Scorer:
        return scorer_for_target(target)


default_scorer = _DefaultScorer()


@dataclass
class QueryBatch:
    queries: list[JSONObject]
    word: sp.csr_matrix
    char: sp.csr_matrix
    word_bin: sp.csr_matrix  # query terms as 0/1 (BM25 sums over distinct query terms)
    char_bin: sp.csr_matrix
    surfaces: list[dict[str, str]]  # per query: index term -> the words as the query wrote them (nouns only)
    concept: NDArray[np.float32]  # dense (n_queries x concepts)
    explicit: NDArray[np.bool_]  # dense bool
    prefs: list[list[int]]
    pref_source: list[str]
    expert_types: list[set[int]]
    required_certs: list[list[int]]
    owner_row: NDArray[np.int64]  # -1 = owner not in the index
    target: list[str]


def _vectorise(token_lists: list[list[str]], vocab: dict[str, int], idf: NDArray[np.float32]) -> sp.csr_matrix:
    indptr, indices, data = [0], [], []
    for toks in token_lists:
        cnt = Counter(t for t in toks if t in vocab)
        ids = [vocab[t] for t in cnt]
        w = np.array([(1.0 + math.log(n)) for n in cnt.values()], dtype=np.float64)
        if ids:
            w = w * idf[ids]
            w /= np.linalg.norm(w) or 1.0
        indices.extend(ids)
        data.extend(w.tolist())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.array(data, np.float32), np.array(indices, np.int32), np.array(indptr, np.int32)),
        shape=(len(token_lists), len(idf)),
    )


QUERY_CLF_MIN_ROWS = 30  # coded queries of a section needed before the batch teaches itself
QUERY_CLF_MIN_POS = 3


def _batch_concepts(word: sp.csr_matrix, explicit: NDArray[np.bool_], sections: list[set[str]]) -> NDArray[np.float32]:
    """Concepts of uncoded queries, learned from the coded queries of the same batch.

    Needs are written as situations (「紙の伝票を毎晩打ち直している」), not in the
    words experts use to describe their skills, so the profile-trained
    classifier often misses them; queries of the same batch that do carry a
    category are the best teachers for those that do not. One logistic
    regression per code over the queries' word features (only codes with at
    least QUERY_CLF_MIN_POS examples); a single query or a batch without
    enough coded queries gets nothing from here.
    """
    space = concept_space()
    n = word.shape[0]
    out = np.zeros((n, space.size), dtype=np.float32)
    if n < QUERY_CLF_MIN_ROWS + 1:
        return out
    from sklearn.linear_model import LogisticRegression

    for section in ("sectors", "capabilities", "need_categories"):
        lo, hi = space.offsets[section]
        has = np.array([section in s for s in sections], dtype=bool)
        if has.sum() < QUERY_CLF_MIN_ROWS or has.all():
            continue
        x_tr, x_te = word[np.flatnonzero(has)], word[np.flatnonzero(~has)]
        y = explicit[has, lo:hi]
        te_rows = np.flatnonzero(~has)
        for j in np.flatnonzero(y.sum(axis=0) >= QUERY_CLF_MIN_POS):
            yj = y[:, j]
            if yj.all():
                continue
            clf = LogisticRegression(C=8.0, solver="liblinear", class_weight="balanced", max_iter=200)
            clf.fit(x_tr, yj)
            z = clf.decision_function(x_te) + math.log(yj.sum() / (len(yj) - yj.sum()))
            prob = 1.0 / (1.0 + np.exp(-z))
            prob[prob < PRED_THRESHOLD] = 0.0
            out[te_rows, lo + j] = PRED_WEIGHT * prob
    return out


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    b = sp.csr_matrix(m, dtype=np.float32, copy=True)
    b.data[:] = 1.0
    return b


def prepare_queries(index: Index, queries: list[JSONObject]) -> QueryBatch:
    space = concept_space()
    parts = [query_parts(q) for q in queries]
    word = _vectorise([p.words for p in parts], index.word_vocab, index.word_idf)
    char = _vectorise([p.grams for p in parts], index.char_vocab, index.char_idf)
    n = len(queries)
    explicit = np.zeros((n, space.size), dtype=bool)
    concept = np.zeros((n, space.size), dtype=np.float32)
    from ml.concepts import DETECTED

    for i, p in enumerate(parts):
        for c in p.explicit:
            explicit[i, c] = True
            concept[i, c] = 1.0
        for c in p.detected:
            concept[i, c] = max(concept[i, c], DETECTED)
    pred = predict_concepts(word, index.clf, skip_sections=[p.explicit_sections for p in parts])
    if pred.nnz:
        concept = np.maximum(concept, pred.toarray())
    concept = np.maximum(concept, _batch_concepts(word, explicit, [p.explicit_sections for p in parts]))
    cert_lo, _ = space.offsets["certifications"]
    prefs, sources, owner_rows, certs = [], [], [], []
    for q, p in zip(queries, parts, strict=True):
        owner = index.row_of.get(q.get("owner") or "", -1)
        owner_rows.append(owner)
        if q.get("prefecture") in PREF_INDEX:
            prefs.append([PREF_INDEX[q["prefecture"]]])
            sources.append("query")
        elif p.text_prefectures:
            prefs.append([PREF_INDEX[c] for c in p.text_prefectures])
            sources.append("text")
        elif owner >= 0 and index.pref[owner] >= 0:
            prefs.append([int(index.pref[owner])])
            sources.append("owner")
        else:
            prefs.append([])
            sources.append("none")
        cols = (space.col("certifications", c) for c in q.get("required_certifications") or [])
        certs.append([c - cert_lo for c in cols if c is not None])
    return QueryBatch(
        queries=queries,
        word=word,
        char=char,
        word_bin=_binary(word),
        char_bin=_binary(char),
        surfaces=[keyword_surfaces(query_text(q)) for q in queries],
        concept=concept,
        explicit=explicit,
        prefs=prefs,
        pref_source=sources,
        expert_types=[p.text_expert_types for p in parts],
        required_certs=certs,
        owner_row=np.array(owner_rows, dtype=np.int64),
        target=[q["target"] for q in queries],
    )


def _overlap(qc: NDArray[np.float32], cc: NDArray[np.float32], lo: int, hi: int) -> NDArray[np.float32]:
    """Share of the query's concept mass in [lo, hi) that candidates cover."""
    qs = qc[:, lo:hi]
    mass = qs.sum(axis=1)
    num = qs @ cc[:, lo:hi].T
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(mass[:, None] > 0, num / np.maximum(mass[:, None], 1e-9), 0.0)
    return np.minimum(out, 1.0)


def pair_features(
    index: Index,
    qb: QueryBatch,
    qidx: NDArray[np.int64],
    rows: NDArray[np.int64],
    bm25: tuple[sp.csr_matrix, sp.csr_matrix] | None = None,
) -> NDArray[np.float32]:
    """Features (len(qidx) x len(rows) x len(FEATURES)) for every pair."""
    space = concept_space()
    nq, nr = len(qidx), len(rows)
    f = np.zeros((nq, nr, len(FEATURES)), dtype=np.float32)
    if nr == 0 or nq == 0:
        return f
    f[:, :, 0] = (qb.word[qidx] @ index.word[rows].T).toarray()
    f[:, :, 1] = (qb.char[qidx] @ index.char[rows].T).toarray()
    qc = qb.concept[qidx].astype(np.float32)
    cc = index.concept[rows].toarray()
    for j, section in enumerate(("sectors", "capabilities", "need_categories", "certifications")):
        lo, hi = space.offsets[section]
        f[:, :, 2 + j] = _overlap(qc, cc, lo, hi)
    qn = np.linalg.norm(qc, axis=1)
    cn = np.linalg.norm(cc, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f[:, :, 6] = np.nan_to_num((qc @ cc.T) / np.maximum(qn[:, None] * cn[None, :], 1e-9))
    region = np.asarray(index.region[rows], dtype=np.float32) / 100.0  # nr x 47
    et = index.expert_type[rows]
    for a, qi in enumerate(qidx):
        ps = qb.prefs[qi]
        if ps:
            f[a, :, 7] = region[:, ps].max(axis=1)
        else:
            f[a, :, 7] = COVER_UNKNOWN / 100.0
        if qb.target[qi] == "expert":
            f[a, :, 8] = f[a, :, 7]
        if qb.expert_types[qi]:
            f[a, :, 9] = np.isin(et, list(qb.expert_types[qi]))
    rem = index.remaining[rows]
    f[:, :, 10] = np.minimum(rem, 5) / 5.0
    f[:, :, 11] = rem == 0
    # lexical floor: BM25 over Sudachi normalised forms and over char n-grams,
    # scaled by the best score among this query's candidates
    for j, (qm, ch) in enumerate(((qb.word_bin, "word"), (qb.char_bin, "char"))):
        if bm25 is not None:
            m = bm25[j]
        else:
            st = index.word_bm25 if ch == "word" else index.char_bm25
            m = bm25_matrix((index.word if ch == "word" else index.char)[rows], rows, st)
        raw = (qm[qidx] @ m.T).toarray()
        top = raw.max(axis=1, keepdims=True)
        f[:, :, 12 + j] = np.where(top > 0, raw / np.maximum(top, 1e-9), 0.0)
    # expert type that fits the need: P(type | need category), learned from the
    # coded experts of this index
    if index.type_given_need is not None:
        lo, hi = space.offsets["need_categories"]
        qn = qc[:, lo:hi]
        mass = qn.sum(axis=1, keepdims=True)
        fit = (qn @ index.type_given_need) / np.maximum(mass, 1e-9)  # nq x types
        et_ok = et >= 0
        f[:, et_ok, 14] = fit[:, et[et_ok]]
    return f


def _allowed(index: Index, qb: QueryBatch, qi: int, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Hard filters: mandatory certifications (stated codes only), the owner, and hidden rows."""
    ok: NDArray[np.bool_] = rows != qb.owner_row[qi]
    if index.hidden is not None:
        ok &= ~index.hidden[rows]
    req = qb.required_certs[qi]
    if req:
        held = index.certs[rows][:, req]
        ok &= np.asarray((held > 0).sum(axis=1)).ravel() == len(req)
    return ok


@dataclass
class Candidates:
    rows: NDArray[np.int64]  # candidate rows, best first
    rel: NDArray[np.float64]  # relevance (acceptance-probability estimate), same order


def _accumulate(
    post: sp.csr_matrix, terms: NDArray[np.integer[Any]], weights: NDArray[np.floating[Any]]
) -> NDArray[np.float32]:
    """sum over query terms t of w_t * post[t, :]: reads only those terms' posting lists.

    The rows are sliced out of the (memory-mapped) term-major matrix and
    summed by scipy's compiled sparse mat-vec, not by a Python loop.
    """
    sub = post[np.asarray(terms, dtype=np.int64)]
    return np.asarray(sub.T @ np.asarray(weights, dtype=np.float32), dtype=np.float32)


def _top_k(s: NDArray[np.float32], k: int) -> NDArray[np.intp]:
    """Positions of the k largest positive entries of s (unordered); exact.

    A threshold from a strided sample first cuts the array to a few thousand
    entries; whatever lies below it cannot be in the top k when at least k
    entries reach it, otherwise we fall back to the full array.
    """
    m = 32 * k  # sample size
    if len(s) > 4 * m:
        step = len(s) // m
        sample = s[::step]
        r = max(1, 8 * k // step)  # the sample's r-th largest ~ the 8k-th largest of s
        thr = np.partition(sample, len(sample) - r)[len(sample) - r]
        if thr > 0:
            cand = np.flatnonzero(s >= thr)
            if len(cand) >= k:
                return cand[np.argpartition(-s[cand], k - 1)[:k]]
    hit = np.flatnonzero(s > 0)
    if len(hit) > k:
        hit = hit[np.argpartition(-s[hit], k - 1)[:k]]
    return hit


def _retrieve(index: Index, qb: QueryBatch, qi: int, kind: str, k: int) -> NDArray[np.int64]:
    """Sparse top-k candidate generation for one query over the rows of one kind.

    Scores are word TF-IDF cosine plus concept cosine, accumulated from the
    term-major postings of the query's own terms only (an inverted index);
    the k best are then re-scored exactly by the ranker.
    """
    rows = index.rows_of_kind(kind)
    s = np.zeros(len(rows), dtype=np.float32)
    pw = index.postings(kind, "word")
    q = qb.word_bin[qi]
    if pw is not None and q.nnz:
        bm = _accumulate(pw, q.indices, q.data)
        top = float(bm.max()) if len(bm) else 0.0
        if top > 0:
            s += BM25_RETRIEVAL_WEIGHT * bm / top
    pc = index.postings(kind, "concept")
    qc = qb.concept[qi]
    if pc is not None and qc.any():
        qn = qc / (np.linalg.norm(qc) or 1.0)
        nz = np.flatnonzero(qn)
        s += _accumulate(pc, nz, CONCEPT_RETRIEVAL_WEIGHT * qn[nz])
    req = qb.required_certs[qi]
    if req:
        s[~index.holds_certs(kind, req)] = 0.0
    return rows[np.sort(_top_k(s, k))]


def score_candidates(
    index: Index,
    qb: QueryBatch,
    scorer: Scorer = default_scorer,
    *,
    keep: int = 100,
    progress: Callable[[str], None] | None = None,
) -> list[Candidates]:
    """Relevance-ranked, hard-filtered candidate lists (``keep`` best per query)."""
    out: list[Candidates | None] = [None] * len(qb.queries)
    by_target: dict[str, list[int]] = {}
    for i, t in enumerate(qb.target):
        by_target.setdefault(t, []).append(i)
    done = 0
    for target, qlist in by_target.items():
        for_target = getattr(scorer, "for_target", None)
        score_fn: Scorer = for_target(target) if for_target is not None else scorer
        rows_all = index.rows_of_kind(target) if target in KINDS else np.zeros(0, np.int64)
        brute = len(rows_all) <= BRUTE_MAX
        batch = max(1, min(256, 2_000_000 // max(1, len(rows_all)))) if brute else 1
        for start in range(0, len(qlist), batch):
            qidx = np.array(qlist[start : start + batch])
            if brute:
                bm = (index.bm25_of_kind(target, "word"), index.bm25_of_kind(target, "char"))
                feats = pair_features(index, qb, qidx, rows_all, bm)
                rel = score_fn(feats.reshape(-1, feats.shape[-1])).reshape(feats.shape[:2])
                row_sets = [rows_all] * len(qidx)
            else:
                row_sets = [_retrieve(index, qb, int(qi), target, RETRIEVE) for qi in qidx]
                rel_list = []
                for qi, rows in zip(qidx, row_sets, strict=True):
                    feats = pair_features(index, qb, np.array([qi]), rows)
                    rel_list.append(score_fn(feats.reshape(-1, feats.shape[-1])))
            for a, qi in enumerate(qidx):
                rows = row_sets[a]
                r = rel[a] if brute else rel_list[a]
                ok = _allowed(index, qb, int(qi), rows)
                rows_ok, r_ok = rows[ok], np.asarray(r, dtype=np.float64)[ok]
                if len(rows_ok) > keep:
                    top = np.argpartition(-r_ok, keep)[:keep]
                    rows_ok, r_ok = rows_ok[top], r_ok[top]
                order = np.lexsort((rows_ok, -r_ok))
                out[int(qi)] = Candidates(rows_ok[order], r_ok[order])
            done += len(qidx)
            if progress and (done % 200 < len(qidx) or done == len(qb.queries)):
                progress(f"rank: {done}/{len(qb.queries)} queries scored")
    return [c if c is not None else Candidates(np.zeros(0, np.int64), np.zeros(0)) for c in out]


# ---------------------------------------------------------------------------
# market policy


def market_rerank(
    cands: list[Candidates],
    remaining: NDArray[np.int64],
    *,
    top: int,
    iters: int = MARKET_ITERS,
    floor: float = 1e-3,
    exposure_weight: float | None = None,
) -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Re-rank all lists jointly for expected accepted introductions.

    After Su, Bayoumi & Joachims (WWW 2022): an owner examines rank k with
    probability 1/k and applies with probability ~ relevance; a candidate
    accepts applications only up to its remaining capacity. The marginal
    value of showing candidate c to query q is then

        p(q, c) * P(Poisson(lambda_-q(c)) < remaining(c))

    where lambda_-q(c) is the expected number of applications c receives
    from the *other* queries under the current rankings. We iterate: rank
    every list by that value, recompute the expected demand (damped), repeat.
    Over-demanded and full candidates sink; a candidate at capacity 0 keeps
    only ``floor`` of its value so it appears only when nothing else does.

    Fair exposure (Singh & Joachims, KDD 2018; Biega, Gummadi & Weikum, SIGIR
    2018): a candidate's merit is the sum of its relevance over all lists and
    its exposure the sum of examination probabilities it receives. Exposure
    is owed in proportion to merit; a candidate below its share gets

        exposure_weight * p(q, c) * deficit(c) / owed(c)      (0 .. weight * p)

    added to its value, amortised over the whole batch of lists (the deficit
    is accumulated over the lists in input order, after the capacity fixed
    point).
    ``exposure_weight`` defaults to ``ML_EXPOSURE_WEIGHT`` or EXPOSURE_WEIGHT.
    """
    w_exp = exposure_weight_default() if exposure_weight is None else float(exposure_weight)
    # p**MARKET_RELEVANCE_POWER: an exact match is worth far more than a fair
    # one (applications and acceptances both rise with the grade)
    pool = [(c.rows[:MARKET_POOL], np.clip(c.rel[:MARKET_POOL], 0.0, 1.0) ** MARKET_RELEVANCE_POWER) for c in cands]
    all_rows = np.concatenate([r for r, _ in pool]) if pool else np.zeros(0, np.int64)
    uniq, inv = np.unique(all_rows, return_inverse=True)
    cap = remaining[uniq].astype(np.float64)
    offsets = np.cumsum([0] + [len(r) for r, _ in pool])
    p_all = np.concatenate([p for _, p in pool]) if pool else np.zeros(0)
    # expected applications follow the relevance itself, not its power
    p_app = np.concatenate([np.clip(c.rel[:MARKET_POOL], 0.0, 1.0) for c in cands]) if pool else np.zeros(0)
    exam = 1.0 / np.arange(1, MARKET_POOL + 1)
    exam[top:] = 0.0

    def positions(value: NDArray[np.float64]) -> NDArray[np.int64]:
        pos = np.empty(len(value), dtype=np.int64)
        for q in range(len(pool)):
            a, b = offsets[q], offsets[q + 1]
            order = np.lexsort((all_rows[a:b], -value[a:b]))
            pos[a + order] = np.arange(b - a)
        return pos

    value = p_all.copy()
    pos = positions(value)
    demand = np.bincount(inv, weights=exam[pos] * p_app, minlength=len(uniq))
    merit = np.bincount(inv, weights=p_all, minlength=len(uniq))
    for it in range(iters):
        own = exam[pos] * p_app
        lam = np.maximum(demand[inv] - own, 0.0)
        # P(X < cap) for X ~ Poisson(lam); cap = 0 -> 0
        room = np.where(cap[inv] > 0, poisson.cdf(cap[inv] - 1, lam), 0.0)
        value = p_all * np.maximum(room, floor)
        new_pos = positions(value)
        new_demand = np.bincount(inv, weights=exam[new_pos] * p_app, minlength=len(uniq))
        demand = 0.5 * demand + 0.5 * new_demand
        if np.array_equal(new_pos, pos) and it > 2:
            break
        pos = new_pos
    out = []
    if w_exp > 0:
        # amortised fair exposure: one pass over the lists in input order,
        # each list sees the exposure the earlier ones already gave
        total = float(exam[:top].sum()) * len(pool)
        owed = np.minimum(merit * (total / max(float(merit.sum()), 1e-12)), EXPOSURE_CAP)
        expo = np.zeros(len(uniq))
        for q in range(len(pool)):
            a, b = offsets[q], offsets[q + 1]
            u = inv[a:b]
            deficit = np.clip(owed[u] - expo[u], 0.0, None) / np.maximum(owed[u], 1e-12)
            v = value[a:b] + w_exp * p_all[a:b] * deficit * (cap[u] > 0)
            order = np.lexsort((all_rows[a:b], -v))[:top]
            expo[u[order]] += exam[: len(order)]
            out.append((all_rows[a:b][order], v[order]))
        return out
    for q in range(len(pool)):
        a, b = offsets[q], offsets[q + 1]
        order = np.lexsort((all_rows[a:b], -value[a:b]))[:top]
        out.append((all_rows[a:b][order], value[a:b][order]))
    return out


# ---------------------------------------------------------------------------
# reasons


_PREF_CODES = code_list("prefectures")
_PREF_JA = [label_ja("prefectures", c) for c in _PREF_CODES]
_REGION_JA = {r["code"]: r["ja"] for r in load_vocabulary()["regions"]}
_SECTION_PREFIX = {
    "sectors": "分野一致",
    "capabilities": "技術一致",
    "need_categories": "課題分野一致",
    "certifications": "認証一致",
}


def _row(m: sp.csr_matrix, row: int) -> tuple[NDArray[np.integer[Any]], NDArray[np.float32]]:
    """(column indices, values) of one CSR row, straight from its arrays (no scipy slicing overhead)."""
    a, b = int(m.indptr[row]), int(m.indptr[row + 1])
    return np.asarray(m.indices[a:b]), np.asarray(m.data[a:b])


def _dense_row(m: sp.csr_matrix, row: int) -> NDArray[np.float32]:
    out = np.zeros(m.shape[1], dtype=np.float32)
    ind, val = _row(m, row)
    out[ind] = val
    return out


_SECTION_KIND = {
    "sectors": "sector",
    "capabilities": "capability",
    "need_categories": "need_category",
    "certifications": "certification",
}


def reasons_for(index: Index, qb: QueryBatch, qi: int, row: int, feats: NDArray[np.float32] | None = None) -> list[str]:
    """Japanese reasons naming the evidence behind one (query, candidate) pair."""
    return explain(index, qb, qi, row)[0]


def explain(index: Index, qb: QueryBatch, qi: int, row: int) -> tuple[list[str], list[JSONObject]]:
    """(reasons, evidence) for one (query, candidate) pair.

    ``reasons`` are Japanese sentences; ``evidence`` the same facts as data:
    ``{"kind": sector|capability|certification|need_category|expert_type|
    region|nationwide|keyword, "code" or "text": ...}`` (``"inferred": true``
    when a concept was read from the text rather than stated as a code).
    Keywords are nouns the query and the candidate share, shown as the query
    wrote them (surface form, never the normalised spelling), never numbers,
    dates, pronouns or function words.
    """
    space = concept_space()
    reasons: list[str] = []
    evidence: list[JSONObject] = []
    qc = qb.concept[qi]
    cc = _dense_row(index.concept, row)
    ce = _dense_row(index.explicit, row) > 0
    cert_lo, _ = space.offsets["certifications"]
    for req in qb.required_certs[qi]:
        reasons.append(f"必須認証: {concept_label(cert_lo + req)}")
        evidence.append({"kind": "certification", "code": space.columns[cert_lo + req][1], "required": True})
    for section in ("sectors", "capabilities", "need_categories", "certifications"):
        lo, hi = space.offsets[section]
        prod = qc[lo:hi] * cc[lo:hi]
        cols = np.flatnonzero(prod > 0)
        cols = cols[np.argsort(-prod[cols], kind="stable")][:2]
        for c in cols:
            col = lo + int(c)
            if section == "certifications" and (col - cert_lo) in qb.required_certs[qi]:
                continue
            label = concept_label(col)
            inferred = not ce[col]
            reasons.append(f"{_SECTION_PREFIX[section]}: {label}" + ("（記述から推定）" if inferred else ""))
            ev: JSONObject = {"kind": _SECTION_KIND[section], "code": space.columns[col][1]}
            if inferred:
                ev["inferred"] = True
            evidence.append(ev)
    ps = qb.prefs[qi]
    if ps:
        cover = np.asarray(index.region[row], dtype=np.int64)
        best = max(ps, key=lambda p: cover[p])
        level = int(cover[best])
        kind = KINDS[int(index.kind[row])]
        if level >= 100:
            reasons.append(f"対応地域: {_PREF_JA[best]}" if kind == "expert" else f"所在地: {_PREF_JA[best]}")
            evidence.append({"kind": "region", "code": _PREF_CODES[best]})
        elif level >= 70 and kind == "expert":
            reasons.append("対応地域: 全国")
            evidence.append({"kind": "nationwide"})
        elif level >= 45:
            region_code = load_vocabulary()["prefectures"][best]["region"]
            reasons.append(f"近隣地域: {_REGION_JA.get(region_code, region_code)}")
            evidence.append({"kind": "region", "code": _PREF_CODES[best], "match": "nearby"})
    et = int(index.expert_type[row])
    et_codes = code_list("expert_types")
    if et >= 0 and et in qb.expert_types[qi]:
        reasons.append(f"専門家種別: {label_ja('expert_types', et_codes[et])}")
        evidence.append({"kind": "expert_type", "code": et_codes[et]})
    # shared key terms, strongest first (TF-IDF weight on both sides), shown
    # as the query wrote them; only nouns that the query's own text contains
    surfaces = qb.surfaces[qi]
    q_ind, q_val = _row(qb.word, qi)
    c_ind, c_val = _row(index.word, row)
    common, qpos, cpos = np.intersect1d(q_ind, c_ind, return_indices=True)
    if len(common) and surfaces:
        w = q_val[qpos] * c_val[cpos]
        order = np.argsort(-w, kind="stable")
        terms: list[str] = []
        for j in order:
            surf = surfaces.get(index.word_terms[int(common[j])])
            if surf is None or any(surf in x or x in surf for x in terms):
                continue
            terms.append(surf)
            if len(terms) == 3:
                break
        if terms:
            reasons.append("キーワード: " + "、".join(terms))
            evidence.extend({"kind": "keyword", "text": t} for t in terms)
    if not reasons:
        reasons.append("記述の内容が近い")
    # de-duplicate, keep order
    return list(dict.fromkeys(reasons)), evidence


# ---------------------------------------------------------------------------
# top-level


def rank_index(
    index: Index,
    queries: list[JSONObject],
    *,
    top: int = 10,
    policy: str = "market",
    scorer: Scorer = default_scorer,
    progress: Callable[[str], None] | None = None,
    exposure_weight: float | None = None,
) -> list[JSONObject]:
    if policy not in ("market", "relevance"):
        raise ValueError(f"unknown policy {policy!r} (relevance or market)")
    if not queries:
        return []
    qb = prepare_queries(index, queries)
    keep = max(top, MARKET_POOL) if policy == "market" else top
    cands = score_candidates(index, qb, scorer, keep=keep, progress=progress)
    if policy == "market":
        ranked = market_rerank(cands, index.remaining, top=top, exposure_weight=exposure_weight)
    else:
        ranked = [(c.rows[:top], c.rel[:top]) for c in cands]
    results = []
    for qi, (rows, scores) in enumerate(ranked):
        rel_of = dict(zip(cands[qi].rows.tolist(), cands[qi].rel.tolist(), strict=True))
        items = []
        for row, s in zip(rows, scores, strict=True):
            reasons, evidence = explain(index, qb, qi, int(row))
            items.append(
                {
                    "id": str(index.ids[int(row)]),
                    "score": round(float(s), 6),
                    "reasons": reasons,
                    # calibrated estimate that this is a good match, 0..100,
                    # whatever the policy (under market, score is the market value)
                    "relevance": round(100.0 * min(1.0, max(0.0, rel_of.get(int(row), 0.0)))),
                    "evidence": evidence,
                }
            )
        results.append({"query": queries[qi]["id"], "results": items})
    if progress:
        progress(f"rank: {len(results)} queries ranked ({policy})")
    return results


def features_for_pairs(
    index: Index, queries: list[JSONObject], pairs: list[tuple[int, str]]
) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """Features of labelled (query position, candidate id) pairs; mask of pairs found."""
    qb = prepare_queries(index, queries)
    x = np.zeros((len(pairs), len(FEATURES)), dtype=np.float32)
    found = np.zeros(len(pairs), dtype=bool)
    by_q: dict[int, list[tuple[int, int]]] = {}
    for k, (qi, cid) in enumerate(pairs):
        row = index.row_of.get(cid)
        if row is not None:
            by_q.setdefault(qi, []).append((k, row))
    for qi, lst in by_q.items():
        rows = np.array([r for _, r in lst])
        target = qb.target[qi]
        kind_rows = index.rows_of_kind(target) if target in KINDS else np.zeros(0, np.int64)
        if 0 < len(kind_rows) <= BRUTE_MAX:
            # as at ranking time: BM25 scaled by the best candidate of the whole kind
            bm = (index.bm25_of_kind(target, "word"), index.bm25_of_kind(target, "char"))
            full = pair_features(index, qb, np.array([qi]), kind_rows, bm)[0]
            pos = np.searchsorted(kind_rows, rows)
            ok = (pos < len(kind_rows)) & (kind_rows[np.minimum(pos, len(kind_rows) - 1)] == rows)
            f = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
            f[ok] = full[pos[ok]]
        else:
            f = pair_features(index, qb, np.array([qi]), rows)[0]
        for j, (k, _) in enumerate(lst):
            x[k] = f[j]
            found[k] = True
    return x, found
