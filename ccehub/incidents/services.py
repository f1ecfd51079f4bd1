"""Recording identifying incidents, and the triage decisions made on them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.agencies.permissions import REBUTTAL_APPROVER_ROLES
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import CaseHolding, Child, MissingEpisode, RelativeToIncident
from ccehub.children.services import (
    _hold,
    check_can_write,
    check_incident_date,
    child_create,
    may_take_holding,
)
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.common.validators import MSG_INCIDENT_BEFORE_BIRTH
from ccehub.incidents.models import (
    NON_ARREST_TYPES,
    ActionStatus,
    DecisionBasis,
    IdentifyingIncident,
    IncidentType,
    RebuttalStatus,
    TriageAction,
    TriageDecision,
)
from ccehub.rules.policy import CURRENT, PROFILES
from ccehub.rules.presumption import PresumptionCategory, assess_rebuttal, rebuttal_reason
from ccehub.rules.triage import TriageInputError, TriageJSON, parse_triage_input, triage

MSG_RECORD_AS_OWN_AGENCY = "You can record an incident only for your own agency"
MSG_ARRESTING_FORCE_KIND = "Arresting force must be a police force"
MSG_UNKNOWN_CODE = "Unknown {what} code {code!r}"


def _known_codes(kind: str) -> frozenset[str] | None:
    """Offence and indicator codes come from the triage rules' reference data."""
    try:
        if kind == "offence":
            from ccehub.rules.offences import offence_codes

            return frozenset(offence_codes())
        from ccehub.rules.indicators import indicator_codes

        return frozenset(indicator_codes())
    except ImportError:  # pragma: no cover - the rules package ships with the app
        return None


@transaction.atomic
def incident_record(
    *,
    actor: Actor,
    child: Child,
    occurred_at: datetime,
    incident_type: str,
    recording_agency: Agency | None = None,
    arresting_force: Agency | None = None,
    is_arrest: bool | None = None,
    offences: list[str] | None = None,
    indicators: list[str] | None = None,
    **values: Any,
) -> IdentifyingIncident:
    basis = check_can_write(actor, child)
    errors: dict[str, list[str]] = {}
    if incident_type not in IncidentType.values:
        errors["incident_type"] = [
            f"Unknown incident type {incident_type!r}; use one of: {', '.join(IncidentType.values)}"
        ]
    if arresting_force is not None and arresting_force.kind != AgencyKind.POLICE_FORCE:
        errors["arresting_force"] = [MSG_ARRESTING_FORCE_KIND]
    if not actor.system and recording_agency is not None and recording_agency != actor.agency:
        errors["recording_agency"] = [MSG_RECORD_AS_OWN_AGENCY]
    for what, codes, field in (
        ("offence", offences or [], "offences"),
        ("indicator", indicators or [], "indicators"),
    ):
        known = _known_codes(what)
        if known is not None:
            bad = [c for c in codes if c not in known]
            if bad:
                errors[field] = [MSG_UNKNOWN_CODE.format(what=what, code=bad[0])]
    if errors:
        raise ValidationError(errors)
    check_incident_date(child, occurred_at)
    if is_arrest is None:
        is_arrest = incident_type not in NON_ARREST_TYPES and incident_type != IncidentType.STOP_SEARCH
    recorder = recording_agency or actor.agency
    if recorder is None:
        raise ValidationError({"recording_agency": ["Say which agency recorded the incident"]})
    incident = IdentifyingIncident(
        child=child,
        occurred_at=occurred_at,
        incident_type=incident_type,
        is_arrest=is_arrest,
        recording_agency=recorder,
        arresting_force=arresting_force,
        offences=list(offences or []),
        indicators=list(indicators or []),
        recorded_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        **values,
    )
    incident.full_clean()
    incident.save()
    if may_take_holding(basis):
        # Only the agency doing the writing becomes a holder (the system may record for others, e.g.
        # when loading data); naming another force as the arresting force gives it nothing.
        _hold(child, recorder, CaseHolding.Basis.RECORDING_AGENCY)
        if arresting_force is not None and (actor.system or arresting_force == actor.agency):
            _hold(child, arresting_force, CaseHolding.Basis.ARRESTING_FORCE)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="identifying_incident",
        object_id=incident.pk,
        child_pid=child.pseudonymous_id,
        fields=["incidents"],
        basis=basis,
    )
    from ccehub.panels.escalation import plans_review_for_event
    from ccehub.rules.escalation import TriggerEvent

    on = timezone.localtime(incident.occurred_at).date() if incident.occurred_at else None
    plans_review_for_event(actor=actor, child=child, event=TriggerEvent.INCIDENT, on=on)
    if not actor.system and (incident.is_arrest or incident.incident_type not in NON_ARREST_TYPES):
        # a police encounter (an arrest, a stop and search, found at an address or at the end of a
        # missing-person enquiry); loading data as the system tells nobody
        _tell_home_agencies(actor=actor, child=child, incident=incident)
    return incident


def _tell_home_agencies(*, actor: Actor, child: Child, incident: IdentifyingIncident) -> None:
    """J-01: an arrest (or another police encounter) of a child recorded by another agency is
    notified to the child's home local authority (children's social care) and home police force, at
    once; each holds the child again if its holding had ended (they must act, so they must see it). The triage actions
    "notify the home local authority / police force" stay with the officer: the notification is the
    record that ccehub told them, not the conversation."""
    from django.urls import reverse

    from ccehub.children.home_agencies import (
        agency_name,
        is_actors,
        notify_agency,
        rehold_home_agency,
        rehold_home_authority,
        when,
    )

    # no offence and no incident type: the email is not the place for criminal-offence data
    what = "was arrested" if incident.is_arrest else "came to the police's notice"
    base = f"{agency_name(actor)} recorded on ccehub that child {child.pseudonymous_id} {what} at {when(incident.occurred_at)}."
    link = reverse("children:detail", args=[child.pseudonymous_id])
    about = ("identifying_incident", incident.pk)
    home, force = child.home_local_authority, child.home_police_force
    if home is not None and not is_actors(actor, home):
        rehold_home_authority(
            actor=actor,
            child=child,
            home=home,
            why="an arrest or incident elsewhere, and the home authority must act (J-01)",
        )
        notify_agency(
            actor=actor,
            child=child,
            agency=home,
            kind="incident_recorded",
            text=base + " Your authority is the child's home local authority: see the child's record and the "
            "actions proposed (J-01).",
            link=link,
            about=about,
        )
    if force is not None and not is_actors(actor, force):
        rehold_home_agency(
            actor=actor,
            child=child,
            agency=force,
            basis=CaseHolding.Basis.HOME_POLICE_FORCE,
            why="an arrest or police encounter elsewhere (J-01)",
        )
        notify_agency(
            actor=actor,
            child=child,
            agency=force,
            kind="incident_recorded",
            text=base + " Your force is the child's home police force (J-01).",
            link=link,
            about=about,
        )


# --- Triage decisions (issue #3 part 3) ------------------------------------------------------------
#
# Each service validates and authorises first (``check_*``), then changes and audits in the same
# transaction. The rules are pure (``ccehub.rules.triage``); these services only collect the facts,
# store the exact input and output, and record what people did with the proposals.

MSG_RULES_INPUT = "The triage rules cannot use this value: {field} {message}"
MSG_UNKNOWN_POLICY = "Choose a policy profile: {expected}"
MSG_IDENTITY_NEEDED = (
    "Your agency cannot see this child's date of birth, so it cannot triage them: ask the agency that "
    "holds the record"
)
MSG_DECISION_SUPERSEDED = "This decision has been replaced by a later one: act on the latest decision"
MSG_ACTION_NOT_OPEN = "This action is already {status}"
MSG_ACTION_CLOSED = "This action is already {status} and cannot be changed"
MSG_OVERRIDE_REASON = "Enter the reason for overriding this action"
MSG_REASON_TOO_LONG = "Reason must be 2000 characters or fewer"
MSG_REBUTTAL_NOT_PRESUMED = (
    "Only the presumption can be rebutted, and this decision does not presume the child a victim"
)
MSG_REBUTTAL_ALREADY = "A rebuttal of this decision is already {status}"
MSG_REBUTTAL_NOTE_REQUIRED = "Enter the clear evidence that the child is not being exploited"
MSG_REBUTTAL_NOT_PENDING = "There is no rebuttal awaiting approval on this decision"
MSG_APPROVER_ROLE = "Only a police specialist or a CCE panel chair can approve or refuse a rebuttal"
MSG_SELF_APPROVAL = "You asked for this rebuttal, so someone else must approve or refuse it"
MSG_DECISION_REASON_REQUIRED = "Enter the reason for your decision"

#: Longest free-text reason accepted (a reason, not a report).
MAX_REASON_LENGTH = 2000

#: The rules' input field that each service field feeds, for error messages.
_RULE_FIELD_TO_SERVICE = {
    "incident_date": "occurred_at",
    "date_of_birth": "date_of_birth",
    "estimated_age": "estimated_age",
    "missing_days": "missing_days",
    "offences": "offences",
    "indicators": "indicators",
    "evidence_note": "evidence_note",
    "policy": "policy",
}


def _user_of(actor: Actor) -> Any:
    return actor.user if getattr(actor.user, "is_authenticated", False) else None


def _clean_reason(field: str, reason: str, *, required_message: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({field: [required_message]})
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError({field: [MSG_REASON_TOO_LONG]})
    return text


def missing_days_for(episodes: Iterable[MissingEpisode], *, occurred_at: datetime) -> int | None:
    """Days missing in the most recent episode before the incident whose length is known.

    The triage input asks for "the current or most recent missing episode" (R-30). An episode with a
    start counts when it started at or before the incident (its dates decide, not the study's
    before/after label, which is about the child's first identifying incident); one without a start
    counts unless it is recorded as after the incident. Its length is the recorded approximate
    duration, else end minus start, counted no further than the incident; a child still missing
    (reported on ccehub and not found) has been missing from the start to the incident. An
    open-ended record with no duration is not guessed at (the ``reported_missing`` indicator still
    counts it). Among episodes with a start the latest start wins; without any starts, the longest.
    """
    known: list[tuple[datetime | None, int]] = []
    for episode in episodes:
        start = episode.started_at
        if start is None and episode.relative_to_incident == RelativeToIncident.AFTER:
            continue
        if start is not None and start > occurred_at:
            continue
        end = episode.ended_at
        if end is None and getattr(episode, "still_missing", False):
            end = occurred_at
        if episode.approximate_duration_days is not None:
            days = int(episode.approximate_duration_days)
        elif start is not None and end is not None:
            days = (min(end, occurred_at) - start).days
        else:
            continue
        known.append((start, days))
    if not known:
        return None
    dated = [item for item in known if item[0] is not None]
    if dated:
        return max(dated, key=lambda item: item[0])[1]  # type: ignore[arg-type,return-value]
    return max(days for _, days in known)


def triage_input_build(
    *,
    incident: IdentifyingIncident,
    date_of_birth: date | None,
    episodes: Iterable[MissingEpisode] = (),
    estimated_age: int | None = None,
    missing_days: int | None = None,
    policy: str | None = None,
    evidence_note: str | None = None,
) -> dict[str, object]:
    """The exact triage input object (docs/rules-triage.md) for ``incident``. Pure: no queries.

    Officer answers given here win over what the incident records; missing days fall back to the
    recorded missing episodes. Every contract field is present (``null`` when not known), so the
    stored input replays unchanged through ``ccehub triage``.
    """
    indicators = list(dict.fromkeys(incident.indicators or []))
    if incident.plugging == TriState.RECORDED_PRESENT and "plugging" not in indicators:
        indicators.append("plugging")
    if estimated_age is None:
        estimated_age = incident.estimated_age
    if missing_days is None:
        missing_days = incident.missing_days
    if missing_days is None:
        missing_days = missing_days_for(episodes, occurred_at=incident.occurred_at)
    return {
        "incident_date": timezone.localtime(incident.occurred_at).isoformat(timespec="minutes"),
        "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
        "estimated_age": estimated_age,
        "county_lines_linked": incident.county_lines_linked == TriState.RECORDED_PRESENT,
        "arrested": bool(incident.is_arrest),
        "out_of_area": incident.in_home_area == TriState.RECORDED_ABSENT,
        "offences": list(dict.fromkeys(incident.offences or [])),
        "indicators": indicators,
        "missing_days": missing_days,
        "clear_evidence_not_exploited": bool(evidence_note),
        "evidence_note": evidence_note or None,
        "policy": policy or CURRENT.code,
    }


def run_triage_rules(inputs: dict[str, object]) -> TriageJSON:
    """Run the pure rules on a stored-form input; a rule refusal becomes a :class:`ValidationError`."""
    try:
        return triage(parse_triage_input(inputs)).to_json()
    except TriageInputError as exc:
        errors: dict[str, list[str]] = {}
        for problem in exc.problems:
            head = problem.field.split("[", 1)[0].split(".", 1)[0]
            field = _RULE_FIELD_TO_SERVICE.get(head, NON_FIELD_ERRORS)
            errors.setdefault(field, []).append(
                MSG_RULES_INPUT.format(field=problem.field, message=problem.message)
            )
        raise ValidationError(errors) from None


def check_policy(policy: str | None) -> str:
    code = policy or CURRENT.code
    if code not in PROFILES:
        raise ValidationError({"policy": [MSG_UNKNOWN_POLICY.format(expected=", ".join(sorted(PROFILES)))]})
    return code


def _facts_for(*, actor: Actor, child: Child) -> tuple[date | None, list[MissingEpisode]]:
    """Date of birth and missing episodes, read through the audited, scoped path."""
    from ccehub.children.models import Identity
    from ccehub.children.selectors import child_get

    record = child_get(actor=actor, pid=child.pseudonymous_id, sections=("identity", "missing"))
    if record.identity is None and Identity.objects.filter(child=child).exists():
        raise PermissionDenied(MSG_IDENTITY_NEEDED)
    return record.date_of_birth, list(record.related.get("missing_episodes", []))


def _current_decision(incident: IdentifyingIncident) -> TriageDecision | None:
    return (
        TriageDecision.objects.filter(incident=incident, superseded_by__isnull=True)
        .order_by("-decided_at")
        .first()
    )


def _decision_store(
    *,
    actor: Actor,
    incident: IdentifyingIncident,
    inputs: dict[str, object],
    basis: str,
    supersedes: TriageDecision | None,
    audit_basis: str,
) -> TriageDecision:
    outputs = run_triage_rules(inputs)
    now = timezone.now()
    decision = TriageDecision.objects.create(
        incident=incident,
        child=incident.child,
        supersedes=supersedes,
        basis=basis,
        inputs=inputs,
        outputs=outputs,
        policy=outputs["policy"],
        rule_version=outputs["rule_version"],
        presumption=outputs["presumption"],
        priority=outputs["priority"],
        panel_eligible=outputs["panel_eligible"],
        section45=outputs["section45"],
        agency=actor.agency,
        decided_by=_user_of(actor),
        decided_by_name=actor.username[:150],
        decided_at=now,
    )
    earlier = {a.code: a for a in supersedes.actions.all()} if supersedes is not None else {}
    for position, item in enumerate(outputs["actions"], start=1):
        hours = item["due_within_hours"]
        action = TriageAction(
            decision=decision,
            position=position,
            code=item["code"],
            due_within_hours=hours,
            due_at=incident.occurred_at + timedelta(hours=hours) if hours is not None else None,
            reason=item["reason"],
        )
        previous = earlier.get(item["code"])
        if previous is not None and previous.status != ActionStatus.OPEN:
            # What people already did about the same action still stands on the new decision.
            action.status = previous.status
            action.status_reason = previous.status_reason
            action.status_by = previous.status_by
            action.status_by_name = previous.status_by_name
            action.status_at = previous.status_at
            action.carried_from = previous
        action.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="triage_decision",
        object_id=decision.pk,
        child_pid=incident.child.pseudonymous_id,
        fields=["triage_decisions", "triage_actions"],
        basis=audit_basis,
        detail=(
            f"{basis}: {decision.presumption}, priority {decision.priority}, "
            f"{len(outputs['actions'])} actions; policy {decision.policy} {decision.rule_version}"
            + (f"; supersedes {supersedes.pk}" if supersedes is not None else "")
        ),
    )
    return decision


@transaction.atomic
def triage_decide(
    *,
    actor: Actor,
    incident: IdentifyingIncident,
    policy: str | None = None,
    estimated_age: int | None = None,
    missing_days: int | None = None,
) -> TriageDecision:
    """Triage ``incident`` (again): a new decision, which supersedes the current one if any.

    The input is built from the incident, the child's date of birth and missing episodes (read
    through :func:`ccehub.children.selectors.child_get`, so the read is scoped and audited) and the
    officer's answers. An approved rebuttal on the decision being replaced is carried into the new
    input: a re-triage does not quietly restore a presumption a specialist lifted.

    Raises:
        PermissionDenied: the actor may not write about this child, or cannot see its identity.
        ValidationError: an unknown policy, or facts the rules refuse.
    """
    basis = check_can_write(actor, incident.child)
    code = check_policy(policy)
    # One decision at a time per incident: the history stays a single chain.
    incident = IdentifyingIncident.objects.select_for_update().select_related("child").get(pk=incident.pk)
    previous = _current_decision(incident)
    dob, episodes = _facts_for(actor=actor, child=incident.child)
    carried_note = None
    if previous is not None and previous.inputs.get("clear_evidence_not_exploited"):
        carried_note = str(previous.inputs.get("evidence_note") or "") or None
    inputs = triage_input_build(
        incident=incident,
        date_of_birth=dob,
        episodes=episodes,
        estimated_age=estimated_age,
        missing_days=missing_days,
        policy=code,
        evidence_note=carried_note,
    )
    decision = _decision_store(
        actor=actor,
        incident=incident,
        inputs=inputs,
        basis=DecisionBasis.INITIAL if previous is None else DecisionBasis.RE_TRIAGE,
        supersedes=previous,
        audit_basis=basis,
    )
    if not actor.system and decision.priority == "crisis":
        # F-01: the presumption applies: the crisis response (W-5) opens, convened by the home
        # authority (loading data as the system opens nothing)
        from ccehub.panels.crisis import crisis_open

        crisis_open(
            actor=actor,
            child=incident.child,
            trigger="presumption_arrest",
            on=timezone.localtime(incident.occurred_at).date(),
            source=("identifying_incident", incident.pk),
        )
    return decision


def triage_from_incident(*, actor: Actor, incident: IdentifyingIncident) -> TriageDecision:
    """Triage an incident from its recorded facts alone (used by the demo loader and re-triage)."""
    return triage_decide(actor=actor, incident=incident)


@transaction.atomic
def incident_record_and_triage(
    *,
    actor: Actor,
    child: Child | None = None,
    new_child: Mapping[str, Any] | None = None,
    occurred_at: datetime,
    incident_type: str,
    policy: str | None = None,
    **incident_values: Any,
) -> TriageDecision:
    """The arresting officer's journey in one transaction: (new child), incident, triage decision.

    Exactly one of ``child`` (an existing child the actor can write about) and ``new_child`` (the
    keyword arguments of :func:`ccehub.children.services.child_create`; the name may be "Unknown"
    and the date of birth empty) is given. Nothing is saved unless all three steps succeed.
    """
    if (child is None) == (new_child is None):
        raise TypeError("give exactly one of child and new_child")
    check_can_write(actor, child)
    code = check_policy(policy)
    if child is None:
        assert new_child is not None
        dob = new_child.get("date_of_birth")
        if isinstance(dob, date) and timezone.localtime(occurred_at).date() < dob:
            raise ValidationError({"occurred_at": [MSG_INCIDENT_BEFORE_BIRTH]})
        child = child_create(actor=actor, **dict(new_child))
    if incident_values.get("arresting_force") is None and incident_values.get("is_arrest"):
        agency = actor.agency
        if agency is not None and agency.kind == AgencyKind.POLICE_FORCE:
            incident_values["arresting_force"] = agency
    incident = incident_record(
        actor=actor, child=child, occurred_at=occurred_at, incident_type=incident_type, **incident_values
    )
    return triage_decide(actor=actor, incident=incident, policy=code)


# --- People's responses to the proposed actions ---------------------------------------------------


def check_can_change_action(actor: Actor, action: TriageAction, *, allowed: Iterable[str]) -> str:
    """The actor may record about the child, the decision is the latest, and the status allows it."""
    basis = check_can_write(actor, action.decision.child)
    if not action.decision.is_current:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_DECISION_SUPERSEDED]})
    if action.status not in set(allowed):
        label = ActionStatus(action.status).label.lower()
        raise ValidationError({"status": [MSG_ACTION_CLOSED.format(status=label)]})
    return basis


def _lock_action(action: TriageAction) -> TriageAction:
    return TriageAction.objects.select_for_update().select_related("decision__child").get(pk=action.pk)


def _action_set(*, actor: Actor, action: TriageAction, status: str, reason: str, basis: str) -> TriageAction:
    action.status = status
    action.status_reason = reason
    action.status_by = _user_of(actor)
    action.status_by_name = actor.username[:150]
    action.status_at = timezone.now()
    action.carried_from = None
    action.save(
        update_fields=[
            "status",
            "status_reason",
            "status_by",
            "status_by_name",
            "status_at",
            "carried_from",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="triage_action",
        object_id=action.pk,
        child_pid=action.decision.child.pseudonymous_id,
        fields=["triage_actions.status"] + (["triage_actions.status_reason"] if reason else []),
        basis=basis,
        detail=f"{action.code}: {status}",
    )
    return action


@transaction.atomic
def triage_action_accept(*, actor: Actor, action: TriageAction, reason: str = "") -> TriageAction:
    """Accept a proposed action (it will be done); an optional note may say how."""
    action = _lock_action(action)
    basis = check_can_change_action(actor, action, allowed=[ActionStatus.OPEN])
    note = (reason or "").strip()
    if len(note) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [MSG_REASON_TOO_LONG]})
    return _action_set(actor=actor, action=action, status=ActionStatus.ACCEPTED, reason=note, basis=basis)


@transaction.atomic
def triage_action_override(*, actor: Actor, action: TriageAction, reason: str) -> TriageAction:
    """Decide not to take a proposed action. A reason is required (R-08, R-36: not referring, or RUI
    instead of bail, must be justified)."""
    action = _lock_action(action)
    basis = check_can_change_action(actor, action, allowed=[ActionStatus.OPEN, ActionStatus.ACCEPTED])
    text = _clean_reason("reason", reason, required_message=MSG_OVERRIDE_REASON)
    return _action_set(actor=actor, action=action, status=ActionStatus.OVERRIDDEN, reason=text, basis=basis)


@transaction.atomic
def triage_action_complete(*, actor: Actor, action: TriageAction, reason: str = "") -> TriageAction:
    """Record that an action has been done."""
    action = _lock_action(action)
    basis = check_can_change_action(actor, action, allowed=[ActionStatus.OPEN, ActionStatus.ACCEPTED])
    note = (reason or "").strip() or action.status_reason
    if len(note) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [MSG_REASON_TOO_LONG]})
    return _action_set(actor=actor, action=action, status=ActionStatus.DONE, reason=note, basis=basis)


# --- Rebuttal of the presumption (R-25, R-38) ------------------------------------------------------


def _lock_decision(decision: TriageDecision) -> TriageDecision:
    return TriageDecision.objects.select_for_update().select_related("child", "incident").get(pk=decision.pk)


def check_can_request_rebuttal(actor: Actor, decision: TriageDecision, evidence_note: str) -> tuple[str, str]:
    """Returns the access basis and the cleaned note, or raises."""
    basis = check_can_write(actor, decision.child)
    if not decision.is_current:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_DECISION_SUPERSEDED]})
    if decision.presumption != PresumptionCategory.PRESUMED_VICTIM:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_REBUTTAL_NOT_PRESUMED]})
    if decision.rebuttal_status in (RebuttalStatus.PENDING_APPROVAL, RebuttalStatus.APPROVED):
        label = RebuttalStatus(decision.rebuttal_status).label.lower()
        raise ValidationError({NON_FIELD_ERRORS: [MSG_REBUTTAL_ALREADY.format(status=label)]})
    note = _clean_reason("evidence_note", evidence_note, required_message=MSG_REBUTTAL_NOTE_REQUIRED)
    assessment = assess_rebuttal(claimed=True, evidence_note=note)
    if not assessment.accepted:
        # no disclosure, "no comment" or a clean phone is never clear evidence on its own.
        raise ValidationError({"evidence_note": [rebuttal_reason(assessment) or MSG_REBUTTAL_NOTE_REQUIRED]})
    return basis, note


@transaction.atomic
def triage_rebuttal_request(*, actor: Actor, decision: TriageDecision, evidence_note: str) -> TriageDecision:
    """Record clear evidence that the child is not exploited and ask for approval.

    The presumption stands until a police specialist or panel chair approves (R-25 [D]).
    """
    decision = _lock_decision(decision)
    basis, note = check_can_request_rebuttal(actor, decision, evidence_note)
    decision.rebuttal_status = RebuttalStatus.PENDING_APPROVAL
    decision.rebuttal_evidence_note = note
    decision.rebuttal_requested_by = _user_of(actor)
    decision.rebuttal_requested_by_name = actor.username[:150]
    decision.rebuttal_requested_at = timezone.now()
    decision.rebuttal_decided_by = None
    decision.rebuttal_decided_by_name = ""
    decision.rebuttal_decided_at = None
    decision.rebuttal_decision_reason = ""
    decision.save(update_fields=[f for f in _REBUTTAL_FIELDS])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="triage_rebuttal",
        object_id=decision.pk,
        child_pid=decision.child.pseudonymous_id,
        fields=["triage_decisions.rebuttal_status", "triage_decisions.rebuttal_evidence_note"],
        basis=basis,
        detail="rebuttal requested",
    )
    return decision


_REBUTTAL_FIELDS = (
    "rebuttal_status",
    "rebuttal_evidence_note",
    "rebuttal_requested_by",
    "rebuttal_requested_by_name",
    "rebuttal_requested_at",
    "rebuttal_decided_by",
    "rebuttal_decided_by_name",
    "rebuttal_decided_at",
    "rebuttal_decision_reason",
    "updated_at",
)


def check_can_decide_rebuttal(actor: Actor, decision: TriageDecision, reason: str) -> tuple[str, str]:
    """Only an approver role, never the requester, only a pending rebuttal on the latest decision."""
    if actor.role not in REBUTTAL_APPROVER_ROLES:
        raise PermissionDenied(MSG_APPROVER_ROLE)
    basis = check_can_write(actor, decision.child)
    requester = decision.rebuttal_requested_by_id
    user = _user_of(actor)
    if (user is not None and requester is not None and requester == user.pk) or (
        decision.rebuttal_requested_by_name and decision.rebuttal_requested_by_name == actor.username
    ):
        raise PermissionDenied(MSG_SELF_APPROVAL)
    if decision.rebuttal_status != RebuttalStatus.PENDING_APPROVAL:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_REBUTTAL_NOT_PENDING]})
    if not decision.is_current:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_DECISION_SUPERSEDED]})
    text = _clean_reason("reason", reason, required_message=MSG_DECISION_REASON_REQUIRED)
    return basis, text


def _rebuttal_decided(
    *, actor: Actor, decision: TriageDecision, status: str, reason: str, basis: str
) -> None:
    decision.rebuttal_status = status
    decision.rebuttal_decided_by = _user_of(actor)
    decision.rebuttal_decided_by_name = actor.username[:150]
    decision.rebuttal_decided_at = timezone.now()
    decision.rebuttal_decision_reason = reason
    decision.save(update_fields=list(_REBUTTAL_FIELDS))
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="triage_rebuttal",
        object_id=decision.pk,
        child_pid=decision.child.pseudonymous_id,
        fields=["triage_decisions.rebuttal_status", "triage_decisions.rebuttal_decision_reason"],
        basis=basis,
        detail=f"rebuttal {status}",
    )


@transaction.atomic
def triage_rebuttal_approve(*, actor: Actor, decision: TriageDecision, reason: str) -> TriageDecision:
    """Approve a pending rebuttal. Returns the *new* decision, made on the same facts with
    ``clear_evidence_not_exploited`` true; the presumed decision stays in the history."""
    decision = _lock_decision(decision)
    basis, text = check_can_decide_rebuttal(actor, decision, reason)
    _rebuttal_decided(
        actor=actor, decision=decision, status=RebuttalStatus.APPROVED, reason=text, basis=basis
    )
    inputs = dict(decision.inputs)
    inputs["clear_evidence_not_exploited"] = True
    inputs["evidence_note"] = decision.rebuttal_evidence_note
    new = _decision_store(
        actor=actor,
        incident=decision.incident,
        inputs=inputs,
        basis=DecisionBasis.REBUTTAL_APPROVED,
        supersedes=decision,
        audit_basis=basis,
    )
    if new.priority != "crisis":
        # the presumption that opened the crisis response (F-01) is lifted
        from ccehub.panels.crisis import crisis_close_on_rebuttal

        crisis_close_on_rebuttal(
            actor=actor, child=decision.child, incident_id=decision.incident_id, on=timezone.localdate()
        )
    return new


@transaction.atomic
def triage_rebuttal_refuse(*, actor: Actor, decision: TriageDecision, reason: str) -> TriageDecision:
    """Refuse a pending rebuttal: the presumption stands."""
    decision = _lock_decision(decision)
    basis, text = check_can_decide_rebuttal(actor, decision, reason)
    _rebuttal_decided(actor=actor, decision=decision, status=RebuttalStatus.REFUSED, reason=text, basis=basis)
    return decision
