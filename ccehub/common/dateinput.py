"""The GOV.UK day-month-year date input every form uses.

Django's ``SelectDateWidget`` turns a typed year of "24" into the year 24 and "5/3/24" becomes
"Meeting on 5 March 0024". Here a year is never guessed: it must be typed with 4 numbers, and a
date before :data:`EARLIEST_YEAR` is refused, each with a message that names the field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError

#: Nothing ccehub records happened before this year (nobody on record was born earlier).
EARLIEST_YEAR: Final = 1900

_YEAR_RE = re.compile(r"^\s*\d{4}\s*$")


class _YearNotFourDigits(str):
    """What :class:`GovukDateWidget` hands the field when the year typed is not 4 numbers."""


class GovukDateWidget(forms.SelectDateWidget):
    """A ``SelectDateWidget`` that marks a year typed without exactly 4 numbers."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        year = data.get(self.year_field % name)
        if value not in (None, "") and year not in (None, "") and not _YEAR_RE.match(str(year)):
            return _YearNotFourDigits(value)
        return value


def year_label(label: str) -> str:
    """ "Date of the meeting" → "Year of the meeting"; "Date of birth" → "Year of the date of birth"."""
    label = label.rpartition(": ")[2]  # "If deferring: date the panel …" → "date the panel …"
    if label.startswith("Date of the "):
        return "Year of the " + label[len("Date of the ") :]
    return "Year of the " + label[0].lower() + label[1:]


class GovukDateField(forms.DateField):
    """A date typed as day, month and year: the year must have 4 numbers and be ``min_year`` or later.

    Messages (overridable through ``error_messages``): ``year`` ("Year of the … must include 4
    numbers, like 2026") and ``too_early`` ("… must be in 1900 or later").
    """

    widget = GovukDateWidget

    def __init__(
        self, *, label: str, example_year: int = 2026, min_year: int = EARLIEST_YEAR, **kwargs: Any
    ) -> None:
        messages = {
            "year": f"{year_label(label)} must include 4 numbers, like {example_year}",
            "too_early": f"{label} must be in {min_year} or later",
            **kwargs.pop("error_messages", {}),
        }
        kwargs.setdefault("widget", GovukDateWidget)
        super().__init__(label=label, error_messages=messages, **kwargs)
        self.min_year = min_year

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, _YearNotFourDigits):
            raise ValidationError(self.error_messages["year"], code="year")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value.year < self.min_year:
            raise ValidationError(self.error_messages["too_early"], code="too_early")
