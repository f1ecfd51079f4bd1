"""Charges through the criminal process (W-4) and the stay guard (R-09, J-02, J-03, F-08).

* A charge is recorded (police) and moves on through court by the W-4 steps of
  :mod:`ccehub.rules.prosecution` (:func:`charge_step`).

* A positive reasonable-grounds decision on a referral linked to an incident stays every live charge
  for that incident (``stayed_pending_cg``): the prosecution should not proceed until the CG decision.
* A negative CG lifts the stay (the charge returns to where it was).
* A positive CG does **not** lift the stay by itself: the prosecution may continue only on a recorded
  justification (the *VCL and AN* high bar), or it is discontinued. Discontinuing (with a reason)
  is possible at any time during the stay; continuing waits for the CG.

The stay and its lifting are side effects of an NRM decision and run inside that decision's
transaction (called from :func:`ccehub.nrm.services.nrm_decision_store`), audited as the decider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import AgencyKind, Role
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.justice.models import Charge, ChargeStatus, CourtOutcome
from ccehub.panels.escalation import plans_review_for_event
from ccehub.rules.escalation import TriggerEvent
from ccehub.rules.offences import catalogue
from ccehub.rules.prosecution import court_outcome_problems, ended_early_problems, step_problems

MSG_NOT_STAYED: Final = "This charge is not stayed pending a conclusive-grounds decision"
MSG_STAY_AWAITS_CG: Final = (
    "The prosecution cannot continue until the conclusive-grounds decision is made (R-09): the charge is "
    "stayed after a positive reasonable-grounds decision"
)
MSG_JUSTIFICATION_REQUIRED: Final = (
    "Record why the prosecution should continue despite a positive conclusive-grounds decision (VCL and AN: "
    "a high bar)"
)
MSG_DISCONTINUE_REASON: Final = "Enter the reason for discontinuing the prosecution"
MSG_PROSECUTION_ROLE: Final = "Only the police can record a prosecution decision on a stayed charge"
MSG_CHARGE_ROLE: Final = "Only the police can record a charge or where it went"
MSG_INCIDENT_OTHER_CHILD: Final = "That incident is about a different child"
MSG_ARREST_OTHER_CHILD: Final = "That arrest is about a different child"
MSG_UNKNOWN_OFFENCE: Final = "Choose an offence from the list"
MSG_STEP_FUTURE: Final = "The date must be today or in the past"
MSG_STEP_BEFORE_CHARGE: Final = "The date cannot be before the charge"
MSG_COURT_ROLE: Final = "Only the police or the youth offending team can record a court outcome"

#: Charges a stay applies to: live ones (not yet concluded or already stayed).
STAYABLE: Final[frozenset[str]] = frozenset({ChargeStatus.CHARGED, ChargeStatus.COURT_PROCEEDINGS})
PROSECUTION_ROLES: Final[frozenset[str]] = frozenset({Role.POLICE_OFFICER, Role.POLICE_SPECIALIST})

STAY_AFTER_CG_REASON: Final = (
    "J-03: the NRM referral {referral} for this incident has a positive conclusive-grounds decision ({on}): "
    "the prosecution continues only on a recorded justification (VCL and AN), or is discontinued"
)
STAY_REASON: Final = (
    "R-09: stayed pending the conclusive-grounds decision after a positive reasonable-grounds decision on "
    "{on} (NRM referral {referral})"
)


def charges_stay_for_rg(*, actor: Actor, referral: object, on: date) -> list[Charge]:
    """J-02: stay every live charge for the referral's linked incident. Returns the charges stayed."""
    incident_id = getattr(referral, "linked_incident_id", None)
    if incident_id is None:
        return []
    stayed = []
    for charge in Charge.objects.select_for_update(of=("self",)).filter(
        incident_id=incident_id, status__in=STAYABLE
    ):
        charge.status_before_stay = charge.status
        charge.status = ChargeStatus.STAYED_PENDING_CG
        charge.stayed_for_referral = referral  # type: ignore[assignment]
        charge.stayed_on = on
        charge.status_reason = STAY_REASON.format(on=on, referral=getattr(referral, "pk", ""))
        charge.save(
            update_fields=[
                "status",
                "status_before_stay",
                "stayed_for_referral",
                "stayed_on",
                "status_reason",
                "updated_at",
            ]
        )
        _audit(actor, charge, "stayed pending CG (J-02)", ["charges.status"])
        stayed.append(charge)
    return stayed


def charges_after_cg(*, actor: Actor, referral: object, outcome: str, on: date) -> list[Charge]:
    """J-03: a negative CG lifts the stay; a positive one leaves it until a justified decision."""
    changed = []
    for charge in Charge.objects.select_for_update(of=("self",)).filter(
        stayed_for_referral=referral, status=ChargeStatus.STAYED_PENDING_CG
    ):
        if outcome == "negative":
            charge.status = charge.status_before_stay or ChargeStatus.CHARGED
            charge.status_reason = f"Stay lifted: negative conclusive-grounds decision on {on}"
            detail = "stay lifted after a negative CG (J-03)"
        else:
            charge.status_reason = (
                f"Positive conclusive-grounds decision on {on}: the prosecution continues only on a recorded "
                "justification (VCL and AN), or is discontinued"
            )
            detail = "positive CG: prosecution needs a justification (J-03)"
        charge.save(update_fields=["status", "status_reason", "updated_at"])
        _audit(actor, charge, detail, ["charges.status"])
        changed.append(charge)
    return changed


def _cg_outcome(charge: Charge) -> str | None:
    referral = charge.stayed_for_referral
    if referral is None:
        return None
    for decision in referral.decisions.all():
        if decision.stage == "cg":
            return str(decision.outcome)
    return None


def is_police(actor: Actor) -> bool:
    """Whether ``actor`` records charges and prosecution decisions: a police role in a police force
    (or the system, loading data)."""
    if actor.system:
        return True
    agency = actor.agency
    return actor.role in PROSECUTION_ROLES and agency is not None and agency.kind == AgencyKind.POLICE_FORCE


def check_prosecution_decision(actor: Actor, charge: Charge, *, needs_cg: bool = True) -> str:
    """Police (or the system), with a write basis, on a stayed charge whose CG has been made (or,
    without ``needs_cg``, any stayed charge: dropping it never needs to wait)."""
    if not is_police(actor):
        raise PermissionDenied(MSG_PROSECUTION_ROLE)
    basis = check_can_write(actor, charge.child)
    if charge.status != ChargeStatus.STAYED_PENDING_CG:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_STAYED]})
    if needs_cg and _cg_outcome(charge) is None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_STAY_AWAITS_CG]})
    return basis


@transaction.atomic
def charge_prosecution_continue(
    *, actor: Actor, charge: Charge, justification: str, on: date | None = None
) -> Charge:
    """Continue a prosecution after a positive CG: refused without a recorded justification (F-08)."""
    charge = (
        Charge.objects.select_for_update(of=("self",))
        .select_related("child", "stayed_for_referral")
        .get(pk=charge.pk)
    )
    basis = check_prosecution_decision(actor, charge)
    text = (justification or "").strip()
    if not text:
        raise ValidationError({"justification": [MSG_JUSTIFICATION_REQUIRED]})
    charge.status = ChargeStatus.COURT_PROCEEDINGS
    charge.prosecution_justification = text
    charge.prosecution_decided_on = on or timezone.localdate()
    charge.prosecution_decided_by_name = actor.username[:150]
    charge.status_reason = (
        "Prosecution continued after a positive conclusive-grounds decision, with a justification"
    )
    charge.save(
        update_fields=[
            "status",
            "prosecution_justification",
            "prosecution_decided_on",
            "prosecution_decided_by_name",
            "status_reason",
            "updated_at",
        ]
    )
    _audit(actor, charge, "prosecution continued with a justification (J-03)", ["charges.status"], basis)
    return charge


@transaction.atomic
def charge_discontinue(*, actor: Actor, charge: Charge, reason: str, on: date | None = None) -> Charge:
    """Discontinue a stayed prosecution, after the CG (the child is a victim: R-09) or during the
    stay: the stay holds a prosecution back for the child's sake, so dropping it need not wait for
    the CG (only continuing does)."""
    charge = (
        Charge.objects.select_for_update(of=("self",))
        .select_related("child", "stayed_for_referral")
        .get(pk=charge.pk)
    )
    basis = check_prosecution_decision(actor, charge, needs_cg=False)
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [MSG_DISCONTINUE_REASON]})
    charge.status = ChargeStatus.DISCONTINUED
    charge.status_reason = text
    charge.prosecution_decided_on = on or timezone.localdate()
    charge.prosecution_decided_by_name = actor.username[:150]
    charge.save(
        update_fields=[
            "status",
            "status_reason",
            "prosecution_decided_on",
            "prosecution_decided_by_name",
            "updated_at",
        ]
    )
    _audit(actor, charge, "prosecution discontinued", ["charges.status"], basis)
    return charge


def _audit(actor: Actor, charge: Charge, detail: str, fields: list[str], basis: str = "") -> None:
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="charge",
        object_id=charge.pk,
        child_pid=charge.child.pseudonymous_id,
        fields=fields,
        basis=basis,
        detail=detail,
    )


@dataclass(frozen=True)
class LinkedStay:
    """Why a charge for an incident is held back: the linked referral's positive RG, and whether its
    CG has also come back positive (then only a justified prosecution decision releases it, J-03)."""

    referral: Any
    on: date
    cg_positive_on: date | None
    cg_positive: bool

    @property
    def reason(self) -> str:
        if self.cg_positive:
            when = self.cg_positive_on or "a date not recorded"
            return STAY_AFTER_CG_REASON.format(on=when, referral=getattr(self.referral, "pk", ""))
        return STAY_REASON.format(on=self.on, referral=getattr(self.referral, "pk", ""))


def _linked_stay(incident_id: object) -> LinkedStay | None:
    """The referral linked to this incident that holds a new charge back: a positive RG with the CG
    still to come (R-09), else a positive RG and a positive CG (J-03: the child is a recognised victim,
    so the prosecution needs a justified decision). A negative CG releases it; so does no positive RG."""
    from ccehub.nrm.models import NRMReferral

    pending = settled = None
    referrals = (
        NRMReferral.objects.filter(linked_incident_id=incident_id)
        .prefetch_related("decisions")
        .order_by("-referred_on", "-created_at")
    )
    for referral in referrals:
        decisions = list(referral.decisions.all())
        rg = next((d for d in decisions if d.stage == "rg" and d.outcome == "positive"), None)
        if rg is None:
            continue
        cg = next((d for d in decisions if d.stage == "cg"), None)
        rg_on = rg.decided_on or timezone.localdate()
        if cg is None and pending is None:
            pending = LinkedStay(referral, rg_on, None, False)
        elif cg is not None and cg.outcome == "positive" and settled is None:
            settled = LinkedStay(referral, rg_on, cg.decided_on, True)
    return pending or settled


def _apply_stay(actor: Actor, charge: Charge, stay: LinkedStay, *, status_before: str, detail: str) -> None:
    charge.status_before_stay = status_before
    charge.status = ChargeStatus.STAYED_PENDING_CG
    charge.stayed_for_referral = stay.referral
    charge.stayed_on = stay.on
    charge.status_reason = stay.reason
    charge.save()
    _audit(actor, charge, detail, ["charges.status"])


@transaction.atomic
def charge_record(
    *, actor: Actor, child: object, offence: str, incident: object = None, **values: object
) -> Charge:
    """Record a charge (police). A charge for an incident whose NRM referral already has a positive RG
    and no CG is stayed from the start (R-09): a stay must not depend on the order things were
    recorded in. Open referrals not linked to the incident do not stay it: the charging screen shows
    them (J-04, :func:`ccehub.justice.selectors.charging_notices_for`)."""
    from ccehub.children.services import fact_record

    if not is_police(actor):
        raise PermissionDenied(MSG_CHARGE_ROLE)
    if offence not in catalogue():
        raise ValidationError({"offence": [MSG_UNKNOWN_OFFENCE]})
    child_id = getattr(child, "pk", None)
    if incident is not None and getattr(incident, "child_id", child_id) != child_id:
        raise ValidationError({"incident": [MSG_INCIDENT_OTHER_CHILD]})
    arrest = values.get("arrest")
    if arrest is not None and getattr(arrest, "child_id", child_id) != child_id:
        raise ValidationError({"arrest": [MSG_ARREST_OTHER_CHILD]})
    charge = fact_record(actor=actor, child=child, model=Charge, offence=offence, incident=incident, **values)  # type: ignore[arg-type]
    if incident is not None and charge.status in STAYABLE:
        stay = _linked_stay(getattr(incident, "pk", incident))
        if stay is not None:
            detail = (
                "held on recording: CG already positive, prosecution needs a justification (J-03)"
                if stay.cg_positive
                else "stayed on recording: RG already positive (R-09)"
            )
            _apply_stay(actor, charge, stay, status_before=charge.status, detail=detail)
    plans_review_for_event(
        actor=actor, child=child, event=TriggerEvent.CHARGE, on=charge.charged_on or timezone.localdate()
    )
    return charge


@transaction.atomic
def charge_step(
    *, actor: Actor, charge: Charge, to_status: str, reason: str = "", on: date | None = None
) -> Charge:
    """Move a charge on through the criminal process (W-4): to court, dropped (with a reason),
    convicted or acquitted. A stayed charge moves only by the prosecution decision (J-03); an
    acquittal on the section 45 defence needs an offence for which the defence exists (R-03)."""
    charge = Charge.objects.select_for_update(of=("self",)).select_related("child").get(pk=charge.pk)
    if not is_police(actor):
        raise PermissionDenied(MSG_CHARGE_ROLE)
    basis = check_can_write(actor, charge.child)
    offence = catalogue().get(charge.offence)
    text = (reason or "").strip()
    problems = step_problems(
        current=charge.status,
        to=to_status,
        reason=text,
        s45_excluded=offence is not None and offence.s45_excluded,
    )
    day = on or timezone.localdate()
    if day > timezone.localdate():
        problems["on"] = MSG_STEP_FUTURE
    elif charge.charged_on is not None and day < charge.charged_on:
        problems["on"] = MSG_STEP_BEFORE_CHARGE
    if problems:
        raise ValidationError({field or NON_FIELD_ERRORS: [message] for field, message in problems.items()})
    if to_status in STAYABLE and charge.incident_id is not None:
        # A status carried over as "unknown" was never stayed (J-02 stays live charges only): moving it
        # back into the live process while its incident's referral holds charges back stays it now.
        stay = _linked_stay(charge.incident_id)
        if stay is not None:
            _apply_stay(
                actor, charge, stay, status_before=to_status, detail="stayed on entering the process (R-09)"
            )
            return charge
    before = charge.get_status_display().lower()
    charge.status = to_status
    charge.status_reason = text
    charge.save(update_fields=["status", "status_reason", "updated_at"])
    after = charge.get_status_display().lower()
    _audit(actor, charge, f"{before} -> {after} on {day} (W-4)", ["charges.status"], basis)
    if to_status == ChargeStatus.CONVICTED:
        # J-11: a conviction means a plan review, dated when it happened (a late record: overdue).
        plans_review_for_event(actor=actor, child=charge.child, event=TriggerEvent.CONVICTION, on=day)
    return charge


def may_record_court_outcome(actor: Actor) -> bool:
    """Police, or a youth offending team worker (who attends the youth court), or the system."""
    return is_police(actor) or actor.role == Role.YOT_WORKER


@transaction.atomic
def court_outcome_record(
    *,
    actor: Actor,
    charge: Charge,
    decided_on: date,
    remanded_in_custody: bool = False,
    sentence_type: str = "",
    length_months: int | None = None,
    today: date | None = None,
) -> CourtOutcome:
    """Record what the court did on a charge (W-4): a remand while before the court, or the sentence on
    a conviction (:func:`ccehub.rules.prosecution.court_outcome_problems`)."""
    from ccehub.children.services import fact_record

    charge = Charge.objects.select_for_update(of=("self",)).select_related("child").get(pk=charge.pk)
    if not may_record_court_outcome(actor):
        raise PermissionDenied(MSG_COURT_ROLE)
    check_can_write(actor, charge.child)
    earlier = list(
        CourtOutcome.objects.filter(charge=charge).values_list(
            "decided_on", "remanded_in_custody", "sentence_type"
        )
    )
    problems = court_outcome_problems(
        already_sentenced=any(sentence for _, _, sentence in earlier),
        remand_days=frozenset(day for day, remanded, _ in earlier if remanded and day is not None),
        charge_status=charge.status,
        remanded=remanded_in_custody,
        sentence_type=sentence_type,
        length_months=length_months,
        decided_on=decided_on,
        charged_on=charge.charged_on,
        today=today or timezone.localdate(),
    )
    if problems:
        raise ValidationError({field or NON_FIELD_ERRORS: [message] for field, message in problems.items()})
    values: dict[str, object] = {
        "charge": charge,
        "decided_on": decided_on,
        "remanded_in_custody": remanded_in_custody,
    }
    if sentence_type:
        values |= {"sentence_type": sentence_type, "length_months": length_months}
    outcome = fact_record(actor=actor, child=charge.child, model=CourtOutcome, **values)
    # J-11 / R-50: a sentence or a remand means a plan review.
    for happened, event in (
        (bool(sentence_type), TriggerEvent.SENTENCE),
        (remanded_in_custody, TriggerEvent.REMAND),
    ):
        if happened:
            plans_review_for_event(actor=actor, child=charge.child, event=event, on=decided_on)
    return outcome


@transaction.atomic
def sentence_ended_early(*, actor: Actor, outcome: CourtOutcome, months: int, reason: str) -> CourtOutcome:
    """Record that a sentence ended early, after ``months`` (e.g. a YRO revoked for good progress)."""
    outcome = CourtOutcome.objects.select_for_update(of=("self",)).select_related("child").get(pk=outcome.pk)
    if not may_record_court_outcome(actor):
        raise PermissionDenied(MSG_COURT_ROLE)
    basis = check_can_write(actor, outcome.child)
    text = (reason or "").strip()
    problems = ended_early_problems(
        sentence_type=outcome.sentence_type,
        length_months=outcome.length_months,
        already_ended=outcome.ended_early_after_months is not None,
        months=months,
        reason=text,
        sentenced_on=outcome.decided_on,
        today=timezone.localdate(),
    )
    if problems:
        raise ValidationError({field or NON_FIELD_ERRORS: [message] for field, message in problems.items()})
    outcome.ended_early_after_months = months
    outcome.ended_early_reason = text[:200]
    outcome.save(update_fields=["ended_early_after_months", "ended_early_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="courtoutcome",
        object_id=outcome.pk,
        child_pid=outcome.child.pseudonymous_id,
        fields=["court_outcomes.ended_early"],
        basis=basis,
        detail=f"sentence ended early after {months} months",
    )
    return outcome
