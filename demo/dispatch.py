"""Demo prefectural dispatch: Aomori's FY2022 (令和4年度) as seed 003 reports it, plus a few open requests.

The bureau's counts table for 青森県, fiscal year 2022, reproduces the seed:

- desk consultations 10,529 (003 L293, 総合相談窓口 相談件数; entered as twelve monthly figures —
  the monthly split is made up, the total is the seed's);
- 専門家派遣（21あおもり）: 31 firms, 81 visit days (003 L298, 派遣企業数31社（延べ81日）);
- 専門家派遣による事業計画策定支援: 28 firms, 78 visits (003 L109, 28者 78回; at most 5 per firm, L79).

Which firms, which days and which experts are made up (deterministically). Rows are bulk-inserted:
they stand for history the desk entered, so they skip the services (no applicant, no audit trail),
and the load takes a fraction of a second. Open requests of the current fiscal year give each
persona something to do: one to screen, one to assign, one assigned to the demo expert.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import ExpertProfile, Organisation
from programmes.catalogue import catalogue_rows
from programmes.models import DeskConsultationCount, DispatchRequest, DispatchVisit, Programme
from programmes.services import programmes_load

FISCAL_YEAR = 2022
PREFECTURE = "02"
ONESTOP = "aomori_expert_dispatch"  # 31 firms, 81 visit days (003 L298)
PLAN = "aomori_saikouchiku_expert"  # 28 firms, 78 visits (003 L109)
DESK_TOTAL = 10_529  # 003 L293
# A made-up monthly profile (busier before the subsidy deadlines); scaled so the year sums to DESK_TOTAL.
DESK_PROFILE = (9, 10, 10, 9, 8, 9, 9, 8, 7, 8, 8, 9)
EXTRA_FIRMS = (
    "株式会社弘前りんご加工",
    "有限会社八戸マリン精機",
    "株式会社十和田木工所",
    "有限会社五所川原ニット",
    "株式会社むつ海洋食品",
    "有限会社三沢エアテック",
    "株式会社黒石こけし工房",
    "有限会社つがる農機サービス",
)
Status = DispatchRequest.Status


def _visit_counts(firms: int, visits: int, cap: int) -> list[int]:
    """Visits per firm: every firm at least one, as even as possible, summing to `visits` (each ≤ cap)."""
    base, extra = divmod(visits, firms)
    counts = [base + (1 if i < extra else 0) for i in range(firms)]
    assert sum(counts) == visits and max(counts) <= cap
    return counts


def _firms(needed: int) -> list[Organisation]:
    """Aomori SMEs of the demo market, topped up with a few made-up ones when the market has fewer."""
    firms = list(Organisation.objects.filter(kind=Organisation.Kind.SME, prefecture=PREFECTURE).order_by("pk")[:needed])
    missing = needed - len(firms)
    if missing > 0:
        names = [
            EXTRA_FIRMS[i % len(EXTRA_FIRMS)] + (f"{i // len(EXTRA_FIRMS) + 1}" if i >= len(EXTRA_FIRMS) else "")
            for i in range(missing)
        ]
        Organisation.objects.bulk_create(
            [
                Organisation(
                    kind=Organisation.Kind.SME,
                    name=name,
                    prefecture=PREFECTURE,
                    industry="manufacturing",
                    employees=12 + 7 * i,
                    capital_jpy=10_000_000,
                    description="（デモ）専門家派遣の利用企業",
                )
                for i, name in enumerate(names)
            ]
        )
        firms = list(
            Organisation.objects.filter(kind=Organisation.Kind.SME, prefecture=PREFECTURE).order_by("pk")[:needed]
        )
    return firms


def _experts() -> list[ExpertProfile]:
    """Experts who serve Aomori (or all of Japan); one made-up adviser when the database has none."""
    experts = list(
        ExpertProfile.objects.filter(erased_at__isnull=True, prefecture=PREFECTURE).order_by("pk")[:6]
    ) or list(ExpertProfile.objects.filter(erased_at__isnull=True).order_by("pk")[:6])
    if not experts:
        experts = [
            ExpertProfile.objects.create(
                name="（デモ）青森 中小企業診断士", expert_type="sme_consultant", prefecture=PREFECTURE
            )
        ]
    return experts


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _history(
    programme: Programme, firms: list[Organisation], visits: int, experts: list[ExpertProfile], offset: int
) -> tuple[list[DispatchRequest], list[list[dt.date]]]:
    """One reported request per firm in FY2022, with its visit days three weeks apart."""
    requests, days = [], []
    counts = _visit_counts(len(firms), visits, programme.visit_cap_per_firm or 99)
    for i, (firm, n) in enumerate(zip(firms, counts, strict=True)):
        applied = dt.date(FISCAL_YEAR, 4, 11) + dt.timedelta(days=(i * 9 + offset) % 240)
        first = applied + dt.timedelta(days=14)
        visit_days = [first + dt.timedelta(days=21 * k) for k in range(n)]
        expert = experts[(i + offset) % len(experts)]
        reported = visit_days[-1] + dt.timedelta(days=3)
        requests.append(
            DispatchRequest(
                programme=programme,
                organisation=firm,
                description="（デモ）事業計画の策定と新分野展開について専門家の助言を受けたい",
                status=Status.REPORTED,
                screening_reason=DispatchRequest.Reason.MEETS_REQUIREMENTS,
                screened_at=_aware(applied + dt.timedelta(days=5)),
                expert=expert,
                assigned_at=_aware(applied + dt.timedelta(days=7)),
                report="（デモ）現状分析と事業計画の骨子を作成。数値計画は企業側で継続検討。",
                reported_at=_aware(reported),
                created_at=_aware(applied),
            )
        )
        days.append(visit_days)
    return requests, days


@transaction.atomic
def demo_dispatch_load() -> dict[str, Any]:
    """Load Aomori's FY2022 dispatch history and a few open requests; does nothing when already loaded."""
    if not Programme.objects.filter(code=ONESTOP).exists():
        programmes_load(rows=[r for r in catalogue_rows() if r["code"] in (ONESTOP, PLAN)])
    onestop, plan = Programme.objects.get(code=ONESTOP), Programme.objects.get(code=PLAN)
    if DispatchRequest.objects.filter(programme__in=(onestop, plan)).exists():
        return {"loaded": False}
    firms = _firms(31)
    experts = _experts()
    requests: list[DispatchRequest] = []
    days: list[list[dt.date]] = []
    for programme, count, visits, offset in ((onestop, 31, 81, 0), (plan, 28, 78, 5)):
        made, visit_days = _history(programme, firms[:count], visits, experts, offset)
        requests += made
        days += visit_days
    # A few applications the desk rejected (they count as applications, not as dispatches).
    for i, firm in enumerate(firms[28:31]):
        requests.append(
            DispatchRequest(
                programme=plan,
                organisation=firm,
                description="（デモ）補助金の申請書の代筆をお願いしたい",
                status=Status.REJECTED,
                screening_reason=DispatchRequest.Reason.OTHER_SUPPORT_FITS,
                screening_note="（デモ）申請書の作成は企業自身で行うもの。よろず支援拠点を案内。",
                screened_at=_aware(dt.date(FISCAL_YEAR, 10, 3 + i)),
                created_at=_aware(dt.date(FISCAL_YEAR, 9, 26 + i)),
            )
        )
    created = DispatchRequest.objects.bulk_create(requests)
    DispatchVisit.objects.bulk_create(
        [
            DispatchVisit(request=request, visited_on=day, summary="（デモ）訪問による助言", created_at=_aware(day, 17))
            for request, visit_days in zip(created, days, strict=False)  # the rejected ones, last, had no visit
            for day in visit_days
        ]
    )
    scale = DESK_TOTAL / sum(DESK_PROFILE)
    monthly = [round(w * scale) for w in DESK_PROFILE]
    monthly[-1] += DESK_TOTAL - sum(monthly)
    DeskConsultationCount.objects.bulk_create(
        [
            DeskConsultationCount(
                prefecture=PREFECTURE,
                month=dt.date(FISCAL_YEAR + (1 if m >= 9 else 0), (m + 3) % 12 + 1, 1),
                count=n,
            )
            for m, n in enumerate(monthly)
        ],
        ignore_conflicts=True,
    )
    _open_requests(onestop, plan, firms)
    return {"loaded": True, "requests": len(created), "visits": sum(len(d) for d in days)}


def _open_requests(onestop: Programme, plan: Programme, firms: list[Organisation]) -> None:
    """This fiscal year: one application to screen, one accepted to assign, one assigned to the demo expert."""
    now = timezone.now()
    demo_expert = ExpertProfile.objects.filter(external_id="expert-0001").first() or _experts()[0]
    open_rows = [
        DispatchRequest(
            programme=onestop,
            organisation=firms[0],
            description="（デモ）ECサイトでの販路開拓について相談したい",
            created_at=now - dt.timedelta(days=2),
        ),
        DispatchRequest(
            programme=onestop,
            organisation=firms[1],
            description="（デモ）生産管理のIT化について助言がほしい",
            status=Status.ACCEPTED,
            screening_reason=DispatchRequest.Reason.MEETS_REQUIREMENTS,
            screened_at=now - dt.timedelta(days=3),
            created_at=now - dt.timedelta(days=9),
        ),
        DispatchRequest(
            programme=plan,
            organisation=firms[2],
            description="（デモ）新分野展開の事業計画を一緒に作りたい",
            status=Status.ASSIGNED,
            screening_reason=DispatchRequest.Reason.MEETS_REQUIREMENTS,
            screened_at=now - dt.timedelta(days=18),
            expert=demo_expert,
            assigned_at=now - dt.timedelta(days=16),
            created_at=now - dt.timedelta(days=21),
        ),
    ]
    assigned = DispatchRequest.objects.bulk_create(open_rows)[2]
    DispatchVisit.objects.create(
        request=assigned, visited_on=timezone.localdate() - dt.timedelta(days=7), summary="（デモ）現状の聞き取り"
    )
