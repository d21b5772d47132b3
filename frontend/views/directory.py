"""The expert directory and the supplier pages: public profiles with a track record, never contact details.

Contacts are shared only inside an accepted introduction (architecture.md); these
pages show who someone is and what their introductions came to.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from frontend.forms import ExpertDirectoryFilterForm
from frontend.persona import Persona
from frontend.views.common import filters_from, or_404, paginate, persona_required
from matching import selectors as matching_selectors
from programmes import selectors as programme_selectors


@login_required
def expert_directory(request: HttpRequest) -> HttpResponse:
    filter_form = ExpertDirectoryFilterForm(request.GET)
    filters = filters_from(filter_form)
    page = paginate(request, programme_selectors.expert_directory_list(filters=filters))
    return render(
        request,
        "frontend/directory/experts.html",
        {"page": page, "filter_form": filter_form, "filtered": bool(filters)},
    )


@login_required
def expert_directory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = or_404(account_selectors.expert_directory_get, expert_id=pk)
    record = matching_selectors.candidate_track_record(expert=expert)
    programmes = programme_selectors.expert_programmes(expert=expert)
    return render(
        request, "frontend/directory/expert.html", {"expert": expert, "record": record, "programmes": programmes}
    )


@persona_required(lambda p: p.sees_suppliers or p.is_sme)
def supplier_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    supplier = or_404(account_selectors.supplier_get, organisation_id=pk)
    own = persona.organisation is not None and persona.organisation.pk == supplier.pk
    if not (own or persona.sees_suppliers):
        # Buyers look for suppliers, experts and the bureau support them; an SME sees only its own page.
        raise Http404
    record = matching_selectors.candidate_track_record(organisation=supplier)
    return render(request, "frontend/directory/supplier.html", {"supplier": supplier, "record": record, "own": own})
