"""Notifications: an in-app inbox row per recipient, and the same text by e-mail, once.

Rows are keyed by (user, key) so a re-run of the task (retry, redelivery)
creates nothing new. Two outboxes make sure nothing is lost when the broker
or the mail server is down:

- an IntroductionEvent is written in the transition's transaction with
  `notified_at` empty; its notifications are created (and the mark set) in
  one transaction by the task, or by `notifications_sweep` if the task's
  message never arrived;
- a Notification whose e-mail has not gone out has `emailed_at` empty; the
  e-mail is sent while the row is locked and marked sent only after the mail
  server took it. A failure is counted and kept (`email_error`) and retried
  by the sweep up to EMAIL_MAX_ATTEMPTS times, never raised into the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from matching.models import Introduction, IntroductionEvent, Notification
from matching.selectors import CANDIDATE, REQUESTER

logger = logging.getLogger(__name__)
State = Introduction.State
EMAIL_MAX_ATTEMPTS = 5
# Work younger than this is still in the hands of its task; the sweep leaves it alone.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500

# Which side hears about each transition.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    State.REQUESTED: (CANDIDATE,),
    State.ACCEPTED: (REQUESTER,),
    State.DECLINED: (REQUESTER,),
    State.WITHDRAWN: (CANDIDATE,),
    State.EXPIRED: (REQUESTER, CANDIDATE),
    State.ENGAGED: (REQUESTER, CANDIDATE),
    State.COMPLETED: (REQUESTER, CANDIDATE),
    State.NO_DEAL: (REQUESTER, CANDIDATE),
}


# The transitions between the side that asks and the side that answers.
ASKED_AND_ANSWERED = (State.REQUESTED, State.ACCEPTED, State.DECLINED, State.WITHDRAWN)


def _side_users(introduction: Introduction, side: str) -> list[User]:
    if side == REQUESTER:
        org_id = introduction.query_organisation_id
    elif introduction.expert_id:
        expert = introduction.expert
        return [expert.user] if expert is not None and expert.user is not None and expert.user.is_active else []
    else:
        org_id = introduction.organisation_id  # type: ignore[assignment]
    return [
        m.user for m in Membership.objects.filter(organisation_id=org_id, user__is_active=True).select_related("user")
    ]


def _texts(kind: str, introduction: Introduction, note: str) -> tuple[str, str]:
    """Title and body in the active language (the caller overrides it with the recipient's)."""
    query_title = introduction.query.title
    candidate = introduction.candidate_name
    titles = {
        State.REQUESTED: _("New introduction request: %(query)s"),
        State.ACCEPTED: _("%(candidate)s accepted your introduction request"),
        State.DECLINED: _("%(candidate)s declined your introduction request"),
        State.WITHDRAWN: _("An introduction request was withdrawn: %(query)s"),
        State.EXPIRED: _("An introduction request expired without an answer: %(query)s"),
        State.ENGAGED: _("The engagement has started: %(query)s"),
        State.COMPLETED: _("The engagement was completed with a deal: %(query)s"),
        State.NO_DEAL: _("The engagement was closed without a deal: %(query)s"),
        "reminder": _("Reminder: an introduction request is waiting for your answer: %(query)s"),
    }
    title = titles[kind] % {"query": query_title, "candidate": candidate}
    lines = [title, "", _("Need or opportunity: %(query)s") % {"query": query_title}]
    lines.append(_("Candidate: %(candidate)s") % {"candidate": candidate})
    if note:
        lines += ["", _("Message: %(note)s") % {"note": note}]
    if kind == State.ACCEPTED:
        lines += ["", _("Contact details of both sides are now shown on the introduction page.")]
    return title[:200], "\n".join(lines)


def _notify(
    *,
    introduction: Introduction,
    sides: tuple[str, ...],
    kind: str,
    key: str,
    note: str = "",
    event_id: int | None = None,
) -> list[int]:
    created_ids: list[int] = []
    with transaction.atomic():
        for side in sides:
            for user in _side_users(introduction, side):
                with translation.override(user.locale):
                    title, body = _texts(kind, introduction, note)
                notification, created = Notification.objects.get_or_create(
                    user=user,
                    key=key,
                    defaults={
                        "kind": f"introduction_{kind}",
                        "introduction": introduction,
                        "title": title,
                        "body": body,
                        "url": f"/introductions/{introduction.pk}/",
                    },
                )
                if created:
                    created_ids.append(notification.pk)
        if event_id is not None:
            IntroductionEvent.objects.filter(pk=event_id, notified_at__isnull=True).update(notified_at=timezone.now())
        ids = list(created_ids)
        # E-mail leaves the process: only after the inbox rows are committed.
        transaction.on_commit(lambda: notifications_email(notification_ids=ids))
    return created_ids


def notifications_email(*, notification_ids: list[int]) -> int:
    """E-mail these notifications, each at most once; returns how many went out. Never raises for SMTP."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            # The row lock keeps two senders (task and sweep) from both sending; skip_locked
            # lets the second move on. The mark is set only once the mail server took it.
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, emailed_at__isnull=True)
                .select_related("user")
                .first()
            )
            if notification is None:
                continue
            user = notification.user
            try:
                with translation.override(user.locale):
                    send_mail(
                        subject=notification.title,
                        message=notification.body,
                        from_email=None,
                        recipient_list=[user.email],
                        fail_silently=False,
                    )
            except Exception as exc:  # SMTP down, refused, timed out: keep it for the sweep
                notification.email_attempts += 1
                notification.email_error = repr(exc)[:1000]
                notification.save(update_fields=["email_attempts", "email_error"])
                logger.warning(
                    "e-mail of notification %s failed (attempt %s): %r", pk, notification.email_attempts, exc
                )
                continue
            notification.emailed_at = timezone.now()
            notification.email_error = ""
            notification.save(update_fields=["emailed_at", "email_error"])
        sent += 1
    return sent


def notifications_sweep(*, now: Any = None) -> dict[str, int]:
    """Notify events whose task was lost, and retry e-mails that failed; the periodic safety net."""
    now = now or timezone.now()
    events = list(
        IntroductionEvent.objects.filter(notified_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for event_id in events:
        notification_send_for_event(event_id=event_id)
    unsent = list(
        Notification.objects.filter(
            emailed_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS, created_at__lt=now - SWEEP_GRACE
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return {"events": len(events), "emailed": notifications_email(notification_ids=unsent)}


def notification_send_for_event(*, event_id: int) -> list[int]:
    """Notify the side(s) concerned by one introduction event; idempotent per (user, event)."""
    event = IntroductionEvent.objects.select_related(
        "introduction__need__organisation",
        "introduction__opportunity__organisation",
        "introduction__expert__user",
        "introduction__organisation",
    ).get(pk=event_id)
    sides = RECIPIENTS.get(event.to_state, ())
    if event.introduction.initiated_by == CANDIDATE and event.to_state in ASKED_AND_ANSWERED:
        # An SME's interest in an opportunity: the buyer was asked, so the roles of the two sides swap.
        sides = tuple(REQUESTER if side == CANDIDATE else CANDIDATE for side in sides)
    if event.to_state == State.WITHDRAWN and event.from_state == State.PROPOSED:
        sides = ()  # the candidate never heard of a proposal; nothing to tell
    if not sides:
        IntroductionEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(notified_at=timezone.now())
        return []
    return _notify(
        introduction=event.introduction,
        sides=sides,
        kind=event.to_state,
        key=f"event:{event.pk}",
        note=event.note,
        event_id=event.pk,
    )


def notification_send_reminder(*, introduction_id: int) -> list[int]:
    introduction = Introduction.objects.select_related(
        "need__organisation", "opportunity__organisation", "expert__user", "organisation"
    ).get(pk=introduction_id)
    answering = introduction.answering_side
    return _notify(introduction=introduction, sides=(answering,), kind="reminder", key=f"reminder:{introduction_id}")


def notification_send_to_organisation(
    *, organisation_id: int, kind: str, key: str, texts: Callable[[], tuple[str, str]], url: str
) -> list[int]:
    """Notify every active member of an organisation (not about an introduction, e.g. a follow-up reminder).

    ``texts`` returns the title and body; it is called in each recipient's language. Idempotent per (user, key).
    """
    created_ids: list[int] = []
    with transaction.atomic():
        members = Membership.objects.filter(organisation_id=organisation_id, user__is_active=True).select_related(
            "user"
        )
        for membership in members:
            user = membership.user
            with translation.override(user.locale):
                title, body = texts()
            notification, created = Notification.objects.get_or_create(
                user=user, key=key, defaults={"kind": kind, "title": title[:200], "body": body, "url": url}
            )
            if created:
                created_ids.append(notification.pk)
        ids = list(created_ids)
        transaction.on_commit(lambda: notifications_email(notification_ids=ids))
    return created_ids


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
