"""First-responder exploitation indicators (F-11) and which rules each one feeds.

The codes are the issue's contract. Every indicator is treated as a sign of possible exploitation
(R-10: the NRM threshold is suspicion), so any one of them raises a child's priority. Some also
trigger a specific action: seizures and debts a debt-risk safety plan (R-39, F-31), plugging and
unexplained injuries an urgent medical assessment (R-40, F-26, W-1 MEDICAL).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Indicator(StrEnum):
    """Indicator codes accepted by triage (F-11, DOMAIN §1.1, E-04, E-25)."""

    CASH = "cash"
    MULTIPLE_PHONES = "multiple_phones"
    DRUG_PACKAGING = "drug_packaging"
    PLUGGING = "plugging"
    OLDER_ASSOCIATES = "older_associates"
    REPORTED_MISSING = "reported_missing"
    FOUND_AT_CUCKOOED_ADDRESS = "found_at_cuckooed_address"
    TRAVELLING_WITHOUT_TICKET = "travelling_without_ticket"
    UNEXPLAINED_INJURIES = "unexplained_injuries"
    DRUG_DEBT = "drug_debt"
    DISHEVELLED = "dishevelled"
    NO_COHERENT_ACCOUNT = "no_coherent_account"
    CURFEW_BREACH = "curfew_breach"
    WEAPONS = "weapons"
    DRUGS_SEIZED = "drugs_seized"


INDICATOR_LABELS: Final[dict[Indicator, str]] = {
    Indicator.CASH: "Cash found",
    Indicator.MULTIPLE_PHONES: "More than one phone, or a burner phone",
    Indicator.DRUG_PACKAGING: "Drug packaging or wraps",
    Indicator.PLUGGING: "Plugging (drugs concealed inside the body) disclosed or suspected",
    Indicator.OLDER_ASSOCIATES: "With older associates or adults",
    Indicator.REPORTED_MISSING: "Reported missing",
    Indicator.FOUND_AT_CUCKOOED_ADDRESS: "Found at a cuckooed address or dealing base",
    Indicator.TRAVELLING_WITHOUT_TICKET: "Travelling without a ticket, far from home",
    Indicator.UNEXPLAINED_INJURIES: "Unexplained injuries",
    Indicator.DRUG_DEBT: "Drug debt (owes the line)",
    Indicator.DISHEVELLED: "Dishevelled appearance",
    Indicator.NO_COHERENT_ACCOUNT: "No coherent account of why they are in the area",
    Indicator.CURFEW_BREACH: "Breach of a curfew",
    Indicator.WEAPONS: "Weapons found",
    Indicator.DRUGS_SEIZED: "Drugs seized",
}

#: R-39 / F-31 / J-06: a seizure of drugs or cash (or an existing drug debt) creates a debt to the
#: line that puts the person at risk of violence and re-exploitation.
DEBT_RISK_INDICATORS: Final = frozenset({Indicator.DRUGS_SEIZED, Indicator.CASH, Indicator.DRUG_DEBT})

#: R-40 / F-26 / W-1 MEDICAL: plugging disclosed or suspected, or injury, needs a hospital.
MEDICAL_INDICATORS: Final = frozenset({Indicator.PLUGGING, Indicator.UNEXPLAINED_INJURIES})

#: R-36: a child found at a dealing base should be bailed, not released under investigation.
DEALING_BASE_INDICATORS: Final = frozenset({Indicator.FOUND_AT_CUCKOOED_ADDRESS})


def indicator_codes() -> tuple[str, ...]:
    """All indicator codes, in contract order."""
    return tuple(indicator.value for indicator in Indicator)
