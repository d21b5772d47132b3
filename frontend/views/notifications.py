"""The in-app inbox of notifications: unread first, mark one or all as read."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from frontend.forms import NotificationFilterForm
from frontend.persona import Persona
from frontend.views.common import filters_from, or_404, paginate, persona_required
from matching import selectors
from matching.models import Notification
from matching.services import notifications as notification_services

member_required = persona_required(lambda p: True)


@member_required
def notification_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    filter_form = NotificationFilterForm(request.GET)
    filters = filters_from(filter_form)
    unread_first = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    notifications = selectors.notification_list(user=persona.user, unread=filters.get("unread")).order_by(
        unread_first.desc(), "-created_at", "-id"
    )
    return render(
        request,
        "frontend/notifications/list.html",
        {
            "page": paginate(request, notifications),
            "filter_form": filter_form,
            "filtered": bool(filters),
            "unread_count": persona.unread_notifications,
            "heading": capfirst(Notification._meta.verbose_name_plural),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("notification-list")


@member_required
def notification_read(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    """Mark one notification as read; with `next`, continue to its target page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    notification = or_404(selectors.notification_get, user=persona.user, notification_id=pk)
    notification_services.notification_mark_read(user=persona.user, notification_id=notification.pk)
    return _back(request)


@member_required
def notification_read_all(request: HttpRequest, persona: Persona) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = notification_services.notification_mark_read(user=persona.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notification-list")
