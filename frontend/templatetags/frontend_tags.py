from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from frontend.persona import get_persona
from reference import vocabulary

register = template.Library()


@register.inclusion_tag("frontend/includes/nav.html", takes_context=True)
def site_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    persona = get_persona(request) if request is not None else None
    return {"persona": persona}


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """{% unread_notifications as n %}: the navigation's unread count, for the menu toggle of narrow screens.

    The same (cached) count as the navigation's own badge, and 0 for personas without notifications.
    """
    request = context.get("request")
    persona = get_persona(request) if request is not None else None
    if persona is None:
        return 0
    return next((item.badge() for item in persona.nav if item.badge is not None), 0)


@register.simple_tag(takes_context=True)
def sees_suppliers(context: dict[str, Any]) -> bool:
    """{% sees_suppliers as can_link %}: whether to link candidate names to the supplier pages."""
    request = context.get("request")
    persona = get_persona(request) if request is not None else None
    return persona is not None and persona.sees_suppliers


@register.filter
def vocab(code: str, section: str) -> str:
    """{{ need.category|vocab:"need_categories" }} → label in the active language."""
    return vocabulary.label(section, code)


@register.filter
def term_list(manager: Any) -> list[Any]:
    """Terms of a prefetched relation in vocabulary order (no extra query)."""
    return sorted(manager.all(), key=lambda t: t.position)


_EVIDENCE_SECTIONS = {
    "sector": "sectors",
    "capability": "capabilities",
    "certification": "certifications",
    "need_category": "need_categories",
    "expert_type": "expert_types",
    "region": "prefectures",
}


@register.filter
def evidence_text(item: dict[str, Any]) -> str:
    """One piece of the engine's structured evidence, in the page's language."""
    kind = item.get("kind", "")
    if kind == "keyword":
        return _("Key words: %(text)s") % {"text": item.get("text", "")}
    if kind == "nationwide":
        return str(_("Works nationwide"))
    section = _EVIDENCE_SECTIONS.get(kind)
    if section is None:
        return str(item.get("text", ""))
    label = vocabulary.label(section, item.get("code", ""))
    templates = {
        "sector": _("Sector: %(label)s"),
        "capability": _("Capability: %(label)s"),
        "certification": _("Certification held: %(label)s"),
        "need_category": _("Area of help: %(label)s"),
        "expert_type": _("Expert type: %(label)s"),
        "region": _("Serves %(label)s"),
    }
    return templates[kind] % {"label": label}
