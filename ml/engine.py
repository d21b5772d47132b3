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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.stats import poisson

from ml.concepts import concept_label, concept_space
from ml.docs import KINDS, PREF_INDEX, query_parts
from ml.index import COVER_UNKNOWN, Index, predict_concepts
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
)
# Hand-set weights of the untrained ranker: text and structured evidence in
# roughly equal shares; capacity is left to the market policy. Region counts
# more when the target is an expert: experts state where they take
# engagements, while suppliers and buyers trade nationwide.
DEFAULT_WEIGHTS = np.array([0.22, 0.13, 0.14, 0.20, 0.16, 0.03, 0.08, 0.05, 0.14, 0.05, 0.0, 0.0], dtype=np.float64)

BRUTE_MAX = 8_000  # up to this many rows of a kind, score them all (exact)
RETRIEVE = 300  # otherwise: candidates kept from sparse retrieval per query
MARKET_POOL = 60  # candidates per query the market policy may reorder
MARKET_ITERS = 20
CONCEPT_RETRIEVAL_WEIGHT = 0.7  # concept cosine vs word cosine in candidate generation

# pairs x FEATURES -> one relevance (acceptance-probability estimate) per pair
Scorer = Callable[[NDArray[np.float32]], NDArray[np.float64]]


def default_scorer(f: NDArray[np.float32]) -> NDArray[np.float64]:
    return np.clip(f @ DEFAULT_WEIGHTS, 0.0, 1.0)


@dataclass
class QueryBatch:
    queries: list[JSONObject]
    word: sp.csr_matrix
    char: sp.csr_matrix
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
    index: Index, qb: QueryBatch, qidx: NDArray[np.int64], rows: NDArray[np.int64]
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
    return f


def _allowed(index: Index, qb: QueryBatch, qi: int, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Hard filters: mandatory certifications (stated codes only) and the owner."""
    ok: NDArray[np.bool_] = rows != qb.owner_row[qi]
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
    q = qb.word[qi]
    if pw is not None and q.nnz:
        s += _accumulate(pw, q.indices, q.data)
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
        rows_all = index.rows_of_kind(target) if target in KINDS else np.zeros(0, np.int64)
        brute = len(rows_all) <= BRUTE_MAX
        batch = max(1, min(256, 2_000_000 // max(1, len(rows_all)))) if brute else 1
        for start in range(0, len(qlist), batch):
            qidx = np.array(qlist[start : start + batch])
            if brute:
                feats = pair_features(index, qb, qidx, rows_all)
                rel = scorer(feats.reshape(-1, feats.shape[-1])).reshape(feats.shape[:2])
                row_sets = [rows_all] * len(qidx)
            else:
                row_sets = [_retrieve(index, qb, int(qi), target, RETRIEVE) for qi in qidx]
                rel_list = []
                for qi, rows in zip(qidx, row_sets, strict=True):
                    feats = pair_features(index, qb, np.array([qi]), rows)
                    rel_list.append(scorer(feats.reshape(-1, feats.shape[-1])))
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
    """
    pool = [(c.rows[:MARKET_POOL], np.clip(c.rel[:MARKET_POOL], 0.0, 1.0)) for c in cands]
    all_rows = np.concatenate([r for r, _ in pool]) if pool else np.zeros(0, np.int64)
    uniq, inv = np.unique(all_rows, return_inverse=True)
    cap = remaining[uniq].astype(np.float64)
    offsets = np.cumsum([0] + [len(r) for r, _ in pool])
    p_all = np.concatenate([p for _, p in pool]) if pool else np.zeros(0)
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
    demand = np.bincount(inv, weights=exam[pos] * p_all, minlength=len(uniq))
    for it in range(iters):
        own = exam[pos] * p_all
        lam = np.maximum(demand[inv] - own, 0.0)
        # P(X < cap) for X ~ Poisson(lam); cap = 0 -> 0
        room = np.where(cap[inv] > 0, poisson.cdf(cap[inv] - 1, lam), 0.0)
        value = p_all * np.maximum(room, floor)
        new_pos = positions(value)
        new_demand = np.bincount(inv, weights=exam[new_pos] * p_all, minlength=len(uniq))
        demand = 0.5 * demand + 0.5 * new_demand
        if np.array_equal(new_pos, pos) and it > 2:
            break
        pos = new_pos
    out = []
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


def reasons_for(index: Index, qb: QueryBatch, qi: int, row: int, feats: NDArray[np.float32] | None = None) -> list[str]:
    """Japanese reasons naming the evidence behind one (query, candidate) pair."""
    space = concept_space()
    reasons: list[str] = []
    qc = qb.concept[qi]
    cc = _dense_row(index.concept, row)
    ce = _dense_row(index.explicit, row) > 0
    cert_lo, _ = space.offsets["certifications"]
    for req in qb.required_certs[qi]:
        reasons.append(f"必須認証: {concept_label(cert_lo + req)}")
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
            inferred = "" if ce[col] else "（記述から推定）"
            reasons.append(f"{_SECTION_PREFIX[section]}: {label}{inferred}")
    ps = qb.prefs[qi]
    if ps:
        cover = np.asarray(index.region[row], dtype=np.int64)
        best = max(ps, key=lambda p: cover[p])
        level = int(cover[best])
        kind = KINDS[int(index.kind[row])]
        if level >= 100:
            reasons.append(f"対応地域: {_PREF_JA[best]}" if kind == "expert" else f"所在地: {_PREF_JA[best]}")
        elif level >= 70 and kind == "expert":
            reasons.append("対応地域: 全国")
        elif level >= 45:
            region_code = load_vocabulary()["prefectures"][best]["region"]
            reasons.append(f"近隣地域: {_REGION_JA.get(region_code, region_code)}")
    et = int(index.expert_type[row])
    if et >= 0 and et in qb.expert_types[qi]:
        reasons.append(f"専門家種別: {label_ja('expert_types', code_list('expert_types')[et])}")
    # shared key terms, strongest first (TF-IDF weight on both sides)
    q_ind, q_val = _row(qb.word, qi)
    c_ind, c_val = _row(index.word, row)
    common, qpos, cpos = np.intersect1d(q_ind, c_ind, return_indices=True)
    if len(common):
        w = q_val[qpos] * c_val[cpos]
        order = np.argsort(-w, kind="stable")
        terms: list[str] = []
        for j in order:
            t = index.word_terms[int(common[j])]
            if len(t) < 2 or any(t in x or x in t for x in terms):
                continue
            terms.append(t)
            if len(terms) == 3:
                break
        if terms:
            reasons.append("キーワード: " + "、".join(terms))
    if not reasons:
        sim = float(feats[1]) if feats is not None else 0.0
        reasons.append(f"記述の類似（文字列類似度 {sim:.2f}）")
    # de-duplicate, keep order
    return list(dict.fromkeys(reasons))


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
) -> list[JSONObject]:
    if policy not in ("market", "relevance"):
        raise ValueError(f"unknown policy {policy!r} (relevance or market)")
    if not queries:
        return []
    qb = prepare_queries(index, queries)
    keep = max(top, MARKET_POOL) if policy == "market" else top
    cands = score_candidates(index, qb, scorer, keep=keep, progress=progress)
    if policy == "market":
        ranked = market_rerank(cands, index.remaining, top=top)
    else:
        ranked = [(c.rows[:top], c.rel[:top]) for c in cands]
    results = []
    for qi, (rows, scores) in enumerate(ranked):
        items = []
        for row, s in zip(rows, scores, strict=True):
            items.append(
                {
                    "id": str(index.ids[int(row)]),
                    "score": round(float(s), 6),
                    "reasons": reasons_for(index, qb, qi, int(row)),
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
        f = pair_features(index, qb, np.array([qi]), rows)[0]
        for j, (k, _) in enumerate(lst):
            x[k] = f[j]
            found[k] = True
    return x, found
