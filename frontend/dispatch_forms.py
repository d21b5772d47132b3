"""Forms of the prefectural dispatch pages: apply, screen, assign, visits, report, filters, desk figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontend.forms import ALL, _with_blank, prefecture_choices
from programmes.models import DispatchRequest, fiscal_year_of

Reason = DispatchRequest.Reason


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class DispatchApplyForm(forms.Form):
    description = forms.CharField(
        label=_("What would you like the expert to help with?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The desk screens the application (書類選考) and then chooses an expert to visit your firm."),
    )


class DispatchScreenForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “Other reason”. The firm sees the reason and the note."),
    )

    def __init__(self, *args: Any, accept: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reasons = DispatchRequest.ACCEPT_REASONS if accept else DispatchRequest.REJECT_REASONS
        _choice_field(self, "reason").choices = [(r.value, r.label) for r in reasons]


class DispatchAssignForm(forms.Form):
    expert = forms.TypedChoiceField(label=_("Expert"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, experts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "expert").choices = [(e.pk, e.name) for e in experts]


class DispatchVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date of the visit"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(
        label=_("What was done"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DispatchReportForm(forms.Form):
    report = forms.CharField(
        label=_("Report"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What was advised, what the firm will do next. The report closes the request."),
    )


def _status_choices() -> list[tuple[str, Any]]:
    return [("", _("Open")), ("all", _("All")), *DispatchRequest.Status.choices]


class DispatchFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("State"), required=False, choices=_status_choices)
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False, choices=_with_blank(prefecture_choices, ALL))


def _fiscal_years() -> list[tuple[int, str]]:
    this = fiscal_year_of(timezone.localdate())
    return [(y, _("FY%(year)s") % {"year": y}) for y in range(this, this - 6, -1)]


class FiscalYearForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False, choices=_fiscal_years)


class DeskConsultationForm(forms.Form):
    prefecture = forms.ChoiceField(label=_("Prefecture"))
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    count = forms.IntegerField(label=_("Consultations at the desk"), min_value=0, max_value=1_000_000)

    def __init__(self, *args: Any, prefectures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "prefecture").choices = prefectures

    def clean_month(self) -> dt.date:
        month: dt.date = self.cleaned_data["month"]
        return month.replace(day=1)
