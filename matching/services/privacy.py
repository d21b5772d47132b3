"""The matching app's part of a user's personal data: their copy, and erasure (see accounts.privacy)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from matching.models import ConflictOfInterest, IntroductionEvent, Notification, Outcome


def matching_data_export(sender: Any, user: User, **kwargs: Any) -> dict[str, Any]:
    return {
        "introduction_events": [
            {
                "introduction": e.introduction_id,
                "when": e.created_at.isoformat(),
                "from": e.from_state,
                "to": e.to_state,
                "note": e.note,
            }
            for e in IntroductionEvent.objects.filter(actor=user).order_by("created_at", "id")
        ],
        "outcomes": [
            {
                "introduction": o.introduction_id,
                "side": o.side,
                "deal": o.deal,
                "value_jpy": o.value_jpy,
                "feedback": o.feedback,
                "comment": o.comment,
            }
            for o in Outcome.objects.filter(recorded_by=user).order_by("id")
        ],
        "conflicts_declared": [
            {"organisation": c.organisation.name, "reason": c.reason, "when": c.created_at.isoformat()}
            for c in ConflictOfInterest.objects.filter(created_by=user).select_related("organisation")
        ],
        "notifications": [
            {"title": n.title, "body": n.body, "when": n.created_at.isoformat()}
            for n in Notification.objects.filter(user=user).order_by("created_at", "id")
        ],
    }


def matching_data_erase(sender: Any, user: User, **kwargs: Any) -> None:
    """Remove what the user wrote or received; keep states, decisions and outcome figures for the aggregates."""
    Notification.objects.filter(user=user).delete()
    IntroductionEvent.objects.filter(actor=user).exclude(note="").update(note="")
    Outcome.objects.filter(recorded_by=user).exclude(comment="").update(comment="")
