from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import ExpertProfile, Invitation, Membership, Organisation, User
from accounts.rules import corporate_number_check_digit
from core.models import AuditEvent
from matching.models import (
    ConflictOfInterest,
    Engagement,
    IndexVersion,
    Introduction,
    IntroductionEvent,
    ModelVersion,
    Notification,
    Outcome,
    Recommendation,
    RefreshJob,
)
from opportunities.models import Need, Opportunity
from programmes.models import (
    DeskConsultationCount,
    DispatchRequest,
    DispatchVisit,
    FollowUp,
    KpiTarget,
    PaidEngagement,
    Participation,
    Programme,
    Round,
    WorkLogEntry,
)
from reference.models import VocabularyTerm
from reports.models import ExportJob


def corporate_number(n: int) -> str:
    base = f"{n:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    full_name = factory.Sequence(lambda n: f"利用者{n}")
    password = factory.django.Password("pass-word-123")
    email_verified_at = factory.LazyFunction(timezone.now)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.SME
    name = factory.Sequence(lambda n: f"株式会社テスト{n}製作所")
    prefecture = "04"
    industry = "manufacturing"
    employees = 50
    capital_jpy = 30_000_000
    corporate_number = factory.Sequence(lambda n: corporate_number(1_000_000 + n))
    contact_name = "山田 太郎"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.jp")
    contact_phone = "022-000-0000"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.OWNER


class ExpertProfileFactory(DjangoModelFactory):
    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"専門家{n}")
    expert_type = "dx_coordinator"
    prefecture = "04"
    capacity = 2
    bio = "製造業のDX推進を支援します。"


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    organisation = factory.SubFactory(OrganisationFactory)
    category = "dx.digitization"
    title = factory.Sequence(lambda n: f"紙の生産管理をデジタル化したい {n}")
    description = "受注から出荷までを紙で管理しており、在庫の把握に時間がかかっている。"
    prefecture = "04"
    target = "expert"
    status = "open"


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.BUYER)
    title = factory.Sequence(lambda n: f"半導体製造装置部品の精密加工先募集 {n}")
    description = "ステンレス部品の精密切削加工ができるサプライヤーを探しています。"
    prefecture = "03"
    target = "sme"
    status = "open"
    budget_jpy = 5_000_000


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.jp")
    role = Membership.Role.MEMBER
    invited_by = factory.SubFactory(UserFactory)


class QueryCandidateFactory(DjangoModelFactory):
    """Base of the (query → candidate) rows: pass `query=` (Need or Opportunity) and `candidate=`.

    The four nullable foreign keys and the two denormalised keys are derived
    from those two, as the services do.
    """

    class Meta:
        abstract = True
        exclude = ("query", "candidate")

    query = factory.SubFactory(NeedFactory)
    candidate = factory.SubFactory(ExpertProfileFactory)
    need = factory.LazyAttribute(lambda o: o.query if isinstance(o.query, Need) else None)
    opportunity = factory.LazyAttribute(lambda o: o.query if isinstance(o.query, Opportunity) else None)
    expert = factory.LazyAttribute(lambda o: o.candidate if isinstance(o.candidate, ExpertProfile) else None)
    organisation = factory.LazyAttribute(lambda o: o.candidate if isinstance(o.candidate, Organisation) else None)

    @classmethod
    def _create(cls, model_class: type[Any], *args: Any, **kwargs: Any) -> Any:
        obj = model_class(*args, **kwargs)
        obj.fill_keys()
        obj.save()
        return obj


class RecommendationFactory(QueryCandidateFactory):
    class Meta:
        model = Recommendation

    rank = 1
    score = factory.LazyAttribute(lambda o: 1.0 / o.rank)
    reasons = factory.LazyFunction(lambda: ["課題分野一致: デジタル化（紙・FAXの電子化）", "対応地域: 宮城県"])
    generated_at = factory.LazyFunction(timezone.now)


class IntroductionFactory(QueryCandidateFactory):
    class Meta:
        model = Introduction

    status = Introduction.State.REQUESTED
    rank = 1
    requested_at = factory.LazyFunction(timezone.now)


class IntroductionEventFactory(DjangoModelFactory):
    class Meta:
        model = IntroductionEvent

    introduction = factory.SubFactory(IntroductionFactory)
    actor_side = "requester"
    from_state = Introduction.State.PROPOSED
    to_state = Introduction.State.REQUESTED


class EngagementFactory(DjangoModelFactory):
    class Meta:
        model = Engagement

    introduction = factory.SubFactory(IntroductionFactory, status=Introduction.State.ACCEPTED)
    expert = factory.LazyAttribute(lambda o: o.introduction.expert)
    organisation = factory.LazyAttribute(lambda o: o.introduction.organisation)
    accepted_at = factory.LazyFunction(timezone.now)


class OutcomeFactory(DjangoModelFactory):
    class Meta:
        model = Outcome

    introduction = factory.SubFactory(IntroductionFactory, status=Introduction.State.COMPLETED)
    side = Outcome.Side.REQUESTER
    recorded_by = factory.SubFactory(UserFactory)
    deal = True
    value_jpy = 1_000_000
    feedback = 4


class ConflictOfInterestFactory(DjangoModelFactory):
    class Meta:
        model = ConflictOfInterest

    expert = factory.SubFactory(ExpertProfileFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    reason = "親族が役員"
    created_by = factory.SubFactory(UserFactory)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "introduction.requested"
    key = factory.Sequence(lambda n: f"test:{n}")
    title = "紹介の依頼が届きました"


class ModelVersionFactory(DjangoModelFactory):
    class Meta:
        model = ModelVersion

    version = factory.Sequence(lambda n: f"test-{n:04d}")


class RefreshJobFactory(DjangoModelFactory):
    class Meta:
        model = RefreshJob

    kind = "need"
    target = "expert"


class IndexVersionFactory(DjangoModelFactory):
    """A recorded index version (no directory behind it: use matching.services.index.index_build for a real one)."""

    class Meta:
        model = IndexVersion

    kind = IndexVersion.Kind.EXPERT
    version = factory.Sequence(lambda n: f"expert-test-{n:04d}")
    path = factory.LazyAttribute(lambda o: f"/nonexistent/{o.version}")
    watermark = factory.LazyFunction(timezone.now)


class ExportJobFactory(DjangoModelFactory):
    class Meta:
        model = ExportJob

    user = factory.SubFactory(UserFactory)


class VocabularyTermFactory(DjangoModelFactory):
    """A term outside the shipped vocabulary (the real ones are loaded by a data migration)."""

    class Meta:
        model = VocabularyTerm
        django_get_or_create = ("section", "code")

    section = "sectors"
    code = factory.Sequence(lambda n: f"test_sector_{n}")
    label_ja = factory.Sequence(lambda n: f"テスト分野{n}")


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"programme-{n}")
    name_ja = factory.Sequence(lambda n: f"テスト支援事業{n}")
    owner = Programme.Owner.METI


class PaidProgrammeFactory(ProgrammeFactory):
    """A デジタル化応援隊-like scheme: ¥3,500/h, ¥500/h co-payment, ¥300,000 per firm, ¥1,500,000 per expert."""

    hourly_rate_jpy = 3500
    copay_per_hour_jpy = 500
    cap_per_firm_jpy = 300_000
    cap_per_expert_jpy = 1_500_000
    visit_cap_per_firm = 5
    budget_jpy = 10_000_000


class RoundFactory(DjangoModelFactory):
    class Meta:
        model = Round

    programme = factory.SubFactory(ProgrammeFactory)
    name = "第1回"
    opens_on = factory.LazyFunction(lambda: timezone.localdate())
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class PaidEngagementFactory(DjangoModelFactory):
    class Meta:
        model = PaidEngagement

    programme = factory.SubFactory(PaidProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    expert = factory.SubFactory(ExpertProfileFactory, user=factory.SubFactory(UserFactory))
    hourly_rate_jpy = factory.SelfAttribute("programme.hourly_rate_jpy")
    copay_per_hour_jpy = factory.SelfAttribute("programme.copay_per_hour_jpy")


class WorkLogEntryFactory(DjangoModelFactory):
    class Meta:
        model = WorkLogEntry

    engagement = factory.SubFactory(PaidEngagementFactory)
    worked_on = factory.LazyFunction(lambda: timezone.localdate())
    hours = 2
    description = "業務フローの聞き取り"
    amount_jpy = 7000
    copay_jpy = 1000


class AuditEventFactory(DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_label = factory.LazyAttribute(lambda o: f"user#{o.actor.pk}")
    action = "organisation.update"
    object_type = "accounts.organisation"
    object_id = "1"
    changes = factory.LazyFunction(lambda: {"capacity": [3, 5]})


def recommend(query: Need | Opportunity, candidate: ExpertProfile | Organisation, rank: int = 1, **kwargs: Any) -> Any:
    """A saved Recommendation of `candidate` for `query` (what a refresh would have written)."""
    return RecommendationFactory(query=query, candidate=candidate, rank=rank, **kwargs)


class DispatchProgrammeFactory(ProgrammeFactory):
    """A prefectural dispatch like Aomori's 事業計画策定支援: free visits, at most 5 per firm (seed 003 L79)."""

    owner = Programme.Owner.PREFECTURE
    prefecture = "04"
    is_dispatch = True
    visit_cap_per_firm = 5


class DispatchRequestFactory(DjangoModelFactory):
    class Meta:
        model = DispatchRequest

    programme = factory.SubFactory(DispatchProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory, prefecture=factory.SelfAttribute("..programme.prefecture"))
    description = "新分野展開の事業計画づくりを手伝ってほしい"


class DispatchVisitFactory(DjangoModelFactory):
    class Meta:
        model = DispatchVisit

    request = factory.SubFactory(
        DispatchRequestFactory,
        status=DispatchRequest.Status.ASSIGNED,
        expert=factory.SubFactory(ExpertProfileFactory),
    )
    visited_on = factory.LazyFunction(lambda: timezone.localdate())
    summary = "現状の聞き取り"


class DeskConsultationCountFactory(DjangoModelFactory):
    class Meta:
        model = DeskConsultationCount
        django_get_or_create = ("prefecture", "month")

    prefecture = "02"
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    count = 850


class ParticipationFactory(DjangoModelFactory):
    class Meta:
        model = Participation

    organisation = factory.SubFactory(OrganisationFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    ended_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3 * 365))
    value_added_jpy = 100_000_000
    payroll_jpy = 50_000_000
    labour_productivity_jpy = 5_000_000


class FollowUpFactory(DjangoModelFactory):
    class Meta:
        model = FollowUp

    participation = factory.SubFactory(ParticipationFactory)
    horizon_years = 3
    due_on = factory.LazyAttribute(
        lambda o: o.participation.ended_on.replace(year=o.participation.ended_on.year + o.horizon_years)
    )


class KpiTargetFactory(DjangoModelFactory):
    class Meta:
        model = KpiTarget

    programme = factory.SubFactory(ProgrammeFactory)
    kpi_index = 0
    target_percent = 50
