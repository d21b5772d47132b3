"""The candidate indexes the rankers use: built from the database, versioned, swapped, plus a delta.

One index per candidate kind (experts, SMEs, buyers) lives in its own
directory under ML_INDEX_ROOT and is recorded as an IndexVersion row. A
build streams the profiles from the database (a server-side cursor on
PostgreSQL), writes a new directory, and activates it in one short
transaction. Workers keep the loaded (memory-mapped) index of each kind and
load again only when the active version changes; a ranker that still holds
the previous version keeps a consistent view, because the previous version's
directory is kept until the one after it is built.

Profiles changed after the active version's watermark are indexed again in a
small delta index, cached per process while the set of changes stays the
same; ranking merges both and masks the stale rows of the main index. A
build (compaction) folds the changes in when the delta grows past
MATCHING_DELTA_MAX, periodically, and on vocabulary or model changes.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from accounts.interchange import expert_to_profile, organisation_to_profile
from accounts.models import ExpertProfile, Organisation
from matching import conf
from matching.models import IndexVersion
from ml.index import Index, build_index
from ml.interchange import validate_profile

logger = logging.getLogger(__name__)

KINDS = tuple(IndexVersion.Kind.values)
STREAM_CHUNK = 2000
KEEP_VERSIONS = 2  # the active one and the one before (rankers may still hold it)

_lock = threading.Lock()
_main: dict[str, tuple[str, Index]] = {}  # kind → (version, loaded index)
_delta: dict[str, tuple[tuple[Any, ...], Index | None, frozenset[str]]] = {}  # kind → (signature, index, ids)


def candidate_queryset(kind: str, *, since: datetime | None = None) -> QuerySet[Any]:
    """The candidates of one kind with their vocabulary terms, in primary-key order."""
    qs: QuerySet[Any]
    if kind == IndexVersion.Kind.EXPERT:
        qs = ExpertProfile.objects.filter(erased_at__isnull=True).prefetch_related("sectors", "skills", "regions")
    else:
        qs = Organisation.objects.filter(kind=kind).prefetch_related("sectors", "capabilities", "certifications")
    if since is not None:
        qs = qs.filter(updated_at__gt=since)
    return qs.order_by("pk")


def candidate_profile(candidate: ExpertProfile | Organisation) -> dict[str, Any]:
    if isinstance(candidate, ExpertProfile):
        return expert_to_profile(candidate)
    return organisation_to_profile(candidate)


def candidate_profiles(kind: str, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Interchange profiles of one kind, streamed in chunks (never the whole table in memory)."""
    for candidate in candidate_queryset(kind, since=since).iterator(chunk_size=STREAM_CHUNK):
        profile = candidate_profile(candidate)
        problems = validate_profile(profile)
        if problems:
            # One bad profile must not stop the index for everybody else.
            logger.warning("index %s: skipping %s: %s", kind, profile.get("id"), "; ".join(problems))
            continue
        yield profile


def _directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def index_build(*, kind: str, reason: str = "") -> IndexVersion:
    """Build a new index of `kind` from the database and make it the active one."""
    if kind not in KINDS:
        raise ValueError(f"unknown candidate kind {kind!r}")
    # Rows changed from here on are newer than this index: the delta picks them up.
    watermark = timezone.now()
    version = f"{kind}-{watermark:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    path = conf.index_root() / kind / version
    job = IndexVersion.objects.create(
        kind=kind,
        version=version,
        path=str(path),
        watermark=watermark,
        reason=reason[:100],
        state=IndexVersion.State.RUNNING,
        started_at=watermark,
    )
    started = time.monotonic()
    conf.index_root().mkdir(parents=True, exist_ok=True)
    try:
        if multiprocessing.current_process().daemon:
            # A prefork Celery child may not start processes of its own: tokenise in this process.
            build_index(candidate_profiles(kind), path)
        else:
            with tempfile.TemporaryDirectory(prefix="tsunagu-profiles-", dir=conf.index_root()) as tmp:
                # Streamed to a file first: the engine then knows the row count and tokenises with its
                # process pool (ML_INDEX_WORKERS), where an iterable is tokenised in this process.
                source = Path(tmp) / "profiles.jsonl"
                with source.open("w", encoding="utf-8") as fh:
                    for profile in candidate_profiles(kind):
                        fh.write(json.dumps(profile, ensure_ascii=False) + "\n")
                build_index(source, path)
        rows = int(Index.load(path).meta["rows"])
    except Exception as exc:
        shutil.rmtree(path, ignore_errors=True)
        IndexVersion.objects.filter(pk=job.pk).update(
            state=IndexVersion.State.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        # Activate: the one-active-per-kind constraint makes a concurrent build's activation wait or fail cleanly.
        IndexVersion.objects.select_for_update().filter(kind=kind, is_active=True).update(is_active=False)
        IndexVersion.objects.filter(pk=job.pk).update(
            is_active=True,
            state=IndexVersion.State.DONE,
            rows=rows,
            size_bytes=_directory_size(path),
            build_seconds=round(time.monotonic() - started, 3),
            finished_at=timezone.now(),
        )
    _prune(kind)
    job.refresh_from_db()
    logger.info("index %s: %s rows in %.1fs (%s)", version, rows, job.build_seconds or 0, reason)
    return job


def _prune(kind: str) -> None:
    """Delete the directories of versions older than the last KEEP_VERSIONS built ones."""
    done = IndexVersion.objects.filter(kind=kind, state=IndexVersion.State.DONE).order_by("-finished_at", "-id")
    for old in done[KEEP_VERSIONS:]:
        shutil.rmtree(old.path, ignore_errors=True)
    stale = list(done.values_list("pk", flat=True)[KEEP_VERSIONS:])
    IndexVersion.objects.filter(pk__in=stale).update(path="")


def index_active(*, kind: str) -> IndexVersion | None:
    return IndexVersion.objects.filter(kind=kind, is_active=True).first()


@dataclass
class CandidateIndex:
    """What a ranker needs for one kind: the main index, the delta, and the ids the delta replaces."""

    version: IndexVersion
    main: Index
    delta: Index | None
    changed: frozenset[str]


def index_for_ranking(*, kind: str) -> CandidateIndex:
    """The active index of `kind` (built now if there is none) and the delta of rows changed since."""
    version = index_active(kind=kind)
    if version is None or not Path(version.path, "meta.json").exists():
        version = index_build(kind=kind, reason="first use")
    with _lock:
        cached = _main.get(kind)
        if cached is None or cached[0] != version.version:
            cached = (version.version, Index.load(version.path))
            _main[kind] = cached
    delta, changed = _delta_for(kind, version)
    return CandidateIndex(version=version, main=cached[1], delta=delta, changed=changed)


def delta_size(*, kind: str, version: IndexVersion) -> int:
    return candidate_queryset(kind, since=version.watermark).count()


# Unchanged profiles built into every delta beside the changed ones. Alone, a delta of a few rows
# gives every term the idf of a one-document corpus (BM25: ~0.3 instead of ~14 for a rare word at
# 1M rows), and an edited profile loses to the main index's rows it should beat.
DELTA_BACKGROUND = 2000


def _background_profiles(kind: str, version: IndexVersion, *, exclude: frozenset[str]) -> list[dict[str, Any]]:
    """A random sample of the kind's unchanged profiles (the same for one index version)."""
    bounds = candidate_queryset(kind).aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = int(bounds["low"]), int(bounds["high"])
    pool = range(low, high + 1)
    pks = random.Random(version.pk).sample(pool, min(len(pool), DELTA_BACKGROUND * 2))
    out: list[dict[str, Any]] = []
    for candidate in candidate_queryset(kind).filter(pk__in=pks).iterator(chunk_size=STREAM_CHUNK):
        profile = candidate_profile(candidate)
        if profile["id"] not in exclude and not validate_profile(profile):
            out.append(profile)
        if len(out) == DELTA_BACKGROUND:
            break
    return out


def _delta_for(kind: str, version: IndexVersion) -> tuple[Index | None, frozenset[str]]:
    changes = candidate_queryset(kind, since=version.watermark)
    stats = changes.aggregate(last=Max("updated_at"))
    count = changes.count()
    signature = (version.version, count, stats["last"])
    with _lock:
        cached = _delta.get(kind)
        if cached is not None and cached[0] == signature:
            return cached[1], cached[2]
    if count == 0:
        result: tuple[Index | None, frozenset[str]] = (None, frozenset())
    else:
        profiles = list(candidate_profiles(kind, since=version.watermark))
        changed_ids = frozenset(p["id"] for p in profiles)
        background = _background_profiles(kind, version, exclude=changed_ids)
        path = conf.index_root() / kind / "delta" / uuid.uuid4().hex
        build_index(profiles + background, path)
        delta = Index.load(path)
        # The background rows only lend the delta realistic term statistics; they are never returned.
        hidden = np.isin(delta.ids.astype(str), [p["id"] for p in background])
        result = (replace(delta, hidden=hidden), changed_ids)
    with _lock:
        previous = _delta.get(kind)
        _delta[kind] = (signature, *result)
    if previous is not None and previous[1] is not None and previous[1] is not result[0]:
        # Memory-mapped files stay readable for a ranker that still holds them after the unlink.
        shutil.rmtree(previous[1].path, ignore_errors=True)
    return result


COMPACT_AFTER = timedelta(hours=1)


def index_compact(*, kind: str) -> IndexVersion | None:
    """Fold the delta into a new main version; None when nothing needs it.

    A build is due when the delta has grown past MATCHING_DELTA_MAX, or when
    it holds any change and the active version is older than an hour (so a
    quiet system still converges without rebuilding every few minutes).
    """
    version = index_active(kind=kind)
    if version is None:
        return index_build(kind=kind, reason="compaction")
    pending = delta_size(kind=kind, version=version)
    if pending > conf.delta_max() or (pending and timezone.now() - version.watermark > COMPACT_AFTER):
        return index_build(kind=kind, reason="compaction")
    return None


def index_forget() -> None:
    """Drop this process's loaded indexes (tests, and after a vocabulary or model change)."""
    with _lock:
        _main.clear()
        _delta.clear()
