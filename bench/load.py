"""Load and fault drills (issue 11): persona traffic, then mail server, broker, database and worker failures.

    .venv/bin/python -m bench.load [--users 50] [--rate 1] [--duration 120] [--web-workers 3] [--no-drills]

Everything runs on loopback against the project's own entry points: a
PostgreSQL 15 cluster of the bench's own (initdb on a free port, so the
restart drill never touches the machine's server; the machine's server when
not run as root), ``manage.py migrate`` and ``load_demo``, gunicorn
(config/gunicorn.conf.py), one Celery worker, Redis for the broker and the
shared cache (a private redis-server on a free port for the broker drill).

1. Load: ``locust`` headless with bench/locustfile.py, ``--users`` simulated
   people of the four demo personas, each at ``--rate`` requests per second.
   They arrive over ``--ramp`` seconds (each logs in once: a password hash
   of about 0.3 s of CPU), then the statistics are reset and traffic runs for
   ``--duration`` seconds: the figures are the sustained rate. Prints
   requests, failures, req/s and the p50/p95/p99 latency.
2. Drill "SMTP down": e-mail goes to a port where nothing listens; experts
   accept 5 introduction requests through the API (each must answer 200, not
   500); then a mail server starts and the outbox sweep runs: every
   notification must reach it (lost = notifications never e-mailed).
3. Drill "broker down": the broker is killed; 10 needs are posted through the
   API (each must answer 201); the broker comes back and the sweep runs:
   every need must get its proposals (lost = needs still waiting).
4. Drill "PostgreSQL restart": an SME posts needs without pause while the
   database restarts (``pg_ctl restart -m fast``). Every request must answer
   201 or 503 (never 500); lost = a need answered 201 that is not in the
   database, or one that never gets its proposals; recovery = from the
   database being back to the next 201.
5. Drill "worker killed": a market re-rank and 10 new needs are queued, and
   the worker's whole process group is killed (SIGKILL) while it works; a new
   worker starts and the sweep runs as it would 40 minutes later: lost =
   needs without proposals, groups never re-ranked.

Figures go to stdout and bench/out/load/RESULTS.md. Wall times depend on the
machine's load: the header gives the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.platform import PG, PROTECTED_DBS, ROOT, Api, free_port, percentile, tail, wait_for

OUT = ROOT / "bench" / "out" / "load"
PY = sys.executable
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 - the documented demo logins
PROBE_PATH = "/api/v1/opportunities/?mine=true"


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port: the restart drill must not restart the machine's server."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tsunagu-load-pg-"))
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    @classmethod
    def possible(cls) -> bool:
        # initdb and pg_ctl refuse to run as root: they run as the postgres account through runuser.
        return os.geteuid() == 0 and (cls.BIN / "initdb").exists() and shutil.which("runuser") is not None

    def _run(self, *args: str) -> None:
        # Output to a file, not a pipe: the server that pg_ctl starts keeps its inherited descriptors open.
        with (OUT / "postgres-ctl.log").open("a", encoding="utf-8") as log:
            subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, stdout=log, stderr=log, timeout=180)

    def start(self) -> None:
        shutil.chown(self.dir, "postgres", "postgres")
        data = str(self.dir / "data")
        self._run(str(self.BIN / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run(str(self.BIN / "pg_ctl"), "-D", data, "-l", str(self.dir / "log"), "-w", "-o", options, "start")

    def restart(self) -> None:
        # -m fast: open sessions are cut, as in a failover or a minor-version upgrade.
        data, log = str(self.dir / "data"), str(self.dir / "log")
        self._run(str(self.BIN / "pg_ctl"), "-D", data, "-l", log, "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class Rig:
    """The processes of one run; all stopped at the end whatever happens."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.procs: dict[str, subprocess.Popen[Any]] = {}
        self.broker_port = free_port()
        self.smtp_port = free_port()
        self.pg = PrivatePostgres() if PrivatePostgres.possible() and not args.machine_postgres else None
        self.pg_url = self.pg.url if self.pg else PG
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{self.pg_url}/{args.db}",
            # As in production behind gunicorn: one connection per web process, checked before reuse.
            "DB_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.broker_port}/0",
            "CACHE_URL": "redis://127.0.0.1:6379/12",
            "ML_INDEX_ROOT": str(OUT / "index"),
            "ML_MODEL_DIR": str(OUT / "models"),
            "MEDIA_ROOT": str(OUT / "media"),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": secrets.token_urlsafe(50),
            # The personas make more calls than one person would: the per-user limit is for abuse.
            "API_THROTTLE_USER": "100000/minute",
            "API_THROTTLE_AUTH": "100000/minute",
            "LOGIN_FAILURE_LIMIT": "100000",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_TIMEOUT": "3",
            "PYTHONUNBUFFERED": "1",
        }
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)

    def start(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[Any]:
        log = (OUT / f"{name}.log").open("w", encoding="utf-8")
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.pg is not None:
            self.pg.stop()

    def manage(self, *args: str, env: dict[str, str] | None = None, timeout: float = 1800) -> str:
        run = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=env or self.env, capture_output=True, text=True, timeout=timeout
        )
        if run.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} exited with {run.returncode}:\n{tail(run.stderr)}")
        return run.stdout

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell`; returns the last line printed (anything else is log noise)."""
        lines = self.manage("shell", "-c", code).strip().splitlines()
        return lines[-1] if lines else ""

    # ----------------------------------------------------------------- services

    def broker_up(self) -> None:
        self.start("broker", ["redis-server", "--port", str(self.broker_port), "--save", "", "--appendonly", "no"])
        wait_for("broker", lambda: _port_open(self.broker_port), timeout=30, interval=0.2)

    def worker_up(self) -> None:
        self.start("worker", [str(BIN / "celery"), "-A", "config", "worker", "-l", "WARNING", "--pool=solo", "-B"])
        time.sleep(3)

    def web_up(self) -> Api:
        port = free_port()
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(self.args.web_workers)}
        self.start("web", [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"], env=env)
        api = Api(f"http://127.0.0.1:{port}")

        def up() -> bool:
            with contextlib.suppress(OSError):
                return api.call("GET", "/api/v1/me/", timeout=5)[0] in (401, 403)
            return False

        wait_for("web", up, timeout=120, interval=0.3)
        return api

    def smtp_up(self) -> None:
        # The standard library's debugging SMTP server (Python 3.11): it accepts and prints every message.
        self.start(
            "smtp", [PY, "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", f"127.0.0.1:{self.smtp_port}"]
        )
        wait_for("mail server", lambda: _port_open(self.smtp_port), timeout=30, interval=0.2)

    # ----------------------------------------------------------------- steps

    def prepare(self) -> Api:
        import psycopg

        if self.args.db in PROTECTED_DBS:
            raise SystemExit(f"refusing to use database {self.args.db!r}")
        if self.pg is not None:
            self.pg.start()
        with psycopg.connect(f"{self.pg_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.args.db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.args.db}"')
        shutil.rmtree(OUT / "index", ignore_errors=True)
        self.manage("migrate", "--noinput")
        # The demo is loaded with eager tasks (no broker needed yet), as `make demo` does.
        self.manage("load_demo", env={**self.env, "CELERY_BROKER_URL": ""})
        self.broker_up()
        self.worker_up()
        return self.web_up()

    def load(self, api: Api) -> None:
        csv_prefix = OUT / "locust"
        env = {**self.env, "LOAD_RATE": str(self.args.rate), "LOAD_PASSWORD": DEMO_PASSWORD}
        cmd = [
            str(BIN / "locust"),
            "-f",
            "bench/locustfile.py",
            "--headless",
            "--users",
            str(self.args.users),
            "--spawn-rate",
            str(max(0.1, self.args.users / max(1, self.args.ramp))),
            "--reset-stats",
            "--run-time",
            f"{self.args.duration + self.args.ramp}s",
            "--host",
            api.base,
            "--csv",
            str(csv_prefix),
            "--only-summary",
        ]
        started = time.monotonic()
        log_start = (OUT / "web.log").stat().st_size
        # One more person, outside locust's process: a plain client reading a buyer's opportunities twice a
        # second during the measured window, as a check on what locust reports from the same two cores.
        # (The buyer: the SME login already has as many tokens as a user may hold, one per simulated SME.)
        probe_token = api.token("buyer@demo.tsunagu.jp", password=DEMO_PASSWORD)
        probe: list[float] = []
        probe_errors: list[str] = []
        done = threading.Event()

        def probing() -> None:
            if done.wait(self.args.ramp + 5):
                return
            while not done.is_set():
                try:
                    status, _payload, ms = api.call("GET", PROBE_PATH, token=probe_token, timeout=30)
                except OSError as exc:
                    probe_errors.append(type(exc).__name__)
                else:
                    if status == 200:
                        probe.append(ms)
                    else:
                        probe_errors.append(str(status))
                done.wait(0.5)

        prober = threading.Thread(target=probing)
        prober.start()
        try:
            run = subprocess.run(
                cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=self.args.duration + 300
            )
        finally:
            done.set()
            prober.join()
        (OUT / "locust.log").write_text(run.stdout + run.stderr, encoding="utf-8")
        rows = list(csv.DictReader((OUT / "locust_stats.csv").open(encoding="utf-8")))
        total = next(r for r in rows if r["Name"] == "Aggregated")
        self.say(
            f"| load | {self.args.users} people, {self.args.duration} s after a {self.args.ramp} s ramp "
            f"({time.monotonic() - started:.0f} s wall) | "
            f"{int(total['Request Count']):,} requests, {int(total['Failure Count'])} failed, "
            f"{float(total['Requests/s']):.1f} req/s | p50 {total['50%']} ms, p95 {total['95%']} ms, "
            f"p99 {total['99%']} ms |"
        )
        if probe or probe_errors:
            self.say(
                f"| load: a plain client beside locust (GET {PROBE_PATH} twice a second) | "
                f"{len(probe)} answered, {len(probe_errors)} failed {sorted(set(probe_errors))} | "
                f"p50 {percentile(probe or [0.0], 50):.0f} ms, p95 {percentile(probe or [0.0], 95):.0f} ms, "
                f"p99 {percentile(probe or [0.0], 99):.0f} ms | |"
            )
        server = self.server_times(log_start)
        if server:
            self.say(
                f"| load: time inside gunicorn's workers | {len(server):,} requests of the run (ramp included) | "
                f"p50 {percentile(server, 50):.0f} ms, p95 {percentile(server, 95):.0f} ms, "
                f"p99 {percentile(server, 99):.0f} ms | the rest of the client's figure is queueing |"
            )
        for row in rows:
            if row["Name"] != "Aggregated":
                self.say(
                    f"|   {row['Type']} {row['Name']} | {int(row['Request Count']):,} | "
                    f"p50 {row['50%']} / p95 {row['95%']} ms | {row['Failure Count']} failed |"
                )

    def server_times(self, offset: int) -> list[float]:
        """Milliseconds each request spent in a worker (the access log's last field), from `offset` on."""
        with (OUT / "web.log").open(encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            found = (re.search(r'" (\d+)ms$', line.rstrip()) for line in log)
            return [float(m.group(1)) for m in found if m]

    def unsent(self) -> int:
        return int(
            self.shell(
                "from matching.models import Notification as N; print(N.objects.filter(emailed_at=None).count())"
            )
        )

    def drill_smtp(self, api: Api) -> None:
        """Experts accept requests while the mail server is down; then it comes back and the sweep runs."""
        # Five waiting requests whose experts have logins; their passwords set to the demo's for the drill.
        pairs = json.loads(
            self.shell(
                "import json; from matching.models import Introduction as I; "
                "rows = list(I.objects.filter(status='requested', expert__user__isnull=False)"
                ".select_related('expert__user')[:5]); "
                f"[(r.expert.user.set_password({DEMO_PASSWORD!r}), r.expert.user.save()) for r in rows]; "
                "print(json.dumps([[r.pk, r.expert.user.email] for r in rows]))"
            )
        )
        statuses = []
        for pk, email in pairs:
            token = api.token(email, password=DEMO_PASSWORD)
            statuses.append(api.call("POST", f"/api/v1/introductions/{pk}/accept/", token=token, body={})[0])
        unsent = self.unsent()
        self.smtp_up()
        started = time.monotonic()
        self.shell(
            "from datetime import timedelta; from django.utils import timezone; "
            "from matching.services.notifications import notifications_sweep; "
            "print(notifications_sweep(now=timezone.now() + timedelta(minutes=5)))"
        )
        recovered = time.monotonic() - started
        left = self.unsent()
        self.say(
            f"| drill: SMTP down | {len(statuses)} accepts answered {sorted(set(statuses))} | "
            f"{unsent} e-mails waiting while down, {left} lost after the sweep | recovered in {recovered:.1f} s |"
        )

    def post_need(self, api: Api, token: str, i: int, timeout: float = 30.0) -> tuple[int, int | None]:
        """(HTTP status, need id) of one posted need; status 0 when the connection itself failed."""
        try:
            status, payload, _ = api.call(
                "POST",
                "/api/v1/needs/",
                token=token,
                body={"title": f"検査工程の自動化 {i}", "description": "目視検査を画像検査にしたい", "status": "open"},
                timeout=timeout,
            )
        except OSError:
            return 0, None
        return status, payload["id"] if status == 201 and isinstance(payload, dict) else None

    def sweep(self, *, minutes: int) -> str:
        """The periodic sweep as it would run `minutes` from now (the rankings it re-sends look that old)."""
        return self.shell(
            "from datetime import timedelta; from django.utils import timezone; "
            "from matching.services.scheduling import pending_sweep; "
            f"print(pending_sweep(now=timezone.now() + timedelta(minutes={minutes})))"
        )

    def not_ranked(self, ids: list[int]) -> int:
        return int(
            self.shell(
                "from opportunities.models import Need; "
                f"print(Need.objects.filter(pk__in={ids!r}).exclude(recommendations_status='ready').count())"
            )
        )

    def wait_ranked(self, ids: list[int], what: str, timeout: float = 180) -> tuple[int, float]:
        """(needs still without proposals, seconds waited)."""
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            wait_for(what, lambda: self.not_ranked(ids) == 0, timeout=timeout, interval=1.0)
        return self.not_ranked(ids), time.monotonic() - started

    def drill_broker(self, api: Api) -> None:
        """The broker dies; SMEs post needs; it comes back and the sweep re-sends what was lost."""
        token = api.token("sme@demo.tsunagu.jp", password=DEMO_PASSWORD)
        self.stop("broker", signal.SIGKILL)
        posted = [self.post_need(api, token, i) for i in range(10)]
        ids = [pk for _status, pk in posted if pk is not None]
        self.broker_up()
        self.stop("worker")
        self.worker_up()
        started = time.monotonic()
        self.sweep(minutes=11)
        left, _waited = self.wait_ranked(ids, "needs ranked after the broker came back")
        self.say(
            f"| drill: broker down | {len(posted)} needs posted, answers {sorted({s for s, _ in posted})} | "
            f"{left} lost (not ranked) after the sweep | recovered in {time.monotonic() - started:.1f} s |"
        )

    def drill_postgres(self, api: Api) -> None:
        """An SME keeps posting needs while PostgreSQL restarts: 201 or 503, nothing acknowledged and lost."""
        if self.pg is None:
            self.say("| drill: PostgreSQL restart | skipped: needs root for a private cluster (initdb, pg_ctl) | | |")
            return
        token = api.token("sme@demo.tsunagu.jp", password=DEMO_PASSWORD)
        answers: list[tuple[float, int, int | None]] = []
        done = threading.Event()

        def writer() -> None:
            i = 0
            while not done.is_set():
                status, pk = self.post_need(api, token, 100 + i, timeout=15)
                answers.append((time.monotonic(), status, pk))
                i += 1
                time.sleep(0.05)

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(3)
        down = time.monotonic()
        self.pg.restart()
        back = time.monotonic()
        time.sleep(8)
        done.set()
        thread.join()
        acknowledged = [pk for _t, status, pk in answers if status == 201 and pk is not None]
        stored = int(
            self.shell(
                f"from opportunities.models import Need; print(Need.objects.filter(pk__in={acknowledged!r}).count())"
            )
        )
        first_after = next((t for t, status, _pk in answers if status == 201 and t > back), None)
        recovery = f"{first_after - back:.1f} s" if first_after is not None else "never"
        statuses: dict[int, int] = {}
        for _t, status, _pk in answers:
            statuses[status] = statuses.get(status, 0) + 1
        left, waited = self.wait_ranked(acknowledged, "needs ranked after the restart")
        self.say(
            f"| drill: PostgreSQL restart ({back - down:.1f} s down) | {len(answers)} needs posted, answers "
            f"{dict(sorted(statuses.items()))} (0 = connection refused) | {len(acknowledged) - stored} of "
            f"{len(acknowledged)} acknowledged needs missing, {left} without proposals after {waited:.0f} s | "
            f"next 201 {recovery} after the database was back |"
        )

    def drill_worker(self, api: Api) -> None:
        """The worker is killed mid-work; a new one starts; the sweep re-sends and re-runs what died with it."""
        token = api.token("sme@demo.tsunagu.jp", password=DEMO_PASSWORD)
        jobs = self.shell(
            "from matching.services.scheduling import recommendations_refresh_all; "
            "print(','.join(str(j.pk) for j in recommendations_refresh_all(reason='drill')))"
        )
        posted = [self.post_need(api, token, 200 + i) for i in range(10)]
        ids = [pk for _status, pk in posted if pk is not None]

        def busy() -> bool:
            state = self.shell(
                "from matching.models import RefreshJob; "
                f"print(RefreshJob.objects.filter(pk__in=[{jobs}], state='running').exists())"
            )
            return state == "True"

        with contextlib.suppress(TimeoutError):
            wait_for("a market re-rank running", busy, timeout=60, interval=0.2)
        self.stop("worker", signal.SIGKILL)
        waiting_then = self.not_ranked(ids)
        self.worker_up()
        started = time.monotonic()
        # 40 minutes on: past the sweep's wait for lost rankings and a dead refresh's time limit.
        self.sweep(minutes=40)
        left, _waited = self.wait_ranked(ids, "needs ranked after the worker was replaced")

        def regrouped() -> bool:
            return (
                self.shell(
                    "from matching.models import RefreshJob; from matching.services.scheduling import GROUPS; "
                    f"done = RefreshJob.objects.filter(state='done', pk__gt=min([{jobs}])); "
                    "print(all(done.filter(kind=k, target=t).exists() for k, t in GROUPS))"
                )
                == "True"
            )

        with contextlib.suppress(TimeoutError):
            wait_for("every group re-ranked", regrouped, timeout=300, interval=2.0)
        groups = "all groups re-ranked" if regrouped() else "some group never re-ranked"
        self.say(
            f"| drill: worker killed (SIGKILL, mid re-rank) | {len(posted)} needs posted, answers "
            f"{sorted({s for s, _ in posted})}; {waiting_then} waiting when killed | {left} lost (not ranked), "
            f"{groups} | recovered in {time.monotonic() - started:.1f} s |"
        )


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1.0, help="requests per second per simulated person")
    parser.add_argument("--duration", type=int, default=120, help="seconds measured, after the ramp")
    parser.add_argument("--ramp", type=int, default=25, help="seconds over which the people arrive and log in")
    parser.add_argument(
        "--machine-postgres", action="store_true", help="use the machine's PostgreSQL (no restart drill)"
    )
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--db", default="tsunagu_load")
    parser.add_argument("--no-drills", action="store_true")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rig = Rig(args)
    rig.say(f"load average at start: {os.getloadavg()[0]:.2f}")
    try:
        api = rig.prepare()
        rig.say("| step | what | result | latency / recovery |")
        rig.say("|---|---|---|---|")
        rig.load(api)
        if not args.no_drills:
            rig.drill_smtp(api)
            rig.drill_broker(api)
            rig.drill_postgres(api)
            rig.drill_worker(api)
    finally:
        rig.stop_all()
        (OUT / "RESULTS.md").write_text("\n".join(rig.lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
