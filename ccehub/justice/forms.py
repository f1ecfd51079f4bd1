"""Forms for charges. The services re-check everything: forms only collect and explain."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from ccehub.common.dateinput import GovukDateField
from ccehub.justice.models import ChargeStatus, SentenceType
from ccehub.rules.offences import offence_labels
from ccehub.rules.prosecution import allowed_next

MSG_CHARGED_FUTURE = "The date charged must be today or in the past"

#: Hints for each step (W-4), shown under the option.
STEP_HINTS = {
    ChargeStatus.COURT_PROCEEDINGS: "The first hearing has been listed or held",
    ChargeStatus.DISCONTINUED: "The charge was dropped: say why below",
    ChargeStatus.CONVICTED: "Guilty plea or conviction",
    ChargeStatus.ACQUITTED_S45: "The court accepted the Modern Slavery Act 2015 section 45 defence",
    ChargeStatus.ACQUITTED_OTHER: "Acquitted on another ground",
}


class ChargeForm(forms.Form):
    offence = forms.ChoiceField(
        label="Offence charged",
        choices=[("", "Choose an offence"), *sorted(offence_labels().items(), key=lambda item: item[1])],
        error_messages={
            "required": "Choose the offence charged",
            "invalid_choice": "Choose an offence from the list",
        },
    )
    offence_description = forms.CharField(
        label="Description",
        max_length=200,
        required=False,
        help_text="As on the charge sheet, if it adds to the offence",
    )
    charged_on = GovukDateField(
        label="Date charged",
        help_text="For example, 27 3 2026",
        error_messages={
            "required": "Enter the date the child was charged",
            "invalid": "The date charged must be a real date",
        },
    )
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_charged_on(self) -> Any:
        day = self.cleaned_data["charged_on"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(MSG_CHARGED_FUTURE)
        return day


class ChargeStepForm(forms.Form):
    """Where a live charge went next: the W-4 steps open to its status."""

    to_status = forms.ChoiceField(
        label="What happened to the charge?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened to the charge"},
    )
    reason = forms.CharField(
        label="Reason or note",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required when the charge was dropped",
    )
    on = GovukDateField(
        label="When did it happen?",
        required=False,
        help_text="For example, 27 3 2026. Leave blank for today.",
        error_messages={"invalid": "The date must be a real date"},
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ChargeStatus.choices)
        field = self.fields["to_status"]
        field.choices = [(s.value, labels[s.value]) for s in allowed_next(current)]  # type: ignore[attr-defined]
        field.widget.item_hints = {k: v for k, v in STEP_HINTS.items() if k in dict(field.choices)}  # type: ignore[attr-defined]


class ProsecutionDecisionForm(forms.Form):
    """The decision on a stayed charge (J-03): continue, with a justification, or discontinue."""

    decision = forms.ChoiceField(
        label="Prosecution decision",
        widget=forms.RadioSelect,
        choices=[
            ("continue", "Continue the prosecution"),
            ("discontinue", "Discontinue the prosecution"),
        ],
        error_messages={"required": "Choose whether the prosecution continues"},
    )
    text = forms.CharField(
        label="Justification or reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Enter the justification or the reason"},
        help_text=(
            "To continue after a positive conclusive-grounds decision, record why the public interest "
            "still requires it (VCL and AN: a high bar)"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.item_hints = {  # type: ignore[attr-defined]
            "continue": "Only after the conclusive-grounds decision",
            "discontinue": "At any time: the child may be a victim of exploitation (R-09)",
        }


class CourtOutcomeForm(forms.Form):
    """What the court did: a remand while the charge is before it, or the sentence on a conviction."""

    decided_on = GovukDateField(
        label="Date of the hearing",
        help_text="For example, 27 3 2026",
        error_messages={
            "required": "Enter the date of the hearing",
            "invalid": "The date of the hearing must be a real date",
        },
    )
    remanded_in_custody = forms.BooleanField(label="Remanded in custody", required=False)
    sentence_type = forms.ChoiceField(
        label="Sentence",
        widget=forms.RadioSelect,
        required=False,
        choices=[("", "No sentence at this hearing"), *SentenceType.choices],
    )
    length_months = forms.IntegerField(
        label="Length of the sentence in months",
        required=False,
        min_value=1,
        max_value=240,
        help_text="Leave blank if not known",
        error_messages={"invalid": "Enter the length as a whole number of months, like 12"},
    )


class EndedEarlyForm(forms.Form):
    months = forms.IntegerField(
        label="After how many months did the sentence end?",
        min_value=1,
        max_value=240,
        error_messages={
            "required": "Enter after how many months the sentence ended",
            "invalid": "Enter the months as a whole number, like 5",
        },
    )
    reason = forms.CharField(
        label="Why did it end early?",
        max_length=200,
        help_text="For example, revoked early for good progress",
        error_messages={
            "required": "Enter why the sentence ended early (for example, revoked early for good progress)"
        },
    )
