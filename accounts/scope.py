"""Who sees which prefectures: the bureau-scope rule, in one place.

The bureau pages (aggregates and records), the vetting service
(``accounts.selectors.user_can_vet``) and the exports all ask this module
which prefectures a user may look at and whether they may see individual
organisations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When

from accounts.models import Membership, Organisation, User
from core.exceptions import NotFound
from reference.jurisdictions import bureau_jurisdiction, jurisdiction_label, jurisdiction_prefectures


@dataclass(frozen=True)
class BureauScope:
    """What a bureau user may look at.

    The rule (domain.md: "aggregate metrics for their region; individual records
    only where their role allows"):

    - A member of an organisation of kind "bureau" sees aggregates for the
      *jurisdiction* of the 経済産業局 that serves that organisation's prefecture
      (``reference.jurisdictions``, not the geographic regions: a bureau in 04
      Miyagi sees 東北; one in 15 Niigata sees 関東, which includes 新潟・山梨・
      長野・静岡) and may filter within it. A bureau organisation without a
      prefecture is a national body (e.g. 中小機構 headquarters) and sees the
      whole country.
    - Django staff without a bureau membership see the whole country.
    - Individual records (organisations to vet, the list of uncovered needs)
      are shown only to *owners* of the bureau organisation and to staff;
      other members see aggregates only. Records are limited to the same
      region as the aggregates.
    """

    region: str | None  # a jurisdiction code (reference.jurisdictions); None: the whole country
    prefectures: tuple[str, ...] | None  # None: the whole country
    can_see_records: bool
    organisation: Organisation | None = None

    @property
    def is_national(self) -> bool:
        return self.prefectures is None

    def covers_records_in(self, prefecture: str) -> bool:
        """Whether this scope acts on individual records (a desk's requests, an SME's data) in `prefecture`."""
        return self.can_see_records and (self.prefectures is None or prefecture in self.prefectures)

    @property
    def region_label(self) -> str:
        return jurisdiction_label(self.region)


def region_prefectures(region: str) -> tuple[str, ...]:
    """Prefectures of a bureau jurisdiction (the bureau pages' "region")."""
    return jurisdiction_prefectures(region)


def prefecture_region(prefecture: str) -> str | None:
    """The bureau jurisdiction that serves a prefecture (the bureau pages' "region")."""
    return bureau_jurisdiction(prefecture)


def bureau_scope_for_user(*, user: User) -> BureauScope:
    """The user's scope on the bureau pages (see BureauScope for the rule); one query.

    A user with several bureau memberships acts for the first one, as on every other page.
    """
    membership = (
        Membership.objects.filter(user=user, organisation__kind=Organisation.Kind.BUREAU)
        .select_related("organisation")
        .order_by("created_at", "id")
        .first()
    )
    if membership is None:
        return BureauScope(region=None, prefectures=None, can_see_records=bool(user.is_staff))
    can_see_records = bool(user.is_staff) or membership.role == Membership.Role.OWNER
    region = prefecture_region(membership.organisation.prefecture)
    prefectures = region_prefectures(region) if region else None
    return BureauScope(
        region=region, prefectures=prefectures, can_see_records=can_see_records, organisation=membership.organisation
    )


# --- Individual records: organisations to vet -------------------------------------------------------------------

# "Awaiting a decision": organisations that asked to be vetted. Those that never asked are under "none".
AWAITING = (Organisation.Vetting.PENDING,)


def _vettable(scope: BureauScope) -> QuerySet[Organisation]:
    """Organisations the scope may vet, whatever their status: in its region, never other bureaus."""
    qs = Organisation.objects.exclude(kind=Organisation.Kind.BUREAU)
    if scope.prefectures is not None:
        qs = qs.filter(prefecture__in=scope.prefectures)
    return qs


def vetting_list(*, scope: BureauScope, filters: dict[str, Any]) -> QuerySet[Organisation]:
    """Organisations a bureau owner / staff member may vet: in their region, never other bureaus.

    Default (no status filter): pending requests first, then not yet requested.
    Filters: q (name or corporate number), status ("all" or a vetting status), kind, prefecture.
    """
    qs = _vettable(scope).select_related("vetted_by")
    status = filters.get("status") or ""
    if status == "all":
        pass
    elif status:
        qs = qs.filter(vetting_status=status)
    else:
        qs = qs.filter(vetting_status__in=AWAITING)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("prefecture"):
        qs = qs.filter(prefecture=filters["prefecture"])
    for word in (filters.get("q") or "").split():
        qs = qs.filter(Q(name__icontains=word) | Q(corporate_number__startswith=word))
    pending_first = Case(When(vetting_status=Organisation.Vetting.PENDING, then=Value(0)), default=Value(1))
    return qs.order_by(pending_first, "-created_at", "id")


def vetting_get(*, scope: BureauScope, organisation_id: int) -> Organisation:
    """One organisation the scope may vet, whatever its status; NotFound outside the region."""
    organisation = _vettable(scope).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("Organisation not found.")
    return organisation


def vetting_allowed(*, user: User, organisation: Organisation) -> bool:
    """Whether `user` may vet `organisation`: the vetting page's rule, so the page and the service agree.

    Owners of a bureau and staff (records), for organisations in the scope's region. Two queries.
    """
    scope = bureau_scope_for_user(user=user)
    return scope.can_see_records and _vettable(scope).filter(pk=organisation.pk).exists()
