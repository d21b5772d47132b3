from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import privacy
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import User
from core.exceptions import ApplicationError
from frontend.forms import AccountEraseForm, SignupForm
from matching import selectors as matching_selectors
from opportunities import selectors as opportunity_selectors
from programmes import kpis


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "frontend/landing.html")
    organisation = account_selectors.user_organisation(user=request.user)
    expert = account_selectors.user_expert_profile(user=request.user)
    context: dict[str, object] = {"organisation": organisation, "expert": expert}
    assert isinstance(request.user, User)  # authenticated above
    if expert is not None:
        context["expert_todo"] = matching_selectors.todo_for_expert(expert=expert)
    if organisation is not None and organisation.kind == "sme":
        context["sme_todo"] = matching_selectors.todo_for_sme(user=request.user)
        context["follow_ups"] = list(kpis.follow_ups_to_answer(organisation=organisation))
        needs = opportunity_selectors.need_list(user=request.user, filters={"q": request.GET.get("q", "")})
        context["page"] = Paginator(needs, 20).get_page(request.GET.get("page"))
    elif organisation is not None and organisation.kind == "buyer":
        context["buyer_todo"] = matching_selectors.todo_for_buyer(user=request.user)
        opportunities = opportunity_selectors.opportunity_list(
            user=request.user, filters={"mine": True, "q": request.GET.get("q", "")}
        )
        context["page"] = Paginator(opportunities, 20).get_page(request.GET.get("page"))
    return render(request, "frontend/home.html", context)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_signup(locale=request.LANGUAGE_CODE, **form.cleaned_data)
        except ApplicationError as exc:
            for field, errors in exc.extra.get("fields", {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.extra.get("fields"):
                form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            welcome = _("Welcome to Tsunagu. We sent you an e-mail to confirm your address.")
            messages.success(request, welcome)
            return redirect("home")
    return render(request, "frontend/account/signup.html", {"form": form})


def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation e-mail; works whether or not the person is logged in."""
    try:
        account_services.email_verify(token=token)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your e-mail address is confirmed."))
    return redirect("home")


@login_required
def email_verification_resend(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    assert isinstance(request.user, User)  # login_required
    if request.user.email_verified_at is None:
        account_services.email_verification_send(user=request.user)
        messages.success(request, _("We sent a new confirmation e-mail to %(email)s.") % {"email": request.user.email})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target or "/")


@login_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            assert isinstance(request.user, User)  # login_required
            membership = account_services.invitation_accept(token=token, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You joined %(name)s.") % {"name": membership.organisation.name})
            return redirect("home")
    return render(request, "frontend/invitation.html", {"token": token})


@login_required
def account_privacy(request: HttpRequest) -> HttpResponse:
    """The account page: password, a copy of one's personal data, and erasure (個人情報保護法)."""
    assert isinstance(request.user, User)  # login_required
    form = AccountEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.user_erase(user=request.user, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            form.add_error("password", exc.message)
        else:
            logout(request)
            messages.success(request, _("Your account and personal data were erased."))
            return redirect("home")
    return render(request, "frontend/account/privacy.html", {"form": form})


@login_required
@require_GET
def account_export(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    data = privacy.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="tsunagu-my-data.json"'
    return response
