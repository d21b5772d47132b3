"""The persistent candidate index.

Layout of an index directory (all arrays ``.npy`` so they can be
memory-mapped; sparse matrices as their CSR parts):

    meta.json                 format version, counts, vocab sizes, build info
    ids.npy                   profile ids (unicode array, row order = input order)
    kind.npy / pref.npy / capacity.npy / active.npy / expert_type.npy
    region.npy                N x 47 uint8: how well row covers each prefecture (0..100)
    word_{data,indices,indptr}.npy   L2-normalised TF-IDF over Sudachi tokens
    char_{data,indices,indptr}.npy   L2-normalised TF-IDF over char 2/3-grams
    concept_*.npy / explicit_*.npy   soft and explicit concept vectors
    post_{kind}_word_*.npy / post_{kind}_concept_*.npy  transposed (term-major)
                              matrices per kind, for sparse top-k retrieval
    rows_{kind}.npy           row numbers of each kind
    word_vocab.json / char_vocab.json / *_idf.npy
    clf_{section}_W.npy ...   text -> concept classifier (self-trained on coded rows)

The build streams the input twice (validate, then tokenise) and spills
per-chunk count matrices to disk, so memory stays bounded by the vocabulary
and one chunk, not by the number of profiles. It writes into a temporary
directory beside the target and renames it only on success.

Tokenising is the expensive part (Sudachi). For files of POOL_MIN_ROWS rows
or more it runs in a process pool (``ML_INDEX_WORKERS``, default up to
MAX_WORKERS): the reader sends batches of raw lines, each worker returns
counts over a batch-local vocabulary, and the parent merges batches in
input order (``imap``) with one dictionary lookup per distinct token per
batch. The result is the same index as an in-process build.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ml.concepts import DETECTED, concept_space
from ml.docs import (
    EXPERT_TYPE_INDEX,
    KIND_INDEX,
    KINDS,
    PREF_INDEX,
    capacity_of,
    profile_parts,
)
from ml.vocab import load_vocabulary

if TYPE_CHECKING:
    from ml.interchange import JSONObject

FORMAT_VERSION = 2
BM25_K1 = 1.2
BM25_B = 0.75
CHUNK = 50_000  # rows per spilled count matrix / progress line
BATCH = 2_000  # rows per tokenising task
POOL_MIN_ROWS = 20_000  # below this, tokenise in-process (no pool start-up cost)
MAX_WORKERS = 2
CHAR_MIN_DF = 2
PRED_WEIGHT = 0.8  # a classifier guess counts a bit less than a stated code
PRED_THRESHOLD = 0.3
CLF_MAX_TRAIN = 20_000
CLF_MAX_FEATURES = 1 << 15

Progress = Callable[[str], None]

_T = TypeVar("_T")
_ScalarT = TypeVar("_ScalarT", bound=np.generic)


class ClassifierSectionInfo(TypedDict):
    """What meta.json records about the classifier of one concept section."""

    kinds: list[str]  # profile kinds whose rows taught it
    codes_trained: int
    rows: int


class ClassifierInfo(TypedDict):
    """The ``classifier`` entry of meta.json."""

    sections: dict[str, ClassifierSectionInfo]
    features: int  # number of word features the classifiers read


class ClassifierSection(TypedDict):
    """A loaded per-section classifier: logits = x[:, features] @ W + b."""

    W: NDArray[np.float32]  # features x section codes
    b: NDArray[np.float32]  # section codes
    kinds: list[str]


class Classifier(TypedDict):
    """The loaded text -> concept classifiers (``Index.clf``); no sections = none trained."""

    sections: dict[str, ClassifierSection]
    features: NotRequired[NDArray[np.int64]]  # word columns used, present when sections are


def stderr_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _quiet(msg: str) -> None:
    pass


# ---------------------------------------------------------------------------
# region coverage


def _region_table() -> tuple[NDArray[np.uint8], list[str]]:
    prefs = load_vocabulary()["prefectures"]
    region_of = np.array([hash(p["region"]) for p in prefs])
    same = (region_of[:, None] == region_of[None, :]).astype(np.uint8)
    return same, [p["region"] for p in prefs]


_SAME_REGION, _REGION_OF = _region_table()
COVER_EXACT, COVER_NATIONWIDE, COVER_SAME_REGION, COVER_UNKNOWN = 100, 70, 45, 30


def region_coverage(p: JSONObject) -> NDArray[np.uint8]:
    """How well a profile covers each prefecture, 0..100 (expert regions win)."""
    row = np.zeros(len(PREF_INDEX), dtype=np.uint8)
    prefs: list[int] = []
    if p.get("kind") == "expert":
        regions = [PREF_INDEX[c] for c in (p.get("regions") or []) if c in PREF_INDEX]
        if not regions:
            row[:] = COVER_NATIONWIDE  # empty regions = takes engagements nationwide
            if p.get("prefecture") in PREF_INDEX:
                row[PREF_INDEX[p["prefecture"]]] = COVER_EXACT
            return row
        prefs = regions
    elif p.get("prefecture") in PREF_INDEX:
        prefs = [PREF_INDEX[p["prefecture"]]]
    if not prefs:
        row[:] = COVER_UNKNOWN
        return row
    for i in prefs:
        row = np.maximum(row, _SAME_REGION[i] * COVER_SAME_REGION)
    row[prefs] = COVER_EXACT
    return row


# ---------------------------------------------------------------------------
# building


class _Channel:
    """A growing vocabulary plus per-chunk count matrices spilled to disk.

    Rows arrive in batches tokenised elsewhere (a worker process) with a
    batch-local vocabulary; ``add_batch`` maps it onto the global one with one
    dictionary lookup per distinct token of the batch, and the rest is numpy.
    """

    def __init__(self, name: str, tmp: Path) -> None:
        self.name = name
        self.tmp = tmp
        self.vocab: dict[str, int] = {}
        self.df: NDArray[np.int64] = np.zeros(1 << 16, dtype=np.int64)
        self.chunks: list[Path] = []
        self._parts: list[tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float32]]] = []

    def add_batch(
        self,
        local_vocab: list[str],
        indptr: NDArray[np.int64],
        indices: NDArray[np.int32],
        counts: NDArray[np.float32],
    ) -> None:
        vocab = self.vocab
        gmap = np.fromiter(
            (vocab.setdefault(t, len(vocab)) for t in local_vocab), dtype=np.int32, count=len(local_vocab)
        )
        g = gmap[indices] if len(indices) else np.zeros(0, np.int32)
        if len(vocab) > len(self.df):
            grown = np.zeros(max(len(vocab), 2 * len(self.df)), dtype=np.int64)
            grown[: len(self.df)] = self.df
            self.df = grown
        if len(g):
            # tokens are distinct within a row, so occurrences = document frequency
            self.df[: len(vocab)] += np.bincount(g, minlength=len(vocab))
        self._parts.append((np.asarray(indptr, np.int64), g, np.asarray(counts, np.float32)))

    def flush(self) -> None:
        if not self._parts:
            return
        ptrs, offset = [np.zeros(1, np.int64)], 0
        for ip, ind, _ in self._parts:
            ptrs.append(ip[1:] + offset)
            offset += len(ind)
        path = self.tmp / f"{self.name}_{len(self.chunks):05d}.npz"
        np.savez(
            path,
            indptr=np.concatenate(ptrs),
            indices=np.concatenate([p[1] for p in self._parts]),
            counts=np.concatenate([p[2] for p in self._parts]),
        )
        self.chunks.append(path)
        self._parts = []

    def finalize(self, out: Path, n_docs: int, min_df: int) -> tuple[list[str], NDArray[np.float32]]:
        """Write the L2-normalised TF-IDF CSR (with pruned vocabulary) to ``out``."""
        self.flush()
        df = self.df[: len(self.vocab)]
        keep = df >= min_df
        new_id = np.full(len(df), -1, dtype=np.int64)
        new_id[keep] = np.arange(int(keep.sum()))
        idf = (np.log((1.0 + n_docs) / (1.0 + df[keep])) + 1.0).astype(np.float32)
        nnz = 0
        for path in self.chunks:
            with np.load(path) as z:
                nnz += int(keep[z["indices"]].sum()) if len(z["indices"]) else 0
        data = np.lib.format.open_memmap(out / f"{self.name}_data.npy", mode="w+", dtype=np.float32, shape=(nnz,))
        indices = np.lib.format.open_memmap(out / f"{self.name}_indices.npy", mode="w+", dtype=np.int32, shape=(nnz,))
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        # per-row L2 norm of the raw TF-IDF weights and length (kept tokens):
        # with them the BM25 weight of any stored entry can be recovered
        # exactly (``bm25_matrix``), so BM25 needs no second matrix.
        row_norm = np.ones(n_docs, dtype=np.float32)
        row_len = np.zeros(n_docs, dtype=np.float32)
        pos, row = 0, 0
        for path in self.chunks:
            with np.load(path) as z:
                ip, ind, cnt = z["indptr"], z["indices"], z["counts"]
            nrows = len(ip) - 1
            mask = keep[ind] if len(ind) else np.zeros(0, bool)
            rows_of = np.repeat(np.arange(nrows), np.diff(ip))[mask]
            ind2 = new_id[ind[mask]].astype(np.int32)
            w = (1.0 + np.log(cnt[mask])) * idf[ind2]
            norms = np.sqrt(np.bincount(rows_of, weights=w * w, minlength=nrows))
            norms[norms == 0] = 1.0
            row_norm[row : row + nrows] = norms
            row_len[row : row + nrows] = np.bincount(rows_of, weights=cnt[mask], minlength=nrows)
            w = (w / norms[rows_of]).astype(np.float32)
            counts_per_row = np.bincount(rows_of, minlength=nrows)
            data[pos : pos + len(w)] = w
            indices[pos : pos + len(w)] = ind2
            indptr[row + 1 : row + nrows + 1] = pos + np.cumsum(counts_per_row)
            pos += len(w)
            row += nrows
            path.unlink()
        data.flush()
        indices.flush()
        del data, indices
        np.save(out / f"{self.name}_indptr.npy", _index_dtype(indptr))
        np.save(out / f"{self.name}_idf.npy", idf)
        np.save(out / f"{self.name}_norm.npy", row_norm)
        np.save(out / f"{self.name}_len.npy", row_len)
        dfk = df[keep].astype(np.float64)
        np.save(out / f"{self.name}_bm25idf.npy", np.log(1.0 + (n_docs - dfk + 0.5) / (dfk + 0.5)).astype(np.float32))
        inv = [""] * int(keep.sum())
        for tok, i in self.vocab.items():
            j = new_id[i]
            if j >= 0:
                inv[j] = tok
        with (out / f"{self.name}_vocab.json").open("w", encoding="utf-8") as fh:
            json.dump(inv, fh, ensure_ascii=False)
        return inv, idf


def _index_dtype(indptr: NDArray[np.integer[Any]]) -> NDArray[np.int32] | NDArray[np.int64]:
    # scipy upcasts indices to the wider of (indices, indptr) dtypes, which
    # would copy a memory-mapped int32 index into RAM on every product.
    if len(indptr) == 0 or indptr[-1] < np.iinfo(np.int32).max:
        return indptr.astype(np.int32)
    return indptr.astype(np.int64)


def _save_csr(out: Path, name: str, m: sp.csr_matrix) -> None:
    m = sp.csr_matrix(m)
    np.save(out / f"{name}_data.npy", m.data.astype(np.float32))
    np.save(out / f"{name}_indices.npy", m.indices.astype(np.int32 if m.nnz < np.iinfo(np.int32).max else np.int64))
    np.save(out / f"{name}_indptr.npy", _index_dtype(m.indptr))
    with (out / f"{name}_shape.json").open("w") as fh:
        json.dump(list(m.shape), fh)


def _load_csr(d: Path, name: str, shape: tuple[int, int] | None = None, mmap: bool = True) -> sp.csr_matrix:
    data = np.load(d / f"{name}_data.npy", mmap_mode="r" if mmap else None)
    indices = np.load(d / f"{name}_indices.npy", mmap_mode="r" if mmap else None)
    indptr = np.load(d / f"{name}_indptr.npy")
    if shape is None:
        shape = tuple(json.loads((d / f"{name}_shape.json").read_text()))
    # Build without scipy's checks/copies so memory-mapped arrays stay mapped.
    m = sp.csr_matrix(shape, dtype=np.float32)
    m.data, m.indices, m.indptr = data, indices, indptr
    return m


def _train_concept_classifiers(
    word: sp.csr_matrix,
    explicit: sp.csr_matrix,
    kinds: NDArray[np.int8],
    out: Path,
    progress: Progress,
) -> ClassifierInfo:
    """Self-supervised text -> concept classifiers, one per concept section.

    Rows that carry codes in a section teach which words signal each code;
    the classifiers then fill in that section for rows that carry none. This
    is what lets an uncoded description rank like a coded one without a
    hand-made synonym list. Trained on at most CLF_MAX_TRAIN rows.
    """
    from sklearn.linear_model import LogisticRegression

    space = concept_space()
    v = word.shape[1]
    rng = np.random.default_rng(0)
    # classifier vocabulary: the most frequent word features (bounded model size)
    df = np.bincount(word.indices, minlength=v) if word.nnz else np.zeros(v, np.int64)
    feat = np.sort(np.argsort(-df, kind="stable")[: min(v, CLF_MAX_FEATURES)])
    feat = feat[df[feat] >= 2]
    info: ClassifierInfo = {"sections": {}, "features": len(feat)}
    if len(feat) == 0:
        return info
    np.save(out / "clf_features.npy", feat.astype(np.int64))
    colmap = np.full(v, -1, dtype=np.int64)
    colmap[feat] = np.arange(len(feat))
    for section in space.sections:
        lo, hi = space.offsets[section]
        sec = explicit[:, lo:hi].tocsr()
        has = np.flatnonzero(np.diff(sec.indptr) > 0)
        if len(has) < 20:
            continue
        if len(has) > CLF_MAX_TRAIN:
            has = np.sort(rng.choice(has, CLF_MAX_TRAIN, replace=False))
        x = word[has][:, feat]
        y = sec[has].toarray() > 0
        w = np.zeros((len(feat), hi - lo), dtype=np.float32)
        b = np.full(hi - lo, -10.0, dtype=np.float32)
        trained = 0
        for j in range(hi - lo):
            pos = int(y[:, j].sum())
            if pos < 3 or pos > len(has) - 3:
                continue
            clf = LogisticRegression(C=8.0, solver="liblinear", class_weight="balanced", max_iter=200)
            clf.fit(x, y[:, j])
            w[:, j] = clf.coef_[0]
            # "balanced" weighting overstates rare codes; shift the bias back
            # towards the true base rate so probabilities stay honest.
            b[j] = clf.intercept_[0] + math.log(pos / (len(has) - pos))
            trained += 1
        if trained == 0:
            continue
        kinds_with = sorted({KINDS[k] for k in np.unique(kinds[has])})
        np.save(out / f"clf_{section}_W.npy", w)
        np.save(out / f"clf_{section}_b.npy", b)
        info["sections"][section] = {"kinds": kinds_with, "codes_trained": trained, "rows": len(has)}
        progress(f"index: concept classifier {section}: {trained} codes from {len(has)} rows")
    return info


def predict_concepts(
    x_word: sp.csr_matrix,
    clf: Classifier,
    *,
    skip_sections: list[set[str]] | None = None,
    skip_mask: NDArray[np.bool_] | None = None,
    kinds: NDArray[np.int8] | None = None,
) -> sp.csr_matrix:
    """Soft concept predictions (rows x concept columns), thresholded and sparse.

    Sections a row states codes for are left alone: give them as one set of
    section names per row (``skip_sections``) or as a rows x sections boolean
    matrix in ``concept_space().sections`` order (``skip_mask``).
    """
    space = concept_space()
    n = x_word.shape[0]
    out = sp.csr_matrix((n, space.size), dtype=np.float32)
    if not clf.get("sections") or n == 0:
        return out
    xf = x_word[:, clf["features"]]
    blocks = []
    for section, m in clf["sections"].items():
        lo, hi = space.offsets[section]
        z = np.asarray(xf @ m["W"]) + m["b"]
        p = 1.0 / (1.0 + np.exp(-z))
        p[p < PRED_THRESHOLD] = 0.0
        mask = np.ones(n, dtype=bool)
        if skip_sections is not None:
            mask &= np.array([section not in s for s in skip_sections], dtype=bool)
        if skip_mask is not None:
            mask &= ~skip_mask[:, space.sections.index(section)]
        if kinds is not None and m.get("kinds"):
            allowed = np.array([KIND_INDEX[k] for k in m["kinds"]])
            mask &= np.isin(kinds, allowed)
        p[~mask] = 0.0
        full = sp.csr_matrix(p * PRED_WEIGHT, dtype=np.float32)
        full.resize((n, hi - lo))
        blocks.append((lo, full))
    if not blocks:
        return out
    parts = []
    for lo, blk in blocks:
        coo = blk.tocoo()
        parts.append((coo.row, coo.col + lo, coo.data))
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, space.size), dtype=np.float32)


def _transpose_save(out: Path, name: str, m: sp.csr_matrix) -> None:
    _save_csr(out, name, sp.csr_matrix(m.T.tocsr()))


@dataclass
class BM25Stats:
    """What turns stored TF-IDF entries of a channel back into BM25 term weights."""

    idf: NDArray[np.float32]  # the TF-IDF idf (1 + log((1+N)/(1+df)))
    bm25idf: NDArray[np.float32]  # log(1 + (N - df + 0.5) / (df + 0.5))
    norm: NDArray[np.float32]  # per row: L2 norm of the raw TF-IDF weights
    length: NDArray[np.float32]  # per row: number of (kept) tokens
    avg_len: float


def bm25_matrix(m: sp.csr_matrix, rows: NDArray[np.int64], st: BM25Stats) -> sp.csr_matrix:
    """BM25 term weights (Robertson/Sparck Jones idf, k1=1.2, b=0.75) of ``m = tfidf[rows]``.

    A stored entry is ``(1 + log tf) * idf / norm``, so ``tf`` is recovered
    exactly from it and the row's norm; no count matrix is kept.
    """
    m = sp.csr_matrix(m)
    if m.nnz == 0:
        return sp.csr_matrix(m.shape, dtype=np.float32)
    out = np.empty(m.nnz, dtype=np.float32)
    step = 100_000  # rows per block: bounded temporaries on million-row builds
    for a in range(0, m.shape[0], step):
        b = min(m.shape[0], a + step)
        lo, hi = int(m.indptr[a]), int(m.indptr[b])
        if hi == lo:
            continue
        g = rows[a + np.repeat(np.arange(b - a), np.diff(m.indptr[a : b + 1]))]
        col = m.indices[lo:hi]
        tf = np.exp(np.asarray(m.data[lo:hi], np.float64) * st.norm[g] / st.idf[col] - 1.0)
        tf = np.maximum(np.rint(tf), 1.0)
        denom = tf + BM25_K1 * (1.0 - BM25_B + BM25_B * st.length[g] / max(st.avg_len, 1e-9))
        out[lo:hi] = st.bm25idf[col] * tf * (BM25_K1 + 1.0) / denom
    return sp.csr_matrix((out, m.indices, m.indptr), shape=m.shape)


# ---------------------------------------------------------------------------
# tokenising (runs in worker processes for large inputs)


class _LocalCounts:
    """Per-row token counts over a batch-local vocabulary (no global state).

    Rows only append token ids; counting is one vectorised pass in ``export``.
    """

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.ids = array("i")
        self.lengths = array("q")

    def add(self, tokens: list[str]) -> None:
        vocab = self.vocab
        put = vocab.setdefault
        self.ids.extend([put(t, len(vocab)) for t in tokens])
        self.lengths.append(len(tokens))

    def export(self) -> tuple[list[str], NDArray[np.int64], NDArray[np.int32], NDArray[np.float32]]:
        ids = np.frombuffer(self.ids, dtype=np.int32).astype(np.int64)
        lengths = np.frombuffer(self.lengths, dtype=np.int64)
        n, v = len(lengths), max(1, len(self.vocab))
        key = np.repeat(np.arange(n, dtype=np.int64), lengths) * v + ids
        uniq, counts = np.unique(key, return_counts=True)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(uniq // v, minlength=n), out=indptr[1:])
        return list(self.vocab), indptr, (uniq % v).astype(np.int32), counts.astype(np.float32)


@lru_cache(maxsize=4096)
def _region_cached(kind: str | None, prefecture: str | None, regions: tuple[str, ...]) -> NDArray[np.uint8]:
    row = region_coverage({"kind": kind, "prefecture": prefecture, "regions": list(regions)})
    row.setflags(write=False)
    return row


def _tokenise_batch(items: Sequence[str | JSONObject]) -> dict[str, Any]:
    """Everything the index needs from a batch of profiles (JSON lines or dicts).

    Keys: ``ids`` (list of str); ``kind``, ``pref``, ``capacity``, ``active``,
    ``expert_type`` (one array entry per row); ``region`` (rows x prefectures);
    ``words`` / ``grams`` (``_LocalCounts.export()`` tuples); ``explicit`` /
    ``detected`` ((row, concept column) int32 array pairs).

    A pure function of its input, so batches can be tokenised in any process;
    the caller merges the results in input order.
    """
    n = len(items)
    ids: list[str] = []
    kind = np.empty(n, np.int8)
    pref = np.empty(n, np.int8)
    capacity = np.empty(n, np.int32)
    active = np.empty(n, np.int32)
    expert_type = np.empty(n, np.int16)
    region = np.empty((n, len(PREF_INDEX)), np.uint8)
    words, grams = _LocalCounts(), _LocalCounts()
    ex_rows, ex_cols, det_rows, det_cols = array("i"), array("i"), array("i"), array("i")
    for r, item in enumerate(items):
        p = json.loads(item) if isinstance(item, str) else item
        parts = profile_parts(p)
        words.add(parts.words)
        grams.add(parts.grams)
        ids.append(p["id"])
        kind[r] = KIND_INDEX[p["kind"]]
        pref[r] = PREF_INDEX.get(p.get("prefecture") or "", -1)
        capacity[r] = capacity_of(p)
        active[r] = int(p.get("active_engagements") or 0)
        expert_type[r] = EXPERT_TYPE_INDEX.get(p.get("expert_type") or "", -1)
        regions = p.get("regions") if p.get("kind") == "expert" else None
        region[r] = _region_cached(p.get("kind"), p.get("prefecture"), tuple(regions or ()))
        for c in parts.explicit:
            ex_rows.append(r)
            ex_cols.append(c)
        for c in parts.detected:
            det_rows.append(r)
            det_cols.append(c)
    return {
        "ids": ids,
        "kind": kind,
        "pref": pref,
        "capacity": capacity,
        "active": active,
        "expert_type": expert_type,
        "region": region,
        "words": words.export(),
        "grams": grams.export(),
        "explicit": (np.frombuffer(ex_rows, np.int32), np.frombuffer(ex_cols, np.int32)),
        "detected": (np.frombuffer(det_rows, np.int32), np.frombuffer(det_cols, np.int32)),
    }


def _batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for x in items:
        batch.append(x)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _worker_count(n_rows: int) -> int:
    env = os.environ.get("ML_INDEX_WORKERS")
    if env:
        return max(1, int(env))
    if n_rows < POOL_MIN_ROWS:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_WORKERS, cores))


@contextmanager
def _tokenised_batches(source: Iterable[JSONObject] | Path, n_rows: int) -> Iterator[Iterator[dict[str, Any]]]:
    """Tokenised batches in input order: a process pool for large files, inline otherwise."""
    if isinstance(source, Path):
        from ml.interchange import iter_lines

        lines = (line for _, line in iter_lines(source))
        workers = _worker_count(n_rows)
        if workers > 1:
            # spawn, not fork: safe when the caller has threads (Celery, Django).
            # imap keeps input order and reads the file only as fast as workers consume it.
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(workers) as pool:
                yield pool.imap(_tokenise_batch, _batched(lines, BATCH), chunksize=1)
            return
        yield map(_tokenise_batch, _batched(lines, BATCH))
        return
    yield map(_tokenise_batch, _batched(source, BATCH))


def build_index(
    profiles: Iterable[JSONObject] | str | Path,
    out_dir: str | Path,
    *,
    progress: Progress = _quiet,
) -> Path:
    """Build an index directory from profiles (an iterable or a JSONL path).

    A path is validated completely before anything is written (raises
    ``InterchangeError``). The directory appears only when the build succeeds.
    """
    from ml.interchange import check_profiles

    t0 = time.time()
    out = Path(out_dir)
    source: Iterable[JSONObject] | Path
    n_expected = 0
    if isinstance(profiles, (str, Path)):
        n_expected = check_profiles(profiles)
        progress(f"index: {n_expected} profiles valid")
        source = Path(profiles)
    else:
        source = profiles
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=out.parent))
    try:
        _build_into(source, n_expected, tmp, progress)
        meta = json.loads((tmp / "meta.json").read_text())
        meta["build_seconds"] = round(time.time() - t0, 2)
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
        if out.exists():
            old = out.with_name(out.name + ".old-" + str(os.getpid()))
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _build_into(source: Iterable[JSONObject] | Path, n_expected: int, out: Path, progress: Progress) -> None:
    space = concept_space()
    spill = out / "_spill"
    spill.mkdir()
    word_ch = _Channel("word", spill)
    char_ch = _Channel("char", spill)
    ids: list[str] = []
    cols: dict[str, list[NDArray[np.integer[Any]]]] = {
        k: [] for k in ("kind", "pref", "capacity", "active", "expert_type")
    }
    region_blocks: list[NDArray[np.uint8]] = []
    region_chunks: list[Path] = []
    ex_parts: list[tuple[NDArray[np.int64], NDArray[np.int32]]] = []  # (row, concept column)
    det_parts: list[tuple[NDArray[np.int64], NDArray[np.int32]]] = []
    n = 0
    next_report = CHUNK
    seen: set[str] = set()

    def spill_region() -> None:
        if region_blocks:
            path = spill / f"region_{len(region_chunks):05d}.npy"
            np.save(path, np.concatenate(region_blocks))
            region_chunks.append(path)
            region_blocks.clear()

    with _tokenised_batches(source, n_expected) as batches:
        for b in batches:
            for i, pid in enumerate(b["ids"]):
                if pid in seen:
                    from ml.interchange import InterchangeError, LineError

                    raise InterchangeError([LineError("<profiles>", n + i + 1, f"duplicate id {pid!r}")])
                seen.add(pid)
            ids.extend(b["ids"])
            word_ch.add_batch(*b["words"])
            char_ch.add_batch(*b["grams"])
            for name, parts in cols.items():
                parts.append(b[name])
            region_blocks.append(b["region"])
            r, c = b["explicit"]
            ex_parts.append((r.astype(np.int64) + n, c))
            r, c = b["detected"]
            det_parts.append((r.astype(np.int64) + n, c))
            n += len(b["ids"])
            if n >= next_report:
                word_ch.flush()
                char_ch.flush()
                spill_region()
                progress(f"index: {n} rows tokenised")
                next_report += CHUNK
    del seen
    word_ch.flush()
    char_ch.flush()
    spill_region()
    progress(f"index: {n} rows tokenised")
    region = np.lib.format.open_memmap(out / "region.npy", mode="w+", dtype=np.uint8, shape=(n, len(PREF_INDEX)))
    pos = 0
    for path in region_chunks:
        blk = np.load(path)
        region[pos : pos + len(blk)] = blk
        pos += len(blk)
        path.unlink()
    region.flush()
    del region

    np.save(out / "ids.npy", np.array(ids, dtype=str) if ids else np.zeros(0, dtype="<U1"))
    del ids

    def column(name: str, dtype: type[_ScalarT]) -> NDArray[_ScalarT]:
        parts = cols.pop(name)
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)

    kinds_arr = column("kind", np.int8)
    np.save(out / "kind.npy", kinds_arr)
    np.save(out / "pref.npy", column("pref", np.int8))
    np.save(out / "capacity.npy", column("capacity", np.int32))
    np.save(out / "active.npy", column("active", np.int32))
    np.save(out / "expert_type.npy", column("expert_type", np.int16))

    word_vocab, _ = word_ch.finalize(out, n, 1)
    del word_ch
    progress(f"index: word vocabulary {len(word_vocab)}")
    char_vocab, _ = char_ch.finalize(out, n, CHAR_MIN_DF if n >= 50 else 1)
    del char_ch
    progress(f"index: char n-gram vocabulary {len(char_vocab)}")
    n_word, n_char = len(word_vocab), len(char_vocab)
    del word_vocab, char_vocab

    def coo(parts: list[tuple[NDArray[np.int64], NDArray[np.int32]]], ncols: int, val: float = 1.0) -> sp.csr_matrix:
        r = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        c = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
        m = sp.csr_matrix((np.full(len(r), val, np.float32), (r, c)), shape=(n, ncols), dtype=np.float32)
        m.sum_duplicates()
        m.data[:] = np.minimum(m.data, val)
        return m

    explicit = coo(ex_parts, space.size)
    detected = coo(det_parts, space.size, DETECTED)
    del ex_parts, det_parts
    cert_lo, cert_hi = space.offsets["certifications"]
    certs = sp.csr_matrix(explicit[:, cert_lo:cert_hi])
    _save_csr(out, "explicit", explicit)
    _save_csr(out, "certs", certs)

    _save_type_given_need(out, explicit, kinds_arr, np.load(out / "expert_type.npy"))
    word = _load_csr(out, "word", (n, n_word))
    clf_info = _train_concept_classifiers(word, explicit, kinds_arr, out, progress)
    clf = Index.load_classifier(out, clf_info)
    # sections each row states codes for: the classifier only fills the others
    ex_sections = np.zeros((n, len(space.sections)), dtype=bool)
    for si, section in enumerate(space.sections):
        lo, hi = space.offsets[section]
        ex_sections[:, si] = np.diff(explicit[:, lo:hi].tocsr().indptr) > 0
    pred_parts = []
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        pred_parts.append(
            predict_concepts(word[start:stop], clf, skip_mask=ex_sections[start:stop], kinds=kinds_arr[start:stop])
        )
    pred = sp.vstack(pred_parts).tocsr() if pred_parts else sp.csr_matrix((n, space.size), dtype=np.float32)
    concept = explicit.maximum(detected).maximum(pred).tocsr()
    _save_csr(out, "concept", concept)
    progress(f"index: concept vectors ({concept.nnz} entries, {pred.nnz} predicted)")

    # term-major matrices per kind, so a query touches only its terms' postings
    kind_counts: dict[str, int] = {}
    for k, kname in enumerate(KINDS):
        rows = np.flatnonzero(kinds_arr == k)
        kind_counts[kname] = len(rows)
        np.save(out / f"rows_{kname}.npy", rows.astype(np.int64))
        if len(rows) == 0:
            continue
        # retrieval postings carry BM25 weights (a query sums them over its terms)
        _transpose_save(out, f"post_{kname}_word", bm25_matrix(word[rows], rows, _bm25_stats(out, "word", n)))
        _transpose_save(out, f"post_{kname}_concept", _concept_norm(concept[rows]))
    shutil.rmtree(spill, ignore_errors=True)
    meta = {
        "format": FORMAT_VERSION,
        "rows": n,
        "kinds": kind_counts,
        "word_vocab": n_word,
        "char_vocab": n_char,
        "concepts": space.size,
        "classifier": clf_info,
        "vocabulary_version": load_vocabulary().get("version"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))


TYPE_PRIOR = 2.0  # pseudo-counts of the overall expert-type mix per need category


def _save_type_given_need(
    out: Path, explicit: sp.csr_matrix, kinds: NDArray[np.int8], expert_type: NDArray[np.int16]
) -> None:
    """P(expert type | need category) from coded experts (skills + type), smoothed to the overall mix."""
    space = concept_space()
    lo, hi = space.offsets["need_categories"]
    n_types = len(EXPERT_TYPE_INDEX)
    rows = np.flatnonzero((kinds == KIND_INDEX["expert"]) & (expert_type >= 0))
    if len(rows) < 20:
        return
    onehot = np.zeros((len(rows), n_types), dtype=np.float64)
    onehot[np.arange(len(rows)), expert_type[rows]] = 1.0
    skills = sp.csr_matrix(explicit[rows][:, lo:hi], dtype=np.float64)
    counts = np.asarray(skills.T @ onehot)  # need x type
    prior = onehot.mean(axis=0)
    p = (counts + TYPE_PRIOR * prior) / (counts.sum(axis=1, keepdims=True) + TYPE_PRIOR)
    np.save(out / "type_given_need.npy", p.astype(np.float32))


def _bm25_stats(d: Path, name: str, n: int) -> BM25Stats:
    length = np.load(d / f"{name}_len.npy")
    return BM25Stats(
        idf=np.load(d / f"{name}_idf.npy"),
        bm25idf=np.load(d / f"{name}_bm25idf.npy"),
        norm=np.load(d / f"{name}_norm.npy"),
        length=length,
        avg_len=float(length.mean()) if n else 1.0,
    )


def _concept_norm(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)


# ---------------------------------------------------------------------------
# loading


@dataclass
class Index:
    path: Path
    meta: dict[str, Any]  # meta.json
    ids: NDArray[np.str_]  # memory-mapped
    kind: NDArray[np.int8]  # index into KINDS
    pref: NDArray[np.int8]  # index into PREF_INDEX, -1 = none
    capacity: NDArray[np.int32]
    active: NDArray[np.int32]
    expert_type: NDArray[np.int16]  # index into EXPERT_TYPE_INDEX, -1 = none
    region: NDArray[np.uint8]  # rows x prefectures coverage, memory-mapped
    word: sp.csr_matrix
    char: sp.csr_matrix
    concept: sp.csr_matrix
    explicit: sp.csr_matrix
    certs: sp.csr_matrix
    word_idf: NDArray[np.float32]
    char_idf: NDArray[np.float32]
    clf: Classifier
    # Rows that count for the corpus statistics but are never returned (a delta's background sample).
    hidden: NDArray[np.bool_] | None = None

    @classmethod
    def load(cls, path: str | Path) -> Index:
        d = Path(path)
        meta_path = d / "meta.json"
        if not meta_path.exists():
            raise FileNotFoundError(f"{d}: not an index directory (no meta.json)")
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{d}: index format {meta.get('format')} not supported (rebuild it)")
        n = meta["rows"]
        return cls(
            path=d,
            meta=meta,
            ids=np.load(d / "ids.npy", mmap_mode="r"),
            kind=np.load(d / "kind.npy"),
            pref=np.load(d / "pref.npy"),
            capacity=np.load(d / "capacity.npy"),
            active=np.load(d / "active.npy"),
            expert_type=np.load(d / "expert_type.npy"),
            region=np.load(d / "region.npy", mmap_mode="r"),
            word=_load_csr(d, "word", (n, meta["word_vocab"])),
            char=_load_csr(d, "char", (n, meta["char_vocab"])),
            concept=_load_csr(d, "concept", mmap=False),
            explicit=_load_csr(d, "explicit", mmap=False),
            certs=_load_csr(d, "certs", mmap=False),
            word_idf=np.load(d / "word_idf.npy"),
            char_idf=np.load(d / "char_idf.npy"),
            clf=cls.load_classifier(d, meta.get("classifier", {})),
        )

    @staticmethod
    def load_classifier(d: Path, info: ClassifierInfo) -> Classifier:
        if not info.get("sections"):
            return {"sections": {}}
        out: Classifier = {"features": np.load(d / "clf_features.npy"), "sections": {}}
        for section, m in info["sections"].items():
            out["sections"][section] = {
                "W": np.load(d / f"clf_{section}_W.npy"),
                "b": np.load(d / f"clf_{section}_b.npy"),
                "kinds": m.get("kinds", []),
            }
        return out

    @property
    def n(self) -> int:
        return int(self.meta["rows"])

    @cached_property
    def word_vocab(self) -> dict[str, int]:
        with (self.path / "word_vocab.json").open(encoding="utf-8") as fh:
            return {t: i for i, t in enumerate(json.load(fh))}

    @cached_property
    def word_terms(self) -> list[str]:
        with (self.path / "word_vocab.json").open(encoding="utf-8") as fh:
            terms: list[str] = json.load(fh)
            return terms

    @cached_property
    def char_vocab(self) -> dict[str, int]:
        with (self.path / "char_vocab.json").open(encoding="utf-8") as fh:
            return {t: i for i, t in enumerate(json.load(fh))}

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {str(x): i for i, x in enumerate(self.ids)}

    @cached_property
    def type_given_need(self) -> NDArray[np.float32] | None:
        """need categories x expert types: P(type | category) among this index's coded experts."""
        p = self.path / "type_given_need.npy"
        return np.load(p) if p.exists() else None

    @cached_property
    def word_bm25(self) -> BM25Stats:
        return _bm25_stats(self.path, "word", self.n)

    @cached_property
    def char_bm25(self) -> BM25Stats:
        return _bm25_stats(self.path, "char", self.n)

    def bm25_of_kind(self, kind: str, channel: str) -> sp.csr_matrix:
        """BM25 weights of every row of ``kind`` (``rows_of_kind`` order), cached; small kinds only."""
        cache = self.__dict__.setdefault("_bm25_cache", {})
        key = (kind, channel)
        if key not in cache:
            rows = self.rows_of_kind(kind)
            m, st = (self.word, self.word_bm25) if channel == "word" else (self.char, self.char_bm25)
            cache[key] = bm25_matrix(m[rows], rows, st)
        return cache[key]

    def rows_of_kind(self, kind: str) -> NDArray[np.int64]:
        return self._rows[kind]

    @cached_property
    def _rows(self) -> dict[str, NDArray[np.int64]]:
        return {k: np.load(self.path / f"rows_{k}.npy") for k in KINDS}

    def postings(self, kind: str, channel: str) -> sp.csr_matrix | None:
        key = (kind, channel)
        cache = self.__dict__.setdefault("_post_cache", {})
        if key not in cache:
            name = f"post_{kind}_{channel}"
            cache[key] = _load_csr(self.path, name) if (self.path / f"{name}_shape.json").exists() else None
        return cache[key]

    def holds_certs(self, kind: str, required: list[int]) -> NDArray[np.bool_]:
        """For each row of ``kind`` (in ``rows_of_kind`` order): holds every required certification."""
        cache = self.__dict__.setdefault("_cert_cache", {})
        if kind not in cache:
            cache[kind] = self.certs[self.rows_of_kind(kind)].toarray() > 0
        held = cache[kind]
        return held[:, required].all(axis=1) if required else np.ones(len(held), dtype=bool)

    @cached_property
    def remaining(self) -> NDArray[np.int64]:
        return np.maximum(0, self.capacity.astype(np.int64) - self.active.astype(np.int64))
