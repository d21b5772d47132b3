"""Server time and query counts of every page on the demo data.

    python -m bench.web [--repeat 5]

Builds a fresh SQLite database in a temporary directory, loads the demo
market (with its recommendations), logs in as each persona and requests
every main page several times through Django's test client: the figures are
server time (view + templates + queries), without network or browser.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 - the published demo password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget-ms", type=float, default=300.0)
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="tsunagu-bench-web-")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("load_demo", verbosity=0)
    print(f"demo data loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    from accounts.models import Organisation
    from matching.models import Introduction
    from opportunities.models import Need, Opportunity

    sme = Organisation.objects.get(memberships__user__email="sme@demo.tsunagu.jp")
    buyer = Organisation.objects.get(memberships__user__email="buyer@demo.tsunagu.jp")
    need = Need.objects.filter(organisation=sme).first()
    opportunity = Opportunity.objects.filter(organisation=buyer).first()
    pages: dict[str, list[str]] = {
        "sme@demo.tsunagu.jp": [
            "/",
            "/needs/",
            "/needs/new/",
            "/organisation/",
            "/organisation/members/",
            "/introductions/",
        ],
        "buyer@demo.tsunagu.jp": ["/", "/opportunities/", "/opportunities/new/", "/organisation/"],
        "expert@demo.tsunagu.jp": ["/", "/expert/profile/", "/introductions/"],
        "bureau@demo.tsunagu.jp": ["/", "/bureau/", "/bureau/vetting/", "/bureau/export.csv?section=funnel"],
    }
    if need is not None:
        pages["sme@demo.tsunagu.jp"] += [f"/needs/{need.pk}/", f"/needs/{need.pk}/edit/"]
    if opportunity is not None:
        pages["buyer@demo.tsunagu.jp"] += [
            f"/opportunities/{opportunity.pk}/",
            f"/opportunities/{opportunity.pk}/edit/",
        ]
    introduction = Introduction.objects.first()
    if introduction is not None:
        pages["sme@demo.tsunagu.jp"].append(f"/introductions/{introduction.pk}/")

    rows: list[tuple[str, str, int, float, float, int]] = []
    for email, urls in pages.items():
        client = Client()
        assert client.login(username=email, password=DEMO_PASSWORD), email
        for url in urls:
            timings: list[float] = []
            queries = 0
            status = 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - t0) * 1000)
                queries = len(captured.captured_queries)
                status = response.status_code
            rows.append((email.split("@")[0], url, status, statistics.median(timings), max(timings), queries))

    rows.sort(key=lambda r: -r[3])
    print(f"{'persona':<8} {'page':<44} {'status':>6} {'p50 ms':>8} {'max ms':>8} {'queries':>8}")
    for persona, url, status, p50, worst, queries in rows:
        flag = "  > budget" if p50 > args.budget_ms else ""
        print(f"{persona:<8} {url:<44} {status:>6} {p50:>8.1f} {worst:>8.1f} {queries:>8}{flag}")
    over = [r for r in rows if r[3] > args.budget_ms]
    print(
        f"\n{len(rows)} pages, slowest p50 {rows[0][3]:.1f} ms ({rows[0][1]}), {len(over)} over {args.budget_ms:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
