"""Issue 13: a vetting decision carries a reason that fits it (and a note for "other"), kept with the
decision, in the audit trail, shown to the organisation (the reason only), and cleared with the decision."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from accounts.services import organisation_set_vetting, organisation_update
from core.exceptions import ApplicationError
from core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VETTED = Organisation.Vetting.VETTED
REJECTED = Organisation.Vetting.REJECTED
Reason = Organisation.VettingReason


@pytest.fixture
def officer() -> User:
    return UserFactory(is_staff=True)


def _decisions(organisation: Organisation) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="organisation.vetting", object_id=str(organisation.pk)).order_by("id"))


def _refused(**kwargs: object) -> ApplicationError:
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        organisation_set_vetting(**kwargs)  # type: ignore[arg-type]
    return caught.value


def test_it_splits_the_reasons_between_approval_and_rejection() -> None:
    assert Organisation.vetting_reasons(VETTED) == (Reason.IDENTITY_CONFIRMED, Reason.KNOWN_SUPPLIER)
    assert Organisation.vetting_reasons(REJECTED) == (
        Reason.IDENTITY_UNCONFIRMED,
        Reason.NOT_ELIGIBLE,
        Reason.SECURITY_CONCERN,
        Reason.DUPLICATE,
        Reason.OTHER,
    )
    assert Organisation.vetting_reasons(Organisation.Vetting.PENDING) == ()
    assert set(Reason.values) == {r.value for s in (VETTED, REJECTED) for r in Organisation.vetting_reasons(s)}


def test_it_stores_the_reason_and_note_and_audits_them(sme: Organisation, officer: User) -> None:
    organisation_set_vetting(
        organisation=sme, actor=officer, status=VETTED, reason=Reason.IDENTITY_CONFIRMED, note="  NTA 2026-12-01  "
    )
    sme.refresh_from_db()
    assert (sme.vetting_status, sme.vetting_reason, sme.vetting_note) == (
        "vetted",
        "identity_confirmed",
        "NTA 2026-12-01",
    )
    assert sme.vetted_by == officer and sme.vetted_at is not None

    organisation_set_vetting(
        organisation=sme, actor=officer, status=REJECTED, reason=Reason.OTHER, note="輸出管理の確認待ち"
    )
    sme.refresh_from_db()
    assert (sme.vetting_status, sme.vetting_reason, sme.vetting_note) == ("rejected", "other", "輸出管理の確認待ち")

    first, second = _decisions(sme)
    assert first.actor == officer
    assert first.changes == {
        "vetting_status": ["none", "vetted"],
        "vetting_reason": ["", "identity_confirmed"],
        "vetting_note": ["", "NTA 2026-12-01"],
    }
    assert second.changes == {
        "vetting_status": ["vetted", "rejected"],
        "vetting_reason": ["identity_confirmed", "other"],
        "vetting_note": ["NTA 2026-12-01", "輸出管理の確認待ち"],
    }


def test_a_repeated_decision_is_audited_in_full(sme: Organisation, officer: User) -> None:
    for _ in range(2):
        organisation_set_vetting(organisation=sme, actor=officer, status=VETTED, reason=Reason.KNOWN_SUPPLIER)
    assert _decisions(sme)[-1].changes == {
        "vetting_status": ["vetted", "vetted"],
        "vetting_reason": ["known_supplier", "known_supplier"],
        "vetting_note": ["", ""],
    }


@pytest.mark.parametrize("reason", ["", None])
def test_it_requires_a_reason(sme: Organisation, officer: User, reason: str | None) -> None:
    error = _refused(organisation=sme, actor=officer, status=VETTED, reason=reason)
    assert "reason" in error.message
    assert list(error.extra["fields"]) == ["reason"]
    sme.refresh_from_db()
    assert (sme.vetting_status, sme.vetting_reason, sme.vetted_by) == ("none", "", None)
    assert _decisions(sme) == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (VETTED, Reason.SECURITY_CONCERN),  # a rejection reason cannot explain an approval
        (VETTED, Reason.OTHER),  # "other" is for rejections only
        (REJECTED, Reason.IDENTITY_CONFIRMED),
        (REJECTED, "not_a_reason"),
    ],
)
def test_it_refuses_a_reason_that_does_not_fit_the_decision(
    sme: Organisation, officer: User, status: str, reason: str
) -> None:
    error = _refused(organisation=sme, actor=officer, status=status, reason=reason, note="x")
    assert "reason" in error.message
    assert list(error.extra["fields"]) == ["reason"]
    sme.refresh_from_db()
    assert (sme.vetting_status, sme.vetting_reason) == ("none", "")
    assert _decisions(sme) == []


@pytest.mark.parametrize("status", [Organisation.Vetting.PENDING, Organisation.Vetting.NONE, "maybe"])
def test_it_refuses_a_status_that_is_not_a_decision(sme: Organisation, officer: User, status: str) -> None:
    error = _refused(organisation=sme, actor=officer, status=status, reason=Reason.DUPLICATE)
    assert list(error.extra["fields"]) == ["status"]
    assert _decisions(sme) == []


@pytest.mark.parametrize("note", ["", "   \n "])
def test_other_needs_a_note(sme: Organisation, officer: User, note: str) -> None:
    error = _refused(organisation=sme, actor=officer, status=REJECTED, reason=Reason.OTHER, note=note)
    assert "note" in error.message
    assert list(error.extra["fields"]) == ["note"]
    sme.refresh_from_db()
    assert sme.vetting_status == "none"


def test_it_refuses_a_note_longer_than_the_column(sme: Organisation, officer: User) -> None:
    error = _refused(organisation=sme, actor=officer, status=REJECTED, reason=Reason.DUPLICATE, note="x" * 501)
    assert list(error.extra["fields"]) == ["note"]
    organisation_set_vetting(organisation=sme, actor=officer, status=REJECTED, reason=Reason.DUPLICATE, note="x" * 500)
    sme.refresh_from_db()
    assert len(sme.vetting_note) == 500


def test_a_change_of_identity_clears_the_reason_and_note(sme: Organisation, owner: User, officer: User) -> None:
    organisation_set_vetting(
        organisation=sme, actor=officer, status=VETTED, reason=Reason.IDENTITY_CONFIRMED, note="登記と一致"
    )
    sme.refresh_from_db()
    organisation_update(organisation=sme, actor=owner, data={"description": "説明だけ変更"})
    sme.refresh_from_db()
    assert (sme.vetting_status, sme.vetting_reason, sme.vetting_note) == ("vetted", "identity_confirmed", "登記と一致")

    organisation_update(organisation=sme, actor=owner, data={"name": "株式会社べつの会社"})
    sme.refresh_from_db()
    assert (sme.vetting_status, sme.vetting_reason, sme.vetting_note) == ("pending", "", "")
    assert sme.vetted_by is None and sme.vetted_at is None
    edit = AuditEvent.objects.filter(action="organisation.update", object_id=str(sme.pk)).latest("id")
    assert edit.changes["vetting_reason"] == ["identity_confirmed", ""]
    assert edit.changes["vetting_note"] == ["登記と一致", ""]


def test_the_database_refuses_a_reason_without_its_decision(sme: Organisation) -> None:
    # The constraint backs the service: a pending organisation, or an approval with a rejection reason.
    for status, reason in (("pending", "duplicate"), ("vetted", "security_concern"), ("rejected", "known_supplier")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Organisation.objects.filter(pk=sme.pk).update(vetting_status=status, vetting_reason=reason)


def test_the_organisation_sees_its_reason_but_never_the_note(
    owner_api: APIClient, sme: Organisation, officer: User
) -> None:
    assert owner_api.get("/api/v1/organisation/").json()["vetting_reason"] == ""
    organisation_set_vetting(
        organisation=sme, actor=officer, status=REJECTED, reason=Reason.SECURITY_CONCERN, note="該非判定書の提出なし"
    )
    response = owner_api.get("/api/v1/organisation/")
    body = response.json()
    assert (body["vetting_status"], body["vetting_reason"]) == ("rejected", "security_concern")
    assert "vetting_note" not in body
    assert "該非判定書" not in response.content.decode()
