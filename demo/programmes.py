"""Demo programmes: the shipped catalogue, demo application rounds, and paid support in progress.

The catalogue's figures come from the seeds; what is made up for the demo
says so in its name (（デモ）): the rounds' dates and one hourly dispatch
scheme modelled on the デジタル化応援隊 figures (that scheme itself ended in
2021 and is shipped inactive).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.models import ExpertProfile, Organisation
from accounts.scope import prefecture_region, region_prefectures
from matching.models import Introduction, IntroductionEvent
from opportunities.models import Need
from programmes.catalogue import catalogue_rows
from programmes.models import FollowUp, PaidEngagement, Participation, Programme, Round, WorkLogEntry
from programmes.services import programmes_load

DEMO_ROUNDS = {"monozukuri": 45, "jizokuka": 20, "it_donyu": 75, "gotech": 110, "shokei_hikitsugi": 60}
DEMO_DISPATCH = "demo_dispatch"
# The schemes that send experts keep a roster (登録専門家); the demo fills it with experts whose
# skills fit the scheme and, for a prefecture's scheme, who serve that prefecture.
DEMO_ROSTERS = (DEMO_DISPATCH, "aomori_expert_dispatch", "aomori_saikouchiku_expert")
ROSTER_SIZE = 8


def demo_programmes_load(*, sme: Organisation, expert: ExpertProfile) -> PaidEngagement:
    today = timezone.localdate()
    programmes_load(rows=catalogue_rows())
    for code, days in DEMO_ROUNDS.items():
        programme = Programme.objects.filter(code=code).first()
        if programme is not None:
            Round.objects.get_or_create(
                programme=programme,
                name="（デモ）第1回公募",
                defaults={"opens_on": today - dt.timedelta(days=30), "closes_on": today + dt.timedelta(days=days)},
            )
    source = Programme.objects.get(code="digital_ouentai")
    dispatch, _created = Programme.objects.update_or_create(
        code=DEMO_DISPATCH,
        defaults={
            "name_ja": "（デモ）専門家派遣・時間制支援",
            "name_en": "(demo) Hourly expert dispatch",
            "owner": Programme.Owner.METI,
            "purpose_ja": (
                "デモ用の制度。デジタル化応援隊（2020–21年度、終了）の単価・上限に準じ、"
                "専門家の支援を時間単位で支払う。"
            ),
            "hourly_rate_jpy": source.hourly_rate_jpy,
            "copay_per_hour_jpy": source.copay_per_hour_jpy,
            "cap_per_firm_jpy": source.cap_per_firm_jpy,
            "cap_per_expert_jpy": source.cap_per_expert_jpy,
            "visit_cap_per_firm": 5,
            "budget_jpy": 10_000_000,
            "sources": {**source.sources, "budget_jpy": "demo", "visit_cap_per_firm": "demo"},
        },
    )
    engagement = _paid_support(dispatch, sme=sme, expert=expert, today=today)
    _rosters(fallback_categories=source.need_categories)
    _follow_ups(sme=sme, today=today)
    return engagement


# (programme, growth in % or a yes/no answer) of other demo SMEs' answered follow-ups: made up for the demo.
DEMO_OUTCOMES: tuple[tuple[str, int | bool], ...] = (
    ("monozukuri", 12),
    ("monozukuri", 9),
    ("monozukuri", 4),
    ("monozukuri", 15),
    ("monozukuri", -3),
    ("monozukuri", 10),
    ("jizokuka", True),
    ("jizokuka", True),
    ("jizokuka", False),
    ("jizokuka", True),
    ("it_donyu", 11),
    ("it_donyu", 6),
    ("it_donyu", 8),
)


def _follow_ups(*, sme: Organisation, today: dt.date) -> None:
    """Outcome follow-ups: one due for the demo SME, answered ones from other SMEs for the bureau's KPI page."""
    from programmes.kpis import horizons_for

    def participation(org: Organisation, code: str, years: int, baseline: int) -> Participation | None:
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            return None
        ended_on = today - dt.timedelta(days=365 * years + 3)
        record, created = Participation.objects.get_or_create(
            organisation=org,
            programme=programme,
            ended_on=ended_on,
            defaults={
                "value_added_jpy": baseline,
                "payroll_jpy": baseline // 2,
                "labour_productivity_jpy": baseline // 10,
            },
        )
        if created:
            FollowUp.objects.bulk_create(
                FollowUp(participation=record, horizon_years=h, due_on=ended_on.replace(year=ended_on.year + h))
                for h in horizons_for(programme)
                if h <= years  # later horizons are not due yet; the demo keeps only the ones it shows
            )
        return record

    participation(sme, "monozukuri", 3, 80_000_000)  # its 3-year follow-up is due: the persona's to-do
    # Firms in the demo bureau's jurisdiction (東北, the bureau persona is in 04) first, so its KPI page shows them.
    tohoku = region_prefectures(prefecture_region("04") or "")
    others = list(
        Organisation.objects.filter(kind=Organisation.Kind.SME, prefecture__in=tohoku).exclude(pk=sme.pk).order_by("pk")
    )
    if len(others) < len(DEMO_OUTCOMES):
        others += list(Organisation.objects.filter(kind=Organisation.Kind.SME).exclude(pk=sme.pk).order_by("pk"))
    now = timezone.now()
    for (code, outcome), org in zip(DEMO_OUTCOMES, others[: len(DEMO_OUTCOMES)], strict=False):
        years = 1 if code == "jizokuka" else 3
        baseline = 50_000_000 + 1_000_000 * (org.pk % 40)
        record = participation(org, code, years, baseline)
        if record is None:
            continue
        answers: dict[str, object] = {"answered_at": now}
        if isinstance(outcome, bool):
            answers["new_sales_channel"] = outcome
        else:
            grown = baseline * (100 + outcome) // 100
            answers.update(value_added_jpy=grown, payroll_jpy=grown // 2, labour_productivity_jpy=grown // 10)
        FollowUp.objects.filter(participation=record, horizon_years=years, answered_at__isnull=True).update(**answers)


def _rosters(*, fallback_categories: list[str]) -> None:
    """Register demo experts with the dispatch schemes; whoever a scheme already pays is on its roster."""
    for code in DEMO_ROSTERS:
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            continue
        fitting = ExpertProfile.objects.filter(
            erased_at__isnull=True, skills__code__in=programme.need_categories or fallback_categories
        )
        if programme.prefecture:
            fitting = fitting.filter(Q(regions__code=programme.prefecture) | Q(prefecture=programme.prefecture))
        chosen = list(fitting.distinct().order_by("external_id", "pk")[:ROSTER_SIZE])
        paid = ExpertProfile.objects.filter(paid_engagements__programme=programme).distinct()
        programme.registered_experts.add(*chosen, *paid)


def _paid_support(programme: Programme, *, sme: Organisation, expert: ExpertProfile, today: dt.date) -> PaidEngagement:
    """An accepted introduction of the demo SME to the demo expert, run under the dispatch scheme."""
    existing = PaidEngagement.objects.filter(organisation=sme, expert=expert).first()
    if existing is not None:
        return existing
    need = Need.objects.filter(organisation=sme, status="open").order_by("pk").first()
    assert need is not None, "the demo SME has open needs"
    introduction = Introduction.objects.filter(need=need, expert=expert).first()
    if introduction is None:
        introduction = Introduction(need=need, expert=expert)
        introduction.fill_keys()
    introduction.status = Introduction.State.ACCEPTED
    introduction.requested_at = introduction.answered_at = timezone.now() - dt.timedelta(days=20)
    introduction.save()
    for frm, to, side in (("proposed", "requested", "requester"), ("requested", "accepted", "candidate")):
        IntroductionEvent.objects.create(
            introduction=introduction, actor_side=side, from_state=frm, to_state=to, notified_at=timezone.now()
        )
    engagement = PaidEngagement.objects.create(
        programme=programme,
        organisation=sme,
        expert=expert,
        introduction=introduction,
        hourly_rate_jpy=programme.hourly_rate_jpy or 0,
        copay_per_hour_jpy=programme.copay_per_hour_jpy or 0,
    )
    work = (
        (14, "3", "現状の業務フローと紙の帳票の棚卸し", WorkLogEntry.Status.CONFIRMED),
        (9, "2.5", "在庫管理ツールの候補3件の比較と試用環境の準備", WorkLogEntry.Status.CONFIRMED),
        (2, "2", "試用結果の振り返りと導入計画の作成", WorkLogEntry.Status.SUBMITTED),
    )
    for days_ago, hours, text, status in work:
        amount = int(Decimal(hours) * engagement.hourly_rate_jpy)
        WorkLogEntry.objects.create(
            engagement=engagement,
            worked_on=today - dt.timedelta(days=days_ago),
            hours=Decimal(hours),
            description=text,
            amount_jpy=amount,
            copay_jpy=int(Decimal(hours) * engagement.copay_per_hour_jpy),
            status=status,
            decided_at=timezone.now() if status == WorkLogEntry.Status.CONFIRMED else None,
        )
    return engagement
