from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ccehub.common.dateinput import GovukDateField
from ccehub.common.validators import MSG_DOB_FUTURE, normalise_postcode

MSG_PURPOSE_REQUIRED = "Enter why you are looking this child up"


class LookupForm(forms.Form):
    given_name = forms.CharField(max_length=100, required=False, label="Given name")
    family_name = forms.CharField(max_length=100, required=False, label="Family name")
    date_of_birth = GovukDateField(
        required=False,
        label="Date of birth",
        example_year=2008,
        help_text="As given, even if you doubt it. For example, 27 3 2008",
        error_messages={"invalid": "Date of birth must be a real date"},
    )
    sex = forms.ChoiceField(
        required=False, label="Sex", choices=[("", "Not known"), ("male", "Male"), ("female", "Female")]
    )
    postcode = forms.CharField(
        max_length=10, required=False, label="Postcode", help_text="Home postcode, if given"
    )
    purpose = forms.CharField(
        max_length=300,
        label="Why are you looking this child up?",
        help_text="For example: custody, arrested for PWITS, out of area. This is recorded.",
        error_messages={"required": MSG_PURPOSE_REQUIRED},
    )

    def clean_date_of_birth(self) -> date | None:
        # A date of birth in the future is a typing error: searching with it would answer "no match".
        value: date | None = self.cleaned_data.get("date_of_birth")
        if value is not None and value >= timezone.localdate():
            raise ValidationError(MSG_DOB_FUTURE)
        return value

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "").strip()
        return normalise_postcode(value) if value else ""

    def clean(self) -> dict:
        data = super().clean() or {}
        if not (data.get("given_name") or data.get("family_name") or data.get("date_of_birth")):
            self.add_error("given_name", "Enter a name or a date of birth")
        return data
