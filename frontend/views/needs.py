"""An SME's needs; the pages themselves are the shared query pages (queries.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from frontend.forms import NeedFilterForm, NeedForm
from frontend.views.common import sme_required
from frontend.views.queries import QuerySpec, query_views
from opportunities import selectors, services
from opportunities.models import Need

NEEDS: QuerySpec[Need] = QuerySpec(
    name="need",
    gate=sme_required,
    templates="frontend/needs",
    form_class=NeedForm,
    fields=("title", "category", "description", "target", "prefecture", "status"),
    terms=("sectors",),
    filter_form_class=NeedFilterForm,
    query_list=selectors.need_list,
    query_get=lambda *, user, pk: selectors.need_get(user=user, need_id=pk),
    create=services.need_create,
    update=lambda *, query, data, actor: services.need_update(need=query, data=data, actor=actor),
    saved=_("Need saved."),
    closed=_("Need closed. It no longer receives proposals."),
    close_title=_("Close this need?"),
    close_explanation=_("A closed need no longer receives proposals. You can reopen it later by editing it."),
    close_submit=_("Close the need"),
)

need_list, need_detail, need_create, need_edit, need_close = query_views(NEEDS)
