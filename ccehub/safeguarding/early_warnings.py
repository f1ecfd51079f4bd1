"""Early warnings on a child's record (R-53, R-56, R-08) and the YOT-CSC check (F-17).
Rules: :mod:`ccehub.rules.triggers`; this module reads the facts and stores the check.

* :func:`warnings_for` reads what the rules need from the record, for any number of children in a
  fixed number of queries (the dashboard lists many).
* A **youth offending team** that may record on the child records the check: the day it asked
  children's social care, whether the setting may be harmful, what social care said and what
  follows. The offending indicators on the record then are kept with it. Audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import AgencyKind
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity, VulnerabilityFlag
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.rules.age import ADULT_AGE, age_on
from ccehub.rules.indicators import INDICATOR_LABELS, Indicator
from ccehub.rules.offences import catalogue
from ccehub.rules.triggers import (
    Dated,
    Debt,
    SignedIncident,
    TriggerFacts,
    Warning,
    any_adult_present,
    early_warnings,
    offending_indicators,
)
from ccehub.safeguarding.models import ContextualRisk, DebtRisk, YotCscCheck

INDICATOR_CODES: Final = frozenset(i.value for i in Indicator)
#: How a seizure or debt recorded at an incident, not yet in the register, is named in the warning.
INCIDENT_DEBT: Final = "a seizure or debt recorded at an incident, not yet in the debt register"
MSG_YOT_ONLY: Final = "Only a youth offending team records the YOT-CSC check (R-53)"
MSG_NO_INDICATORS: Final = (
    "No offending indicator (gang affiliation, drug offences, offences involving adults) is recorded "
    "for this child: there is nothing for the check to answer (R-53)"
)
MSG_FUTURE: Final = "The date cannot be in the future"
MSG_ANSWER: Final = "Say what children's social care said about the young person's setting"
MSG_HARMFUL: Final = "Say whether children's social care thinks the setting may be harmful"


def _day(moment: Any) -> date | None:
    if moment is None:
        return None
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _drug(codes: Iterable[str]) -> bool:
    known = catalogue()
    return any(code in known and known[code].drug_offence for code in codes)


def children_today(pks: list[Any], *, today: date) -> dict[Any, bool | None]:
    """Whether each child (by primary key) is under 18 on ``today``: from the date of birth; where
    none is known, the latest incident's estimate of the age (F-01: treated as a child, None, unless
    the officer estimated 18 or more). Two queries for any number of children."""
    from ccehub.incidents.models import IdentifyingIncident

    births = dict(Identity.objects.filter(child_id__in=pks).values_list("child_id", "date_of_birth"))
    estimates: dict[Any, tuple[Any, int | None]] = {}
    for child_id, occurred_at, estimate in (
        IdentifyingIncident.objects.filter(child_id__in=pks)
        .order_by()
        .values_list("child_id", "occurred_at", "estimated_age")
    ):
        latest = estimates.get(child_id)
        if latest is None or occurred_at > latest[0]:
            estimates[child_id] = (occurred_at, estimate)
    out: dict[Any, bool | None] = {}
    for pk in pks:
        dob = births.get(pk)
        estimate = estimates.get(pk, (None, None))[1]
        if dob is not None:
            out[pk] = age_on(dob, today) < ADULT_AGE
        else:
            out[pk] = False if estimate is not None and estimate >= ADULT_AGE else None
    return out


def trigger_facts(children: list[Child], *, today: date | None = None) -> dict[Any, TriggerFacts]:
    """The facts the early-warning rules read, for each child (by primary key)."""
    from ccehub.incidents.models import ActionStatus, IdentifyingIncident, IncidentType, TriageAction
    from ccehub.justice.models import Arrest, Charge
    from ccehub.nrm.models import NRMReferral
    from ccehub.rules.actions import ActionCode

    today = today or timezone.localdate()
    pks = [c.pk for c in children]
    gang: dict[Any, list[Dated]] = defaultdict(list)
    drugs: dict[Any, list[Dated]] = defaultdict(list)
    adults: dict[Any, list[Dated]] = defaultdict(list)
    abuse: set[Any] = set()
    for flag in VulnerabilityFlag.objects.filter(
        child_id__in=pks, factor__in=("gang_involvement", "domestic_abuse"), value=TriState.RECORDED_PRESENT
    ).only("child_id", "factor", "recorded_on"):
        if flag.factor == "gang_involvement":
            gang[flag.child_id].append(Dated(flag.recorded_on))
        else:
            abuse.add(flag.child_id)
    # R-08 is answered incident by incident: the referrals linked to each, and each one's current
    # triage overriding "refer to the NRM" with a reason
    linked = set(
        NRMReferral.objects.filter(child_id__in=pks, linked_incident__isnull=False)
        .order_by()
        .values_list("linked_incident_id", flat=True)
    )
    referrals_on: dict[Any, list[date | None]] = defaultdict(list)
    for child_id, referred_on in (
        NRMReferral.objects.filter(child_id__in=pks).order_by().values_list("child_id", "referred_on")
    ):
        referrals_on[child_id].append(referred_on)
    declined = set(
        TriageAction.objects.filter(
            decision__child_id__in=pks,
            decision__superseded_by__isnull=True,
            code=ActionCode.REFER_TO_NRM,
            status=ActionStatus.OVERRIDDEN,
        )
        .exclude(status_reason="")
        .order_by()
        .values_list("decision__incident_id", flat=True)
    )
    signed: dict[Any, list[SignedIncident]] = defaultdict(list)
    for incident in IdentifyingIncident.objects.filter(child_id__in=pks).only(
        "child_id",
        "occurred_at",
        "incident_type",
        "is_arrest",
        "offences",
        "indicators",
        "co_present_ages",
        "county_lines_linked",
    ):
        on = _day(incident.occurred_at)
        offences = list(incident.offences or [])
        if _drug(offences) or incident.incident_type == IncidentType.ARREST_PWITS:
            drugs[incident.child_id].append(Dated(on))
        if (offences or incident.is_arrest) and any_adult_present(list(incident.co_present_ages or [])):
            adults[incident.child_id].append(Dated(on))
        signs = [
            INDICATOR_LABELS[Indicator(c)].lower() for c in incident.indicators or [] if c in INDICATOR_CODES
        ]
        if incident.county_lines_linked == TriState.RECORDED_PRESENT:
            signs.insert(0, "a county-lines-linked incident")
        if signs:
            signed[incident.child_id].append(
                SignedIncident(
                    on=on,
                    signs=tuple(signs),
                    linked_referral=incident.pk in linked,
                    declined_with_reason=incident.pk in declined,
                )
            )
    for arrest in Arrest.objects.filter(child_id__in=pks).only("child_id", "arrested_at", "offences"):
        if _drug(arrest.offences or []):
            drugs[arrest.child_id].append(Dated(_day(arrest.arrested_at)))
    for charge in Charge.objects.filter(child_id__in=pks).only("child_id", "charged_on", "offence"):
        if _drug([charge.offence]):
            drugs[charge.child_id].append(Dated(charge.charged_on))
    checks: dict[Any, list[date]] = defaultdict(list)
    for child_id, asked_on in YotCscCheck.objects.filter(child_id__in=pks).values_list(
        "child_id", "asked_on"
    ):
        checks[child_id].append(asked_on)
    adults_known: dict[Any, list[Dated]] = defaultdict(list)
    for child_id, recorded_on in ContextualRisk.objects.filter(
        child_id__in=pks, kind=ContextualRisk.Kind.ADULT_RELATIONSHIP, ended_on__isnull=True
    ).values_list("child_id", "recorded_on"):
        adults_known[child_id].append(Dated(recorded_on))
    debts: dict[Any, list[Debt]] = defaultdict(list)
    causes = dict(DebtRisk.Cause.choices)
    registered: dict[Any, list[date]] = defaultdict(list)
    for child_id, known_on, cause, planned, cleared in (
        DebtRisk.objects.filter(child_id__in=pks)
        .order_by()
        .values_list("child_id", "known_on", "cause", "safety_plan_on", "cleared_on")
    ):
        registered[child_id].append(known_on)
        debts[child_id].append(
            Debt(
                on=known_on,
                cause=causes[cause].lower(),
                safety_plan=planned is not None,
                cleared=cleared is not None,
            )
        )
    # R-39, J-06: a seizure or debt recorded at an incident, whose triage asked for a safety plan
    # that is still outstanding, stands until the debt is entered in the register (a debt known on
    # or after the incident's day), which then answers for it
    for child_id, at in (
        TriageAction.objects.filter(
            decision__child_id__in=pks,
            decision__superseded_by__isnull=True,
            code=ActionCode.DEBT_SAFETY_PLAN,
            status__in=[ActionStatus.OPEN, ActionStatus.ACCEPTED],
        )
        .order_by()
        .values_list("decision__child_id", "decision__incident__occurred_at")
    ):
        on = _day(at)
        if not any(known >= on for known in registered[child_id]):
            debts[child_id].append(Debt(on=on, cause=INCIDENT_DEBT))
    status = children_today(pks, today=today)
    out = {}
    for child in children:
        out[child.pk] = TriggerFacts(
            child=status[child.pk],
            gang_affiliation=tuple(gang[child.pk]),
            drug_offences=tuple(drugs[child.pk]),
            offences_with_adults=tuple(adults[child.pk]),
            domestic_abuse=child.pk in abuse,
            signed_incidents=tuple(signed[child.pk]),
            referrals_on=tuple(referrals_on[child.pk]),
            checks_on=tuple(checks[child.pk]),
            adult_relationships=tuple(adults_known[child.pk]),
            debts=tuple(debts[child.pk]),
        )
    return out


def warnings_for(children: list[Child], *, today: date | None = None) -> dict[Any, list[Warning]]:
    """The early warnings that stand for each child (by primary key)."""
    return {pk: early_warnings(facts) for pk, facts in trigger_facts(children, today=today).items()}


def is_yot(actor: Actor) -> bool:
    return actor.agency is not None and actor.agency.kind == AgencyKind.YOUTH_OFFENDING_TEAM


@transaction.atomic
def yot_check_record(
    *,
    actor: Actor,
    child: Child,
    asked_on: date,
    setting_harmful: str,
    csc_answer: str,
    next_steps: str = "",
    request_key: str = "",
) -> YotCscCheck:
    """R-53: record that the youth offending team asked children's social care about the setting."""
    basis = check_can_write(actor, child)
    if not is_yot(actor) or actor.agency is None:
        raise PermissionDenied(MSG_YOT_ONLY)
    facts = trigger_facts([child])[child.pk]
    present = offending_indicators(facts)
    problems: dict[str, str] = {}
    if not present:
        problems[NON_FIELD_ERRORS] = MSG_NO_INDICATORS
    if asked_on > timezone.localdate():
        problems.setdefault("asked_on", MSG_FUTURE)
    if setting_harmful not in YotCscCheck.SettingHarmful.values:
        problems["setting_harmful"] = MSG_HARMFUL
    if not csc_answer.strip():
        problems["csc_answer"] = MSG_ANSWER
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    check = YotCscCheck(
        child=child,
        agency=actor.agency,
        asked_on=asked_on,
        setting_harmful=setting_harmful,
        indicators=[str(indicator) for indicator in present],
        csc_answer=csc_answer.strip(),
        next_steps=next_steps.strip(),
        recorded_by=actor.user if getattr(actor.user, "pk", None) is not None else None,
        request_key=request_key,
    )
    check.full_clean()
    check.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="yotcsccheck",
        object_id=check.pk,
        child_pid=child.pseudonymous_id,
        fields=["yot_checks"],
        basis=basis,
        detail=f"YOT-CSC check on {asked_on}: setting harmful {setting_harmful} (R-53)",
    )
    return check
