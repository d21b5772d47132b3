from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import ExpertProfile
from core.exceptions import ApplicationError
from frontend.forms import ExpertProfileForm
from frontend.persona import Persona
from frontend.views.common import add_service_errors, expert_required, or_404
from matching.services.introductions import expert_load
from reference.terms import codes

FIELDS = ("name", "expert_type", "prefecture", "bio", "capacity", "contact_email", "contact_phone")


def _initial(profile: ExpertProfile) -> dict[str, Any]:
    initial: dict[str, Any] = {f: getattr(profile, f) for f in FIELDS}
    for relation in ("skills", "sectors", "regions"):
        initial[relation] = codes(getattr(profile, relation))
    return initial


@expert_required
def expert_profile(request: HttpRequest, persona: Persona) -> HttpResponse:
    profile = or_404(account_selectors.expert_profile_for_user, user=persona.user)
    form = ExpertProfileForm(request.POST or None, initial=_initial(profile))
    if request.method == "POST" and form.is_valid():
        try:
            account_services.expert_profile_update(profile=profile, data=form.cleaned_data, actor=persona.user)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("expert-profile")
    # Engagements recorded outside the platform plus open engagements on it.
    load = expert_load(expert=profile)
    return render(
        request,
        "frontend/expert/profile.html",
        {
            "form": form,
            "profile": profile,
            "load": load,
            "free": max(profile.capacity - load, 0),
            "load_percent": min(100, round(100 * load / profile.capacity)) if profile.capacity else 100,
        },
    )
