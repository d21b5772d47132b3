"""Matching data: recommendations, the introduction lifecycle, engagements, outcomes.

A query is a Need or an Opportunity; a candidate is an ExpertProfile or an
Organisation. Both are polymorphic through two nullable foreign keys with a
check constraint, plus a denormalised key ("need:12", "expert:5") that makes
uniqueness across the combinations one simple constraint.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Job, optional_user

# One trillion yen: above any SME deal; a typo of a few extra zeros would otherwise dominate the bureau's totals.
MAX_OUTCOME_VALUE_JPY = 10**12


def query_key(*, need_id: int | None = None, opportunity_id: int | None = None) -> str:
    return f"need:{need_id}" if need_id else f"opportunity:{opportunity_id}"


def candidate_key(*, expert_id: int | None = None, organisation_id: int | None = None) -> str:
    return f"expert:{expert_id}" if expert_id else f"org:{organisation_id}"


def exactly_one(first: str, second: str, *, name: str) -> models.CheckConstraint:
    """A check that exactly one of two nullable foreign keys is set (the polymorphic pairs)."""
    return models.CheckConstraint(
        condition=(Q(**{f"{first}__isnull": False}) & Q(**{f"{second}__isnull": True}))
        | (Q(**{f"{first}__isnull": True}) & Q(**{f"{second}__isnull": False})),
        name=name,
    )


def optional_fk(to: str, *, related_name: str, verbose_name: Any, on_delete: Any = models.CASCADE) -> Any:
    """A nullable side of an expert-xor-organisation (or need-xor-opportunity) pair."""
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=on_delete, related_name=related_name, verbose_name=verbose_name
    )


class QueryCandidate(models.Model):
    """Abstract: one query (need xor opportunity) → one candidate (expert xor organisation)."""

    need = optional_fk("opportunities.Need", related_name="+", verbose_name=_("need"))
    opportunity = optional_fk("opportunities.Opportunity", related_name="+", verbose_name=_("opportunity"))
    expert = optional_fk("accounts.ExpertProfile", related_name="+", verbose_name=_("expert"))
    organisation = optional_fk("accounts.Organisation", related_name="+", verbose_name=_("candidate organisation"))
    query_key = models.CharField(_("query"), max_length=40, editable=False, db_index=True)
    candidate_key = models.CharField(_("candidate"), max_length=40, editable=False)

    class Meta:
        abstract = True

    @staticmethod
    def xor_constraints(prefix: str) -> list[models.CheckConstraint]:
        return [
            exactly_one("need", "opportunity", name=f"{prefix}_one_query"),
            exactly_one("expert", "organisation", name=f"{prefix}_one_candidate"),
        ]

    def fill_keys(self) -> None:
        self.query_key = query_key(need_id=self.need_id, opportunity_id=self.opportunity_id)
        self.candidate_key = candidate_key(expert_id=self.expert_id, organisation_id=self.organisation_id)

    @property
    def query(self) -> Any:
        return self.need if self.need_id else self.opportunity

    @property
    def query_organisation_id(self) -> int:
        return int(self.query.organisation_id)

    @property
    def candidate(self) -> Any:
        return self.expert if self.expert_id else self.organisation

    @property
    def candidate_name(self) -> str:
        return str(self.candidate.name)


class ModelVersion(models.Model):
    """A trained ranking model; at most one is active and used for new recommendations."""

    class Decision(models.TextChoices):
        PROMOTED = "promoted", _("Promoted")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    version = models.CharField(_("version"), max_length=64, unique=True)
    path = models.CharField(_("model directory"), max_length=500, blank=True)
    metrics = models.JSONField(_("training metrics"), default=dict, blank=True)
    evaluation = models.JSONField(_("evaluation against the active model"), default=dict, blank=True)
    training_data_hash = models.CharField(_("training data hash"), max_length=64, blank=True)
    label_count = models.PositiveIntegerField(_("labels"), default=0)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("is_active",), condition=Q(is_active=True), name="modelversion_one_active")
        ]

    def __str__(self) -> str:
        return self.version


class RefreshJob(Job):
    """One recommendation refresh of a group of queries (kind + target); see core.models.Job."""

    kind = models.CharField(_("query kind"), max_length=12)
    target = models.CharField(_("target"), max_length=10)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    queries = models.PositiveIntegerField(_("queries ranked"), default=0)
    recommendations = models.PositiveIntegerField(_("recommendations written"), default=0)
    model_version = models.CharField(_("model version"), max_length=64, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("recommendation refresh")
        verbose_name_plural = _("recommendation refreshes")

    def __str__(self) -> str:
        return f"{self.kind}/{self.target} #{self.pk} ({self.state})"


class IndexVersion(Job):
    """One built candidate index of a kind under ML_INDEX_ROOT; rankers use the active version of each kind.

    Built from the database by a task (streamed, never the whole table in
    memory), written to its own directory and activated by flipping
    `is_active` in one transaction, so a ranker that loaded the previous
    version keeps a consistent view. Profiles changed after `watermark` are
    ranked from a small delta index until the next build folds them in.
    """

    class Kind(models.TextChoices):
        EXPERT = "expert", _("Experts")
        SME = "sme", _("SMEs")
        BUYER = "buyer", _("Buyers")

    kind = models.CharField(_("candidate kind"), max_length=10, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=80, unique=True)
    path = models.CharField(_("directory"), max_length=500)
    watermark = models.DateTimeField(_("data up to"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    rows = models.PositiveIntegerField(_("profiles"), default=0)
    size_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    build_seconds = models.FloatField(_("build time (s)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta(Job.Meta):
        verbose_name = _("candidate index")
        verbose_name_plural = _("candidate indexes")
        constraints = [
            models.UniqueConstraint(fields=("kind",), condition=Q(is_active=True), name="indexversion_one_active")
        ]

    def __str__(self) -> str:
        return self.version


class Recommendation(QueryCandidate):
    rank = models.PositiveIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    # The engine's calibrated 0-100 relevance, apart from `score` (which under the market policy is market value).
    relevance = models.FloatField(_("relevance"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    # A candidate that drops out of a later ranking is kept (its id stays valid for open pages) but not current.
    is_current = models.BooleanField(_("current"), default=True, db_index=True)
    policy = models.CharField(_("policy"), max_length=20, default="market")
    model_version = models.CharField(_("model version"), max_length=64, default="untrained")
    job = models.ForeignKey(
        RefreshJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("refresh")
    )
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ("query_key", "rank")
        constraints = [
            *QueryCandidate.xor_constraints("recommendation"),
            models.UniqueConstraint(fields=("query_key", "candidate_key"), name="recommendation_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.query_key} → {self.candidate_key} #{self.rank}"


class Introduction(QueryCandidate):
    """The double opt-in lifecycle of one query → candidate pair (see architecture.md)."""

    # History is kept: a need, opportunity, profile or organisation with introductions cannot be
    # deleted (close it instead); deleting it would take the append-only events with it.
    need = optional_fk("opportunities.Need", related_name="+", verbose_name=_("need"), on_delete=models.PROTECT)
    opportunity = optional_fk(
        "opportunities.Opportunity", related_name="+", verbose_name=_("opportunity"), on_delete=models.PROTECT
    )
    expert = optional_fk("accounts.ExpertProfile", related_name="+", verbose_name=_("expert"), on_delete=models.PROTECT)
    organisation = optional_fk(
        "accounts.Organisation", related_name="+", verbose_name=_("candidate organisation"), on_delete=models.PROTECT
    )

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        ENGAGED = "engaged", _("Engaged")
        COMPLETED = "completed", _("Completed")
        NO_DEAL = "no_deal", _("No deal")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DISMISSED = "dismissed", _("Dismissed")

    class DeclineReason(models.TextChoices):
        """Why a candidate declined: a short fixed list, so that the bureau can count the reasons."""

        NO_CAPACITY = "no_capacity", _("No capacity at the moment")
        NOT_MY_FIELD = "not_my_field", _("Not my field")
        TOO_FAR = "too_far", _("Too far away")
        CONFLICT = "conflict", _("Conflict of interest")
        OTHER = "other", _("Other reason")

    # Contact details of both sides are shown only in these states.
    CONTACT_STATES = frozenset({State.ACCEPTED, State.ENGAGED, State.COMPLETED, State.NO_DEAL})

    status = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED, db_index=True)
    # Snapshot of the recommendation that led here, for metrics by rank and model version.
    rank = models.PositiveIntegerField(_("rank when proposed"), null=True, blank=True)
    score = models.FloatField(_("score when proposed"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=64, blank=True)
    policy = models.CharField(_("policy"), max_length=20, blank=True)
    requested_by = optional_user(_("requested by"))
    request_message = models.TextField(_("request message"), blank=True)
    answer_message = models.TextField(_("answer message"), blank=True)
    decline_reason = models.CharField(_("decline reason"), max_length=20, choices=DeclineReason.choices, blank=True)
    # Who asked: the query's owner ("requester": an SME asking an expert, a buyer asking a supplier), or the
    # candidate ("candidate": an SME interested in a buyer's opportunity). The other side answers.
    initiated_by = models.CharField(
        _("asked by"),
        max_length=10,
        choices=[("requester", _("the need's or opportunity's owner")), ("candidate", _("the candidate"))],
        default="requester",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ("-created_at", "-id")
        constraints = [
            *QueryCandidate.xor_constraints("introduction"),
            models.UniqueConstraint(fields=("query_key", "candidate_key"), name="introduction_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.query_key} → {self.candidate_key} ({self.status})"

    @property
    def contacts_visible(self) -> bool:
        return self.status in self.CONTACT_STATES

    @property
    def answering_side(self) -> str:
        """The side that accepts or declines: the one that did not ask."""
        return "requester" if self.initiated_by == "candidate" else "candidate"


class IntroductionEvent(models.Model):
    """Append-only audit trail of an introduction: who moved it from which state to which, and why."""

    introduction = models.ForeignKey(
        Introduction, on_delete=models.PROTECT, related_name="events", verbose_name=_("introduction")
    )
    actor = optional_user(_("actor"), help_text=_("Empty for the system (reminders, expiry)."))
    actor_side = models.CharField(_("side"), max_length=10)  # requester / candidate / system
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # The outbox mark: written with the event, set once its notifications exist. An event whose
    # task was lost (broker down) is found by the sweep through the partial index below.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("introduction event")
        verbose_name_plural = _("introduction events")
        ordering = ("created_at", "id")
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(notified_at__isnull=True), name="introductionevent_unnotified"
            )
        ]

    def __str__(self) -> str:
        return f"{self.introduction_id}: {self.from_state or '-'} → {self.to_state}"


class Engagement(models.Model):
    """Accepted work, counted against the candidate's capacity until closed."""

    introduction = models.OneToOneField(
        Introduction, on_delete=models.PROTECT, related_name="engagement", verbose_name=_("introduction")
    )
    expert = optional_fk("accounts.ExpertProfile", related_name="engagements", verbose_name=_("expert"))
    organisation = optional_fk("accounts.Organisation", related_name="engagements", verbose_name=_("organisation"))
    accepted_at = models.DateTimeField(_("accepted at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        constraints = [exactly_one("expert", "organisation", name="engagement_one_candidate")]

    def __str__(self) -> str:
        return f"engagement of introduction {self.introduction_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Outcome(models.Model):
    """What came of an introduction, as recorded by one side (each side may record its own)."""

    class Side(models.TextChoices):
        REQUESTER = "requester", _("Requester")
        CANDIDATE = "candidate", _("Candidate")

    introduction = models.ForeignKey(
        Introduction, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("introduction")
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    deal = models.BooleanField(_("deal"))
    value_jpy = models.BigIntegerField(
        _("value (yen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_OUTCOME_VALUE_JPY)],
    )
    feedback = models.PositiveSmallIntegerField(
        _("feedback (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(fields=("introduction", "side"), name="outcome_one_per_side"),
            models.CheckConstraint(
                condition=Q(feedback__isnull=True) | (Q(feedback__gte=1) & Q(feedback__lte=5)),
                name="outcome_feedback_1_5",
            ),
            models.CheckConstraint(
                condition=Q(value_jpy__isnull=True) | (Q(value_jpy__gte=0) & Q(value_jpy__lte=MAX_OUTCOME_VALUE_JPY)),
                name="outcome_value_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"outcome of {self.introduction_id} ({self.side})"


class ConflictOfInterest(models.Model):
    """An expert or organisation must never be matched with `organisation` (own group, competitor, relative)."""

    expert = optional_fk("accounts.ExpertProfile", related_name="conflicts", verbose_name=_("declared by expert"))
    declared_by_organisation = optional_fk(
        "accounts.Organisation", related_name="declared_conflicts", verbose_name=_("declared by organisation")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("never match with")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ("-created_at", "-id")
        constraints = [
            exactly_one("expert", "declared_by_organisation", name="conflict_one_declarer"),
            models.UniqueConstraint(
                fields=("expert", "organisation"), condition=Q(expert__isnull=False), name="conflict_unique_expert"
            ),
            models.UniqueConstraint(
                fields=("declared_by_organisation", "organisation"),
                condition=Q(declared_by_organisation__isnull=False),
                name="conflict_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert or self.declared_by_organisation} ⟂ {self.organisation}"


class Notification(models.Model):
    """One message in a user's in-app inbox; the same text is e-mailed once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=40)
    # Makes sending idempotent: one notification per (user, key), e.g. "event:42", "reminder:7".
    key = models.CharField(_("deduplication key"), max_length=80)
    introduction = models.ForeignKey(
        Introduction, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("introduction")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Failed sends (SMTP down) are retried by the sweep up to EMAIL_MAX_ATTEMPTS; the last error is kept.
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_error = models.TextField(_("last e-mail error"), blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        constraints = [models.UniqueConstraint(fields=("user", "key"), name="notification_unique_key")]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(emailed_at__isnull=True), name="notification_unsent")
        ]

    def __str__(self) -> str:
        return self.title
