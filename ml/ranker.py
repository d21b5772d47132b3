"""The default ranker: a linear model over pair features, fitted on development data.

``ml/data/ranker.json`` is written by ``bench/fit_ranker.py`` (pairwise
logistic ranking per target kind with non-negative weights, then Platt
calibration to P(grade >= 2)). It records the script, the sha256 of its
training data, the date and its cross-validation table. A target whose
fitted model did not beat the hand-weighted ranker in cross-validation keeps
the hand weights (``use_learned`` false).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

RANKER_PATH = Path(__file__).resolve().parent / "data" / "ranker.json"

# products of evidence that only count together (skill AND region, sector AND capability)
INTERACTIONS: tuple[tuple[str, str], ...] = (
    ("need_overlap", "region_expert"),
    ("concept_cos", "region_expert"),
    ("type_fit", "region_expert"),
    ("word_bm25", "region_expert"),
    ("char_bm25", "region_expert"),
    ("sector_overlap", "capability_overlap"),
)


def expand(f: NDArray[np.floating[Any]], features: tuple[str, ...]) -> NDArray[np.float64]:
    """Pair features plus the INTERACTIONS products (pairs x (features + interactions))."""
    pos = {n: i for i, n in enumerate(features)}
    extra = [f[:, pos[a]] * f[:, pos[b]] for a, b in INTERACTIONS]
    return np.column_stack([f.astype(np.float64), *extra]) if extra else f.astype(np.float64)


@lru_cache(maxsize=1)
def load_ranker() -> dict[str, Any] | None:
    if not RANKER_PATH.exists():
        return None
    data: dict[str, Any] = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    return data
