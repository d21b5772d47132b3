"""Who is looking at the page: organisation kind, expert profile, owner flag.

Computed once per request and cached on it, so the navigation, the views and
the templates never repeat the look-ups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import cast

from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts import selectors as account_selectors
from accounts.models import ExpertProfile, Organisation, User
from matching.models import ConflictOfInterest, Engagement, Notification


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool = False
    # A count shown next to the label (e.g. unread notifications); a callable so it is computed only when rendered.
    badge: Callable[[], int] | None = None


@dataclass
class Persona:
    user: User
    organisation: Organisation | None
    expert: ExpertProfile | None
    nav: list[NavItem] = field(default_factory=list)

    @property
    def kind(self) -> str | None:
        if self.organisation is not None:
            return self.organisation.kind
        if self.expert is not None:
            return "expert"
        if self.user.is_staff:
            return Organisation.Kind.BUREAU
        return None

    @property
    def is_sme(self) -> bool:
        return self.organisation is not None and self.organisation.kind == Organisation.Kind.SME

    @property
    def is_buyer(self) -> bool:
        return self.organisation is not None and self.organisation.kind == Organisation.Kind.BUYER

    @property
    def is_bureau(self) -> bool:
        return self.kind == Organisation.Kind.BUREAU

    @property
    def sees_suppliers(self) -> bool:
        """Whether the supplier pages (SMEs' public profiles) are open to this persona: buyers, experts, bureau."""
        return self.is_buyer or self.expert is not None or self.is_bureau

    @cached_property
    def is_owner(self) -> bool:
        if self.organisation is None:
            return False
        return account_selectors.user_is_owner(user=self.user, organisation=self.organisation)

    @cached_property
    def unread_notifications(self) -> int:
        """Unread in-app notifications, counted once per request (the persona is cached on it)."""
        from matching import selectors as matching_selectors

        return matching_selectors.notification_list(user=self.user, unread=True).count()


def _expert_for(user: User) -> ExpertProfile | None:
    return account_selectors.user_expert_profile(user=user)


def _plural(model: type[Model]) -> str | Promise:
    """The model's translated plural name ("Notifications"), already in the catalogue."""
    return cast("str | Promise", capfirst(model._meta.verbose_name_plural))  # lazy: translated when rendered


def _nav(request: HttpRequest, persona: Persona) -> list[NavItem]:
    items: list[tuple[str | Promise, str]] = []
    in_market = persona.expert is not None or (
        persona.organisation is not None and persona.organisation.kind != Organisation.Kind.BUREAU
    )
    if persona.is_sme:
        items += [(_("Home"), reverse("home")), (_("Needs"), reverse("need-list"))]
        items += [(_("Opportunities"), reverse("opportunity-browse"))]
        items += [(_("Introductions"), reverse("introduction-inbox"))]
    if persona.is_buyer:
        items += [(_("Opportunities"), reverse("opportunity-list"))]
        items += [
            (_("Introductions"), reverse("introduction-inbox")),
            (_plural(ConflictOfInterest), reverse("conflict-list")),
        ]
    if persona.expert is not None:
        items += [(_("Profile"), reverse("expert-profile")), (_("Requests"), reverse("introduction-inbox"))]
        items += [
            (_plural(Engagement), reverse("engagement-list")),
            (_plural(ConflictOfInterest), reverse("conflict-list")),
        ]
    if persona.is_bureau:
        items += [(_("Dashboard"), reverse("bureau-dashboard"))]
    # The expert directory is open to every persona (contacts are never shown there).
    items += [(_("Experts"), reverse("expert-directory"))]
    if in_market:
        items += [(_plural(Notification), reverse("notification-list"))]
    if persona.organisation is not None and persona.organisation.kind != Organisation.Kind.BUREAU:
        items += [(_("Company"), reverse("organisation-edit"))]
    path = request.path
    nav = []
    seen: set[str] = set()
    for label, url in items:
        if url in seen:  # an expert who is also an organisation member
            continue
        seen.add(url)
        active = path == url if url == "/" else path.startswith(url)
        badge = (lambda: persona.unread_notifications) if url == reverse("notification-list") else None
        nav.append(NavItem(label=label, url=url, active=active, badge=badge))
    # "Company" covers the members page too.
    if path.startswith("/organisation/"):
        nav = [replace(i, active=i.url.startswith("/organisation/")) for i in nav]
    return nav


def get_persona(request: HttpRequest) -> Persona | None:
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_tsunagu_persona", None)
    if cached is not None:
        return cached
    user = request.user
    assert isinstance(user, User)
    persona = Persona(user=user, organisation=account_selectors.user_organisation(user=user), expert=_expert_for(user))
    persona.nav = _nav(request, persona)
    request._tsunagu_persona = persona  # type: ignore[attr-defined]
    return persona
