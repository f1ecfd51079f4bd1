"""Forms for missing episodes: a date and a 24-hour time for each moment. The services re-check
everything (:mod:`ccehub.rules.missing`); forms only collect and explain."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from ccehub.children.models import MissingEpisode
from ccehub.common.dateinput import GovukDateField
from ccehub.common.models import TriState

_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
MSG_TIME_REAL = "{what} must be a real time on the 24-hour clock, like 02:30 or 23:15"


def _time_field(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=5,
        required=required,
        help_text="24-hour clock, for example 21:30" + ("" if required else ". Leave blank if not known"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        error_messages={"required": f"Enter the {label.lower()}, like 21:30"},
    )


def _date_field(
    label: str, *, help_text: str = "For example, 27 3 2026", required: bool = True
) -> GovukDateField:
    """A GOV.UK date input whose messages name what the date is ("Enter the date …", "The date …
    must be a real date")."""
    what = label[0].lower() + label[1:]
    messages = {"invalid": f"The {what} must be a real date"}
    if required:
        messages["required"] = f"Enter the {what}"
    return GovukDateField(label=label, help_text=help_text, required=required, error_messages=messages)


def _parse_time(raw: str, what: str) -> time | None:
    if not (raw or "").strip():
        return None
    match = _TIME_RE.match(raw)
    hours, minutes = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
    if hours > 23 or minutes > 59:
        raise forms.ValidationError(MSG_TIME_REAL.format(what=what))
    return time(hours, minutes)


def _moment(day: Any, at: Any) -> datetime | None:
    if day is None or at is None:
        return None
    return timezone.make_aware(datetime.combine(day, at))


class MissingEpisodeForm(forms.Form):
    started_on = _date_field("Date the child went missing")
    started_time = _time_field("Time the child went missing")
    missing_from = forms.ChoiceField(
        label="Missing from",
        choices=MissingEpisode.MissingFrom.choices,
        initial=MissingEpisode.MissingFrom.UNKNOWN,
        widget=forms.RadioSelect,
    )
    reported_by = forms.ChoiceField(
        label="Who reported the child missing",
        choices=MissingEpisode.ReportedBy.choices,
        initial=MissingEpisode.ReportedBy.UNKNOWN,
        help_text="Children living with their families are less often reported (R-33)",
    )
    reported_on = _date_field(
        "Date reported to the police", help_text="Leave blank if not yet reported", required=False
    )
    reported_time = _time_field("Time reported to the police", required=False)
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is known: where the child may be, who they may be with",
    )

    def clean_started_time(self) -> time | None:
        return _parse_time(self.cleaned_data.get("started_time", ""), "Time the child went missing")

    def clean_reported_time(self) -> time | None:
        return _parse_time(self.cleaned_data.get("reported_time", ""), "Time reported to the police")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["started_at"] = _moment(data.get("started_on"), data.get("started_time"))
        reported_on, reported_time = data.get("reported_on"), data.get("reported_time")
        if reported_on is not None and reported_time is None and not self.has_error("reported_time"):
            self.add_error("reported_time", "Enter the time reported to the police, like 21:30")
        if reported_on is None and reported_time is not None and not self.has_error("reported_on"):
            self.add_error("reported_on", "Enter the date reported to the police")
        data["reported_to_police_at"] = _moment(reported_on, reported_time)
        return data


class FoundForm(forms.Form):
    ended_on = _date_field("Date the child was found")
    ended_time = _time_field("Time the child was found")
    found_location = forms.CharField(
        label="Where the child was found", required=False, max_length=200, help_text="Town or area is enough"
    )
    found_in_home_area = forms.ChoiceField(
        label="Found in the child's home area?",
        choices=[
            (TriState.RECORDED_PRESENT, "Yes"),
            (TriState.RECORDED_ABSENT, "No, out of area"),
            (TriState.NOT_RECORDED, "Not known"),
        ],
        initial=TriState.NOT_RECORDED,
        widget=forms.RadioSelect,
    )

    def clean_ended_time(self) -> time | None:
        return _parse_time(self.cleaned_data.get("ended_time", ""), "Time the child was found")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["ended_at"] = _moment(data.get("ended_on"), data.get("ended_time"))
        return data


RHI_CHOICES = [
    ("", "Nothing to record yet"),
    (MissingEpisode.ReturnHomeInterview.OFFERED, "Offered, not yet held"),
    (MissingEpisode.ReturnHomeInterview.COMPLETED, "Held"),
    (MissingEpisode.ReturnHomeInterview.DECLINED, "Declined by the child"),
    (MissingEpisode.ReturnHomeInterview.NOT_OFFERED, "Not offered"),
]


class FollowUpForm(forms.Form):
    """What followed a missing episode (R-32). Only what is not yet recorded is asked for."""

    told_on = _date_field(
        "Date children's social care was told",
        help_text="The child's home local authority. For example, 27 3 2026",
        required=False,
    )
    told_time = _time_field("Time children's social care was told", required=False)
    strategy_held_on = _date_field(
        "Date of the strategy discussion",
        help_text="A strategy meeting or discussion about this episode",
        required=False,
    )
    strategy_actions = forms.CharField(
        label="What the strategy discussion agreed",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    return_home_interview = forms.ChoiceField(
        label="Return home interview",
        choices=RHI_CHOICES,
        required=False,
        initial="",
        widget=forms.RadioSelect,
    )
    return_home_interview_on = GovukDateField(
        label="Date the return home interview was offered or held",
        required=False,
        error_messages={"invalid": "The date of the return home interview must be a real date"},
    )

    def __init__(self, *args: Any, episode: MissingEpisode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if episode.social_care_notified_at is not None:
            del self.fields["told_on"], self.fields["told_time"]
        if episode.strategy_meeting_id is not None:
            del self.fields["strategy_held_on"], self.fields["strategy_actions"]
        final = {
            MissingEpisode.ReturnHomeInterview.COMPLETED,
            MissingEpisode.ReturnHomeInterview.DECLINED,
            MissingEpisode.ReturnHomeInterview.NOT_OFFERED,
        }
        if episode.still_missing or episode.ended_at is None or episode.return_home_interview in final:
            del self.fields["return_home_interview"], self.fields["return_home_interview_on"]
        elif episode.return_home_interview == MissingEpisode.ReturnHomeInterview.OFFERED:
            self.fields["return_home_interview"].choices = [
                c for c in RHI_CHOICES if c[0] != MissingEpisode.ReturnHomeInterview.OFFERED
            ]

    @property
    def asks_anything(self) -> bool:
        return bool(self.fields)

    def clean_told_time(self) -> time | None:
        return _parse_time(self.cleaned_data.get("told_time", ""), "Time children's social care was told")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "told_on" in self.fields:
            told_on, told_time = data.get("told_on"), data.get("told_time")
            if told_on is not None and told_time is None and not self.has_error("told_time"):
                self.add_error("told_time", "Enter the time children's social care was told, like 21:30")
            if told_on is None and told_time is not None and not self.has_error("told_on"):
                self.add_error("told_on", "Enter the date children's social care was told")
            data["social_care_notified_at"] = _moment(told_on, told_time)
        return data
