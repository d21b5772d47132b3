"""Forms of the bureau's vetting pages.

Kept beside forms.py (which holds the bureau's filter forms) while that module is being reworked;
fold it back in once it is free.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from frontend.forms import field_label


class VettingDecisionForm(forms.Form):
    """A vetting decision needs a reason from the short list for that decision (as declining a request does).

    The note is internal; the service requires it for the reason "other" and the page shows that error
    next to the note.
    """

    reason = forms.ChoiceField(
        label=field_label(Organisation, "vetting_reason"),
        widget=forms.RadioSelect,
        help_text=_("The organisation can see the reason."),
    )
    note = forms.CharField(
        label=field_label(Organisation, "vetting_note"),
        required=False,
        max_length=Organisation._meta.get_field("vetting_note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Internal: seen by bureau staff only. Required when the reason is “Other reason”."),
    )

    def __init__(self, data: Any = None, *, status: str) -> None:
        super().__init__(data)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        # Only the reasons that fit this decision: an approval cannot be explained by a rejection reason.
        reason.choices = [(r.value, r.label) for r in Organisation.vetting_reasons(status)]
