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
