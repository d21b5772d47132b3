from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from frontend.persona import Persona
from frontend.views.common import bureau_required


@bureau_required
def bureau_dashboard(request: HttpRequest, persona: Persona) -> HttpResponse:
    # Placeholder: the funnel and coverage metrics come from matching's metrics selectors.
    return render(request, "frontend/bureau/dashboard.html", {"persona": persona})
