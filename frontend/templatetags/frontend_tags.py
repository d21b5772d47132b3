from __future__ import annotations

from typing import Any

from django import template

from frontend.persona import get_persona
from reference import vocabulary

register = template.Library()


@register.inclusion_tag("frontend/includes/nav.html", takes_context=True)
def site_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    persona = get_persona(request) if request is not None else None
    return {"persona": persona}


@register.filter
def vocab(code: str, section: str) -> str:
    """{{ need.category|vocab:"need_categories" }} → label in the active language."""
    return vocabulary.label(section, code)


@register.filter
def term_list(manager: Any) -> list[Any]:
    """Terms of a prefetched relation in vocabulary order (no extra query)."""
    return sorted(manager.all(), key=lambda t: t.position)
