"""nDCG and the market simulator (after Su, Bayoumi & Joachims, WWW 2022)."""

from __future__ import annotations

import math
import random

APPLY = {0: 0.05, 1: 0.3, 2: 0.6, 3: 0.9}  # owner applies after examining, by true grade
ACCEPT = {0: 0.1, 1: 0.5, 2: 0.8, 3: 0.95}  # candidate says yes (while it has room)


def ndcg_at(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** rel.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mean_ndcg(results: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = 10) -> float:
    vals = [ndcg_at(results.get(q, []), rel, k) for q, rel in qrels.items() if rel]
    return sum(vals) / len(vals) if vals else 0.0


def expected_matches(
    results: dict[str, list[str]],
    qrels: dict[str, dict[str, int]],
    remaining: dict[str, int],
    *,
    runs: int = 40,
    seed: int = 0,
) -> float:
    """Monte Carlo mean of accepted introductions across the whole market.

    Each owner examines rank k with probability 1/k and applies with a
    probability rising with the true grade; every candidate goes through its
    applications in random order and accepts (probability by grade) until its
    remaining capacity is used up.
    """
    rng = random.Random(seed)
    total = 0
    for _ in range(runs):
        apps: dict[str, list[int]] = {}
        for q, ranked in results.items():
            rel = qrels.get(q, {})
            for k, c in enumerate(ranked, start=1):
                if rng.random() < 1.0 / k:
                    g = rel.get(c, 0)
                    if rng.random() < APPLY[g]:
                        apps.setdefault(c, []).append(g)
        for c, gs in apps.items():
            room = remaining.get(c, 0)
            rng.shuffle(gs)
            for g in gs:
                if room <= 0:
                    break
                if rng.random() < ACCEPT[g]:
                    room -= 1
                    total += 1
    return total / runs


def hit_at(ranked: list[str], rel: dict[str, int], k: int = 3, grade: int = 3) -> float:
    """1.0 when a candidate of at least ``grade`` is among the first k."""
    return 1.0 if any(rel.get(c, 0) >= grade for c in ranked[:k]) else 0.0


def rr(ranked: list[str], rel: dict[str, int], grade: int = 3) -> float:
    """Reciprocal rank of the first candidate of at least ``grade`` (0 when none is listed)."""
    for i, c in enumerate(ranked, start=1):
        if rel.get(c, 0) >= grade:
            return 1.0 / i
    return 0.0


def mean_over(fn, results: dict[str, list[str]], qrels: dict[str, dict[str, int]], ids=None) -> float:
    ids = [q for q in (ids if ids is not None else qrels) if qrels.get(q)]
    vals = [fn(results.get(q, []), qrels[q]) for q in ids]
    return sum(vals) / len(vals) if vals else 0.0


def exposure(results: dict[str, list[str]], candidates: list[str]) -> dict[str, float]:
    """Position-weighted exposure (1/k, the simulator's examination model) of every candidate."""
    e = dict.fromkeys(candidates, 0.0)
    for ranked in results.values():
        for k, c in enumerate(ranked, start=1):
            e[c] = e.get(c, 0.0) + 1.0 / k
    return e


def gini(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    s = sum(v)
    if n == 0 or s <= 0:
        return 0.0
    cum = sum((i + 1) * x for i, x in enumerate(v))
    return (2 * cum) / (n * s) - (n + 1) / n


def never_shown_share(results: dict[str, list[str]], qrels: dict[str, dict[str, int]], min_grade: int = 2) -> float:
    """Share of candidates relevant (grade >= min_grade) to some query that appear in no list."""
    relevant = {c for rel in qrels.values() for c, g in rel.items() if g >= min_grade}
    shown = {c for ranked in results.values() for c in ranked}
    return len(relevant - shown) / len(relevant) if relevant else 0.0
