from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from opportunities import vocabulary


class SignupForm(forms.Form):
    KIND_CHOICES = [
        ("sme", _("SME (中小企業)")),
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
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)

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
        return data
