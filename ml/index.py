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
"""
from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp

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

FORMAT_VERSION = 1
CHUNK = 50_000
CHAR_MIN_DF = 2
PRED_WEIGHT = 0.8  # a classifier guess counts a bit less than a stated code
PRED_THRESHOLD = 0.3
CLF_MAX_TRAIN = 20_000
CLF_MAX_FEATURES = 1 << 15

Progress = Callable[[str], None]


def stderr_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _quiet(msg: str) -> None:
    pass


# ---------------------------------------------------------------------------
# region coverage


def _region_table() -> tuple[np.ndarray, list[str]]:
    prefs = load_vocabulary()["prefectures"]
    region_of = np.array([hash(p["region"]) for p in prefs])
    same = (region_of[:, None] == region_of[None, :]).astype(np.uint8)
    return same, [p["region"] for p in prefs]


_SAME_REGION, _REGION_OF = _region_table()
COVER_EXACT, COVER_NATIONWIDE, COVER_SAME_REGION, COVER_UNKNOWN = 100, 70, 45, 30


def region_coverage(p: dict) -> np.ndarray:
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
    """A growing vocabulary plus per-chunk count matrices spilled to disk."""

    def __init__(self, name: str, tmp: Path) -> None:
        self.name = name
        self.tmp = tmp
        self.vocab: dict[str, int] = {}
        self.df = array("l")
        self.chunks: list[Path] = []
        self._reset()

    def _reset(self) -> None:
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.counts = array("f")

    def add(self, tokens: list[str]) -> None:
        vocab, df = self.vocab, self.df
        for tok, n in Counter(tokens).items():
            i = vocab.get(tok)
            if i is None:
                i = len(vocab)
                vocab[tok] = i
                df.append(0)
            df[i] += 1
            self.indices.append(i)
            self.counts.append(n)
        self.indptr.append(len(self.indices))

    def flush(self) -> None:
        if len(self.indptr) <= 1:
            return
        path = self.tmp / f"{self.name}_{len(self.chunks):05d}.npz"
        np.savez(
            path,
            indptr=np.frombuffer(self.indptr, dtype=np.int64),
            indices=np.frombuffer(self.indices, dtype=np.int32),
            counts=np.frombuffer(self.counts, dtype=np.float32),
        )
        self.chunks.append(path)
        self._reset()

    def finalize(self, out: Path, n_docs: int, min_df: int) -> tuple[list[str], np.ndarray]:
        """Write the L2-normalised TF-IDF CSR (with pruned vocabulary) to ``out``."""
        self.flush()
        df = np.frombuffer(self.df, dtype=np.int64) if len(self.df) else np.zeros(0, np.int64)
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
        inv = [""] * int(keep.sum())
        for tok, i in self.vocab.items():
            j = new_id[i]
            if j >= 0:
                inv[j] = tok
        with (out / f"{self.name}_vocab.json").open("w", encoding="utf-8") as fh:
            json.dump(inv, fh, ensure_ascii=False)
        return inv, idf


def _index_dtype(indptr: np.ndarray) -> np.ndarray:
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
    mode = "r" if mmap else None
    data = np.load(d / f"{name}_data.npy", mmap_mode=mode)
    indices = np.load(d / f"{name}_indices.npy", mmap_mode=mode)
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
    kinds: np.ndarray,
    out: Path,
    progress: Progress,
) -> dict:
    """Self-supervised text -> concept classifiers, one per concept section.

    Rows that carry codes in a section teach which words signal each code;
    the classifiers then fill in that section for rows that carry none. This
    is what lets an uncoded description rank like a coded one without a
    hand-made synonym list. Trained on at most CLF_MAX_TRAIN rows.
    """
    from sklearn.linear_model import LogisticRegression

    space = concept_space()
    n, v = word.shape
    rng = np.random.default_rng(0)
    # classifier vocabulary: the most frequent word features (bounded model size)
    df = np.bincount(word.indices, minlength=v) if word.nnz else np.zeros(v, np.int64)
    feat = np.sort(np.argsort(-df, kind="stable")[: min(v, CLF_MAX_FEATURES)])
    feat = feat[df[feat] >= 2]
    info: dict = {"sections": {}, "features": int(len(feat))}
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
        info["sections"][section] = {"kinds": kinds_with, "codes_trained": trained, "rows": int(len(has))}
        progress(f"index: concept classifier {section}: {trained} codes from {len(has)} rows")
    return info


def predict_concepts(
    x_word: sp.csr_matrix,
    clf: dict,
    *,
    skip_sections: list[set[str]] | None = None,
    kinds: np.ndarray | None = None,
) -> sp.csr_matrix:
    """Soft concept predictions (rows x concept columns), thresholded and sparse."""
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


def build_index(
    profiles: Iterable[dict] | str | Path,
    out_dir: str | Path,
    *,
    progress: Progress = _quiet,
) -> Path:
    """Build an index directory from profiles (an iterable or a JSONL path).

    A path is validated completely before anything is written (raises
    ``InterchangeError``). The directory appears only when the build succeeds.
    """
    from ml.interchange import check_profiles, iter_profiles

    t0 = time.time()
    out = Path(out_dir)
    source: Iterable[dict]
    if isinstance(profiles, (str, Path)):
        n_expected = check_profiles(profiles)
        progress(f"index: {n_expected} profiles valid")
        source = iter_profiles(profiles, validated=True)
    else:
        source = profiles
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=out.parent))
    try:
        _build_into(source, tmp, progress)
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


def _build_into(source: Iterable[dict], out: Path, progress: Progress) -> None:
    space = concept_space()
    spill = out / "_spill"
    spill.mkdir()
    word_ch = _Channel("word", spill)
    char_ch = _Channel("char", spill)
    ids: list[str] = []
    kind = array("b")
    pref = array("b")
    capacity = array("i")
    active = array("i")
    expert_type = array("h")
    region_rows: list[np.ndarray] = []
    region_chunks: list[Path] = []
    ex_rows, ex_cols = array("q"), array("i")
    det_rows, det_cols = array("q"), array("i")
    cert_rows, cert_cols = array("q"), array("i")
    cert_lo, _ = space.offsets["certifications"]
    n = 0
    seen: set[str] = set()
    for p in source:
        pid = p["id"]
        if pid in seen:
            from ml.interchange import InterchangeError, LineError

            raise InterchangeError([LineError("<profiles>", n + 1, f"duplicate id {pid!r}")])
        seen.add(pid)
        parts = profile_parts(p)
        word_ch.add(parts.words)
        char_ch.add(parts.grams)
        ids.append(pid)
        kind.append(KIND_INDEX[p["kind"]])
        pref.append(PREF_INDEX.get(p.get("prefecture") or "", -1))
        capacity.append(capacity_of(p))
        active.append(int(p.get("active_engagements") or 0))
        expert_type.append(EXPERT_TYPE_INDEX.get(p.get("expert_type") or "", -1))
        region_rows.append(region_coverage(p))
        for c in parts.explicit:
            ex_rows.append(n)
            ex_cols.append(c)
            if c >= cert_lo:
                cert_rows.append(n)
                cert_cols.append(c - cert_lo)
        for c in parts.detected:
            det_rows.append(n)
            det_cols.append(c)
        n += 1
        if n % CHUNK == 0:
            word_ch.flush()
            char_ch.flush()
            path = spill / f"region_{len(region_chunks):05d}.npy"
            np.save(path, np.stack(region_rows))
            region_chunks.append(path)
            region_rows = []
            progress(f"index: {n} rows tokenised")
    del seen
    progress(f"index: {n} rows tokenised")
    if region_rows:
        path = spill / f"region_{len(region_chunks):05d}.npy"
        np.save(path, np.stack(region_rows))
        region_chunks.append(path)
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
    kinds_arr = np.frombuffer(kind, dtype=np.int8).copy()
    np.save(out / "kind.npy", kinds_arr)
    np.save(out / "pref.npy", np.frombuffer(pref, dtype=np.int8))
    np.save(out / "capacity.npy", np.frombuffer(capacity, dtype=np.int32))
    np.save(out / "active.npy", np.frombuffer(active, dtype=np.int32))
    np.save(out / "expert_type.npy", np.frombuffer(expert_type, dtype=np.int16))

    word_vocab, _ = word_ch.finalize(out, n, 1)
    del word_ch
    progress(f"index: word vocabulary {len(word_vocab)}")
    char_vocab, _ = char_ch.finalize(out, n, CHAR_MIN_DF if n >= 50 else 1)
    del char_ch
    progress(f"index: char n-gram vocabulary {len(char_vocab)}")
    n_word, n_char = len(word_vocab), len(char_vocab)
    del word_vocab, char_vocab

    def coo(rows: array, cols: array, ncols: int, val: float = 1.0) -> sp.csr_matrix:
        r = np.frombuffer(rows, dtype=np.int64)
        c = np.frombuffer(cols, dtype=np.int32)
        m = sp.csr_matrix((np.full(len(r), val, np.float32), (r, c)), shape=(n, ncols), dtype=np.float32)
        m.sum_duplicates()
        m.data[:] = np.minimum(m.data, val)
        return m

    explicit = coo(ex_rows, ex_cols, space.size)
    detected = coo(det_rows, det_cols, space.size, DETECTED)
    certs = coo(cert_rows, cert_cols, space.offsets["certifications"][1] - cert_lo)
    _save_csr(out, "explicit", explicit)
    _save_csr(out, "certs", certs)

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
        skip = [
            {space.sections[si] for si in np.flatnonzero(ex_sections[r])} for r in range(start, stop)
        ]
        pred_parts.append(predict_concepts(word[start:stop], clf, skip_sections=skip, kinds=kinds_arr[start:stop]))
    pred = sp.vstack(pred_parts).tocsr() if pred_parts else sp.csr_matrix((n, space.size), dtype=np.float32)
    concept = explicit.maximum(detected).maximum(pred).tocsr()
    _save_csr(out, "concept", concept)
    progress(f"index: concept vectors ({concept.nnz} entries, {pred.nnz} predicted)")

    # term-major matrices per kind, so a query touches only its terms' postings
    counts = {}
    for k, kname in enumerate(KINDS):
        rows = np.flatnonzero(kinds_arr == k)
        counts[kname] = int(len(rows))
        np.save(out / f"rows_{kname}.npy", rows.astype(np.int64))
        if len(rows) == 0:
            continue
        _transpose_save(out, f"post_{kname}_word", word[rows])
        _transpose_save(out, f"post_{kname}_concept", _concept_norm(concept[rows]))
    shutil.rmtree(spill, ignore_errors=True)
    meta = {
        "format": FORMAT_VERSION,
        "rows": n,
        "kinds": counts,
        "word_vocab": n_word,
        "char_vocab": n_char,
        "concepts": space.size,
        "classifier": clf_info,
        "vocabulary_version": load_vocabulary().get("version"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))


def _concept_norm(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)


# ---------------------------------------------------------------------------
# loading


@dataclass
class Index:
    path: Path
    meta: dict
    ids: np.ndarray
    kind: np.ndarray
    pref: np.ndarray
    capacity: np.ndarray
    active: np.ndarray
    expert_type: np.ndarray
    region: np.ndarray
    word: sp.csr_matrix
    char: sp.csr_matrix
    concept: sp.csr_matrix
    explicit: sp.csr_matrix
    certs: sp.csr_matrix
    word_idf: np.ndarray
    char_idf: np.ndarray
    clf: dict

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
        space = concept_space()
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
    def load_classifier(d: Path, info: dict) -> dict:
        if not info.get("sections"):
            return {"sections": {}}
        out: dict = {"features": np.load(d / "clf_features.npy"), "sections": {}}
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
            return json.load(fh)

    @cached_property
    def char_vocab(self) -> dict[str, int]:
        with (self.path / "char_vocab.json").open(encoding="utf-8") as fh:
            return {t: i for i, t in enumerate(json.load(fh))}

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {str(x): i for i, x in enumerate(self.ids)}

    def rows_of_kind(self, kind: str) -> np.ndarray:
        return self._rows[kind]

    @cached_property
    def _rows(self) -> dict[str, np.ndarray]:
        return {k: np.load(self.path / f"rows_{k}.npy") for k in KINDS}

    def postings(self, kind: str, channel: str) -> sp.csr_matrix | None:
        key = (kind, channel)
        cache = self.__dict__.setdefault("_post_cache", {})
        if key not in cache:
            name = f"post_{kind}_{channel}"
            cache[key] = _load_csr(self.path, name) if (self.path / f"{name}_shape.json").exists() else None
        return cache[key]

    @cached_property
    def remaining(self) -> np.ndarray:
        return np.maximum(0, self.capacity.astype(np.int64) - self.active.astype(np.int64))
