"""Outcome follow-ups and programme KPIs: horizons, answers, reminders, the KPI figures against targets."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from core.exceptions import ApplicationError, NotFound, PermissionDenied
from core.models import AuditEvent
from matching.models import Notification
from programmes import kpis
from programmes.catalogue import catalogue_rows
from programmes.models import FollowUp, Programme
from tests.factories import (
    FollowUpFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def seeded(code: str) -> Programme:
    row = next(r for r in catalogue_rows() if r["code"] == code)
    return ProgrammeFactory(code=code, name_ja=row["name_ja"], kpis=row["kpis"])  # type: ignore[no-any-return]


def answered(
    programme: Programme, *, before: int | None, after: int | None, prefecture: str = "04", **extra: Any
) -> FollowUp:
    horizon = next(r.horizon_years for r in kpis.rules_for(programme))
    participation = ParticipationFactory(
        programme=programme,
        organisation=OrganisationFactory(prefecture=prefecture),
        ended_on=timezone.localdate() - dt.timedelta(days=365 * horizon + 10),
        value_added_jpy=before,
        labour_productivity_jpy=before,
    )
    return FollowUpFactory(  # type: ignore[no-any-return]
        participation=participation,
        horizon_years=horizon,
        answered_at=timezone.now(),
        value_added_jpy=after,
        labour_productivity_jpy=after,
        **extra,
    )


@pytest.mark.parametrize(
    ("code", "horizons"),
    [("monozukuri", [3, 5]), ("jizokuka", [1]), ("it_donyu", [3]), ("shokei_hikitsugi", [5]), ("gotech", [5])],
)
def test_recording_a_participation_creates_the_follow_ups_its_kpis_need(
    code: str, horizons: list[int], sme: Organisation, owner: User
) -> None:
    ended = dt.date(2024, 2, 29)
    participation = kpis.participation_record(
        actor=owner, organisation=sme, programme=seeded(code), ended_on=ended, value_added_jpy=10_000_000
    )
    follow_ups = list(participation.follow_ups.order_by("horizon_years"))
    assert [f.horizon_years for f in follow_ups] == horizons
    assert follow_ups[0].due_on == dt.date(2024 + horizons[0], 2, 28)  # a leap day falls back to the 28th
    assert participation.value_added_jpy == 10_000_000


def test_only_the_sme_or_its_bureau_records_a_participation(sme: Organisation, outsider: User) -> None:
    programme = seeded("jizokuka")
    with pytest.raises(PermissionDenied):
        kpis.participation_record(actor=outsider, organisation=sme, programme=programme, ended_on=dt.date(2025, 3, 31))
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    chief = MembershipFactory(organisation=bureau, role=Membership.Role.OWNER).user
    assert kpis.participation_record(actor=chief, organisation=sme, programme=programme, ended_on=dt.date(2025, 3, 31))
    kanto = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="13", corporate_number=None)
    far = MembershipFactory(organisation=kanto, role=Membership.Role.OWNER).user
    with pytest.raises(PermissionDenied):
        kpis.participation_record(actor=far, organisation=sme, programme=programme, ended_on=dt.date(2024, 3, 31))
    with pytest.raises(ApplicationError):  # a programme without follow-up KPIs
        kpis.participation_record(
            actor=chief, organisation=sme, programme=ProgrammeFactory(kpis=[]), ended_on=dt.date(2025, 3, 31)
        )


_projects = itertools.count()


def _due_follow_up(sme: Organisation, code: str = "monozukuri", days_ago: int = 0) -> FollowUp:
    ended_on = timezone.localdate() - dt.timedelta(days=3 * 366 + next(_projects))  # one project each
    participation = ParticipationFactory(organisation=sme, programme=seeded(code), ended_on=ended_on)
    return FollowUpFactory(  # type: ignore[no-any-return]
        participation=participation, horizon_years=3, due_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )


def test_a_member_answers_and_corrects_within_30_days_audited(sme: Organisation, owner: User) -> None:
    follow_up = _due_follow_up(sme)
    kpis.follow_up_answer(actor=owner, follow_up=follow_up, value_added_jpy=110_000_000)
    follow_up.refresh_from_db()
    assert follow_up.answered_at is not None and follow_up.answered_by == owner
    assert follow_up.value_added_jpy == 110_000_000
    kpis.follow_up_answer(actor=owner, follow_up=follow_up, value_added_jpy=111_000_000)
    actions = list(AuditEvent.objects.filter(object_id=str(follow_up.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["follow_up.answer", "follow_up.correct"]
    later = follow_up.answered_at + dt.timedelta(days=31)
    with pytest.raises(ApplicationError) as exc:
        kpis.follow_up_answer(actor=owner, follow_up=follow_up, now=later, value_added_jpy=1)
    assert exc.value.extra["code"] == "closed"


def test_answers_are_validated(sme: Organisation, owner: User, outsider: User) -> None:
    follow_up = _due_follow_up(sme)
    with pytest.raises(NotFound):
        kpis.follow_up_answer(actor=outsider, follow_up=follow_up, value_added_jpy=1)
    with pytest.raises(ApplicationError):
        kpis.follow_up_answer(actor=owner, follow_up=follow_up, value_added_jpy=-1)
    with pytest.raises(ApplicationError) as exc:  # the 3-year ものづくり KPI needs value added
        kpis.follow_up_answer(actor=owner, follow_up=follow_up, payroll_jpy=1)
    assert "value_added_jpy" in exc.value.extra["fields"]
    early = _due_follow_up(sme, days_ago=-31)
    with pytest.raises(ApplicationError) as exc:
        kpis.follow_up_answer(actor=owner, follow_up=early, value_added_jpy=1)
    assert exc.value.extra["code"] == "too_early"
    opened = _due_follow_up(sme, days_ago=-30)
    assert kpis.follow_up_answer(actor=owner, follow_up=opened, value_added_jpy=1).answered_at is not None


def test_reminders_go_once_every_14_days_and_not_for_answered_ones(
    sme: Organisation, owner: User, teammate: User
) -> None:
    due = _due_follow_up(sme, days_ago=1)
    answered_one = _due_follow_up(sme, days_ago=1)
    FollowUp.objects.filter(pk=answered_one.pk).update(answered_at=timezone.now())
    _due_follow_up(sme, days_ago=-20)  # not due yet
    now = timezone.now()
    assert kpis.follow_ups_remind(now=now) == 1
    assert Notification.objects.filter(kind="follow_up_reminder").count() == 2  # both members
    assert set(Notification.objects.values_list("url", flat=True)) == {f"/follow-ups/{due.pk}/"}
    assert kpis.follow_ups_remind(now=now + dt.timedelta(days=13)) == 0
    assert kpis.follow_ups_remind(now=now + dt.timedelta(days=15)) == 1
    assert Notification.objects.filter(kind="follow_up_reminder").count() == 4
    due.refresh_from_db()
    assert due.reminded_at == now + dt.timedelta(days=15)


def test_the_task_calls_the_service(sme: Organisation, owner: User) -> None:
    from programmes.tasks import follow_ups_remind

    _due_follow_up(sme, days_ago=1)
    assert follow_ups_remind.delay().get() == 1


def test_the_beat_schedule_reminds_daily() -> None:
    from config.celery import app

    assert app.conf.beat_schedule["programmes-follow-ups-remind"]["task"] == "programmes.follow_ups_remind"


def test_share_kpi_four_firms_two_reach_nine_percent_meets_fifty_percent() -> None:
    programme = seeded("monozukuri")
    answered(programme, before=100, after=109)  # +9 %: reached
    answered(programme, before=100, after=120)
    answered(programme, before=100, after=108)
    answered(programme, before=100, after=90)
    answered(programme, before=None, after=200)  # no baseline: not measurable
    FollowUpFactory(  # due, unanswered
        participation=ParticipationFactory(programme=programme), horizon_years=3, due_on=timezone.localdate()
    )
    row = kpis.programme_kpis(programme=programme)[0]
    assert (row.due, row.answered, row.achieved) == (6, 4, 2)
    assert row.share_percent == Decimal("50.0") and row.target_percent == Decimal(50) and row.met is True
    assert row.response_percent == Decimal("66.7")
    assert kpis.programme_kpis(programme=programme)[1].met is None  # payroll at 5 years: no answers


def test_a_bureau_target_replaces_the_seed_figure_and_another_region_sees_only_its_firms() -> None:
    programme = seeded("it_donyu")
    answered(programme, before=100, after=110, prefecture="04")
    answered(programme, before=100, after=105, prefecture="13")
    everyone = kpis.programme_kpis(programme=programme)[0]
    assert everyone.value_percent == Decimal("7.5") and everyone.met is False  # (215 - 200) / 200
    tohoku = kpis.programme_kpis(programme=programme, prefectures=["04"])[0]
    assert (tohoku.answered, tohoku.value_percent, tohoku.met) == (1, Decimal("10.0"), True)
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    chief = MembershipFactory(organisation=bureau, role=Membership.Role.OWNER).user
    kpis.kpi_target_set(actor=chief, programme=programme, kpi_index=0, target_percent=Decimal(12))
    tohoku = kpis.programme_kpis(programme=programme, prefectures=["04"], bureau=bureau)[0]
    assert tohoku.target_percent == Decimal(12) and tohoku.met is False
    assert kpis.programme_kpis(programme=programme)[0].target_percent == Decimal(9)  # the national one stays
    member = MembershipFactory(organisation=bureau, role=Membership.Role.MEMBER).user
    with pytest.raises(PermissionDenied):
        kpis.kpi_target_set(actor=member, programme=programme, kpi_index=0, target_percent=Decimal(1))
    with pytest.raises(PermissionDenied):
        kpis.kpi_target_set(actor=UserFactory(), programme=programme, kpi_index=0, target_percent=Decimal(1))


def test_flag_kpis_count_yes_answers_and_over_means_strictly_over() -> None:
    jizokuka = seeded("jizokuka")
    for flag in (True, True, True, True, False):
        answered(jizokuka, before=None, after=None, new_sales_channel=flag)
    row = kpis.programme_kpis(programme=jizokuka)[0]
    assert (row.answered, row.achieved, row.value_percent, row.met) == (5, 4, Decimal("80.0"), True)
    gotech = seeded("gotech")
    for flag in (True, False):
        answered(gotech, before=None, after=None, commercialised=flag)
    rows = kpis.programme_kpis(programme=gotech)
    assert rows[0].rule is None  # R&D achievement at the project's end: not a follow-up
    assert rows[1].value_percent == Decimal("50.0") and rows[1].met is False  # 50%超
