"""Every GOV.UK day-month-year date input refuses a year without 4 numbers and a year before 1900."""

from __future__ import annotations

import pytest

from ccehub.children.forms import ChildCreateForm
from ccehub.panels.forms import MeetingForm, ReferralForm, ScaDecisionForm
from ccehub.records.forms import LookupForm


def _date(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


@pytest.mark.parametrize("year", ["24", "0024", "1850"])
def test_meeting_date_year_must_be_4_numbers_from_1900(year):
    form = MeetingForm(_date("held_on", "5", "3", year))
    assert not form.is_valid()
    expected = (
        "Date of the meeting must be in 1900 or later"
        if year != "24"
        else "Year of the meeting must include 4 numbers, like 2026"
    )
    assert form.errors["held_on"] == [expected]


def test_meeting_date_with_4_digit_year_is_accepted():
    form = MeetingForm(_date("held_on", "5", "3", "2026"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["held_on"].year == 2026


def test_nrm_referral_date_refuses_short_years_and_dates_before_the_nrm():
    form = ReferralForm(_date("referred_on", "2", "1", "24"), incidents=[])
    assert not form.is_valid()
    assert form.errors["referred_on"] == ["Year of the referral must include 4 numbers, like 2026"]
    for year in ("0024", "2008"):
        form = ReferralForm(_date("referred_on", "2", "1", year), incidents=[])
        assert not form.is_valid()
        assert form.errors["referred_on"] == [
            "Date of the referral must be in 2009 or later: the NRM began in April 2009"
        ]


def test_sca_decision_year_24_is_named():
    form = ScaDecisionForm({"stage": "rg", "outcome": "positive", **_date("decided_on", "1", "2", "24")})
    assert not form.is_valid()
    assert form.errors["decided_on"] == ["Year of the decision must include 4 numbers, like 2026"]


@pytest.mark.django_db
def test_new_child_dob_year_10_says_4_numbers(agencies):
    form = ChildCreateForm({"given_name": "Jo", "sex": "male", **_date("date_of_birth", "1", "1", "10")})
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == ["Year of the date of birth must include 4 numbers, like 2008"]


def test_lookup_dob_before_1900_is_refused():
    form = LookupForm({"purpose": "custody", **_date("date_of_birth", "1", "1", "1850")})
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == ["Date of birth must be in 1900 or later"]


def test_blank_optional_date_is_still_blank():
    form = LookupForm({"purpose": "custody", "given_name": "Jo", **_date("date_of_birth", "", "", "")})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] is None
