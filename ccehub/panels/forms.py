"""Forms for the panel journeys. Forms collect and explain; the services re-validate everything.

Messages a user can see are constants; the services' own messages reach the form through
:func:`apply_service_errors`, so the GOV.UK error summary lists what to fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.nrm.models import ExploitationType, ReferralRationale
from ccehub.panels.models import PanelDecisionType, PanelMember, RecipientRole

MSG_CHILD: Final = "Select the child you are referring"
MSG_REFERRED_ON: Final = "Enter the date of the referral"
MSG_DATE_REAL: Final = "{label} must be a real date"
MSG_COUNTY_LINES: Final = "Select whether the case is flagged as county lines"
MSG_RATIONALE_CODE: Final = "Select why you are referring"
MSG_RATIONALE: Final = "Enter why you are referring this child"
MSG_INCIDENT: Final = "Select the incident the referral is about, or that it is not linked to one"
MSG_ROLE: Final = "Select who you are asking"
MSG_AGENCY: Final = "Select their agency"
MSG_NAME: Final = "Enter the name of the person you are asking"
MSG_QUESTION: Final = "Enter your question"
MSG_DUE: Final = "Enter the date the answer is due"
MSG_RESPONSE: Final = "Enter the information"
MSG_HELD_ON: Final = "Enter the date of the meeting"
MSG_EXTRA_REASON: Final = "Say why the panel needs an extraordinary sitting"
MSG_PRESENT: Final = "Select the members who attended"
MSG_CHAIR: Final = "Select who chaired the meeting"
MSG_DECISION: Final = "Select the panel's decision"
MSG_DECISION_RATIONALE: Final = "Enter the panel's rationale for the decision"
MSG_EVIDENCE: Final = "List the evidence the panel considered, one item on each line"
MSG_QA_REASON: Final = "Enter why the decision is returned to the panel"
MSG_QA_RESPONSE: Final = "Enter the panel's response to the return"

NOT_LINKED = "none"
YES, NO = "yes", "no"

#: Service field names that differ from the form's.
SERVICE_TO_FORM_FIELD: dict[str, str] = {
    "linked_incident": "incident",
    "county_lines_flag": "county_lines",
    "evidence_considered": "evidence",
}


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's :class:`ValidationError` against the right form fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = SERVICE_TO_FORM_FIELD.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _date(label: str, required: bool = True, help_text: str = "For example, 27 3 2026") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.SelectDateWidget,
        help_text=help_text,
        error_messages={
            "invalid": MSG_DATE_REAL.format(label=label),
            "required": f"Enter the {label.lower()}",
        },
    )


def _text(
    label: str, message: str, *, required: bool = True, help_text: str = "", rows: int = 5
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message},
    )


class ChildChoiceForm(forms.Form):
    child = forms.ChoiceField(label="Which child are you referring?", error_messages={"required": MSG_CHILD})

    def __init__(self, *args: Any, children: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", "Select a child"), *children]


class ReferralForm(forms.Form):
    referred_on = _date("Date of the referral")
    incident = forms.ChoiceField(
        label="Which incident is the referral about?",
        widget=forms.RadioSelect,
        error_messages={"required": MSG_INCIDENT},
    )
    county_lines = forms.ChoiceField(
        label="Is the case flagged as county lines?",
        choices=[(YES, "Yes"), (NO, "No")],
        widget=forms.RadioSelect,
        help_text="County-lines cases go to the local CCE panel where one serves the child's home area (F-05)",
        error_messages={"required": MSG_COUNTY_LINES},
    )
    exploitation_type = forms.ChoiceField(
        label="Type of exploitation", choices=ExploitationType.choices, initial=ExploitationType.CRIMINAL
    )
    rationale_code = forms.ChoiceField(
        label="Why are you referring?",
        choices=ReferralRationale.choices,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_RATIONALE_CODE},
    )
    rationale = _text(
        "What have you seen or been told?",
        MSG_RATIONALE,
        help_text="The NRM threshold is suspicion. Do not name other people: use their record references.",
    )

    def __init__(self, *args: Any, incidents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].choices = [*incidents, (NOT_LINKED, "Not linked to an incident")]


class InformationRequestForm(forms.Form):
    recipient_role = forms.ChoiceField(
        label="Who are you asking?",
        choices=[("", "Select"), *list(RecipientRole.choices)],
        error_messages={"required": MSG_ROLE},
    )
    recipient_agency = forms.ModelChoiceField(
        label="Their agency",
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        error_messages={"required": MSG_AGENCY},
    )
    recipient_name = forms.CharField(
        label="Their name", max_length=150, error_messages={"required": MSG_NAME}
    )
    question = _text("What do you need to know?", MSG_QUESTION)
    due_on = _date("Date the answer is due")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient_agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Agency.objects.filter(
            active=True,
            kind__in=[
                AgencyKind.LA_CHILDRENS_SERVICES,
                AgencyKind.YOUTH_OFFENDING_TEAM,
                AgencyKind.POLICE_FORCE,
                AgencyKind.HEALTH,
            ],
        ).order_by("name")
        field.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]


class ResponseForm(forms.Form):
    response = _text(
        "Your answer", MSG_RESPONSE, help_text="Do not name other people: use their record references."
    )


class MeetingForm(forms.Form):
    held_on = _date("Date of the meeting")
    extraordinary = forms.BooleanField(
        label="This is an extra sitting this month",
        required=False,
        help_text="The panel meets monthly. An extra sitting needs a reason.",
    )
    extraordinary_reason = _text("Why is an extra sitting needed?", MSG_EXTRA_REASON, required=False, rows=3)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("extraordinary") and not (data.get("extraordinary_reason") or "").strip():
            self.add_error("extraordinary_reason", MSG_EXTRA_REASON)
        return data


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: PanelMember) -> str:
        return f"{obj.name} ({obj.get_sector_display()})"


class ChairChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PanelMember) -> str:
        return f"{obj.name} ({obj.get_sector_display()})"


class AttendanceForm(forms.Form):
    present = MemberChoiceField(
        label="Who attended?",
        queryset=PanelMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": MSG_PRESENT},
    )
    chair = ChairChoiceField(
        label="Who chaired?",
        queryset=PanelMember.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": MSG_CHAIR},
    )

    def __init__(self, *args: Any, members: QuerySet[PanelMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members  # type: ignore[attr-defined]
        self.fields["chair"].queryset = members.filter(may_chair=True)  # type: ignore[attr-defined]


DECISION_CHOICES = [
    (PanelDecisionType.RG_POSITIVE, "Reasonable grounds: positive"),
    (PanelDecisionType.RG_NEGATIVE, "Reasonable grounds: negative"),
    (PanelDecisionType.CG_POSITIVE, "Conclusive grounds: positive"),
    (PanelDecisionType.CG_NEGATIVE, "Conclusive grounds: negative"),
    (PanelDecisionType.DEFER, "Defer for more information"),
]


class DecisionForm(forms.Form):
    decision_type = forms.ChoiceField(
        label="The panel's decision",
        choices=DECISION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_DECISION},
    )
    rationale = _text(
        "Rationale", MSG_DECISION_RATIONALE, help_text="Why the panel decided this. Do not name other people."
    )
    evidence = _text("Evidence considered", MSG_EVIDENCE, help_text="One item on each line", rows=4)
    dissent = _text(
        "Dissent",
        "",
        required=False,
        help_text="If a member disagrees, record it here: the case must then be deferred (R-19)",
        rows=3,
    )
    deferral_reason = _text("If deferring: why, and what information is needed?", "", required=False, rows=3)
    defer_until = _date(
        "If deferring: date the panel will consider the case again",
        required=False,
        help_text="Leave blank for the next scheduled meeting",
    )

    def evidence_items(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data.get("evidence") or "").splitlines() if line.strip()
        ]


class QAConfirmForm(forms.Form):
    note = _text("Note (optional)", "", required=False, rows=3)


class QAReturnForm(forms.Form):
    reason = _text("Why is the decision returned?", MSG_QA_REASON, rows=4)


class QARespondForm(forms.Form):
    response = _text("The panel's response", MSG_QA_RESPONSE, rows=4)


def today_initial(today: date) -> dict[str, date]:
    return {"referred_on": today}
