"""Python entry points for callers inside the project (the Django side).

They take and return interchange dicts, exactly what the command line reads
and writes, so a Celery task can call them without touching files. Inputs
are validated like the command line does; bad input raises
:class:`ml.interchange.InterchangeError`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ml.engine import rank_index
from ml.index import Index, build_index
from ml.interchange import (
    InterchangeError,
    JSONObject,
    LineError,
    Validator,
    validate_label,
    validate_profile,
    validate_query,
)
from ml.learn import evaluate_models, load_model, train_model

__all__ = ["build", "evaluate", "load_index", "rank", "train"]

Progress = Callable[[str], None]


def _check(objs: list[JSONObject], validate: Validator, name: str, *, unique: bool = True) -> None:
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for i, obj in enumerate(objs, start=1):
        reasons = validate(obj)
        if not reasons and unique:
            if obj["id"] in seen:
                reasons = [f"duplicate id {obj['id']!r} (first seen on line {seen[obj['id']]})"]
            else:
                seen[obj["id"]] = i
        errors.extend(LineError(name, i, r) for r in reasons)
    if errors:
        raise InterchangeError(errors)


def build(profiles: list[JSONObject], out_dir: str | Path, *, progress: Progress | None = None) -> Path:
    """Validate profiles and write a persistent index directory."""
    _check(profiles, validate_profile, "<profiles>")
    return build_index(profiles, out_dir, progress=progress or (lambda m: None))


def load_index(index_dir: str | Path) -> Index:
    return Index.load(index_dir)


def rank(
    profiles: list[JSONObject] | None,
    queries: list[JSONObject],
    *,
    top: int = 10,
    policy: str = "market",
    model_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> list[JSONObject]:
    """Rank candidates for every query; one result dict per query, in input order.

    Give ``profiles`` (an index is built in a temporary directory) or
    ``index_dir`` (a directory made by ``build`` / ``python -m ml index``).
    ``model_dir`` selects a trained model; None uses the untrained ranker.
    """
    if top < 1:
        raise ValueError("top must be >= 1")
    _check(queries, validate_query, "<queries>")
    model = load_model(model_dir)
    if index_dir is not None:
        return rank_index(
            Index.load(index_dir), queries, top=top, policy=policy, scorer=model.scorer(), progress=progress
        )
    if profiles is None:
        raise ValueError("give profiles or index_dir")
    with tempfile.TemporaryDirectory(prefix="ml-rank-") as tmp:
        idx_dir = build(profiles, Path(tmp) / "index", progress=progress)
        index = Index.load(idx_dir)
        result = rank_index(index, queries, top=top, policy=policy, scorer=model.scorer(), progress=progress)
        del index
        return result


def train(
    profiles: list[JSONObject],
    queries: list[JSONObject],
    labels: list[JSONObject],
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
) -> JSONObject:
    """Fit a ranker on outcome labels; writes a model directory, returns its model.json."""
    _check(queries, validate_query, "<queries>")
    _check(labels, validate_label, "<labels>", unique=False)
    with tempfile.TemporaryDirectory(prefix="ml-train-") as tmp:
        index = Index.load(build(profiles, Path(tmp) / "index", progress=progress))
        meta = train_model(index, profiles, queries, labels, out_dir)
        del index
        return meta


def train_on_indexes(
    indexes: Mapping[str, Index],
    queries: list[JSONObject],
    labels: list[JSONObject],
    out_dir: str | Path,
    *,
    data_digest: str,
) -> JSONObject:
    """train() on indexes already built and loaded (one per candidate kind, keyed by query target).

    The platform learns on the same persistent indexes it ranks with: no
    profiles to load, no index to build (at a million firms that was minutes
    and gigabytes, twice: once to train, once to evaluate).
    """
    _check(queries, validate_query, "<queries>")
    _check(labels, validate_label, "<labels>", unique=False)
    return train_model(indexes, None, queries, labels, out_dir, data_digest=data_digest)


def evaluate_on_indexes(
    model_a_dir: str | Path | None,
    model_b_dir: str | Path | None,
    indexes: Mapping[str, Index],
    queries: list[JSONObject],
    labels: list[JSONObject],
) -> JSONObject:
    """evaluate() on indexes already built and loaded (see train_on_indexes)."""
    _check(queries, validate_query, "<queries>")
    _check(labels, validate_label, "<labels>", unique=False)
    return evaluate_models(indexes, load_model(model_a_dir), load_model(model_b_dir), queries, labels)


def evaluate(
    model_a_dir: str | Path | None,
    model_b_dir: str | Path | None,
    profiles: list[JSONObject],
    queries: list[JSONObject],
    labels: list[JSONObject],
    *,
    progress: Progress | None = None,
) -> JSONObject:
    """Compare model A (None = untrained ranker) with model B on held-out labels.

    Returns ``{"a": metrics, "b": metrics, "better": bool, "decision": ...}``;
    promote B only when ``better`` is true.
    """
    _check(queries, validate_query, "<queries>")
    _check(labels, validate_label, "<labels>", unique=False)
    a, b = load_model(model_a_dir), load_model(model_b_dir)
    with tempfile.TemporaryDirectory(prefix="ml-eval-") as tmp:
        index = Index.load(build(profiles, Path(tmp) / "index", progress=progress))
        result = evaluate_models(index, a, b, queries, labels)
        del index
        return result
