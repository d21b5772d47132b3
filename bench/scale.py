"""Scale benchmark: index N SME profiles, rank opportunities, compare with bm25s."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from bench.quality import OUT, ROOT, table
from bench.synth import opportunity_stream, sme_stream


def _peak_rss_child_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def run(args) -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    OUT.mkdir(parents=True, exist_ok=True)
    n = args.n
    prof = OUT / f"scale_profiles_{n}.jsonl"
    qry = OUT / "scale_queries.jsonl"
    if not prof.exists():
        t0 = time.time()
        tmp = prof.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for p in sme_stream(n):
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
            fh.write(json.dumps({"id": "buyer-scale", "kind": "buyer", "name": "大手メーカー", "prefecture": "13", "description": "半導体製造装置メーカー"}, ensure_ascii=False) + "\n")
        tmp.rename(prof)
        print(f"generated {n} profiles in {time.time() - t0:.0f}s", file=sys.stderr)
    queries = list(opportunity_stream(args.rank_queries, "buyer-scale"))
    with qry.open("w", encoding="utf-8") as fh:
        for q in queries:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")

    idx = OUT / f"scale_index_{n}"
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "ml", "index", "--profiles", str(prof), "--out", str(idx)], cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit("index failed")
    t_index = time.time() - t0
    peak = _peak_rss_child_mib()
    size = sum(f.stat().st_size for f in idx.iterdir()) / 2**20

    # ranking latency, one query at a time (what a web request or task does)
    from ml.engine import rank_index
    from ml.index import Index

    t0 = time.time()
    index = Index.load(idx)
    _ = index.row_of, index.word_vocab, index.char_vocab, index.word_terms
    t_load = time.time() - t0
    rank_index(index, queries[:5], policy="relevance")  # warm caches
    lat = []
    for q in queries:
        t1 = time.perf_counter()
        rank_index(index, [q], policy="relevance", top=10)
        lat.append((time.perf_counter() - t1) * 1000)
    t1 = time.perf_counter()
    rank_index(index, queries, policy="market", top=10)
    t_market = time.perf_counter() - t1

    # bm25s on the same data
    import bm25s

    from bench.baseline import bigrams

    t0 = time.time()
    docs = []
    with prof.open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            docs.append(bigrams(f"{p.get('name','')} {p.get('description','')}"))
    r = bm25s.BM25()
    r.index(docs, show_progress=False)
    del docs
    t_bm_index = time.time() - t0
    bl = []
    for q in queries:
        t1 = time.perf_counter()
        r.retrieve([bigrams(f"{q.get('title','')} {q.get('description','')}")], k=10, show_progress=False)
        bl.append((time.perf_counter() - t1) * 1000)
    table(
        f"Scale: {n:,} SME profiles, {len(queries)} opportunities",
        ["system", "index s", "index peak RSS MiB", "index size MiB", "load s", "p50 ms/query", "p95 ms/query", "market batch s"],
        [
            ["ml (relevance, top 10)", round(t_index, 1), round(peak), round(size), round(t_load, 1), float(np.percentile(lat, 50)), float(np.percentile(lat, 95)), round(t_market, 1)],
            ["bm25s char bigrams", round(t_bm_index, 1), "-", "-", "-", float(np.percentile(bl, 50)), float(np.percentile(bl, 95)), "-"],
        ],
    )
    print(f"\ntargets: index ≤ 600 s: {'PASS' if t_index <= 600 else 'FAIL'}; peak ≤ 4096 MiB: {'PASS' if peak <= 4096 else 'FAIL'}; p50 ≤ 50 ms: {'PASS' if np.percentile(lat, 50) <= 50 else 'FAIL'}")
