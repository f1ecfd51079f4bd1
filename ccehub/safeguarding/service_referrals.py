"""E-17, referrals to services: recorded by an agency that may record on the child, with what became
of them (accepted, below threshold, declined by the service or the young person, not engaged) and,
for an accepted one, when the service stopped. Whether the child could be compelled to engage is
read from the charges (R-54) and how many services work with the child now is shown (R-51): the
rules are in :mod:`ccehub.rules.service_referrals`. The reason is free text (it can name people):
for full viewers only. Audited (``servicereferral``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.rules import service_referrals as rules
from ccehub.safeguarding.models import ServiceReferral

MSG_SERVICE: Final = "Choose the service the child was referred to"
MSG_FUTURE: Final = rules.MSG_FUTURE
MSG_BEFORE_BIRTH: Final = "The date cannot be before the child was born"
MSG_AGENCY: Final = "A referral to a service is recorded by an agency: act as a member of one"


def _fact(referral: ServiceReferral) -> rules.ReferralFact:
    return rules.ReferralFact(
        made_on=referral.made_on,
        service=referral.service,
        outcome=referral.outcome,
        outcome_on=referral.outcome_on,
        ended_on=referral.ended_on,
    )


@transaction.atomic
def service_referral_record(
    *,
    actor: Actor,
    child: Child,
    service: str,
    made_on: date,
    reason: str = "",
    request_key: str = "",
) -> ServiceReferral:
    """Record a referral of the child to a service (an agency that may record on the child)."""
    basis = check_can_write(actor, child)
    if actor.agency is None:
        raise PermissionDenied(MSG_AGENCY)
    problems: dict[str, str] = {}
    if service not in ServiceReferral.Service.values:
        problems["service"] = MSG_SERVICE
    if made_on > timezone.localdate():
        problems["made_on"] = MSG_FUTURE
    born = Identity.objects.filter(child=child).values_list("date_of_birth", flat=True).first()
    if born is not None and made_on < born:
        problems["made_on"] = MSG_BEFORE_BIRTH
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    referral = ServiceReferral(
        child=child,
        service=service,
        made_on=made_on,
        reason=reason.strip(),
        agency=actor.agency,
        recorded_by=actor.user if getattr(actor.user, "pk", None) is not None else None,
        request_key=request_key,
    )
    referral.full_clean()
    referral.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="servicereferral",
        object_id=referral.pk,
        child_pid=child.pseudonymous_id,
        fields=["service_referrals"],
        basis=basis,
        detail=f"referral to a service on {made_on} (E-17)",
    )
    return referral


def _locked(referral: ServiceReferral) -> ServiceReferral:
    return ServiceReferral.objects.select_for_update(of=("self",)).select_related("child").get(pk=referral.pk)


@transaction.atomic
def service_referral_outcome(
    *, actor: Actor, referral: ServiceReferral, outcome: str, on: date
) -> ServiceReferral:
    """Record what became of the referral, once."""
    referral = _locked(referral)
    basis = check_can_write(actor, referral.child)
    problems = rules.check_outcome(_fact(referral), outcome, on, today=timezone.localdate())
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    referral.outcome = outcome
    referral.outcome_on = on
    referral.save(update_fields=["outcome", "outcome_on", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="servicereferral",
        object_id=referral.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["service_referrals.outcome", "service_referrals.outcome_on"],
        basis=basis,
        detail=f"referral to a service: {outcome} on {on} (E-17)",
    )
    return referral


@transaction.atomic
def service_referral_end(*, actor: Actor, referral: ServiceReferral, ended_on: date) -> ServiceReferral:
    """Record that an accepted service stopped working with the child."""
    referral = _locked(referral)
    basis = check_can_write(actor, referral.child)
    problems = rules.check_end(_fact(referral), ended_on, today=timezone.localdate())
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    referral.ended_on = ended_on
    referral.save(update_fields=["ended_on", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="servicereferral",
        object_id=referral.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["service_referrals.ended_on"],
        basis=basis,
        detail=f"referral to a service: service ended on {ended_on} (E-17)",
    )
    return referral


MSG_NOTHING_TO_CORRECT: Final = "Nothing is recorded yet of what became of this referral"
MSG_CORRECTION_REASON: Final = "Say what was wrong with the answer recorded"


@transaction.atomic
def service_referral_correct(*, actor: Actor, referral: ServiceReferral, reason: str) -> ServiceReferral:
    """Take back an answer recorded in error (and the end of the service, if recorded): the referral
    awaits an answer again; the answer taken back, the day and why are kept on the referral."""
    referral = _locked(referral)
    basis = check_can_write(actor, referral.child)
    problems: dict[str, str] = {}
    if referral.outcome == ServiceReferral.Outcome.AWAITING:
        problems["reason"] = MSG_NOTHING_TO_CORRECT
    elif not reason.strip():
        problems["reason"] = MSG_CORRECTION_REASON
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    today = timezone.localdate()
    was = f"{referral.get_outcome_display()} on {referral.outcome_on:%-d %B %Y}"
    if referral.ended_on is not None:
        was += f", stopped on {referral.ended_on:%-d %B %Y}"
    line = f"{today:%-d %B %Y}: {was}, recorded in error: {' '.join(reason.split())}"
    referral.corrections = "\n".join(part for part in (referral.corrections, line) if part)
    referral.outcome = ServiceReferral.Outcome.AWAITING
    referral.outcome_on = None
    referral.ended_on = None
    referral.save(update_fields=["outcome", "outcome_on", "ended_on", "corrections", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="servicereferral",
        object_id=referral.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=[
            "service_referrals.outcome",
            "service_referrals.outcome_on",
            "service_referrals.ended_on",
            "service_referrals.corrections",
        ],
        basis=basis,
        detail="referral to a service: the answer recorded was taken back as recorded in error (E-17)",
    )
    return referral


@dataclass(frozen=True)
class ShownReferral:
    """A referral as the page shows it: the row, whether engagement could be required (R-54, read on
    the day of its answer, or today while it awaits one), and what became of it."""

    referral: ServiceReferral
    compulsion: rules.Compulsion
    compulsion_text: str
    outcome_text: str


def charge_and_order_facts(child: Child) -> tuple[list[rules.ChargeFact], list[rules.OrderFact]]:
    """The child's charges and court outcomes as R-54 reads them (two queries)."""
    from ccehub.justice.models import Charge, CourtOutcome

    charges = [
        rules.ChargeFact(status, on)
        for status, on in Charge.objects.filter(child=child).values_list("status", "charged_on")
    ]
    orders = [
        rules.OrderFact(*row)
        for row in CourtOutcome.objects.filter(child=child).values_list(
            "sentence_type", "decided_on", "length_months", "ended_early_after_months"
        )
    ]
    return charges, orders


def outcome_text(referral: ServiceReferral, answer: rules.Compulsion) -> str:
    """What became of the referral, in words (a declined one with R-54's reading)."""
    if referral.outcome == ServiceReferral.Outcome.DECLINED_BY_YOUNG_PERSON:
        return rules.declined_label(referral.service, answer)
    return str(referral.get_outcome_display())


def referrals_shown(
    referrals: list[ServiceReferral],
    charges: list[rules.ChargeFact],
    orders: list[rules.OrderFact],
    *,
    today: date,
) -> tuple[list[ShownReferral], frozenset[str]]:
    """The referrals, latest first, each with R-54's reading on its own day, and the services working
    with the child now (R-51)."""
    shown = []
    for referral in sorted(referrals, key=lambda r: (r.made_on, r.created_at), reverse=True):
        answer = rules.compulsion(referral.service, charges, orders, referral.outcome_on or today)
        shown.append(
            ShownReferral(referral, answer, rules.COMPULSION_LABELS[answer], outcome_text(referral, answer))
        )
    return shown, rules.working_now([_fact(r) for r in referrals], today)
