"""Whether an organisation qualifies for a programme, rule by rule, with the reason for each.

Rules are data on the programme (``Programme.eligibility``), one dict each:

- ``{"kind": "size_class", "in": ["small"]}``: the 中小企業基本法 size class
  (小規模事業者 "small", 中小企業 "sme", "large"), derived from industry,
  capital and employees;
- ``{"kind": "industry", "in": ["manufacturing"]}``;
- ``{"kind": "region", "in": ["04"]}``: the organisation's prefecture;
- ``{"kind": "partner", "any_of": ["university", "public_research_institute"]}``,
  ``{"kind": "document", "name_ja": …}``, ``{"kind": "joint_applicant", "name_ja": …}``:
  things the SME must arrange; shown as what is missing, never refused.

Hard rules (size class, industry, region) pass or fail; when the data to
decide is missing (capital and employees unknown) the rule says so and
the programme is not shown as eligible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reference import vocabulary

HARD = ("size_class", "industry", "region")
ACTIONS = ("partner", "document", "joint_applicant")
SIZE_CLASSES = ("small", "sme", "large")
PARTNERS = ("university", "public_research_institute", "chamber_of_commerce", "it_vendor")


def rule_problems(rules: Any) -> list[str]:
    """What is wrong with a list of rules (for the admin's validation); empty when it is usable."""
    if not isinstance(rules, list):
        return ["eligibility must be a list of rules"]
    problems: list[str] = []
    for i, rule in enumerate(rules):
        kind = rule.get("kind") if isinstance(rule, dict) else None
        if kind not in HARD + ACTIONS:
            problems.append(f"rule {i}: unknown kind {kind!r}")
        elif kind in HARD and not (isinstance(rule.get("in"), list) and rule["in"]):
            problems.append(f"rule {i}: {kind} needs a non-empty list 'in'")
        elif kind == "size_class" and set(rule["in"]) - set(SIZE_CLASSES):
            problems.append(f"rule {i}: size classes are {', '.join(SIZE_CLASSES)}")
        elif kind == "partner" and not (isinstance(rule.get("any_of"), list) and rule["any_of"]):
            problems.append(f"rule {i}: partner needs a non-empty list 'any_of'")
        elif kind in ("document", "joint_applicant") and not rule.get("name_ja"):
            problems.append(f"rule {i}: {kind} needs 'name_ja'")
    return problems


@dataclass(frozen=True)
class RuleResult:
    kind: str
    passed: bool | None  # None: cannot be decided from the profile (shown as missing information)
    reason: str


@dataclass
class Eligibility:
    programme: Any
    passed: list[RuleResult] = field(default_factory=list)
    failed: list[RuleResult] = field(default_factory=list)
    unknown: list[RuleResult] = field(default_factory=list)
    to_arrange: list[RuleResult] = field(default_factory=list)
    next_deadline: dt.date | None = None

    @property
    def eligible(self) -> bool:
        return not self.failed and not self.unknown


def _labels(section: str, codes: list[str]) -> str:
    return ", ".join(str(vocabulary.label(section, code) or code) for code in codes)


SIZE_LABELS = {
    "small": gettext_lazy("small business"),
    "sme": gettext_lazy("SME"),
    "large": gettext_lazy("large enterprise"),
}
PARTNER_LABELS = {
    "university": gettext_lazy("a university"),
    "public_research_institute": gettext_lazy("a public research institute (公設試)"),
    "chamber_of_commerce": gettext_lazy("a chamber of commerce (商工会・商工会議所)"),
    "it_vendor": gettext_lazy("a registered IT vendor"),
}


def _hard(rule: dict[str, Any], organisation: Any) -> RuleResult:
    kind, allowed = rule["kind"], list(rule["in"])
    if kind == "size_class":
        wanted = ", ".join(str(SIZE_LABELS.get(c, c)) for c in allowed)
        actual = organisation.size_class
        if actual is None:
            return RuleResult(
                kind, None, _("Needs %(wanted)s: enter capital and employees to check.") % {"wanted": wanted}
            )
        ok = actual in allowed
        label = str(SIZE_LABELS.get(actual, actual))
        return RuleResult(
            kind,
            ok,
            (_("Size class %(actual)s: accepted.") if ok else _("Size class %(actual)s: needs %(wanted)s."))
            % {"actual": label, "wanted": wanted},
        )
    section = "industries" if kind == "industry" else "prefectures"
    actual = organisation.industry if kind == "industry" else organisation.prefecture
    wanted = _labels(section, allowed)
    if not actual:
        return RuleResult(kind, None, _("Needs %(wanted)s: not given in the company profile.") % {"wanted": wanted})
    ok = actual in allowed
    label = vocabulary.label(section, actual) or actual
    return RuleResult(
        kind,
        ok,
        (_("%(actual)s: accepted.") if ok else _("%(actual)s: only %(wanted)s.")) % {"actual": label, "wanted": wanted},
    )


def _action(rule: dict[str, Any]) -> RuleResult:
    kind = rule["kind"]
    if kind == "partner":
        partners = str(_(" or ")).join(str(PARTNER_LABELS.get(p, p)) for p in rule["any_of"])
        return RuleResult(kind, None, _("Needs a partner: %(partners)s.") % {"partners": partners})
    if kind == "document":
        return RuleResult(kind, None, _("Needs a document: %(name)s.") % {"name": rule["name_ja"]})
    return RuleResult(kind, None, _("Apply jointly with: %(name)s.") % {"name": rule["name_ja"]})


def evaluate(programme: Any, organisation: Any, *, today: dt.date | None = None) -> Eligibility:
    """Each rule of `programme` checked against `organisation`, and the programme's next deadline."""
    today = today or timezone.localdate()
    result = Eligibility(programme=programme)
    for rule in programme.eligibility or []:
        if rule["kind"] in HARD:
            outcome = _hard(rule, organisation)
            {True: result.passed, False: result.failed, None: result.unknown}[outcome.passed].append(outcome)
        else:
            result.to_arrange.append(_action(rule))
    upcoming = [r.closes_on for r in programme.rounds.all() if r.closes_on >= today]
    result.next_deadline = min(upcoming) if upcoming else None
    return result
