from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import ExpertProfile, Membership, Organisation, User
from accounts.rules import corporate_number_check_digit
from opportunities.models import Need, Opportunity


def corporate_number(n: int) -> str:
    base = f"{n:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    full_name = factory.Sequence(lambda n: f"利用者{n}")
    password = factory.django.Password("pass-word-123")


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
