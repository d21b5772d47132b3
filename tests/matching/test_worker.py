"""With a real Celery worker and the Redis broker: the on_commit hook, and redelivery after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from accounts.models import Organisation
from config.celery import app
from matching.models import IndexVersion, Recommendation, RefreshJob
from matching.services.index import index_build
from matching.services.scheduling import refresh_schedule
from opportunities.models import Need
from opportunities.services import need_create
from tests.factories import ExpertProfileFactory, MembershipFactory, NeedFactory, OrganisationFactory

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.getenv("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
WORKER_APP_NAME = "tsunagu-test-worker"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker must share the test database"),
    pytest.mark.skipif(not _redis_up(), reason=f"Redis not reachable at {BROKER}"),
    pytest.mark.django_db(transaction=True),
]


def _db_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, queue: str, log: Path, **env: str) -> None:
        self.log = log
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _db_url(),
            "CELERY_BROKER_URL": BROKER,
            "PYTHONPATH": str(ROOT),
            # libpq names the worker's sessions, so the fixture below ends only those.
            "PGAPPNAME": WORKER_APP_NAME,
            **env,
        }
        cmd = [
            sys.executable, "-m", "celery", "-A", "tests.matching.worker_app", "worker",
            "--pool=solo", "-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
        ]  # fmt: skip
        self.fh = log.open("ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=self.fh, stderr=subprocess.STDOUT)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.fh.close()


def _wait(predicate: Callable[[], Any], timeout: float, what: str, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.fixture
def broker(settings: Any) -> Iterator[str]:
    """Send matching tasks to Redis (not eagerly) on a queue of this test's own."""
    queue = f"test-matching-{uuid.uuid4().hex[:8]}"
    settings.MATCHING_TASK_QUEUE = queue
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER
    _reset_producers()
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        _reset_producers()


def _reset_producers() -> None:
    # Celery caches its connection and producer pools on first use; drop them so
    # the broker URL set above (and restored afterwards) is the one used. They are
    # dropped, not closed: kombu shares pools between users of the same URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(queue: str, name: str = "worker", **env: str) -> Worker:
        worker = Worker(queue, tmp_path / f"{name}.log", **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    # A killed worker's database session can outlive its process for a moment; end it here so that
    # dropping the test database at the end of the run does not find it still in use. Only the
    # workers' sessions: the live server of the browser tests holds one of its own in this process.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [WORKER_APP_NAME],
        )


def test_it_ranks_a_new_need_in_a_worker_after_commit(broker: str, workers: Any) -> None:
    worker = workers(broker)
    experts = [ExpertProfileFactory() for _ in range(3)]
    owner = MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.SME)).user

    need = need_create(actor=owner, data={"title": "生産管理のDX", "status": "open"})

    # The web side only marked it pending and sent the task: the worker ranks it (building the index first).
    assert Need.objects.get(pk=need.pk).recommendations_status in ("pending", "ready")
    _wait(lambda: Need.objects.filter(pk=need.pk, recommendations_status="ready").exists(), 60, "ranking", worker.log)
    assert {r.expert_id for r in Recommendation.objects.filter(need=need)} == {e.pk for e in experts}
    assert IndexVersion.objects.filter(kind="expert", is_active=True).exists()
    assert not RefreshJob.objects.exists()  # a single saved need is ranked alone, not by a group refresh


def test_it_reruns_a_refresh_killed_mid_task_and_writes_once(broker: str, workers: Any) -> None:
    experts = [ExpertProfileFactory() for _ in range(3)]
    need = NeedFactory()  # no signal: the test schedules the refresh itself
    first = workers(broker, "first", TEST_REFRESH_PAUSE_SECONDS="120", TEST_BROKER_VISIBILITY_TIMEOUT="2")
    with transaction.atomic():
        job = refresh_schedule(kind="need", target="expert", reason="crash test")

    # The first worker has written the rows and sleeps before COMMIT: kill it there.
    _wait(lambda: "fault injection" in first.log.read_text(errors="replace"), 60, "the pause", first.log)
    assert not Recommendation.objects.exists()
    first.stop(signal.SIGKILL)
    assert first.proc.returncode == -signal.SIGKILL

    second = workers(broker, "second", TEST_BROKER_VISIBILITY_TIMEOUT="2")
    _wait(
        lambda: RefreshJob.objects.filter(pk=job.pk, state=RefreshJob.State.DONE).exists(),
        60,
        "the redelivered job",
        second.log,
    )
    job.refresh_from_db()
    assert job.attempts == 2  # ran again after the crash
    recs = list(Recommendation.objects.filter(need=need).values_list("candidate_key", flat=True))
    assert sorted(recs) == sorted(f"expert:{e.pk}" for e in experts)  # each pair exactly once


def test_two_workers_rank_against_one_shared_index_version(
    broker: str, workers: Any, settings: Any, tmp_path: Path
) -> None:
    """Scale-out: several workers read the same index version from a shared root; none builds its own."""
    shared = tmp_path / "shared-index"
    settings.ML_INDEX_ROOT = shared
    experts = [ExpertProfileFactory() for _ in range(3)]
    version = index_build(kind="expert", reason="shared")
    assert Path(version.path).is_relative_to(shared)
    pair = [workers(broker, name, TEST_ML_INDEX_ROOT=str(shared)) for name in ("left", "right")]
    for worker in pair:
        _wait(lambda w=worker: " ready." in w.log.read_text(errors="replace"), 60, "the worker", worker.log)
    owner = MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.SME)).user

    with transaction.atomic():  # the twelve rankings are sent together, on commit
        needs = [need_create(actor=owner, data={"title": f"生産管理のDX {i}", "status": "open"}) for i in range(12)]

    ids = [n.pk for n in needs]
    _wait(
        lambda: Need.objects.filter(pk__in=ids, recommendations_status="ready").count() == len(ids),
        90,
        "twelve rankings",
        pair[0].log,
    )
    done = [w.log.read_text(errors="replace").count("Task matching.query_rank[") for w in pair]
    assert all(count >= 1 for count in done), done  # both workers served rankings
    assert IndexVersion.objects.filter(kind="expert").count() == 1  # from the one shared version
    assert {r.expert_id for r in Recommendation.objects.filter(need_id=ids[0])} == {e.pk for e in experts}
