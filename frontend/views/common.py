"""Small helpers shared by the page views: persona gates, pagination, error mapping."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from core.exceptions import ApplicationError, NotFound
from frontend.persona import Persona, get_persona

PAGE_SIZE = 20
T = TypeVar("T")
View = Callable[..., HttpResponse]


def persona_required(check: Callable[[Persona], bool]) -> Callable[[View], View]:
    """Log-in required, and the persona must pass `check`, else 403.

    The view receives the persona as its second argument.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            persona = get_persona(request)
            if persona is None or not check(persona):
                raise DjangoPermissionDenied
            return view(request, persona, *args, **kwargs)

        return wrapper

    return decorator


sme_required = persona_required(lambda p: p.is_sme)
buyer_required = persona_required(lambda p: p.is_buyer)
expert_required = persona_required(lambda p: p.expert is not None)
organisation_required = persona_required(lambda p: p.organisation is not None)
bureau_required = persona_required(lambda p: p.is_bureau)


def or_404(selector: Callable[..., T], **kwargs: Any) -> T:
    """Call a selector; its NotFound (also "not yours") becomes a plain 404."""
    try:
        return selector(**kwargs)
    except NotFound:
        raise Http404 from None


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def filters_from(form: forms.Form) -> dict[str, Any]:
    """Cleaned, non-empty filter values; an invalid filter is ignored (and shown on the form)."""
    form.is_valid()  # fills cleaned_data with the valid fields only
    return {k: v for k, v in form.cleaned_data.items() if v}


def add_service_errors(form: forms.Form, exc: ApplicationError | ValidationError) -> None:
    """Show a service's error next to the matching fields (or above the form)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            fields: dict[str, list[Any]] = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        else:
            fields = {"__all__": exc.messages}
        message = ""
    else:
        fields = exc.extra.get("fields", {}) or {}
        message = exc.message
    placed = False
    for field, errors in fields.items():
        for error in errors if isinstance(errors, list | tuple) else [errors]:
            form.add_error(field if field in form.fields else None, str(error))
            placed = True
    if not placed:
        form.add_error(None, message)
