"""The prefectural dispatch (seed 003): apply → screen → assign → visits → report, who may do each step,
the visit cap per firm and fiscal year (also under racing submissions), and the counts per prefecture."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import ExpertProfile, Membership, Organisation, User
from accounts.scope import bureau_scope_for_user
from core.exceptions import ApplicationError, NotFound, PermissionDenied
from core.models import AuditEvent
from programmes.dispatch import (
    desk_consultations_record,
    dispatch_apply,
    dispatch_assign,
    dispatch_report,
    dispatch_screen,
    dispatch_visit_record,
    dispatch_withdraw,
)
from programmes.dispatch_selectors import (
    dispatch_counts,
    dispatch_get,
    dispatch_list_for_bureau,
    dispatch_list_for_expert,
    dispatch_list_for_sme,
    dispatch_proposals,
    visit_use,
)
from programmes.models import DispatchRequest, DispatchVisit, Programme, fiscal_year_of
from tests.factories import (
    DeskConsultationCountFactory,
    DispatchProgrammeFactory,
    DispatchRequestFactory,
    ExpertProfileFactory,
    MembershipFactory,
    NeedFactory,
    OrganisationFactory,
    UserFactory,
    recommend,
)
from tests.races import race

Status = DispatchRequest.Status
REASON = DispatchRequest.Reason
# A past fiscal year, so that six distinct visit days exist whatever today's date is.
FY = 2024
APPLIED_AT = timezone.make_aware(dt.datetime(FY, 4, 1, 9, 0))


def _day(n: int) -> dt.date:
    return dt.date(FY, 5, 1) + dt.timedelta(days=n)


def _owner_of(org: Organisation, role: str = Membership.Role.OWNER) -> User:
    return MembershipFactory(organisation=org, role=role).user


@pytest.fixture
def programme(db: None) -> Programme:
    return DispatchProgrammeFactory(code="aomori-plan", prefecture="02", visit_cap_per_firm=5)


@pytest.fixture
def firm(db: None) -> Organisation:
    return OrganisationFactory(prefecture="02", name="株式会社弘前精工")


@pytest.fixture
def officer(db: None) -> User:
    """An owner of the 東北 bureau (its jurisdiction holds 青森)."""
    return _owner_of(OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None))


@pytest.fixture
def far_officer(db: None) -> User:
    """An owner of the 九州 bureau."""
    return _owner_of(OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="40", corporate_number=None))


@pytest.fixture
def expert(db: None) -> ExpertProfile:
    return ExpertProfileFactory(user=UserFactory(), prefecture="02")


def _assigned(programme: Programme, firm: Organisation, officer: User, expert: ExpertProfile) -> DispatchRequest:
    request = dispatch_apply(
        actor=_owner_of(firm), programme=programme, organisation=firm, description="事業計画の策定支援"
    )
    DispatchRequest.objects.filter(pk=request.pk).update(created_at=APPLIED_AT)
    dispatch_screen(actor=officer, request=request, accept=True, reason=REASON.MEETS_REQUIREMENTS)
    return dispatch_assign(actor=officer, request=request, expert=expert)


def _visit(request: DispatchRequest, expert: ExpertProfile, day: int) -> DispatchVisit:
    assert expert.user is not None
    return dispatch_visit_record(actor=expert.user, request=request, visited_on=_day(day), summary="聞き取り")


@pytest.mark.django_db
class TestTheFlow:
    def test_it_runs_from_application_to_report_and_audits_each_step(
        self, programme: Programme, firm: Organisation, officer: User, expert: ExpertProfile
    ) -> None:
        member = _owner_of(firm, Membership.Role.MEMBER)
        need = NeedFactory(organisation=firm)
        request = dispatch_apply(
            actor=member, programme=programme, organisation=firm, need=need, description=" 新分野の事業計画 "
        )
        assert (request.status, request.applicant, request.description) == (Status.APPLIED, member, "新分野の事業計画")
        DispatchRequest.objects.filter(pk=request.pk).update(created_at=APPLIED_AT)
        screened = dispatch_screen(
            actor=officer, request=request, accept=True, reason=REASON.MEETS_REQUIREMENTS, note="書類確認済み"
        )
        assert (screened.status, screened.screened_by, screened.screening_note) == (
            Status.ACCEPTED,
            officer,
            "書類確認済み",
        )
        assigned = dispatch_assign(actor=officer, request=request, expert=expert)
        assert (assigned.status, assigned.expert, assigned.assigned_by) == (Status.ASSIGNED, expert, officer)
        _visit(request, expert, 0)
        dispatch_visit_record(actor=officer, request=request, visited_on=_day(7))  # the desk may record one too
        assert expert.user is not None
        with pytest.raises(ApplicationError) as same_day:
            _visit(request, expert, 7)
        assert same_day.value.extra["code"] == "same_day"
        reported = dispatch_report(actor=expert.user, request=request, report="計画書の骨子を作成。次は数値計画。")
        assert reported.status == Status.REPORTED and reported.reported_at is not None
        with pytest.raises(ApplicationError):
            _visit(request, expert, 9)  # closed
        actions = list(
            AuditEvent.objects.filter(object_type__startswith="programmes.dispatch")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "dispatch.apply",
            "dispatch.screen",
            "dispatch.assign",
            "dispatch.visit",
            "dispatch.visit",
            "dispatch.report",
        ]
        # Once closed, the firm may apply again.
        again = dispatch_apply(actor=member, programme=programme, organisation=firm, description="二回目")
        assert again.status == Status.APPLIED

    def test_a_rejection_needs_a_fitting_reason_and_other_needs_a_note(
        self, programme: Programme, firm: Organisation, officer: User
    ) -> None:
        request = dispatch_apply(actor=_owner_of(firm), programme=programme, organisation=firm, description="x")
        with pytest.raises(ApplicationError):
            dispatch_screen(actor=officer, request=request, accept=False, reason=REASON.MEETS_REQUIREMENTS)
        with pytest.raises(ApplicationError) as no_note:
            dispatch_screen(actor=officer, request=request, accept=False, reason=REASON.OTHER, note=" ")
        assert "note" in no_note.value.extra["fields"]
        rejected = dispatch_screen(actor=officer, request=request, accept=False, reason=REASON.OTHER_SUPPORT_FITS)
        assert rejected.status == Status.REJECTED and rejected.screening_reason == "other_support_fits"
        with pytest.raises(ApplicationError) as twice:
            dispatch_screen(actor=officer, request=request, accept=True, reason=REASON.MEETS_REQUIREMENTS)
        assert twice.value.extra["code"] == "screened"
        with pytest.raises(ApplicationError):
            dispatch_assign(actor=officer, request=request, expert=ExpertProfileFactory())

    def test_the_sme_withdraws_an_open_request_only(self, programme: Programme, firm: Organisation) -> None:
        owner = _owner_of(firm)
        request = dispatch_apply(actor=owner, programme=programme, organisation=firm, description="x")
        with pytest.raises(PermissionDenied):
            dispatch_withdraw(actor=UserFactory(), request=request)
        assert dispatch_withdraw(actor=owner, request=request).status == Status.WITHDRAWN
        with pytest.raises(ApplicationError):
            dispatch_withdraw(actor=owner, request=request)

    def test_an_erased_expert_cannot_be_assigned_nor_reassigned_after_a_visit(
        self, programme: Programme, firm: Organisation, officer: User, expert: ExpertProfile
    ) -> None:
        request = _assigned(programme, firm, officer, expert)
        gone = ExpertProfileFactory(erased_at=timezone.now())
        with pytest.raises(ApplicationError) as erased:
            dispatch_assign(actor=officer, request=request, expert=gone)
        assert erased.value.extra["code"] == "expert_gone"
        other = ExpertProfileFactory()
        assert dispatch_assign(actor=officer, request=request, expert=other).expert == other  # before any visit
        _visit(request, other, 0)
        with pytest.raises(ApplicationError) as visited:
            dispatch_assign(actor=officer, request=request, expert=expert)
        assert visited.value.extra["code"] == "visited"


@pytest.mark.django_db
class TestWhoMayApply:
    def test_only_members_of_the_firm_apply(self, programme: Programme, firm: Organisation) -> None:
        with pytest.raises(PermissionDenied):
            dispatch_apply(actor=UserFactory(), programme=programme, organisation=firm, description="x")

    def test_only_to_an_active_dispatch_programme_of_the_firms_prefecture(
        self, programme: Programme, firm: Organisation
    ) -> None:
        owner = _owner_of(firm)
        elsewhere = DispatchProgrammeFactory(prefecture="03")
        not_dispatch = DispatchProgrammeFactory(prefecture="02", is_dispatch=False)
        national = DispatchProgrammeFactory(prefecture="", owner=Programme.Owner.METI)
        inactive = DispatchProgrammeFactory(prefecture="02", is_active=False)
        for other in (elsewhere, not_dispatch, national, inactive):
            with pytest.raises(ApplicationError) as refused:
                dispatch_apply(actor=owner, programme=other, organisation=firm, description="x")
            assert refused.value.extra["code"] == "not_offered", other.code

    def test_a_failing_eligibility_rule_refuses(self, firm: Organisation) -> None:
        strict = DispatchProgrammeFactory(prefecture="02", eligibility=[{"kind": "size_class", "in": ["small"]}])
        with pytest.raises(ApplicationError) as refused:
            dispatch_apply(actor=_owner_of(firm), programme=strict, organisation=firm, description="x")
        assert refused.value.extra["code"] == "not_eligible"

    def test_one_open_request_per_firm_and_programme(self, programme: Programme, firm: Organisation) -> None:
        owner = _owner_of(firm)
        dispatch_apply(actor=owner, programme=programme, organisation=firm, description="x")
        with pytest.raises(ApplicationError) as twice:
            dispatch_apply(actor=owner, programme=programme, organisation=firm, description="y")
        assert twice.value.extra["code"] == "open_request"

    def test_the_need_must_be_the_firms_own(self, programme: Programme, firm: Organisation) -> None:
        with pytest.raises(ApplicationError):
            dispatch_apply(
                actor=_owner_of(firm), programme=programme, organisation=firm, description="x", need=NeedFactory()
            )


@pytest.mark.django_db
class TestWhoMayAct:
    def test_another_jurisdictions_bureau_and_plain_bureau_members_are_refused(
        self, programme: Programme, firm: Organisation, officer: User, far_officer: User, expert: ExpertProfile
    ) -> None:
        request = dispatch_apply(actor=_owner_of(firm), programme=programme, organisation=firm, description="x")
        bureau = Membership.objects.get(user=officer).organisation
        plain_member = _owner_of(bureau, Membership.Role.MEMBER)
        for actor in (far_officer, plain_member, _owner_of(firm), expert.user):
            assert actor is not None
            with pytest.raises(PermissionDenied):
                dispatch_screen(actor=actor, request=request, accept=True, reason=REASON.MEETS_REQUIREMENTS)
        dispatch_screen(actor=officer, request=request, accept=True, reason=REASON.MEETS_REQUIREMENTS)
        with pytest.raises(PermissionDenied):
            dispatch_assign(actor=far_officer, request=request, expert=expert)
        staff = UserFactory(is_staff=True)  # staff see the whole country
        assert dispatch_assign(actor=staff, request=request, expert=expert).status == Status.ASSIGNED

    def test_only_the_assigned_expert_or_the_bureau_records_visits_and_only_the_expert_reports(
        self, programme: Programme, firm: Organisation, officer: User, far_officer: User, expert: ExpertProfile
    ) -> None:
        request = _assigned(programme, firm, officer, expert)
        stranger = ExpertProfileFactory(user=UserFactory())
        for actor in (stranger.user, far_officer, _owner_of(firm)):
            assert actor is not None
            with pytest.raises(PermissionDenied):
                dispatch_visit_record(actor=actor, request=request, visited_on=_day(0))
        assert expert.user is not None and stranger.user is not None
        with pytest.raises(ApplicationError) as no_visit:
            dispatch_report(actor=expert.user, request=request, report="まだ")
        assert no_visit.value.extra["code"] == "no_visit"
        _visit(request, expert, 0)
        for actor in (stranger.user, officer):
            with pytest.raises(PermissionDenied):
                dispatch_report(actor=actor, request=request, report="報告")

    def test_selectors_show_each_persona_its_own_requests_only(
        self, programme: Programme, firm: Organisation, officer: User, far_officer: User, expert: ExpertProfile
    ) -> None:
        request = _assigned(programme, firm, officer, expert)
        owner = Membership.objects.filter(organisation=firm).first()
        assert owner is not None
        other_firm_user = _owner_of(OrganisationFactory(prefecture="02"))
        stranger = ExpertProfileFactory(user=UserFactory()).user
        assert stranger is not None and expert.user is not None
        assert list(dispatch_list_for_sme(user=owner.user)) == [request]
        assert not dispatch_list_for_sme(user=other_firm_user).exists()
        assert list(dispatch_list_for_expert(user=expert.user)) == [request]
        assert not dispatch_list_for_expert(user=stranger).exists()
        near, far = bureau_scope_for_user(user=officer), bureau_scope_for_user(user=far_officer)
        assert list(dispatch_list_for_bureau(scope=near, filters={"status": "all"})) == [request]
        assert list(dispatch_list_for_bureau(scope=near)) == [request]  # open ones by default
        assert not dispatch_list_for_bureau(scope=near, filters={"status": "reported"}).exists()
        assert not dispatch_list_for_bureau(scope=far, filters={"status": "all"}).exists()
        for user, scope in ((owner.user, None), (expert.user, None), (officer, near)):
            assert dispatch_get(user=user, request_id=request.pk, scope=scope) == request
        for user, scope in ((other_firm_user, None), (stranger, None), (far_officer, far)):
            with pytest.raises(NotFound):
                dispatch_get(user=user, request_id=request.pk, scope=scope)


@pytest.mark.django_db
class TestVisitCap:
    def test_the_sixth_visit_of_a_fiscal_year_is_refused_and_april_starts_afresh(
        self, programme: Programme, firm: Organisation, officer: User, expert: ExpertProfile
    ) -> None:
        request = _assigned(programme, firm, officer, expert)
        for day in range(5):
            _visit(request, expert, day)
        with pytest.raises(ApplicationError) as sixth:
            _visit(request, expert, 5)
        assert sixth.value.extra == {"code": "visit_cap", "cap": 5, "used": 5}
        assert request.visits.count() == 5
        assert visit_use(request=request, on=_day(0)).left == 0
        # The next fiscal year (from 1 April) has its own five visits.
        assert expert.user is not None
        dispatch_visit_record(actor=expert.user, request=request, visited_on=dt.date(FY + 1, 4, 1))
        assert visit_use(request=request, on=dt.date(FY + 1, 4, 1)).used == 1

    def test_the_cap_counts_every_request_of_the_firm_under_the_programme(
        self, programme: Programme, firm: Organisation, officer: User, expert: ExpertProfile
    ) -> None:
        first = _assigned(programme, firm, officer, expert)
        for day in range(3):
            _visit(first, expert, day)
        assert expert.user is not None
        dispatch_report(actor=expert.user, request=first, report="一回目の報告")
        second = _assigned(programme, firm, officer, expert)
        _visit(second, expert, 10)
        _visit(second, expert, 11)
        with pytest.raises(ApplicationError):
            _visit(second, expert, 12)

    def test_no_visit_in_advance_nor_before_the_application(
        self, programme: Programme, firm: Organisation, officer: User, expert: ExpertProfile
    ) -> None:
        request = _assigned(programme, firm, officer, expert)
        assert expert.user is not None
        with pytest.raises(ApplicationError) as ahead:
            dispatch_visit_record(
                actor=expert.user, request=request, visited_on=timezone.localdate() + dt.timedelta(days=1)
            )
        assert ahead.value.extra["code"] == "in_advance"
        with pytest.raises(ApplicationError):
            dispatch_visit_record(actor=expert.user, request=request, visited_on=dt.date(FY, 3, 31))

    def test_a_programme_without_a_cap_takes_any_number_of_visits(
        self, firm: Organisation, officer: User, expert: ExpertProfile
    ) -> None:
        uncapped = DispatchProgrammeFactory(prefecture="02", visit_cap_per_firm=None)
        request = _assigned(uncapped, firm, officer, expert)
        for day in range(7):
            _visit(request, expert, day)
        assert visit_use(request=request, on=_day(0)).left is None


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_racing_visits_never_cross_the_cap() -> None:
    programme = DispatchProgrammeFactory(prefecture="02", visit_cap_per_firm=5)
    firm = OrganisationFactory(prefecture="02")
    officer = _owner_of(OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None))
    expert = ExpertProfileFactory(user=UserFactory())
    # Two open requests cannot exist, so the race is between the expert and the desk on one request,
    # plus a second (closed) request of the firm that already used two visits.
    earlier = _assigned(programme, firm, officer, expert)
    _visit(earlier, expert, 20)
    _visit(earlier, expert, 21)
    assert expert.user is not None
    dispatch_report(actor=expert.user, request=earlier, report="前回")
    request = _assigned(programme, firm, officer, expert)

    def record(day: int) -> None:
        actor = expert.user if day % 2 else officer
        assert actor is not None
        dispatch_visit_record(actor=actor, request=request, visited_on=_day(day))

    outcomes = race(record)
    assert outcomes == ["ok"] * 3 + ["visit_cap"] * 3
    assert DispatchVisit.objects.filter(request__organisation=firm).count() == 5


@pytest.mark.django_db
class TestCounts:
    def test_it_counts_applications_desk_consultations_firms_visits_and_days_per_prefecture(
        self, programme: Programme, officer: User, expert: ExpertProfile
    ) -> None:
        onestop = DispatchProgrammeFactory(code="onestop", prefecture="02", visit_cap_per_firm=None)
        firms = [OrganisationFactory(prefecture="02") for _ in range(3)]
        # Firm 0: two visits under each programme, one day shared; firm 1: one visit; firm 2: applied only.
        for prog, days in ((programme, (0, 1)), (onestop, (1, 2))):
            request = _assigned(prog, firms[0], officer, expert)
            for day in days:
                _visit(request, expert, day)
        _visit(_assigned(onestop, firms[1], officer, expert), expert, 0)
        late = dispatch_apply(actor=_owner_of(firms[2]), programme=programme, organisation=firms[2], description="x")
        DispatchRequest.objects.filter(pk=late.pk).update(created_at=APPLIED_AT)
        # Outside the year or the prefecture: not counted.
        DispatchRequestFactory(programme=programme, organisation=firms[2], status=Status.REJECTED)  # applied today
        DispatchRequestFactory(programme=DispatchProgrammeFactory(prefecture="40"))
        desk = ((FY, 4, 800), (FY, 12, 900), (FY + 1, 3, 829), (FY + 1, 4, 5000))
        for year, month, n in desk:
            DeskConsultationCountFactory(prefecture="02", month=dt.date(year, month, 1), count=n)
        DeskConsultationCountFactory(prefecture="40", month=dt.date(FY, 5, 1), count=7)

        rows = dispatch_counts(prefectures=("02", "03", "04"), fiscal_year=FY)
        total, *per_programme = rows
        assert (total.prefecture, total.programme) == ("02", None)
        assert (total.applications, total.desk_consultations) == (4, 2529)
        assert (total.firms_dispatched, total.visits, total.visit_days) == (2, 5, 4)
        by_code = {r.programme.code: r for r in per_programme if r.programme is not None}
        assert (by_code["aomori-plan"].applications, by_code["aomori-plan"].visits) == (2, 2)
        assert (by_code["onestop"].firms_dispatched, by_code["onestop"].visits, by_code["onestop"].visit_days) == (
            2,
            3,
            3,
        )
        assert by_code["aomori-plan"].desk_consultations is None
        assert {r.prefecture for r in dispatch_counts(prefectures=None, fiscal_year=FY)} == {"02", "40"}
        assert fiscal_year_of(dt.date(FY + 1, 3, 31)) == FY and fiscal_year_of(dt.date(FY + 1, 4, 1)) == FY + 1

    def test_the_desk_enters_its_months_within_its_jurisdiction(self, officer: User, far_officer: User) -> None:
        row = desk_consultations_record(actor=officer, prefecture="02", month=dt.date(FY, 6, 17), count=870)
        assert row.month == dt.date(FY, 6, 1)
        again = desk_consultations_record(actor=officer, prefecture="02", month=dt.date(FY, 6, 1), count=880)
        assert again.pk == row.pk and again.count == 880
        with pytest.raises(PermissionDenied):
            desk_consultations_record(actor=far_officer, prefecture="02", month=dt.date(FY, 6, 1), count=1)
        with pytest.raises(ApplicationError):
            desk_consultations_record(
                actor=officer, prefecture="02", month=timezone.localdate() + dt.timedelta(days=40), count=1
            )
        assert AuditEvent.objects.filter(action="dispatch.desk_consultations").count() == 2


@pytest.mark.django_db
def test_it_proposes_the_needs_recommended_experts_else_experts_serving_the_prefecture(
    programme: Programme, firm: Organisation
) -> None:
    need = NeedFactory(organisation=firm)
    best, second, erased = (
        ExpertProfileFactory(),
        ExpertProfileFactory(),
        ExpertProfileFactory(erased_at=timezone.now()),
    )
    recommend(need, second, rank=2, reasons=["事業計画の支援実績"])
    recommend(need, best, rank=1)
    recommend(need, erased, rank=3)
    request = DispatchRequestFactory(programme=programme, organisation=firm, need=need)
    assert [p.expert for p in dispatch_proposals(request=request)] == [best, second]
    assert dispatch_proposals(request=request)[1].reasons == ["事業計画の支援実績"]

    local = ExpertProfileFactory(prefecture="02")
    local.regions.set(list(local.regions.model.objects.filter(section="prefectures", code="02")))
    far = ExpertProfileFactory(prefecture="40")
    far.regions.set(list(far.regions.model.objects.filter(section="prefectures", code="40")))
    without_need = DispatchRequestFactory(programme=programme, organisation=OrganisationFactory(prefecture="02"))
    proposed = [p.expert for p in dispatch_proposals(request=without_need)]
    assert local in proposed and far not in proposed and erased not in proposed
