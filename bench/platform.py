"""Platform benchmark (issue 10): the whole platform on PostgreSQL + Redis, measured end to end.

    .venv/bin/python -m bench.platform [--smes N] [--experts N] [--buyers N] [--queries N] [--posts 20]

Everything runs through the project's own entry points, as in production:
``manage.py migrate``, ``manage.py import_profiles`` / ``import_queries``,
one Celery worker (``celery -A config worker --pool=solo``) on Redis db 15,
gunicorn with ``config/gunicorn.conf.py`` and one worker for the REST API
(``manage.py runserver --noreload`` when gunicorn is not installed), and
``manage.py shell`` to ask for a market re-rank. The benchmark process itself only generates the input
files, creates the two logins it needs (ORM), polls the job rows and talks
HTTP to the API on loopback.

Steps (figures in the printed table, also written to
bench/out/platform/RESULTS.md):

1. a fresh database (default ``tsunagu_bench``, dropped and recreated) and
   ``migrate``; ML_INDEX_ROOT, ML_MODEL_DIR and MEDIA_ROOT under
   bench/out/platform/;
2. interchange files from a small, fast generator (vocabulary codes, Japanese
   descriptions from a phrase bank, ~5 % of SMEs with a valid 法人番号);
3. the imports (wall time, rows/s, peak RSS), then the index builds and the
   market re-rank of each group they trigger, run by the worker;
4. 20 opportunities POSTed through the API one after the other: POST
   latency and time until their recommendations are readable (p50/p95);
5. an SME's profile edit (PATCH /api/v1/organisation/) until that SME is
   recommended for a matching new opportunity;
6. the market re-rank of the largest group (opportunity → sme);
7. peak RSS (VmHWM) of the worker and the web process.

Every wait has a timeout, and the worker and web server are stopped at the
end whatever happens. Wall times depend on what else runs on the machine:
the table's header gives the load average, and CPU times are shown beside
the long steps. The solo pool does not enforce Celery's time limits, so a
task that would be cut short by CELERY_TASK_SOFT_TIME_LIMIT under the
default prefork pool still finishes here (compare its time with that limit).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "platform"
PY = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")
PG = "postgres://postgres@127.0.0.1:5432"
BROKER = "redis://127.0.0.1:6379/15"
WORKER_NAME = "bench-platform@%h"
PASSWORD = "bench-platform-2026!"  # noqa: S105 - throwaway logins in a throwaway database
PROTECTED_DBS = {"postgres", "test", "template0", "template1", "root"}

# --------------------------------------------------------------------------- generator

VOCAB = json.loads((ROOT / "ml" / "data" / "vocabulary.json").read_text(encoding="utf-8"))


def _entries(section: str) -> list[dict[str, Any]]:
    return list(VOCAB[section])


SECTORS = _entries("sectors")
CAPS = _entries("capabilities")
CERTS = _entries("certifications")
NEEDS = _entries("need_categories")
PREFS = _entries("prefectures")
EXPERT_TYPES = _entries("expert_types")
REGION_PREFS: dict[str, list[str]] = {}
for _p in PREFS:
    REGION_PREFS.setdefault(_p["region"], []).append(_p["code"])
# industrial prefectures are more common (宮城, 東京, 神奈川, 愛知, 大阪, 福岡, 静岡, 埼玉, 兵庫)
PREF_WEIGHTS = [4 if p["code"] in {"04", "13", "14", "23", "27", "40", "22", "11", "28"} else 1 for p in PREFS]
SECTOR_WEIGHTS = [1.0 / (i + 1) ** 0.6 for i in range(len(SECTORS))]
CAP_WEIGHTS = [1.0 / (i + 1) ** 0.4 for i in range(len(CAPS))]
SECTOR_CERT = {"aerospace": "jisq9100", "space": "jisq9100", "automotive": "iatf16949", "medical_devices": "iso13485"}

SME_OPEN = [
    "弊社は{pref}の町工場です。",
    "{pref}に本社を置く製造業です。",
    "創業{years}年、{pref}で事業を営んでいます。",
    "当社（{pref}）は従業員{employees}名のものづくり企業です。",
    "",
]
SME_BODY = [
    "{sector}向けに{cap}を手がけています。",
    "{cap}が強みで、{sector}の案件を多数受注してきました。",
    "主に{sector}の分野で{cap}を提供しています。",
    "{cap}を得意とし、{sector}のお客様にも対応しています。",
    "{sector}のサプライヤーとして{cap}に取り組んでいます。",
]
SME_TAIL = [
    "短納期・小ロットにも対応します。",
    "試作から量産まで一貫して対応します。",
    "品質第一で、検査体制にも自信があります。",
    "若手技術者が多く活気ある職場です。",
    "設備投資を続け、新しい分野への参入を目指しています。",
    "",
]
BUYER_BODY = [
    "{sector}の大手メーカーとして、国内の協力工場を募集しています。",
    "{sector}事業を拡大中で、新しいサプライヤーを探しています。",
    "当社は{sector}を主力とするメーカーです。{pref}を拠点に調達を行っています。",
]
EXPERT_BODY = [
    "{etype}として{skills}の支援を行っています。",
    "専門は{skills}です。{area}を中心に活動しています。",
    "元メーカー技術者。{skills}について中小企業の相談に乗ってきました。",
    "{area}で{etype}を務め、{skills}を伴走支援しています。",
]
OPP_TITLES = [
    "{cap}の協力会社募集",
    "{sector}向け部品のサプライヤー募集",
    "{cap}の外注先を探しています",
    "新規取引先募集（{cap}）",
    "{sector}案件：{cap}",
]
OPP_BODY = [
    "{sector}向けに{cap}のできる協力会社を探しています。{extra}",
    "{cap}を依頼できる企業を募集します。用途は{sector}です。{extra}",
    "新規案件：{sector}、{cap}の外注先を求めています。{extra}",
]
OPP_EXTRA = [
    "月産1,000個程度を想定。",
    "試作数個からの対応をお願いします。",
    "継続取引を希望します。",
    "納期は3か月。",
    "",
]
NEED_BODY = [
    "{topic}について相談したいです。",
    "{topic}が課題です。専門家の助言がほしい。",
    "現状、{topic}で困っています。どなたか相談に乗ってください。",
]
BUYER_NEED_BODY = [
    "{sector}の新しい顧客を見つけたい。",
    "自社技術を{sector}に売り込みたい。",
    "{sector}の企業と取引を始めたい。",
]
NAME_HEAD = ["東北", "みちのく", "共栄", "大和", "三和", "昭和", "平成", "富士", "北斗", "旭", "日進", "丸和"]
NAME_TAIL = ["精工", "工業", "製作所", "技研", "金属", "電子", "化成", "機工"]
BUYER_HEAD = ["日本", "東洋", "中央", "大日本", "新日本", "東亜"]
BUYER_TAIL = ["電機", "重工", "自動車", "精機", "化学", "航空"]


def _label(rng: random.Random, entry: dict[str, Any]) -> str:
    """The vocabulary label or one of its aliases (registrations describe, they rarely cite the label)."""
    options = [entry["ja"], *entry.get("aliases_ja", [])]
    return rng.choice(options)


def _pick(rng: random.Random, items: list[dict[str, Any]], weights: list[float], k: int) -> list[dict[str, Any]]:
    picked: dict[str, dict[str, Any]] = {}
    for entry in rng.choices(items, weights, k=k):
        picked.setdefault(entry["code"], entry)
    return list(picked.values())


def corporate_number(index: int) -> str:
    """A valid 法人番号 (check digit first), unique per index."""
    from accounts.rules import corporate_number_check_digit

    base = f"{700000000000 + index:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def sme_profile(rng: random.Random, i: int) -> dict[str, Any]:
    sectors = _pick(rng, SECTORS, SECTOR_WEIGHTS, rng.choice([1, 1, 2]))
    caps = _pick(rng, CAPS, CAP_WEIGHTS, rng.choice([1, 2, 2, 3]))
    pref = rng.choices(PREFS, PREF_WEIGHTS)[0]
    employees = rng.randint(3, 300)
    certs = ["iso9001"] if rng.random() < 0.4 else []
    for s in sectors:
        if s["code"] in SECTOR_CERT and rng.random() < 0.5:
            certs.append(SECTOR_CERT[s["code"]])
    if rng.random() < 0.1:
        certs.append(rng.choice(CERTS)["code"])
    certs = list(dict.fromkeys(certs))
    text = (
        rng.choice(SME_OPEN).format(pref=pref["ja"], years=rng.randint(5, 80), employees=employees)
        + rng.choice(SME_BODY).format(
            sector="・".join(_label(rng, s) for s in sectors), cap="、".join(_label(rng, c) for c in caps)
        )
        + rng.choice(SME_TAIL)
    )
    if certs and rng.random() < 0.5:
        text += f"{next(c['ja'] for c in CERTS if c['code'] == certs[0])}認証取得。"
    capacity = rng.choice([1, 2, 3, 3, 5])
    profile: dict[str, Any] = {
        "id": f"sme-{i:07d}",
        "kind": "sme",
        "name": f"{rng.choice(NAME_HEAD)}{rng.choice(NAME_TAIL)}株式会社{i}",
        "prefecture": pref["code"],
        "description": text,
        "certifications": certs,
        "industry": rng.choices(["manufacturing", "wholesale", "services"], [8, 1, 1])[0],
        "employees": employees,
        "capital_jpy": rng.choice([1, 3, 5, 10, 30, 50, 100, 300]) * 1_000_000,
        "capacity": capacity,
        "active_engagements": rng.randint(0, capacity),
    }
    if rng.random() < 0.6:
        profile["sectors"] = [s["code"] for s in sectors]
        profile["capabilities"] = [c["code"] for c in caps]
    if rng.random() < 0.05:
        profile["corporate_number"] = corporate_number(i)
    return profile


def expert_profile(rng: random.Random, i: int) -> dict[str, Any]:
    skills = rng.sample(NEEDS, rng.choice([1, 2, 2, 3, 4]))
    etype = rng.choice(EXPERT_TYPES)
    pref = rng.choices(PREFS, PREF_WEIGHTS)[0]
    nationwide = rng.random() < 0.15
    regions = [] if nationwide else sorted({pref["code"], *rng.sample(REGION_PREFS[pref["region"]], 1)})
    area = "全国" if nationwide else "・".join(p["ja"] for p in PREFS if p["code"] in regions)
    capacity = rng.choice([1, 2, 3, 4])
    profile: dict[str, Any] = {
        "id": f"expert-{i:05d}",
        "kind": "expert",
        "name": f"専門家{i}",
        "prefecture": pref["code"],
        "description": rng.choice(EXPERT_BODY).format(
            etype=etype["ja"], skills="、".join(_label(rng, s) for s in skills), area=area
        ),
        "expert_type": etype["code"],
        "regions": regions,
        "sectors": [s["code"] for s in _pick(rng, SECTORS, SECTOR_WEIGHTS, rng.choice([0, 1, 2]))],
        "capacity": capacity,
        "active_engagements": rng.randint(0, capacity),
    }
    if rng.random() < 0.7:
        profile["skills"] = [s["code"] for s in skills]
    return profile


def buyer_profile(rng: random.Random, i: int) -> dict[str, Any]:
    sectors = _pick(rng, SECTORS, SECTOR_WEIGHTS, rng.choice([1, 2]))
    pref = rng.choices(PREFS, PREF_WEIGHTS)[0]
    capacity = rng.choice([2, 3, 5, 8])
    return {
        "id": f"buyer-{i:04d}",
        "kind": "buyer",
        "name": f"{rng.choice(BUYER_HEAD)}{rng.choice(BUYER_TAIL)}株式会社{i}",
        "prefecture": pref["code"],
        "description": rng.choice(BUYER_BODY).format(
            sector="・".join(_label(rng, s) for s in sectors), pref=pref["ja"]
        ),
        "sectors": [s["code"] for s in sectors],
        "capacity": capacity,
        "active_engagements": rng.randint(0, capacity),
    }


def opportunity_body(rng: random.Random) -> dict[str, Any]:
    """Title, description and codes of a buyer's call for suppliers (interchange and API field names)."""
    sector = _pick(rng, SECTORS, SECTOR_WEIGHTS, 1)[0]
    caps = _pick(rng, CAPS, CAP_WEIGHTS, rng.choice([1, 1, 2]))
    cap_text = "と".join(_label(rng, c) for c in caps)
    body: dict[str, Any] = {
        "title": rng.choice(OPP_TITLES).format(cap=_label(rng, caps[0]), sector=sector["ja"])[:200],
        "description": rng.choice(OPP_BODY).format(
            sector=_label(rng, sector), cap=cap_text, extra=rng.choice(OPP_EXTRA)
        ),
    }
    if rng.random() < 0.6:
        body["sectors"] = [sector["code"]]
        body["required_capabilities"] = [c["code"] for c in caps]
    if rng.random() < 0.15:
        body["required_certifications"] = ["iso9001"]
    return body


def query_records(rng: random.Random, n: int, n_smes: int, n_buyers: int) -> Iterator[dict[str, Any]]:
    """Open queries: 50 % opportunity → sme, 35 % need → expert, 15 % need → buyer."""
    today = dt.date.today()
    for i in range(n):
        r = rng.random()
        if r < 0.5:
            q = {
                "id": f"opp-{i:06d}",
                "kind": "opportunity",
                "owner": f"buyer-{rng.randrange(n_buyers):04d}",
                "target": "sme",
                "status": "open",
                "deadline": (today + dt.timedelta(days=rng.randint(14, 180))).isoformat(),
                "budget_jpy": rng.choice([50, 100, 300, 1000, 5000]) * 10_000,
                **opportunity_body(rng),
            }
            if rng.random() < 0.3:
                q["prefecture"] = rng.choices(PREFS, PREF_WEIGHTS)[0]["code"]
            yield q
        elif r < 0.85:
            cat = rng.choice(NEEDS)
            topic = _label(rng, cat)
            q = {
                "id": f"need-{i:06d}",
                "kind": "need",
                "owner": f"sme-{rng.randrange(n_smes):07d}",
                "target": "expert",
                "status": "open",
                "title": f"{topic}の相談"[:200],
                "description": rng.choice(NEED_BODY).format(topic=topic),
                "prefecture": rng.choices(PREFS, PREF_WEIGHTS)[0]["code"],
            }
            if rng.random() < 0.6:
                q["category"] = cat["code"]
            yield q
        else:
            sector = _pick(rng, SECTORS, SECTOR_WEIGHTS, 1)[0]
            q = {
                "id": f"need-{i:06d}",
                "kind": "need",
                "owner": f"sme-{rng.randrange(n_smes):07d}",
                "target": "buyer",
                "status": "open",
                "title": "販路開拓",
                "description": rng.choice(BUYER_NEED_BODY).format(sector=_label(rng, sector)),
            }
            if rng.random() < 0.6:
                q["category"] = "sales.channel"
                q["sectors"] = [sector["code"]]
            yield q


def write_jsonl(path: Path, records: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def generate(args: argparse.Namespace, data: Path) -> tuple[Path, Path, int, int]:
    rng = random.Random(args.seed)
    profiles, queries = data / "profiles.jsonl", data / "queries.jsonl"

    def all_profiles() -> Iterator[dict[str, Any]]:
        for i in range(args.smes):
            yield sme_profile(rng, i)
        for i in range(args.experts):
            yield expert_profile(rng, i)
        for i in range(args.buyers):
            yield buyer_profile(rng, i)

    n_profiles = write_jsonl(profiles, all_profiles())
    n_queries = write_jsonl(queries, query_records(rng, args.queries, args.smes, args.buyers))
    return profiles, queries, n_profiles, n_queries


# --------------------------------------------------------------------------- processes and measurement


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process in KiB ({} once it is gone)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                out[key] = int(value.split()[0])
    return out


def mib(kib: int | None) -> str:
    return "n/a" if not kib else f"{kib / 1024:,.0f} MiB"


@dataclass
class Run:
    seconds: float
    returncode: int
    peak_kib: int
    stdout: str
    stderr: str
    cpu: float = 0.0  # user + system seconds of the command (contention-independent, unlike wall time)


def run_command(cmd: list[str], env: dict[str, str], *, timeout: float, log: Path) -> Run:
    """Run a command to completion (bounded); wall time and the kernel's high-water mark of its RSS."""
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, proc_status(proc.pid).get("VmHWM", 0))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=30)
            raise RuntimeError(f"{' '.join(cmd[1:4])}: no result after {timeout:.0f} s (killed)") from None
        finally:
            done.set()
            sampler.join()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(seconds, proc.returncode, peak, stdout, log.read_text(encoding="utf-8", errors="replace"), cpu)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds a running process has used so far (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[Any] | None, *, grace: float) -> None:
    """Stop a process this benchmark started (its own session): TERM, wait, then KILL its group."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, interval: float = 0.5) -> tuple[Any, float]:
    """Poll `check` until it returns something truthy; (value, seconds waited). Raises on timeout."""
    started = time.monotonic()
    while True:
        value = check()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not done after {timeout:.0f} s")
        time.sleep(interval)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --------------------------------------------------------------------------- HTTP


class Api:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self, method: str, path: str, *, token: str | None = None, body: Any = None, timeout: float = 30.0
    ) -> tuple[int, Any, float]:
        """(status, decoded JSON or text, milliseconds) of one request."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - loopback only
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        elapsed = (time.perf_counter() - started) * 1000
        try:
            payload: Any = json.loads(raw) if raw else None
        except ValueError:
            payload = raw[:500].decode(errors="replace")
        return status, payload, elapsed

    def token(self, email: str, password: str = PASSWORD) -> str:
        status, payload, _ = self.call("POST", "/api/v1/auth/token/", body={"username": email, "password": password})
        if status != 200 or not isinstance(payload, dict) or "token" not in payload:
            raise RuntimeError(f"token for {email}: HTTP {status} {payload!r}")
        return str(payload["token"])


# --------------------------------------------------------------------------- the benchmark


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, step: str, measure: str, value: str, target: str = "") -> None:
        self.rows.append((step, measure, value, target))
        print(f"  {step} | {measure}: {value}" + (f" (target {target})" if target else ""), flush=True)

    def problem(self, text: str) -> None:
        self.problems.append(text)
        print(f"  PROBLEM: {text.splitlines()[0]}", flush=True)

    def markdown(self, header: str) -> str:
        lines = [header, "", "| step | measure | value | target |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows]
        if self.problems:
            lines += ["", "## Problems found", ""]
            for problem in self.problems:
                first, _, rest = problem.partition("\n")
                lines.append(f"- {first}")
                if rest.strip():
                    lines += ["", "  ```", *[f"  {line}" for line in rest.strip().splitlines()], "  ```"]
        return "\n".join(lines) + "\n"


def verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "MISSED"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.report = Report()
        self.worker: subprocess.Popen[Any] | None = None
        self.web: subprocess.Popen[Any] | None = None
        self.worker_log = OUT / "worker.log"
        self.worker_log_seen = 0
        self.web_kind = ""
        self.web_log = OUT / "web.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{PG}/{args.db}",
            "CELERY_BROKER_URL": BROKER,
            "ML_INDEX_ROOT": str(OUT / "index"),
            "ML_MODEL_DIR": str(OUT / "models"),
            "MEDIA_ROOT": str(OUT / "media"),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            # Production refuses to start without a key; a fresh random one per run.
            "SECRET_KEY": secrets.token_urlsafe(50),
            # The per-user API throttle (600/minute) would answer the polling below with 429.
            "API_THROTTLE_USER": "100000/minute",
        }

    def raise_on_worker_error(self) -> None:
        """Fail fast when the worker logged a task error (a job it dropped would otherwise be waited for)."""
        if not self.worker_log.exists():
            return
        with self.worker_log.open("rb") as fh:
            fh.seek(self.worker_log_seen)
            new = fh.read()
        if b"ERROR/" not in new:
            return
        self.worker_log_seen += len(new)
        text = new.decode("utf-8", errors="replace")
        start = text.index("ERROR/")
        excerpt = "\n".join(text[text.rfind("\n", 0, start) + 1 :].splitlines()[:40])
        raise RuntimeError(f"the worker logged a task error (see {self.worker_log.relative_to(ROOT)}):\n{excerpt}")

    def wait(self, what: str, check: Callable[[], Any], *, timeout: float, interval: float = 0.5) -> tuple[Any, float]:
        def guarded() -> Any:
            self.raise_on_worker_error()
            return check()

        return wait_for(what, guarded, timeout=timeout, interval=interval)

    # ----------------------------------------------------------------- setup

    def fresh_database(self) -> None:
        import psycopg

        name = self.args.db
        if name in PROTECTED_DBS or not name.replace("_", "").isalnum():
            raise SystemExit(f"refusing to use database {name!r}")
        # The maintenance database is only used to issue DROP/CREATE of the benchmark's own database.
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def flush_broker(self) -> None:
        import redis

        client = redis.Redis.from_url(BROKER, socket_timeout=5)
        client.flushdb()
        client.close()

    def django(self) -> None:
        os.environ.update(self.env)
        import django

        django.setup()

    def start_worker(self) -> None:
        log = self.worker_log.open("w", encoding="utf-8")
        self.worker = subprocess.Popen(
            [CELERY, "-A", "config", "worker", "-l", "WARNING", "--pool=solo", "-n", WORKER_NAME],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        from config.celery import app

        def ready() -> bool:
            if self.worker is not None and self.worker.poll() is not None:
                raise RuntimeError(f"worker exited with {self.worker.returncode}:\n{tail(self.worker_log.read_text())}")
            return bool(app.control.ping(timeout=1.0))

        _, seconds = wait_for("celery worker start", ready, timeout=120, interval=0.5)
        self.report.add("setup", "worker ready (celery --pool=solo)", f"{seconds:.1f} s")

    def start_web(self) -> Api:
        """gunicorn with the project's config and one worker when installed, else runserver."""
        port = free_port()
        log = self.web_log.open("w", encoding="utf-8")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if gunicorn.exists() and (ROOT / "config" / "gunicorn.conf.py").exists():
            cmd = [str(gunicorn), "-c", "config/gunicorn.conf.py", "config.wsgi"]
            self.web_kind = "gunicorn, 1 worker"
        else:
            cmd = [PY, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
            self.web_kind = "runserver --noreload"
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
        self.web = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        api = Api(f"http://127.0.0.1:{port}")

        def up() -> bool:
            if self.web is not None and self.web.poll() is not None:
                raise RuntimeError(f"web server exited with {self.web.returncode}:\n{tail(self.web_log.read_text())}")
            with contextlib.suppress(OSError):
                status, _, _ = api.call("GET", "/api/v1/me/", timeout=5)
                return status in (401, 403)
            return False

        _, seconds = wait_for("web server start", up, timeout=120, interval=0.3)
        self.report.add("setup", f"web server ready ({self.web_kind})", f"{seconds:.1f} s")
        return api

    def login_for(self, external_id: str, email: str) -> int:
        """A user with a membership in the imported organisation `external_id`; returns the organisation's pk."""
        from accounts.models import Membership, Organisation, User

        organisation = Organisation.objects.get(external_id=external_id)
        user = User.objects.create_user(email=email, password=PASSWORD, full_name="ベンチ 太郎")
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.OWNER)
        return int(organisation.pk)

    # ----------------------------------------------------------------- steps

    def step_imports(self, profiles: Path, queries: Path, n_profiles: int, n_queries: int) -> None:
        from matching.models import IndexVersion, RefreshJob

        r = self.report
        worker_cpu = cpu_seconds(self.worker_pid())
        cmd = [PY, "manage.py", "import_profiles", str(profiles)]
        run = run_command(cmd, self.env, timeout=self.args.timeout, log=OUT / "import_profiles.log")
        if run.returncode != 0:
            raise RuntimeError(f"import_profiles exited with {run.returncode}:\n{tail(run.stderr)}")
        r.add("3 import", "import_profiles (command wall / CPU time)", f"{run.seconds:.1f} s / {run.cpu:.1f} s")
        r.add("3 import", "import_profiles rows/s", f"{n_profiles / run.seconds:,.0f} ({n_profiles:,} rows)")
        r.add("3 import", "import_profiles peak RSS", mib(run.peak_kib))

        def builds_done() -> list[IndexVersion] | None:
            rows = list(IndexVersion.objects.order_by("pk"))
            kinds = {v.kind for v in rows}
            if {"sme", "expert", "buyer"} <= kinds and all(v.state in ("done", "failed") for v in rows):
                return rows
            return None

        versions, waited = self.wait("index builds after import", builds_done, timeout=self.args.timeout)
        r.add("3 import", "index builds done after the command", f"{waited:.1f} s")
        r.add("3 import", "  worker CPU time for the builds", f"{cpu_seconds(self.worker_pid()) - worker_cpu:.1f} s")
        r.add("3 import", "profiles imported → all indexes active", f"{run.seconds + waited:.1f} s")
        for v in versions:
            if v.state != "done":
                r.problem(f"index build {v.kind} FAILED: {v.error[:300]}\n{tail(self.worker_log.read_text())}")
                continue
            r.add(
                "3 index",
                f"index {v.kind}: build time (worker)",
                f"{v.build_seconds:.1f} s, {v.rows:,} rows, {v.size_bytes / 2**20:,.0f} MiB",
            )

        worker_cpu = cpu_seconds(self.worker_pid())
        cmd = [PY, "manage.py", "import_queries", str(queries)]
        run = run_command(cmd, self.env, timeout=self.args.timeout, log=OUT / "import_queries.log")
        if run.returncode != 0:
            raise RuntimeError(f"import_queries exited with {run.returncode}:\n{tail(run.stderr)}")
        r.add("3 import", "import_queries (command wall / CPU time)", f"{run.seconds:.1f} s / {run.cpu:.1f} s")
        r.add("3 import", "import_queries rows/s", f"{n_queries / run.seconds:,.0f} ({n_queries:,} rows)")
        r.add("3 import", "import_queries peak RSS", mib(run.peak_kib))

        def refreshes_done() -> list[RefreshJob] | None:
            rows = list(RefreshJob.objects.order_by("pk"))
            if rows and all(j.state in ("done", "failed") for j in rows):
                return rows
            return None

        jobs, waited = self.wait("market re-rank after query import", refreshes_done, timeout=self.args.timeout)
        r.add("3 import", "market re-ranks done after the command", f"{waited:.1f} s")
        r.add("3 import", "  worker CPU time for the re-ranks", f"{cpu_seconds(self.worker_pid()) - worker_cpu:.1f} s")
        for job in jobs:
            if job.state != "done":
                r.problem(
                    f"market re-rank {job.kind}→{job.target} FAILED: {job.error[:300]}\n"
                    f"{tail(self.worker_log.read_text())}"
                )
                continue
            assert job.started_at is not None and job.finished_at is not None
            run_s = (job.finished_at - job.started_at).total_seconds()
            r.add(
                "3 re-rank",
                f"market re-rank {job.kind}→{job.target} (worker)",
                f"{run_s:.1f} s, {job.queries:,} queries, {job.recommendations:,} recommendations",
            )

    def wait_recommendations(
        self, api: Api, token: str, opp_id: int, started: float, *, want: int | None = None
    ) -> tuple[float, dict[str, Any], list[dict[str, Any]]]:
        """Seconds from `started` until the opportunity is ready and its recommendations are readable.

        With `want` (an organisation pk), until that organisation is among them.
        """
        detail: dict[str, Any] = {}
        results: list[dict[str, Any]] = []
        deadline = started + self.args.wait

        while time.monotonic() < deadline:
            self.raise_on_worker_error()
            status, payload, _ = api.call("GET", f"/api/v1/opportunities/{opp_id}/", token=token)
            if status == 429:
                self.report.problem(f"GET opportunity {opp_id}: throttled (HTTP 429) while polling")
                time.sleep(1)
                continue
            if status != 200:
                raise RuntimeError(f"GET opportunity {opp_id}: HTTP {status} {payload!r}")
            detail = payload
            if detail["recommendations_status"] == "failed":
                raise RuntimeError(
                    f"opportunity {opp_id}: recommendations_status failed\n{tail(self.worker_log.read_text())}"
                )
            if detail["recommendations_status"] == "ready":
                status, payload, _ = api.call("GET", f"/api/v1/opportunities/{opp_id}/recommendations/", token=token)
                if status != 200:
                    raise RuntimeError(f"GET recommendations {opp_id}: HTTP {status} {payload!r}")
                results = payload["results"]
                if results and (want is None or any(c["candidate"]["id"] == want for c in results)):
                    return time.monotonic() - started, detail, results
            time.sleep(0.1)
        raise TimeoutError(
            f"opportunity {opp_id}: recommendations not readable after {self.args.wait:.0f} s "
            f"(status {detail.get('recommendations_status')!r}, {len(results)} results)"
        )

    def step_posts(self, api: Api, token: str) -> None:
        r = self.report
        rng = random.Random(self.args.seed + 1)
        # Warm the web process's URLconf and auth path with a read; the first POST stays cold on purpose
        # (it is what the first user after a deploy sees) and is reported on its own.
        api.call("GET", "/api/v1/opportunities/?page_size=1", token=token)
        records: list[dict[str, Any]] = []
        for _ in range(self.args.posts):
            body = {**opportunity_body(rng), "status": "open"}
            started = time.monotonic()
            status, payload, ms = api.call("POST", "/api/v1/opportunities/", token=token, body=body)
            if status != 201:
                raise RuntimeError(f"POST /api/v1/opportunities/: HTTP {status} {payload!r}")
            seconds, detail, results = self.wait_recommendations(api, token, payload["id"], started)
            created = dt.datetime.fromisoformat(detail["created_at"])
            at = dt.datetime.fromisoformat(detail["recommendations_at"])
            records.append(
                {
                    "id": payload["id"],
                    "post_ms": round(ms, 1),
                    "readable_s": round(seconds, 3),
                    "ranked_s": round((at - created).total_seconds(), 3),
                    "recommendations": len(results),
                }
            )
        (OUT / "posts.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
        posts = [x["post_ms"] for x in records]
        ready = [x["readable_s"] for x in records]
        ranked = [x["ranked_s"] for x in records]
        n = len(records)
        p95 = percentile(posts, 95)
        r.add(
            "4 API",
            f"POST /api/v1/opportunities/ latency p50 / p95 (n={n})",
            f"{percentile(posts, 50):.0f} / {p95:.0f} ms",
            f"≤ 300 ms ({verdict(p95, 300)})",
        )
        r.add("4 API", "  first POST (cold web process) / max", f"{posts[0]:.0f} / {max(posts):.0f} ms")
        p95 = percentile(ready, 95)
        r.add(
            "4 API",
            f"POST → recommendations readable p50 / p95 (n={n})",
            f"{percentile(ready, 50):.2f} / {p95:.2f} s",
            f"≤ 5 s ({verdict(p95, 5)})",
        )
        r.add(
            "4 API",
            "  of which saved → ranked (recommendations_at − created_at) p50 / p95",
            f"{percentile(ranked, 50):.2f} / {percentile(ranked, 95):.2f} s",
        )
        r.add("4 API", "  first POST → readable (worker loads the index) / max", f"{ready[0]:.2f} / {max(ready):.2f} s")
        counts = [x["recommendations"] for x in records]
        r.add(
            "4 API",
            "recommendations per opportunity (min / median)",
            f"{min(counts)} / {statistics.median(counts):.0f}",
        )

    def step_profile_edit(self, api: Api, buyer_token: str, sme_token: str, sme_pk: int) -> None:
        r = self.report
        distinctive = (
            "当社はチタン合金製マイクロ流路チップの極低温プラズマ接合と、カテーテル用の超微細レーザー穴あけを"
            "専門とする工房です。ISO13485に準拠したクリーンルームで医療機器メーカーの試作を支えています。"
        )
        started = time.monotonic()
        status, payload, patch_ms = api.call(
            "PATCH",
            "/api/v1/organisation/",
            token=sme_token,
            body={
                "description": distinctive,
                "sectors": ["medical_devices"],
                "capabilities": ["precision_machining", "cleanroom_assembly"],
            },
        )
        if status != 200:
            raise RuntimeError(f"PATCH /api/v1/organisation/: HTTP {status} {payload!r}")
        r.add("5 edit", "PATCH /api/v1/organisation/ latency", f"{patch_ms:.0f} ms")
        opportunity = {
            "title": "マイクロ流路チップの極低温プラズマ接合 協力会社募集",
            "description": "医療機器向けに、チタン合金製マイクロ流路チップの極低温プラズマ接合と"
            "超微細レーザー穴あけをお願いできる協力会社を探しています。",
            "sectors": ["medical_devices"],
            "required_capabilities": ["precision_machining"],
            "status": "open",
        }
        status, payload, _ = api.call("POST", "/api/v1/opportunities/", token=buyer_token, body=opportunity)
        if status != 201:
            raise RuntimeError(f"POST /api/v1/opportunities/: HTTP {status} {payload!r}")
        try:
            seconds, _, results = self.wait_recommendations(api, buyer_token, payload["id"], started, want=sme_pk)
        except TimeoutError as exc:
            _, recs, _ = api.call("GET", f"/api/v1/opportunities/{payload['id']}/recommendations/", token=buyer_token)
            shown = [(c["rank"], c["candidate"]["id"]) for c in (recs or {}).get("results", [])]
            r.add("5 edit", "profile edit → SME recommended for a matching opportunity", "not seen", "≤ 60 s (MISSED)")
            r.problem(f"edited SME (org {sme_pk}) never recommended: {exc}; shown (rank, org): {shown}")
            return
        rank = next(c["rank"] for c in results if c["candidate"]["id"] == sme_pk)
        r.add(
            "5 edit",
            "profile edit → SME recommended for a matching opportunity",
            f"{seconds:.2f} s (rank {rank})",
            f"≤ 60 s ({verdict(seconds, 60)})",
        )

    def step_market(self) -> None:
        from matching.models import IndexVersion, RefreshJob

        r = self.report
        before = IndexVersion.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        worker_cpu = cpu_seconds(self.worker_pid())
        code = (
            "from matching.services.scheduling import refresh_schedule; "
            "print(refresh_schedule(kind='opportunity', target='sme', reason='bench-platform').pk)"
        )
        run = run_command([PY, "manage.py", "shell", "-c", code], self.env, timeout=300, log=OUT / "refresh.log")
        if run.returncode != 0:
            raise RuntimeError(f"manage.py shell (refresh_schedule) exited with {run.returncode}:\n{tail(run.stderr)}")
        job_id = int(run.stdout.strip().splitlines()[-1])

        def finished() -> RefreshJob | None:
            job = RefreshJob.objects.get(pk=job_id)
            return job if job.state in ("done", "failed") else None

        job, _ = self.wait("market re-rank opportunity→sme", finished, timeout=self.args.timeout)
        if job.state != "done":
            r.problem(f"market re-rank opportunity→sme FAILED: {job.error[:300]}\n{tail(self.worker_log.read_text())}")
            return
        assert job.started_at is not None and job.finished_at is not None
        total = (job.finished_at - job.created_at).total_seconds()
        running = (job.finished_at - job.started_at).total_seconds()
        r.add("6 re-rank", "market re-rank opportunity→sme: requested → DONE", f"{total:.1f} s")
        r.add("6 re-rank", "  worker CPU time", f"{cpu_seconds(self.worker_pid()) - worker_cpu:.1f} s")
        r.add(
            "6 re-rank",
            "  run time in the worker",
            f"{running:.1f} s, {job.queries:,} queries, {job.recommendations:,} recommendations",
        )
        for v in IndexVersion.objects.filter(pk__gt=before).order_by("pk"):
            r.add(
                "6 re-rank", f"  includes index rebuild ({v.reason})", f"{v.build_seconds or 0:.1f} s, {v.rows:,} rows"
            )

    def worker_pid(self) -> int | None:
        return self.worker.pid if self.worker is not None and self.worker.poll() is None else None

    def web_pid(self) -> int | None:
        """The process serving requests: gunicorn's worker (the master's child), or runserver itself."""
        if self.web is None or self.web.poll() is not None:
            return None
        children: list[int] = []
        for task in Path(f"/proc/{self.web.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                children += [int(x) for x in (task / "children").read_text().split()]
        return children[0] if children else self.web.pid

    def step_memory(self) -> None:
        for name, pid in (("worker", self.worker_pid()), ("web", self.web_pid())):
            if pid is None:
                self.report.add("7 memory", f"{name} peak RSS (VmHWM)", "n/a (not running)")
                continue
            status = proc_status(pid)
            self.report.add(
                "7 memory",
                f"{name} process peak RSS (VmHWM) / RSS now",
                f"{mib(status.get('VmHWM'))} / {mib(status.get('VmRSS'))}",
            )

    # ----------------------------------------------------------------- driver

    def run(self) -> int:
        a = self.args
        OUT.mkdir(parents=True, exist_ok=True)
        for sub in ("index", "models", "media"):
            shutil.rmtree(OUT / sub, ignore_errors=True)
        data = OUT / "data"
        data.mkdir(exist_ok=True)
        load_start, started_at = load_average(), dt.datetime.now()
        status = 1
        try:
            started = time.monotonic()
            profiles, queries, n_profiles, n_queries = generate(a, data)
            self.report.add(
                "2 data",
                "generate interchange files",
                f"{time.monotonic() - started:.1f} s ({n_profiles:,} profiles, {n_queries:,} queries)",
            )
            self.fresh_database()
            self.flush_broker()
            run = run_command([PY, "manage.py", "migrate", "--noinput"], self.env, timeout=600, log=OUT / "migrate.log")
            if run.returncode != 0:
                raise RuntimeError(f"migrate exited with {run.returncode}:\n{tail(run.stderr)}")
            self.report.add("1 setup", "fresh database + migrate", f"{run.seconds:.1f} s")
            self.django()
            self.start_worker()
            self.step_imports(profiles, queries, n_profiles, n_queries)
            self.database_size()
            api = self.start_web()
            buyer_email, sme_email = "buyer@bench.tsunagu.jp", "sme@bench.tsunagu.jp"
            self.login_for("buyer-0000", buyer_email)
            sme_pk = self.login_for(f"sme-{a.smes // 2:07d}", sme_email)
            buyer_token, sme_token = api.token(buyer_email), api.token(sme_email)
            self.step_posts(api, buyer_token)
            self.step_profile_edit(api, buyer_token, sme_token, sme_pk)
            self.step_market()
            self.step_memory()
            status = 0
        except (Exception, KeyboardInterrupt) as exc:  # report what broke, with the figures measured so far
            self.report.problem(f"benchmark stopped: {exc}\n{tail(traceback.format_exc(), 12)}")
            with contextlib.suppress(Exception):
                self.step_memory()
        finally:
            stop(self.web, grace=10)
            stop(self.worker, grace=30)
        problems = self.scan_logs()
        for problem in problems:
            self.report.problem(problem)
        header = (
            f"# Platform benchmark: {a.smes:,} SMEs, {a.experts:,} experts, {a.buyers:,} buyers, "
            f"{a.queries:,} open queries\n\n"
            f"{started_at:%Y-%m-%d %H:%M}, {os.cpu_count()} cores, PostgreSQL (database {a.db}), "
            f"one Celery worker (--pool=solo) on Redis db 15, the API served by {self.web_kind or 'the web server'}; "
            f"times are wall clock. Command: `python -m bench.platform {' '.join(sys.argv[1:])}`. "
            f"Load average (1/5/15 min) at the start {load_start}, at the end {load_average()}: "
            "other work on the machine inflates wall times; CPU times do not depend on it as much."
        )
        text = self.report.markdown(header)
        (OUT / "RESULTS.md").write_text(text, encoding="utf-8")
        print()
        print(text)
        return status

    def database_size(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            (size,) = cursor.fetchone()
        index_bytes = sum(f.stat().st_size for f in (OUT / "index").rglob("*") if f.is_file())
        self.report.add(
            "3 import", "database size / index directory", f"{size / 2**20:,.0f} MiB / {index_bytes / 2**20:,.0f} MiB"
        )

    def scan_logs(self) -> list[str]:
        """Tracebacks and errors the worker or the web server logged."""
        found = []
        for name, log in (("worker", self.worker_log), ("web server", self.web_log)):
            if not log.exists():
                continue
            text = log.read_text(encoding="utf-8", errors="replace")
            if "Traceback" in text:
                start = text.index("Traceback")
                excerpt = "\n".join(text[start:].splitlines()[:30])
                found.append(f"the {name} logged a traceback (see {log.relative_to(ROOT)})\n{excerpt}")
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.platform", description=__doc__.splitlines()[0])
    parser.add_argument("--smes", type=int, default=100_000)
    parser.add_argument("--experts", type=int, default=1_000)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--queries", type=int, default=10_000, help="open needs + opportunities imported")
    parser.add_argument("--posts", type=int, default=20, help="opportunities POSTed through the API")
    parser.add_argument("--db", default="tsunagu_bench", help="PostgreSQL database (dropped and recreated)")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=3600, help="limit of each import / build / re-rank wait (s)")
    parser.add_argument("--wait", type=float, default=120, help="limit of each wait for recommendations (s)")
    args = parser.parse_args(argv)
    if min(args.smes, args.experts, args.buyers, args.posts) < 1 or args.queries < 0:
        parser.error("--smes, --experts, --buyers and --posts must be at least 1")
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
