from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db.models import Model
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import EMPLOYEES_HELP, IndustryDetail, Membership, Organisation
from accounts.rules import corporate_number_is_valid
from accounts.scope import BureauScope, prefecture_region
from matching import selectors as matching_selectors
from matching.models import MAX_OUTCOME_VALUE_JPY, ConflictOfInterest, Introduction, IntroductionEvent, Outcome
from opportunities.models import Status, TargetKind
from programmes import selectors as programme_selectors
from programmes.models import Programme
from reference import vocabulary
from reference.jurisdictions import jurisdiction_choices


class SignupForm(forms.Form):
    KIND_CHOICES = [
        ("sme", _("SME")),
        ("buyer", _("Buyer (growth-sector company)")),
        ("expert", _("Expert (イノベP, DX coordinator, adviser…)")),
        ("support_org", _("Support organisation")),
    ]

    kind = forms.ChoiceField(label=_("I register as"), choices=KIND_CHOICES)
    organisation_name = forms.CharField(
        label=_("Organisation name"),
        required=False,
        max_length=200,
        help_text=_("Required for SMEs, buyers and support organisations."),
    )
    expert_type = forms.ChoiceField(label=_("Expert type"), required=False)
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), min_length=8
    )
    password_confirm = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    accept_terms = forms.BooleanField(label=_("I accept the terms of use and the privacy policy."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        expert_type = self.fields["expert_type"]
        assert isinstance(expert_type, forms.ChoiceField)
        expert_type.choices = [("", "—"), *vocabulary.choices("expert_types")]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "expert" and not data.get("expert_type"):
            self.add_error("expert_type", _("Choose your expert type."))
        if data.get("kind") in {"sme", "buyer", "support_org"} and not data.get("organisation_name"):
            self.add_error("organisation_name", _("Enter the name of your organisation."))
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("The two passwords differ."))
        data.pop("password_confirm", None)
        return data


# --- Vocabulary-backed choices -------------------------------------------------
# Choices are callables so they are computed per form in the active language.

BLANK = ("", "—")
ALL = ("", _("All"))

# Need categories are coded "<group>.<name>"; the vocabulary has no group labels.
# TODO(opportunities): move these into vocabulary.json as a "need_category_groups" section.
CATEGORY_GROUP_LABELS = {
    "price": _("Prices and cost pass-through"),
    "trade": _("Fair trade"),
    "tax": _("Tax"),
    "finance": _("Finance"),
    "labour": _("Labour"),
    "hr": _("Human resources"),
    "prod": _("Productivity"),
    "dx": _("Digital transformation (DX)"),
    "sales": _("Sales and markets"),
    "restructure": _("Business restructuring"),
    "gx": _("Green transformation (GX)"),
    "succession": _("Succession and M&A"),
    "rnd": _("Research and development"),
    "region": _("Regional business"),
    "growth": _("Growth sectors"),
    "subsidy": _("Subsidies"),
    "startup": _("Founding a business"),
}


def need_category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, text in vocabulary.choices("need_categories"):
        groups.setdefault(code.split(".", 1)[0], []).append((code, text))
    return [(str(CATEGORY_GROUP_LABELS.get(group, group)), items) for group, items in groups.items()]


def prefecture_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Prefectures grouped by region (北海道, 東北, …) in vocabulary order."""
    groups: dict[str, list[tuple[str, str]]] = {code: [] for code in vocabulary.entries("regions")}
    for code, entry in vocabulary.entries("prefectures").items():
        groups.setdefault(entry.get("region", ""), []).append((code, vocabulary.label("prefectures", code)))
    return [(vocabulary.label("regions", region), items) for region, items in groups.items() if items]


def _with_blank(choices: Callable[[], list[Any]], blank: Any = BLANK) -> Callable[[], list[Any]]:
    return lambda: [blank, *choices()]


def _section(section: str) -> Callable[[], list[tuple[str, str]]]:
    return lambda: vocabulary.choices(section)


class GroupedCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes with one <fieldset><legend> per choice group, laid out in columns.

    `select_all=True` adds "select all / clear" buttons per group (progressive
    enhancement by frontend/js/checkbox-groups.js; without JS they are absent).
    """

    template_name = "frontend/widgets/grouped_checkboxes.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, select_all: bool = False) -> None:
        super().__init__(attrs)
        self.select_all = select_all

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["select_all"] = self.select_all
        return context


def _terms(label: Any, section: str, *, help_text: Any = "", select_all: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=_section(section),
        widget=GroupedCheckboxSelectMultiple(select_all=select_all),
        help_text=help_text,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _nfkc(value: str) -> str:
    # Full-width digits and hyphens are common in Japanese input.
    return unicodedata.normalize("NFKC", value or "").strip()


def field_label(model: type[Model], field: str) -> Any:
    """A model field's translated verbose name as a form label, as a ModelForm would show it."""
    return capfirst(getattr(model._meta.get_field(field), "verbose_name", field))


class AccountEraseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone."))


class StatusFormMixin:
    """Status is draft/open when editing; a closed record may stay closed (or be reopened)."""

    def __init__(self, *args: Any, allow_closed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allow_closed:
            status = self.fields["status"]  # type: ignore[attr-defined]
            status.choices = [*status.choices, (Status.CLOSED, Status.CLOSED.label)]


# --- Organisation --------------------------------------------------------------


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    corporate_number = forms.CharField(
        label=_("Corporate number (法人番号)"),
        required=False,
        max_length=20,
        help_text=_("13 digits. Leave empty for sole proprietors."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False, choices=_with_blank(prefecture_choices))
    industry = forms.ChoiceField(
        label=_("Industry"),
        required=False,
        choices=_with_blank(_section("industries")),
        help_text=_("Used with capital and employees to work out the SME size class."),
    )
    industry_detail = forms.ChoiceField(
        label=_("Sub-industry"),
        required=False,
        choices=[BLANK, *IndustryDetail.choices],
        help_text=_("Only for the sub-industries with their own SME limits under the SME Basic Act's cabinet order."),
    )
    capital_jpy = forms.IntegerField(label=_("Capital (yen)"), required=False, min_value=0)
    employees = forms.IntegerField(label=_("Employees"), required=False, min_value=0, help_text=EMPLOYEES_HELP)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you make, what you are good at, who your customers are."),
    )
    sectors = _terms(_("Sectors"), "sectors")
    capabilities = _terms(_("Capabilities"), "capabilities")
    certifications = _terms(_("Certifications"), "certifications")
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=30)

    def clean_corporate_number(self) -> str:
        value = _nfkc(self.cleaned_data.get("corporate_number", "")).replace("-", "").replace(" ", "")
        if value and not corporate_number_is_valid(value):
            raise forms.ValidationError(_("Enter a valid corporate number: 13 digits with a correct check digit."))
        return value


# --- Needs ---------------------------------------------------------------------


class NeedForm(StatusFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_with_blank(need_category_choices))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The situation, what you have tried, and what a good result would be."),
    )
    target = forms.ChoiceField(label=_("Looking for"), choices=TargetKind.choices, initial=TargetKind.EXPERT)
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False, choices=_with_blank(prefecture_choices))
    sectors = _terms(_("Sectors"), "sectors")
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(Status.DRAFT, Status.DRAFT.label), (Status.OPEN, Status.OPEN.label)],
        initial=Status.OPEN,
        help_text=_("Only open needs receive proposals."),
    )


# --- Opportunities -------------------------------------------------------------


class OpportunityForm(StatusFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    target = forms.ChoiceField(label=_("Looking for"), choices=TargetKind.choices, initial=TargetKind.SME)
    sectors = _terms(_("Sectors"), "sectors")
    required_capabilities = _terms(_("Required capabilities"), "capabilities")
    required_certifications = _terms(
        _("Mandatory certifications"),
        "certifications",
        help_text=_("Suppliers without these certifications are not proposed."),
    )
    prefecture = forms.ChoiceField(
        label=_("Place of delivery"), required=False, choices=_with_blank(prefecture_choices)
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    budget_jpy = forms.IntegerField(label=_("Budget (yen)"), required=False, min_value=0)
    restricted = forms.BooleanField(
        label=_("Restricted"),
        required=False,
        help_text=_("Only organisations vetted by the bureau can see and answer it."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(Status.DRAFT, Status.DRAFT.label), (Status.OPEN, Status.OPEN.label)],
        initial=Status.OPEN,
    )

    def clean_deadline(self) -> date | None:
        deadline: date | None = self.cleaned_data.get("deadline")
        # Only a newly entered deadline must lie ahead; an old one may be kept as it is.
        if deadline and "deadline" in self.changed_data and deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return deadline


# --- Experts -------------------------------------------------------------------


class ExpertProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    expert_type = forms.ChoiceField(label=_("Expert type"), choices=_with_blank(_section("expert_types")))
    prefecture = forms.ChoiceField(label=_("Base prefecture"), required=False, choices=_with_blank(prefecture_choices))
    bio = forms.CharField(
        label=_("Profile"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Career, industries you know, typical results."),
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        choices=need_category_choices,
        widget=GroupedCheckboxSelectMultiple(),
        help_text=_("The kinds of needs you can help with."),
    )
    sectors = _terms(_("Sectors"), "sectors")
    regions = forms.MultipleChoiceField(
        label=_("Regions served"),
        required=False,
        choices=prefecture_choices,
        widget=GroupedCheckboxSelectMultiple(select_all=True),
        help_text=_("Leave all unticked if you work nationwide."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        max_value=100,
        help_text=_("How many engagements you can take on at the same time."),
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=30)


# --- Members -------------------------------------------------------------------


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


# --- List filters (GET) --------------------------------------------------------


class NeedFilterForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_with_blank(lambda: Status.choices, ALL))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_with_blank(need_category_choices, ALL))
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=_with_blank(_section("sectors"), ALL))
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False, choices=_with_blank(prefecture_choices, ALL))


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_with_blank(lambda: Status.choices, ALL))
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=_with_blank(_section("sectors"), ALL))
    capability = forms.ChoiceField(
        label=_("Capability"), required=False, choices=_with_blank(_section("capabilities"), ALL)
    )
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False, choices=_with_blank(prefecture_choices, ALL))


class BrowseFilterForm(OpportunityFilterForm):
    status = None  # type: ignore[assignment]  # only open opportunities are listed


class NotificationFilterForm(forms.Form):
    unread = forms.BooleanField(label=_("Unread only"), required=False)


# --- Conflicts of interest -----------------------------------------------------


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Organisation name"),
        required=False,
        max_length=100,
        help_text=_("Type part of the name, then pick the organisation in the results."),
    )


class ConflictForm(forms.Form):
    organisation = forms.IntegerField(
        label=field_label(ConflictOfInterest, "organisation"),
        error_messages={"required": _("Pick an organisation in the results.")},
    )
    reason = forms.CharField(
        label=field_label(ConflictOfInterest, "reason"),
        required=False,
        max_length=200,
        help_text=_("For example: same group, competitor, family relation. Only you and the bureau see it."),
    )


# --- Introductions -------------------------------------------------------------

IntroductionState = Introduction.State
# Proposed and dismissed rows are the requester's private shortlist; a candidate never sees them.
SHORTLIST_STATES = (IntroductionState.PROPOSED, IntroductionState.DISMISSED)
# An Engagement exists from acceptance on; it counts against capacity until closed.
ENGAGEMENT_STATES = (
    IntroductionState.ACCEPTED,
    IntroductionState.ENGAGED,
    IntroductionState.COMPLETED,
    IntroductionState.NO_DEAL,
)


class IntroductionMessageForm(forms.Form):
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SideFilterForm(forms.Form):
    """The side filter of the lists that show both sides of the double opt-in.

    Only a viewer who can be the requester (an organisation) gets it; an expert is always the candidate.
    """

    side = forms.ChoiceField(
        label=field_label(Outcome, "side"),
        required=False,
        choices=[
            ALL,
            (matching_selectors.REQUESTER, _("Requested by us")),
            (matching_selectors.CANDIDATE, _("Addressed to us")),
        ],
    )

    def __init__(self, *args: Any, requester: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not requester:
            del self.fields["side"]


class IntroductionListFilterForm(SideFilterForm):
    """Side, turn and state filters of the introductions list."""

    turn = forms.ChoiceField(
        label=_("Whose answer"),
        required=False,
        choices=[
            ALL,
            (matching_selectors.YOURS, _("Waiting for us")),
            (matching_selectors.THEIRS, _("Waiting for the other side")),
        ],
    )
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, requester: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, requester=requester, **kwargs)
        state = self.fields["state"]
        assert isinstance(state, forms.ChoiceField)
        states = [(v, label) for v, label in IntroductionState.choices if requester or v not in SHORTLIST_STATES]
        state.choices = [ALL, *states]


class EngagementFilterForm(SideFilterForm):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[ALL, *[(s.value, s.label) for s in ENGAGEMENT_STATES]]
    )


def _note(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    note = _note(field_label(ConflictOfInterest, "reason"))


class StartForm(forms.Form):
    note = _note(field_label(IntroductionEvent, "note"))


class DeclineForm(forms.Form):
    """Declining cannot be undone: a reason from the short list is required, a note is optional."""

    reason = forms.ChoiceField(
        label=field_label(Introduction, "decline_reason"),
        choices=Introduction.DeclineReason.choices,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the requester (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    result = forms.ChoiceField(
        label=field_label(Introduction, "status"),
        choices=[(s.value, s.label) for s in (IntroductionState.COMPLETED, IntroductionState.NO_DEAL)],
        widget=forms.RadioSelect,
    )
    note = _note(field_label(IntroductionEvent, "note"))


class OutcomeForm(forms.Form):
    deal = forms.TypedChoiceField(
        label=field_label(Outcome, "deal"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    value_jpy = forms.IntegerField(
        label=field_label(Outcome, "value_jpy"), required=False, min_value=0, max_value=MAX_OUTCOME_VALUE_JPY
    )
    feedback = forms.TypedChoiceField(
        label=field_label(Outcome, "feedback"),
        required=False,
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        help_text=_("1 = not useful, 5 = very useful."),
    )
    comment = forms.CharField(
        label=field_label(Outcome, "comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- Bureau pages -----------------------------------------------------------------------------------------------


class BureauFilterForm(forms.Form):
    since = forms.DateField(label=pgettext_lazy("period start", "From"), required=False, widget=DateInput())
    until = forms.DateField(label=pgettext_lazy("period end", "To"), required=False, widget=DateInput())
    region = forms.ChoiceField(label=_("Region"), required=False)
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    expert_type = forms.ChoiceField(label=_("Expert type"), required=False)

    def __init__(self, data: QueryDict | dict[str, Any], *, scope: BureauScope) -> None:
        super().__init__(data)
        self.scope = scope
        prefecture = self.fields["prefecture"]
        assert isinstance(prefecture, forms.ChoiceField)
        if scope.prefectures is None:
            region = self.fields["region"]
            assert isinstance(region, forms.ChoiceField)
            region.choices = [ALL, *jurisdiction_choices()]  # bureau jurisdictions, not geographic regions
            prefecture.choices = [ALL, *prefecture_choices()]
        else:
            # A regional bureau filters within its region; other prefectures are not even offered.
            del self.fields["region"]
            prefecture.choices = [ALL, *[(p, vocabulary.label("prefectures", p)) for p in scope.prefectures]]
        for name, section in (("sector", "sectors"), ("expert_type", "expert_types")):
            choice_field = self.fields[name]
            assert isinstance(choice_field, forms.ChoiceField)
            choice_field.choices = [ALL, *vocabulary.choices(section)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        region, prefecture = cleaned.get("region"), cleaned.get("prefecture")
        if region and prefecture and prefecture_region(prefecture) != region:
            self.add_error("prefecture", _("This prefecture is not in the selected region."))
        return cleaned


class VettingFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or corporate number"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Vetting status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False)

    def __init__(self, data: QueryDict, *, scope: BureauScope) -> None:
        super().__init__(data)
        status = self.fields["status"]
        kind = self.fields["kind"]
        prefecture = self.fields["prefecture"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(kind, forms.ChoiceField)
        assert isinstance(prefecture, forms.ChoiceField)
        status.choices = [
            ("", _("Awaiting a decision")),
            *Organisation.Vetting.choices,
            ("all", _("All")),
        ]
        kind.choices = [ALL, *[c for c in Organisation.Kind.choices if c[0] != Organisation.Kind.BUREAU]]
        if scope.prefectures is None:
            prefecture.choices = [ALL, *prefecture_choices()]
        else:
            prefecture.choices = [ALL, *[(p, vocabulary.label("prefectures", p)) for p in scope.prefectures]]


# --- Expert directory ---------------------------------------------------------------------------------------------


class ExpertDirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    skill = forms.ChoiceField(label=_("Skill"), required=False, choices=_with_blank(need_category_choices, ALL))
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=_with_blank(_section("sectors"), ALL))
    region = forms.ChoiceField(
        label=_("Prefecture served"), required=False, choices=_with_blank(prefecture_choices, ALL)
    )
    expert_type = forms.ChoiceField(
        label=_("Expert type"), required=False, choices=_with_blank(_section("expert_types"), ALL)
    )
    available = forms.BooleanField(label=_("With free capacity only"), required=False)
    # The value is the programme's code (a readable URL); cleaned, it is the Programme.
    programme = forms.ModelChoiceField(
        label=_("Registered with the programme"),
        required=False,
        queryset=programme_selectors.programme_list(),
        to_field_name="code",
        empty_label=_("All"),
    )


class PaidEngagementStartForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))

    def __init__(self, *args: Any, programmes: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.code, f"{p.name_ja}（¥{p.hourly_rate_jpy:,}/h）") for p in programmes]


class WorkLogForm(forms.Form):
    worked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.25"), max_value=Decimal("24"), decimal_places=2, max_digits=4
    )
    description = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class WorkDisputeForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with this entry?"), max_length=2000)


class InterestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the buyer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you can supply: materials, tolerances, volumes, lead times, certifications."),
    )


class _FiguresForm(forms.Form):
    """The three figures a programme's KPIs compare: the baseline at the start and each follow-up's."""

    value_added_jpy = forms.IntegerField(
        label=_("Value added (yen)"),
        min_value=0,
        required=False,
        help_text=_("Operating profit + personnel costs + depreciation, for the last fiscal year."),
    )
    payroll_jpy = forms.IntegerField(label=_("Total payroll (yen)"), min_value=0, required=False)
    labour_productivity_jpy = forms.IntegerField(
        label=_("Labour productivity (yen)"),
        min_value=0,
        required=False,
        help_text=_("Value added per worker."),
    )


class FollowUpForm(_FiguresForm):
    """The outcome follow-up's short form; the questions the programme's KPIs need are required."""

    new_sales_channel = forms.TypedChoiceField(
        label=_("Did the project open a new sales channel?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
    )
    commercialised = forms.TypedChoiceField(
        label=_("Have the results been commercialised?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, measures: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in measures:
            self.fields[name].required = True
        # Yes/no questions are asked only where a KPI counts them.
        for name in ("new_sales_channel", "commercialised"):
            if name not in measures:
                del self.fields[name]

    def answers(self) -> dict[str, Any]:
        return {k: (None if v == "" else v) for k, v in self.cleaned_data.items()}


class ProgrammeChoiceField(forms.ModelChoiceField[Programme]):
    def label_from_instance(self, obj: Programme) -> str:
        return obj.name_ja


class ParticipationForm(_FiguresForm):
    """An SME records a programme it took part in: the project's end and the figures before it (the baseline)."""

    programme = ProgrammeChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    ended_on = forms.DateField(
        label=_("Project ended on"),
        widget=DateInput(),
        help_text=_("The follow-up questions are asked one, three or five years after this date."),
    )
    field_order = ["programme", "ended_on"]

    def __init__(self, *args: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, ProgrammeChoiceField)
        field.queryset = programmes

    def figures(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("value_added_jpy", "payroll_jpy", "labour_productivity_jpy")}


class KpiTargetForm(forms.Form):
    target_percent = forms.DecimalField(
        label=_("Target (%)"), min_value=Decimal(0), max_value=Decimal(1000), max_digits=6, decimal_places=2
    )
