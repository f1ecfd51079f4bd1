"""Early-warning triggers on a child's record (DESIGN's ``rules/triggers.py``): R-53, R-39, R-56 and R-08.

Pure: no Django, no clock. The caller reads the facts from the record; this module says which
warnings stand and why.

* **R-53, F-17: the YOT-CSC check.** When a young person shows any of three offending indicators,
  **gang affiliation, drug offences, other offences involving adults**, the youth offending team
  should routinely ask children's social care whether the young person's setting may be harmful,
  then assess the risk and refer on. The check is **due** until one is recorded on or after the day
  of the latest dated indicator; an indicator with no date is answered by any check [D]. Read from
  the record [D]: gang affiliation is the vulnerability flag *gang involvement* recorded present;
  a drug offence is an arrest, charge or incident offence that the offence table marks as a drugs
  offence (or an arrest for possession with intent to supply, whose codes were not entered); an
  offence involving adults is an incident with an offence or an arrest at which someone aged 18 or
  over was present (the ages of those present, R-27). "With older associates" alone is not read as
  adults: an older associate can be 16 (R-27's relative-age example).
* **R-56: organised exploitation risk.** Exposure to domestic abuse combined with offending at
  adults' direction, or a relationship with an adult, needs more professional curiosity: the record
  raises an *organised exploitation risk* prompt when the *domestic abuse* flag is recorded present
  and an offence involving adults is recorded, or when an exploitative relationship with an adult is
  recorded among the child's contextual risks (F-16, ``safeguarding.ContextualRisk``).
* **R-39, F-31: a drug debt with no safety plan.** Seizing drugs or cash creates a debt that puts
  the child at risk of violence and re-exploitation; so do robberies, a friend's debt and lost
  drugs. A debt recorded in the debt-risk register (``safeguarding.DebtRisk``) raises a *task* until
  a safety plan is recorded for it or it is recorded as cleared; so does a seizure or debt recorded
  at an incident whose triage's safety-plan action is outstanding, until the debt is entered in the
  register. Dated from the oldest debt still waiting. Like every warning, it stops at 18.
* **R-08, R-10: indicators and no referral.** Failing to refer a child who shows credible
  trafficking signs breaches Article 4 ECHR, and the threshold is suspicion. **Each incident** that
  is county-lines-linked or has a first-responder indicator must be answered, by an NRM referral
  linked to it or made on or after its day (a referral with no date answers any incident: it cannot
  be placed [D]), or by its own triage's "refer to the NRM" action overridden with a recorded reason
  (R-08's "not referring needs a recorded reason"). A reason given for one incident does not answer
  the signs of a later one, and an old referral does not answer a new incident.

Warnings apply while the person is a child. One whose date of birth is not known is treated as a
child unless the officer's estimate of their age is 18 or more (as triage's age bands, F-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from ccehub.rules.age import ADULT_AGE


class EarlyWarning(StrEnum):
    YOT_CSC_CHECK = "yot_csc_check"
    ORGANISED_EXPLOITATION = "organised_exploitation"
    NO_NRM_REFERRAL = "no_nrm_referral"
    DEBT_NO_SAFETY_PLAN = "debt_no_safety_plan"


class OffendingIndicator(StrEnum):
    """R-53's three offending indicators."""

    GANG_AFFILIATION = "gang_affiliation"
    DRUG_OFFENCES = "drug_offences"
    OFFENCES_WITH_ADULTS = "offences_with_adults"


INDICATOR_LABELS: Final[dict[OffendingIndicator, str]] = {
    OffendingIndicator.GANG_AFFILIATION: "gang affiliation",
    OffendingIndicator.DRUG_OFFENCES: "drug offences",
    OffendingIndicator.OFFENCES_WITH_ADULTS: "offences involving adults",
}

RULES: Final[dict[EarlyWarning, str]] = {
    EarlyWarning.YOT_CSC_CHECK: "R-53",
    EarlyWarning.ORGANISED_EXPLOITATION: "R-56",
    EarlyWarning.NO_NRM_REFERRAL: "R-08",
    EarlyWarning.DEBT_NO_SAFETY_PLAN: "R-39",
}


TEXT_YOT_CSC: Final = (
    "Offending indicators recorded ({indicators}): the youth offending team should ask children's "
    "social care whether the young person's setting may be harmful, then assess the risk and refer "
    "on as needed (R-53)"
)
TEXT_ORGANISED: Final = (
    "Organised exploitation risk: domestic abuse is recorded together with offending involving "
    "adults. Watch for escalation and the effect of the exploitative relationship (R-56)"
)
TEXT_ORGANISED_BOTH: Final = (
    "Organised exploitation risk: domestic abuse is recorded together with offending involving "
    "adults, and a relationship with an adult is recorded. Watch for escalation and the effect of "
    "the exploitative relationship (R-56)"
)
TEXT_ORGANISED_RELATIONSHIP: Final = (
    "Organised exploitation risk: a relationship with an adult is recorded. Watch for escalation and "
    "the long-term effect of the exploitative relationship (R-56)"
)
TEXT_DEBT: Final = (
    "A drug debt is recorded ({causes}) with no safety plan: the loss puts the child at risk of "
    "violence and re-exploitation, and the child's safety comes first (R-39, F-31)"
)
TEXT_NO_REFERRAL: Final = (
    "Signs of exploitation are recorded ({signs}) and there is no NRM referral: a child suspected of "
    "being exploited must be referred (the threshold is suspicion), and not referring needs a "
    "recorded reason (R-08, R-10)"
)


@dataclass(frozen=True)
class Dated:
    """A fact with the day it happened, when known."""

    on: date | None


@dataclass(frozen=True)
class SignedIncident:
    """An incident with R-08's signs of exploitation (labels), and how it was answered."""

    on: date | None
    signs: tuple[str, ...]
    #: An NRM referral linked to this incident.
    linked_referral: bool = False
    #: This incident's current triage overrode "refer to the NRM" with a recorded reason.
    declined_with_reason: bool = False


def incident_answered(incident: SignedIncident, referrals_on: tuple[date | None, ...]) -> bool:
    """R-08: the incident's signs are answered by a linked referral, a referral on or after its day
    (an undated referral answers any incident), or a recorded reason for not referring."""
    if incident.linked_referral or incident.declined_with_reason:
        return True
    return any(on is None or incident.on is None or on >= incident.on for on in referrals_on)


@dataclass(frozen=True)
class Debt:
    """A drug debt in the register (R-39): its cause (in words), and whether it is answered."""

    on: date | None
    cause: str
    safety_plan: bool = False
    cleared: bool = False


@dataclass(frozen=True)
class TriggerFacts:
    #: Under 18 on ``today``; None when the date of birth is not known (treated as a child).
    child: bool | None
    gang_affiliation: tuple[Dated, ...] = ()
    drug_offences: tuple[Dated, ...] = ()
    offences_with_adults: tuple[Dated, ...] = ()
    domestic_abuse: bool = False
    #: Incidents with R-08's signs (county-lines-linked, first-responder indicators).
    signed_incidents: tuple[SignedIncident, ...] = ()
    #: The days of the child's NRM referrals (None: not dated).
    referrals_on: tuple[date | None, ...] = ()
    #: Days YOT-CSC checks were recorded (R-53).
    checks_on: tuple[date, ...] = ()
    #: Relationships with an adult recorded among the contextual risks (R-56's second limb, F-16).
    adult_relationships: tuple[Dated, ...] = ()
    #: Drug debts in the debt-risk register (R-39, F-31).
    debts: tuple[Debt, ...] = ()


@dataclass(frozen=True)
class Warning:
    code: EarlyWarning
    rule: str
    text: str
    #: A task someone must do (R-53's check) rather than a prompt to think.
    task: bool = False
    #: The latest dated fact behind it, when any.
    since: date | None = None


def offending_indicators(facts: TriggerFacts) -> dict[OffendingIndicator, tuple[Dated, ...]]:
    """R-53's indicators present on the record, with their dated facts."""
    found = {
        OffendingIndicator.GANG_AFFILIATION: facts.gang_affiliation,
        OffendingIndicator.DRUG_OFFENCES: facts.drug_offences,
        OffendingIndicator.OFFENCES_WITH_ADULTS: facts.offences_with_adults,
    }
    return {indicator: dated for indicator, dated in found.items() if dated}


def yot_check_due(facts: TriggerFacts) -> bool:
    """R-53: indicators present, and no check recorded on or after the latest dated one (an undated
    indicator is answered by any check)."""
    present = offending_indicators(facts)
    if not present or facts.child is False:
        return False
    days = [d.on for dated in present.values() for d in dated if d.on is not None]
    if not facts.checks_on:
        return True
    if not days:
        return False
    return max(facts.checks_on) < max(days)


def early_warnings(facts: TriggerFacts) -> list[Warning]:
    """The warnings that stand on the record, most pressing first (the task, then the prompts)."""
    if facts.child is False:
        return []
    warnings: list[Warning] = []
    present = offending_indicators(facts)
    if present and yot_check_due(facts):
        days = [d.on for dated in present.values() for d in dated if d.on is not None]
        warnings.append(
            Warning(
                code=EarlyWarning.YOT_CSC_CHECK,
                rule=RULES[EarlyWarning.YOT_CSC_CHECK],
                text=TEXT_YOT_CSC.format(indicators="; ".join(INDICATOR_LABELS[i] for i in present)),
                task=True,
                since=max(days) if days else None,
            )
        )
    unplanned = [d for d in facts.debts if not d.safety_plan and not d.cleared]
    if unplanned:
        days = [d.on for d in unplanned if d.on is not None]
        # a task: dated from the oldest debt still without a plan (how long it has waited)
        warnings.append(
            Warning(
                code=EarlyWarning.DEBT_NO_SAFETY_PLAN,
                rule=RULES[EarlyWarning.DEBT_NO_SAFETY_PLAN],
                text=TEXT_DEBT.format(causes="; ".join(dict.fromkeys(d.cause for d in unplanned))),
                task=True,
                since=min(days) if days else None,
            )
        )
    unanswered = [i for i in facts.signed_incidents if not incident_answered(i, facts.referrals_on)]
    if unanswered:
        days = [i.on for i in unanswered if i.on is not None]
        warnings.append(
            Warning(
                code=EarlyWarning.NO_NRM_REFERRAL,
                rule=RULES[EarlyWarning.NO_NRM_REFERRAL],
                text=TEXT_NO_REFERRAL.format(
                    signs="; ".join(dict.fromkeys(sign for i in unanswered for sign in i.signs))
                ),
                since=max(days) if days else None,
            )
        )
    abuse_limb = facts.domestic_abuse and bool(facts.offences_with_adults)
    if abuse_limb or facts.adult_relationships:
        behind = (facts.offences_with_adults if abuse_limb else ()) + facts.adult_relationships
        days = [d.on for d in behind if d.on is not None]
        warnings.append(
            Warning(
                code=EarlyWarning.ORGANISED_EXPLOITATION,
                rule=RULES[EarlyWarning.ORGANISED_EXPLOITATION],
                text=(
                    TEXT_ORGANISED_BOTH
                    if abuse_limb and facts.adult_relationships
                    else TEXT_ORGANISED
                    if abuse_limb
                    else TEXT_ORGANISED_RELATIONSHIP
                ),
                since=max(days) if days else None,
            )
        )
    return warnings


def any_adult_present(ages: list[object]) -> bool:
    """R-27's ages of those present: anyone 18 or over (ages that are not whole numbers are skipped)."""
    return any(isinstance(age, int) and not isinstance(age, bool) and age >= ADULT_AGE for age in ages)
