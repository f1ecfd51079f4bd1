"""Forms for the arresting officer's journey. Forms collect and explain; services re-validate.

Every message a user can see is a constant, and each names the field it is about, so the GOV.UK
error summary reads as a list of things to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.children.models import Child, Sex
from ccehub.common.dateinput import GovukDateField
from ccehub.common.models import TriState
from ccehub.common.validators import MSG_DOB_FUTURE, MSG_INCIDENT_BEFORE_BIRTH
from ccehub.incidents.models import IncidentType
from ccehub.rules.age import age_on
from ccehub.rules.policy import PROFILES
from ccehub.rules.triage import EARLIEST_INCIDENT_DATE, LABELS, MAX_AGE, MAX_ESTIMATED_AGE

MSG_CHILD_CHOICE = "Select whether the child is already recorded on ccehub"
MSG_CHILD_PID = "Enter the child's pseudonymous ID, like CH-7F3KQ-9Q2MD"
MSG_CHILD_NOT_FOUND = "No child with that pseudonymous ID is available to you"
MSG_INCIDENT_DATE = "Enter the date of the incident"
MSG_INCIDENT_DATE_REAL = "Date of the incident must be a real date"
MSG_INCIDENT_FUTURE = "Date of the incident must be today or in the past"
MSG_TIME = "Enter the time of the incident, like 02:30"
MSG_TIME_REAL = "Time of the incident must be a real time on the 24-hour clock, like 02:30 or 23:15"
MSG_TIME_FUTURE = "Time of the incident must be now or in the past"
MSG_INCIDENT_BEFORE_BIRTH_FORM = MSG_INCIDENT_BEFORE_BIRTH
MSG_DOB_REAL = "Date of birth must be a real date"
MSG_INCIDENT_YEAR = "Year of the incident must include 4 numbers, like 2026"
MSG_DOB_YEAR = "Year of the date of birth must include 4 numbers, like 2008"
MSG_INCIDENT_TOO_EARLY_FORM = f"Date of the incident must be in {EARLIEST_INCIDENT_DATE.year} or later"
MSG_DOB_TOO_OLD_FORM = f"Date of birth must give an age of {MAX_AGE} or under on the date of the incident"
MSG_INCIDENT_TYPE = "Select what kind of incident it was"
MSG_COUNTY_LINES = "Select whether the incident is linked to county lines"
MSG_ARRESTED = "Select whether the child was arrested"
MSG_OUT_OF_AREA = "Select whether the child was outside their home area"
MSG_OFFENCE_CODE = "Select offences from the list"
MSG_INDICATOR_CODE = "Select indicators from the list"
MSG_ESTIMATED_AGE = f"Estimated age must be a whole number from 0 to {MAX_ESTIMATED_AGE}"
MSG_MISSING_DAYS = "Days missing must be a whole number from 0 to 3650"
MSG_CO_PRESENT = "Ages of people present must be whole numbers from 0 to 120, separated by commas"
MSG_POLICY = "Select a policy profile"
MSG_OVERRIDE_REASON = "Enter the reason for overriding this action"
MSG_EVIDENCE = "Enter the clear evidence that the child is not being exploited"
MSG_OUTCOME = "Select whether you approve or refuse the rebuttal"
MSG_DECISION_REASON = "Enter the reason for your decision"

YES, NO, UNKNOWN = "yes", "no", "unknown"
YES_NO = [(YES, "Yes"), (NO, "No")]
YES_NO_UNKNOWN = [(YES, "Yes"), (NO, "No"), (UNKNOWN, "Not known")]

#: "Linked to county lines?" → the incident's tri-state.
COUNTY_LINES_TRI = {YES: TriState.RECORDED_PRESENT, NO: TriState.RECORDED_ABSENT, UNKNOWN: TriState.UNKNOWN}
#: "Outside the home area?" → ``in_home_area`` (the opposite question).
IN_HOME_AREA_TRI = {YES: TriState.RECORDED_ABSENT, NO: TriState.RECORDED_PRESENT, UNKNOWN: TriState.UNKNOWN}

_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")

POLICY_CHOICES = [
    ("current", "Current guidance (default)"),
    ("report-2022", "The report's 2022 guidance"),
]
assert {code for code, _ in POLICY_CHOICES} == set(PROFILES)


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


def _numeric() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"})


def _int_field(label: str, message: str, maximum: int, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        widget=_numeric(),
        help_text=help_text,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class IncidentForm(forms.Form):
    """Record an identifying incident (and, for an unknown child, the child) and triage it."""

    child_choice = forms.ChoiceField(
        label="Is the child already recorded on ccehub?",
        choices=[
            ("existing", "Yes, I have their pseudonymous ID"),
            ("new", "No, or I do not know who they are"),
        ],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": MSG_CHILD_CHOICE},
    )
    child_pid = forms.CharField(
        label="Pseudonymous ID", max_length=20, required=False, help_text="For example, CH-7F3KQ-9Q2MD"
    )
    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        required=False,
        initial="Unknown",
        help_text="Leave as 'Unknown' if the child will not or cannot give a name",
    )
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    sex = forms.ChoiceField(
        label="Sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN, required=False
    )
    date_of_birth = GovukDateField(
        label="Date of birth",
        required=False,
        help_text="For example, 27 3 2008. Leave blank if not known.",
        min_year=1,  # the form's own bound says "an age of 120 or under on the date of the incident"
        error_messages={"invalid": MSG_DOB_REAL, "year": MSG_DOB_YEAR},
    )
    estimated_age = _int_field(
        "Estimated age",
        MSG_ESTIMATED_AGE,
        MAX_ESTIMATED_AGE,
        help_text="Only used when the date of birth is not known. Leave blank if you cannot estimate it.",
    )
    home_local_authority = AgencyChoiceField(
        queryset=Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES, active=True).order_by("name"),
        label="Home local authority",
        required=False,
        empty_label="Not known",
    )
    home_police_force = AgencyChoiceField(
        queryset=Agency.objects.filter(kind=AgencyKind.POLICE_FORCE, active=True).order_by("name"),
        label="Home police force",
        required=False,
        empty_label="Not known",
    )

    occurred_on = GovukDateField(
        label="Date of the incident",
        help_text="For example, 27 3 2026",
        min_year=EARLIEST_INCIDENT_DATE.year,
        error_messages={
            "required": MSG_INCIDENT_DATE,
            "invalid": MSG_INCIDENT_DATE_REAL,
            "year": MSG_INCIDENT_YEAR,
            "too_early": MSG_INCIDENT_TOO_EARLY_FORM,
        },
    )
    occurred_time = forms.CharField(
        label="Time of the incident",
        max_length=5,
        help_text="24-hour clock, for example 02:30",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        error_messages={"required": MSG_TIME},
    )
    incident_type = forms.ChoiceField(
        label="Type of incident",
        choices=IncidentType.choices,
        initial=IncidentType.ARREST_PWITS,
        error_messages={"required": MSG_INCIDENT_TYPE, "invalid_choice": MSG_INCIDENT_TYPE},
    )
    place = forms.CharField(label="Where", max_length=200, required=False, help_text="Town or area is enough")
    county_lines_linked = forms.ChoiceField(
        label="Is the incident linked to county lines?",
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_COUNTY_LINES, "invalid_choice": MSG_COUNTY_LINES},
    )
    arrested = forms.ChoiceField(
        label="Was the child arrested?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_ARRESTED, "invalid_choice": MSG_ARRESTED},
    )
    out_of_area = forms.ChoiceField(
        label="Was the child outside their home area?",
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_OUT_OF_AREA, "invalid_choice": MSG_OUT_OF_AREA},
    )
    offences = forms.MultipleChoiceField(
        label="Offences",
        choices=list(LABELS["offence"].items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply",
        error_messages={"invalid_choice": MSG_OFFENCE_CODE, "invalid_list": MSG_OFFENCE_CODE},
    )
    indicators = forms.MultipleChoiceField(
        label="What did you find or notice?",
        choices=list(LABELS["indicator"].items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply. Each one is a recognised sign of exploitation.",
        error_messages={"invalid_choice": MSG_INDICATOR_CODE, "invalid_list": MSG_INDICATOR_CODE},
    )
    missing_days = _int_field(
        "Days missing",
        MSG_MISSING_DAYS,
        3650,
        help_text="If the child is or was recently missing: how many days. Leave blank if not known.",
    )
    co_present_ages = forms.CharField(
        label="Ages of other people present",
        max_length=200,
        required=False,
        help_text=(
            "Separate ages with commas, for example 19, 24. A large age gap can be a sign of exploitation."
        ),
    )
    summary = forms.CharField(
        label="Notes on what happened", widget=forms.Textarea, required=False, max_length=4000
    )
    policy = forms.ChoiceField(
        label="Policy profile",
        choices=POLICY_CHOICES,
        initial="current",
        widget=forms.RadioSelect,
        error_messages={"required": MSG_POLICY, "invalid_choice": MSG_POLICY},
    )

    def __init__(
        self,
        *args: Any,
        fixed_child: Child | None = None,
        resolve_child: Callable[[str], Child | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_child = fixed_child
        self.resolve_child = resolve_child
        self.child: Child | None = fixed_child
        self.fields["county_lines_linked"].widget.item_hints = {  # type: ignore[attr-defined]
            YES: "For example drugs, a dealing base, a line phone, or travel to a known market"
        }
        if fixed_child is not None:
            for name in (
                "child_choice",
                "child_pid",
                "given_name",
                "family_name",
                "sex",
                "date_of_birth",
                "home_local_authority",
                "home_police_force",
            ):
                del self.fields[name]

    @property
    def is_new_child(self) -> bool:
        return self.fixed_child is None and self.cleaned_data.get("child_choice") == "new"

    def clean_occurred_time(self) -> time:
        raw = self.cleaned_data.get("occurred_time", "")
        match = _TIME_RE.match(raw or "")
        if not match:
            raise ValidationError(MSG_TIME_REAL)
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours > 23 or minutes > 59:
            raise ValidationError(MSG_TIME_REAL)
        return time(hours, minutes)

    def clean_occurred_on(self) -> date:
        value: date = self.cleaned_data["occurred_on"]
        # A year typed without 4 numbers ("22") is refused by GovukDateField, never guessed.
        if value < EARLIEST_INCIDENT_DATE:
            raise ValidationError(MSG_INCIDENT_TOO_EARLY_FORM)
        if value > timezone.localdate():
            raise ValidationError(MSG_INCIDENT_FUTURE)
        return value

    def clean_date_of_birth(self) -> date | None:
        value: date | None = self.cleaned_data.get("date_of_birth")
        if value is not None and value >= timezone.localdate():
            raise ValidationError(MSG_DOB_FUTURE)
        return value

    def clean_co_present_ages(self) -> list[int]:
        raw = (self.cleaned_data.get("co_present_ages") or "").strip()
        if not raw:
            return []
        ages = []
        for part in re.split(r"[,\s]+", raw):
            if not part:
                continue
            if not part.isdigit() or int(part) > 120:
                raise ValidationError(MSG_CO_PRESENT)
            ages.append(int(part))
        return ages

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.fixed_child is None:
            choice = data.get("child_choice")
            if choice not in ("existing", "new"):
                self.add_error("child_choice", MSG_CHILD_CHOICE)
            elif choice == "existing":
                # The new-child questions were hidden: what is in them does not matter.
                for name in NEW_CHILD_FIELDS:
                    if self._errors is not None:
                        self._errors.pop(name, None)
                pid = (data.get("child_pid") or "").strip().upper()
                if not pid:
                    self.add_error("child_pid", MSG_CHILD_PID)
                else:
                    self.child = self.resolve_child(pid) if self.resolve_child else None
                    if self.child is None:
                        self.add_error("child_pid", MSG_CHILD_NOT_FOUND)
            else:
                data["given_name"] = (data.get("given_name") or "").strip() or "Unknown"
                data["sex"] = data.get("sex") or Sex.UNKNOWN
        on, at = data.get("occurred_on"), data.get("occurred_time")
        if isinstance(on, date) and isinstance(at, time):
            occurred = timezone.make_aware(datetime.combine(on, at))
            if occurred > timezone.now():
                self.add_error("occurred_time", MSG_TIME_FUTURE)
            else:
                data["occurred_at"] = occurred
            dob = (
                data.get("date_of_birth")
                if self.fixed_child is None and data.get("child_choice") == "new"
                else None
            )
            if dob is not None and on < dob:
                self.add_error("occurred_on", MSG_INCIDENT_BEFORE_BIRTH_FORM)
            elif dob is not None and age_on(dob, on) > MAX_AGE:
                self.add_error("date_of_birth", MSG_DOB_TOO_OLD_FORM)
        return data

    def new_child_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_name": data["given_name"],
            "family_name": data.get("family_name") or "",
            "sex": data.get("sex") or Sex.UNKNOWN,
            "date_of_birth": data.get("date_of_birth"),
            "home_local_authority": data.get("home_local_authority"),
            "home_police_force": data.get("home_police_force"),
        }

    def incident_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        indicators = list(data.get("indicators") or [])
        return {
            "occurred_at": data["occurred_at"],
            "incident_type": data["incident_type"],
            "is_arrest": data["arrested"] == YES,
            "county_lines_linked": COUNTY_LINES_TRI[data["county_lines_linked"]],
            "in_home_area": IN_HOME_AREA_TRI[data["out_of_area"]],
            "place": data.get("place") or "",
            "offences": list(data.get("offences") or []),
            "indicators": indicators,
            "plugging": TriState.RECORDED_PRESENT if "plugging" in indicators else TriState.NOT_RECORDED,
            "co_present_ages": data.get("co_present_ages") or [],
            "summary": data.get("summary") or "",
            "estimated_age": data.get("estimated_age"),
            "missing_days": data.get("missing_days"),
            "policy": data["policy"],
        }


NEW_CHILD_FIELDS = (
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "home_local_authority",
    "home_police_force",
)

#: Service field names → form field names, for showing a service's errors on the form.
SERVICE_TO_FORM_FIELD = {"occurred_at": "occurred_on"}


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's :class:`ValidationError` against the right form fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = SERVICE_TO_FORM_FIELD.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Why are you not taking this action?",
        widget=forms.Textarea,
        max_length=2000,
        help_text="Your reason is recorded with your name and shown on the decision record.",
        error_messages={"required": MSG_OVERRIDE_REASON},
    )

    def clean_reason(self) -> str:
        value = (self.cleaned_data.get("reason") or "").strip()
        if not value:
            raise ValidationError(MSG_OVERRIDE_REASON)
        return value


class RebuttalRequestForm(forms.Form):
    evidence_note = forms.CharField(
        label="What is the clear evidence that the child is not being exploited?",
        widget=forms.Textarea,
        max_length=2000,
        help_text=(
            "Name the independent evidence and what it shows, for example 'CCTV shows ...', 'a full "
            "download of his phone shows ...' or 'school records confirm ...'. No disclosure, a 'no "
            "comment' interview, a phone with no threatening messages, nothing found, or the child's own "
            "account (a denial, consent or a motive such as money) is never clear evidence on its own."
        ),
        error_messages={"required": MSG_EVIDENCE},
    )

    def clean_evidence_note(self) -> str:
        value = (self.cleaned_data.get("evidence_note") or "").strip()
        if not value:
            raise ValidationError(MSG_EVIDENCE)
        return value


class RebuttalDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Do you approve the rebuttal?",
        choices=[
            ("approve", "Approve: the presumption is lifted"),
            ("refuse", "Refuse: the presumption stands"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": MSG_OUTCOME, "invalid_choice": MSG_OUTCOME},
    )
    reason = forms.CharField(
        label="Reason for your decision",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": MSG_DECISION_REASON},
    )

    def clean_reason(self) -> str:
        value = (self.cleaned_data.get("reason") or "").strip()
        if not value:
            raise ValidationError(MSG_DECISION_REASON)
        return value
