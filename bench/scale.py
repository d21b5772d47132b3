"""Scale benchmark: index N SME profiles, rank opportunities, compare with bm25s.

Everything the engine does goes through ``python -m ml index`` (a child
process, so its time and memory are measured on their own) and the
``ml.engine`` API on the persistent index it wrote.

Memory: ``peak RSS`` is the largest sum of resident memory over the index
process *and* its tokenising workers, sampled every 0.2 s from ``/proc``;
``max single process`` is the kernel's own high-water mark of the largest of
them (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from bench.quality import OUT, ROOT, table
from bench.synth import opportunity_stream, sme_stream


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out.extend(int(x) for x in (task / "children").read_text().split())
    return out


def _tree_rss_mib(root: int) -> float:
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        todo.extend(_children(pid))
    return total / 1024.0


def _run_measured(cmd: list[str]) -> tuple[float, float, float, float, int]:
    """Run ``cmd``; (seconds, CPU seconds, peak RSS of its process tree MiB, max single process MiB, exit code).

    CPU seconds (user + system over the process and its workers) do not depend
    on what else runs on the machine; wall seconds do.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mib(proc.pid))
            done.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    rc = proc.wait()
    done.set()
    th.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    single = after.ru_maxrss / 1024.0
    # sampling can miss a short spike that the kernel's high-water mark saw
    return time.time() - t0, cpu, max(peak, single), single, rc


def _bm25s(prof: Path, queries: list[dict]) -> tuple[float, list[float]]:
    """bm25s over character bigrams of name + description (the quality baseline's setup)."""
    import bm25s

    from bench.baseline import bigrams

    t0 = time.time()
    vocab: dict[str, int] = {}
    put = vocab.setdefault
    docs: list[list[int]] = []
    with prof.open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            # setdefault hands back the dictionary's own int object, so the
            # 10^8 token ids share objects instead of each allocating one
            docs.append([put(b, len(vocab)) for b in bigrams(f"{p.get('name', '')} {p.get('description', '')}")])
    r = bm25s.BM25()
    r.index((docs, vocab), show_progress=False)
    del docs
    t_index = time.time() - t0
    lat = []
    for q in queries:
        t1 = time.perf_counter()
        toks = [b for b in bigrams(f"{q.get('title', '')} {q.get('description', '')}") if b in vocab] or [""]
        r.retrieve([toks], k=10, show_progress=False)
        lat.append((time.perf_counter() - t1) * 1000)
    return t_index, lat


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
            buyer = {"id": "buyer-scale", "kind": "buyer", "name": "大手メーカー", "prefecture": "13"}
            buyer["description"] = "半導体製造装置メーカー"
            fh.write(json.dumps(buyer, ensure_ascii=False) + "\n")
        tmp.rename(prof)
        print(f"generated {n} profiles in {time.time() - t0:.0f}s", file=sys.stderr)
    queries = list(opportunity_stream(args.rank_queries, "buyer-scale"))
    with qry.open("w", encoding="utf-8") as fh:
        for q in queries:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")

    idx = OUT / f"scale_index_{n}"
    load_before = os.getloadavg()[0]
    t_index, cpu_index, peak, single, rc = _run_measured(
        [sys.executable, "-m", "ml", "index", "--profiles", str(prof), "--out", str(idx)]
    )
    if rc != 0:
        raise SystemExit("index failed")
    size = sum(f.stat().st_size for f in idx.iterdir()) / 2**20
    load_after = os.getloadavg()[0]

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
    rel = rank_index(index, queries, policy="relevance", top=10)
    t_rel = time.perf_counter() - t1
    t1 = time.perf_counter()
    mkt = rank_index(index, queries, policy="market", top=10)
    t_market = time.perf_counter() - t1

    # does the market policy still act at this scale? candidates already at capacity shown in top 10
    row_of = index.row_of
    rem = index.remaining

    def full_shown(res: list[dict]) -> int:
        return sum(1 for r in res for x in r["results"] if rem[row_of[x["id"]]] == 0)

    def distinct(res: list[dict]) -> int:
        return len({x["id"] for r in res for x in r["results"]})

    t_bm_index, bl = _bm25s(prof, queries)
    p50, p95 = float(np.percentile(lat, 50)), float(np.percentile(lat, 95))
    table(
        f"Scale: {n:,} SME profiles, {len(queries)} opportunities, {os.cpu_count()} cores",
        [
            "system",
            "index s",
            "index CPU s",
            "index peak RSS MiB (all processes)",
            "max single process MiB",
            "index size MiB",
            "load s",
            "p50 ms/query",
            "p95 ms/query",
        ],
        [
            [
                "ml (relevance, top 10)",
                round(t_index, 1),
                round(cpu_index),
                round(peak),
                round(single),
                round(size),
                round(t_load, 1),
                p50,
                p95,
            ],
            [
                "bm25s char bigrams",
                round(t_bm_index, 1),
                "-",
                "-",
                "-",
                "-",
                "-",
                *np.percentile(bl, [50, 95]).tolist(),
            ],
        ],
    )
    table(
        f"Batch ranking of all {len(queries)} opportunities (top 10)",
        ["policy", "seconds", "ms/query", "results shown at full capacity", "distinct candidates shown"],
        [
            ["relevance", round(t_rel, 1), 1000 * t_rel / len(queries), full_shown(rel), distinct(rel)],
            ["market", round(t_market, 1), 1000 * t_market / len(queries), full_shown(mkt), distinct(mkt)],
        ],
    )
    verdict = {
        "index ≤ 600 s": t_index <= 600,
        "peak ≤ 4096 MiB": peak <= 4096,
        "p50 ≤ 50 ms": p50 <= 50,
    }
    print(f"\nload average (1 min) before / after the index build: {load_before:.1f} / {load_after:.1f}")
    print("targets: " + "; ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in verdict.items()))
