"""Validators whose messages a user sees. Messages are constants so tests can assert on them."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError

MSG_POSTCODE = "Enter a real UK postcode, like SW1A 1AA"
MSG_DOB_FUTURE = "Date of birth must be in the past"
MSG_NHS_NUMBER = "Enter a valid 10-digit NHS number"
MSG_INCIDENT_BEFORE_BIRTH = "Incident date must be after the child's date of birth"
MSG_DATE_FUTURE = "Date must be today or in the past"

# Royal Mail format rules (BS 7666), including GIR 0AA. Case and spacing are normalised first.
_POSTCODE_RE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](\d[\dA-HJKPSTUW]?|[A-HK-Y]\d[\dABEHMNPRV-Y]?)\d[ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    """``"sw1a1aa"`` → ``"SW1A 1AA"``. Raises :class:`ValidationError` for anything not a postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _POSTCODE_RE.match(compact):
        raise ValidationError(MSG_POSTCODE, code="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    normalise_postcode(value)


def validate_not_future(value: date) -> None:
    from django.utils import timezone

    if value > timezone.localdate():
        raise ValidationError(MSG_DATE_FUTURE, code="future")


def validate_dob(value: date) -> None:
    from django.utils import timezone

    if value >= timezone.localdate():
        raise ValidationError(MSG_DOB_FUTURE, code="dob_future")


def validate_nhs_number(value: str) -> None:
    """Modulus 11 check digit (NHS Data Dictionary)."""
    digits = re.sub(r"\s+", "", value or "")
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError(MSG_NHS_NUMBER, code="nhs_number")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValidationError(MSG_NHS_NUMBER, code="nhs_number")
