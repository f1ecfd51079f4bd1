"""NRM referrals and decisions: intake with the route chosen by eligibility, national decisions, and
the escalation of a local-panel referral to the Home Office.

Each write validates and authorises first (``check_*``), then changes and audits in one transaction.
Panel decisions are recorded by :mod:`ccehub.panels.services`, which uses :func:`nrm_decision_store`
so that a decision is stored, labelled and followed by the stay guard the same way on both routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind, Role
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.incidents.models import IdentifyingIncident, TriageDecision
from ccehub.nrm.models import (
    NOT_EXPERT_EVIDENCE,
    DecisionMaker,
    DecisionStage,
    ExploitationType,
    NRMDecision,
    NRMReferral,
    ReferralRationale,
    Route,
)
from ccehub.nrm.selectors import clock_route, referral_concluded, referral_decisions, referral_profile
from ccehub.rules.age import assess_age
from ccehub.rules.clocks import (
    MSG_CG_IN_RECOVERY_PERIOD,
    MSG_OVERRIDE_NOT_NEEDED,
    ClockInputError,
    Decision,
    check_decisions,
    earliest_cg_date,
    rg_due_date,
)
from ccehub.rules.policy import PROFILES, PolicyProfile, get_profile, profile_in_force
from ccehub.rules.presumption import assess_panel_eligibility

# --- Messages a user can see (tests assert on them) ---------------------------------------------

MSG_NOT_FIRST_RESPONDER: Final = (
    "Only a first responder (police, social care, youth offending team or health) can make an NRM referral"
)
MSG_RATIONALE_REQUIRED: Final = "Enter why you are referring this child"
MSG_REFERRED_IN_FUTURE: Final = "The referral date cannot be in the future"
MSG_REFERRED_BEFORE_BIRTH: Final = "The referral date is before the child's date of birth"
MSG_INCIDENT_OTHER_CHILD: Final = "That incident is about a different child"
MSG_REFERRAL_BEFORE_INCIDENT: Final = (
    "A referral linked to an incident cannot be dated before the incident; leave the incident out for an "
    "earlier referral"
)
MSG_DUPLICATE_REFERRAL: Final = (
    "This child already has an open NRM referral for this incident (referred on {referred_on}): add to that "
    "referral instead of making another"
)
MSG_UNKNOWN_POLICY: Final = "Choose a policy profile: {expected}"
MSG_UNKNOWN_CHOICE: Final = "Unknown value {value!r}; use one of: {choices}"
MSG_PANEL_DECIDES: Final = (
    "A local panel decides this referral: record the decision at a panel meeting (or refer the case to the "
    "Home Office first)"
)
MSG_ROUTE_UNKNOWN: Final = "This referral's route is not known, so its decisions cannot be checked"
MSG_STAGE_ALREADY_DECIDED: Final = "The {stage} decision on this referral has already been recorded"
MSG_DECIDED_IN_FUTURE: Final = "The decision date cannot be in the future"
MSG_DECIDED_BEFORE_REFERRAL: Final = (
    "The date of the decision cannot be before the referral was made ({referred_on})"
)
MSG_ALREADY_ESCALATED: Final = "This referral has already gone to the Home Office Single Competent Authority"
MSG_NOT_LOCAL_ROUTE: Final = "Only a local-panel referral can be referred on to the Home Office"
MSG_ESCALATION_REASON: Final = "Enter why the case is going to the Home Office"
MSG_REFERRAL_CONCLUDED: Final = "This referral has been concluded"
MSG_LEAD_SW_NEEDED: Final = "Name the lead social worker, or choose their account"
MSG_LEAD_SW_ROLE: Final = "The lead social worker's account must be a social worker's"
#: The question on the SCA decision page that takes the N-02 override's reason.
OVERRIDE_QUESTION: Final = "Why was the conclusive-grounds decision made inside the recovery period?"
MSG_CG_INSIDE_RECOVERY_PERIOD: Final = (
    "The date of the decision is inside the recovery period: a conclusive-grounds decision is made on "
    "{earliest} or later. If the Home Office did decide inside the recovery period, you can record it "
    "with a reason: answer '" + OVERRIDE_QUESTION + "'"
)
MSG_OVERRIDE_REASON_NOT_NEEDED: Final = (
    "Leave the reason for a decision inside the recovery period blank: this decision is dated "
    "{earliest} or later, after the recovery period"
)
MSG_OVERRIDE_REASON_ON_RG: Final = (
    "Leave the reason for a decision inside the recovery period blank: only a conclusive-grounds "
    "decision can need one"
)

#: R-10 / brief: any first responder may refer.
FIRST_RESPONDER_ROLES: Final[frozenset[str]] = frozenset(
    {
        Role.POLICE_OFFICER,
        Role.POLICE_SPECIALIST,
        Role.SOCIAL_WORKER,
        Role.EXPLOITATION_WORKER,
        Role.YOT_WORKER,
        Role.HEALTH_PRACTITIONER,
    }
)
FIRST_RESPONDER_KINDS: Final[frozenset[str]] = frozenset(
    {
        AgencyKind.POLICE_FORCE,
        AgencyKind.LA_CHILDRENS_SERVICES,
        AgencyKind.YOUTH_OFFENDING_TEAM,
        AgencyKind.HEALTH,
    }
)


def _user_of(actor: Actor) -> Any:
    return actor.user if getattr(actor.user, "is_authenticated", False) else None


def _choice(field_name: str, value: str, choices: Any) -> str:
    if value not in choices.values:
        raise ValidationError(
            {field_name: [MSG_UNKNOWN_CHOICE.format(value=value, choices=", ".join(choices.values))]}
        )
    return value


def _profile_for(policy: str | None, on: date) -> PolicyProfile:
    if policy is None:
        return profile_in_force(on)
    if policy not in PROFILES:
        raise ValidationError({"policy": [MSG_UNKNOWN_POLICY.format(expected=", ".join(sorted(PROFILES)))]})
    return get_profile(policy)


# --- Route (R-14, F-05, devolved pilot eligibility) ---------------------------------------------


@dataclass(frozen=True)
class RouteDecision:
    """The route chosen for a referral, the panel (local route) and every reason, in order."""

    route: str
    panel: Agency | None
    reasons: tuple[str, ...]
    eligible_by_age: bool
    in_panel_area: bool
    county_lines_ok: bool


def _panel_for(child: Child) -> Agency | None:
    from ccehub.panels.areas import panel_covering

    return panel_covering(child.home_local_authority)  # type: ignore[no-any-return]


def _requires_county_lines(panel: Agency) -> bool:
    from ccehub.panels.models import PanelConfig

    config = PanelConfig.objects.filter(panel=panel).first()
    return True if config is None else config.require_county_lines_flag


def referral_route(
    *, child: Child, referred_on: date, county_lines_flag: bool, profile: PolicyProfile
) -> RouteDecision:
    """Local panel when (1) the child is in the pilot's age scope on the referral date (under 18 and
    *more than* ``panel_eligibility_days_before_18`` days before the 18th birthday), (2) the child's
    home local authority is in a configured panel area (R-14), and (3) where the panel requires it
    (F-05, the default for a CCE panel), the referral is flagged county lines. Otherwise national.

    The date of birth is read here for eligibility only; it is not returned.
    """
    identity = Identity.objects.filter(child=child).only("date_of_birth", "date_of_birth_estimated").first()
    dob = identity.date_of_birth if identity is not None and not identity.date_of_birth_estimated else None
    eligibility = assess_panel_eligibility(
        age=assess_age(date_of_birth=dob, estimated_age=None, on=referred_on, profile=profile),
        profile=profile,
    )
    reasons = [eligibility.reason]
    panel = _panel_for(child)
    la = child.home_local_authority
    if panel is None:
        reasons.append(
            f"Home local authority {la.name} is not in a configured panel area (R-14)."
            if la is not None
            else "No home local authority is recorded, so no panel area applies (R-14)."
        )
    else:
        assert la is not None
        reasons.append(f"Home local authority {la.name} is in the area of {panel.name} (R-14).")
    county_lines_ok = True
    if panel is not None:
        if _requires_county_lines(panel):
            county_lines_ok = county_lines_flag
            reasons.append(
                "Flagged county lines: this panel takes county-lines cases (F-05)."
                if county_lines_flag
                else "Not flagged county lines, and this panel takes only county-lines cases (F-05)."
            )
        else:
            reasons.append("This panel takes every eligible child referral, flagged county lines or not.")
    local = eligibility.eligible and panel is not None and county_lines_ok
    reasons.append(
        f"Route: local panel ({panel.name})."
        if local and panel is not None
        else "Route: national (Home Office SCA)."
    )
    return RouteDecision(
        route=Route.LOCAL_PANEL if local else Route.NATIONAL,
        panel=panel if local else None,
        reasons=tuple(reasons),
        eligible_by_age=eligibility.eligible,
        in_panel_area=panel is not None,
        county_lines_ok=county_lines_ok,
    )


# --- Intake -------------------------------------------------------------------------------------


def check_referral_create(
    *,
    actor: Actor,
    child: Child,
    referred_on: date,
    linked_incident: IdentifyingIncident | None,
    rationale: str,
    rationale_code: str,
    exploitation_type: str,
    today: date,
) -> tuple[str, str]:
    """Authorise and validate a referral. Returns (access basis, cleaned rationale)."""
    if not actor.system:
        agency = actor.agency
        if (
            actor.role not in FIRST_RESPONDER_ROLES
            or agency is None
            or agency.kind not in FIRST_RESPONDER_KINDS
        ):
            raise PermissionDenied(MSG_NOT_FIRST_RESPONDER)
    basis = check_can_write(actor, child)
    _choice("exploitation_type", exploitation_type, ExploitationType)
    _choice("rationale_code", rationale_code, ReferralRationale)
    text = (rationale or "").strip()
    if not text:
        raise ValidationError({"rationale": [MSG_RATIONALE_REQUIRED]})
    if referred_on > today:
        raise ValidationError({"referred_on": [MSG_REFERRED_IN_FUTURE]})
    identity = Identity.objects.filter(child=child).only("date_of_birth").first()
    if identity is not None and identity.date_of_birth and referred_on < identity.date_of_birth:
        raise ValidationError({"referred_on": [MSG_REFERRED_BEFORE_BIRTH]})
    if linked_incident is not None:
        if linked_incident.child_id != child.pk:
            raise ValidationError({"linked_incident": [MSG_INCIDENT_OTHER_CHILD]})
        if referred_on < timezone.localtime(linked_incident.occurred_at).date():
            raise ValidationError({"referred_on": [MSG_REFERRAL_BEFORE_INCIDENT]})
    return basis, text


def duplicate_referrals(
    *, child: Child, linked_incident: IdentifyingIncident | None
) -> tuple[NRMReferral | None, NRMReferral | None]:
    """(an open referral for the same child and incident, the latest concluded one), either may be None.

    "Same incident" includes "no incident": a second unlinked referral while one is open is a duplicate.
    """
    rows = (
        NRMReferral.objects.filter(child=child, linked_incident=linked_incident)
        .prefetch_related("decisions")
        .order_by("-referred_on", "-created_at")
    )
    open_one = concluded = None
    for row in rows:
        if referral_concluded(row):
            concluded = concluded or row
        else:
            open_one = open_one or row
    return open_one, concluded


def _latest_triage(incident: IdentifyingIncident | None) -> TriageDecision | None:
    if incident is None:
        return None
    return (
        TriageDecision.objects.filter(incident=incident, superseded_by__isnull=True)
        .order_by("-decided_at")
        .first()
    )


@transaction.atomic
def nrm_referral_create(
    *,
    actor: Actor,
    child: Child,
    referred_on: date,
    linked_incident: IdentifyingIncident | None = None,
    county_lines_flag: bool,
    rationale: str,
    rationale_code: str = ReferralRationale.SUSPICION,
    exploitation_type: str = ExploitationType.CRIMINAL,
    policy: str | None = None,
    today: date | None = None,
) -> NRMReferral:
    """Refer a child to the NRM, on the route their eligibility gives, and start the clocks.

    The route and its reasons are recorded on the referral. A local-panel referral shares the case
    with the panel (:class:`~ccehub.panels.models.PanelCase`): the recorded basis on which the panel's
    members see the child. A second referral while one is open for the same child and incident is
    refused; after a concluded one it is accepted and linked to it (re-referral, §4.2.1).

    Raises:
        PermissionDenied: not a first responder, or no write basis for the child.
        ValidationError: bad dates, a duplicate, an unknown choice or policy.
    """
    today = today or timezone.localdate()
    basis, text = check_referral_create(
        actor=actor,
        child=child,
        referred_on=referred_on,
        linked_incident=linked_incident,
        rationale=rationale,
        rationale_code=rationale_code,
        exploitation_type=exploitation_type,
        today=today,
    )
    profile = _profile_for(policy, referred_on)
    # Serialise referrals for one child, so two clicks cannot both pass the duplicate check.
    Child.objects.select_for_update(of=("self",)).filter(pk=child.pk).first()
    open_one, concluded = duplicate_referrals(child=child, linked_incident=linked_incident)
    if open_one is not None:
        when = f"{open_one.referred_on:%-d %B %Y}" if open_one.referred_on else "a date not recorded"
        raise ValidationError({NON_FIELD_ERRORS: [MSG_DUPLICATE_REFERRAL.format(referred_on=when)]})
    route = referral_route(
        child=child, referred_on=referred_on, county_lines_flag=county_lines_flag, profile=profile
    )
    reasons = list(route.reasons)
    triage = _latest_triage(linked_incident)
    if triage is not None:
        reasons.append(
            "Triage of the incident found the child "
            + ("eligible" if triage.panel_eligible else "not eligible")
            + " for a local panel on the incident date (for information; the referral date decides)."
        )
    if route.panel is not None and policy is None:
        from ccehub.panels.models import PanelConfig

        config = PanelConfig.objects.filter(panel=route.panel).first()
        if config is not None and config.policy_profile:
            profile = get_profile(config.policy_profile)
    agency = actor.agency
    referral = NRMReferral.objects.create(
        child=child,
        linked_incident=linked_incident,
        referring_agency=agency,
        referrer_role=actor.membership.get_role_display() if actor.membership else "System",
        referred_on=referred_on,
        route=route.route,
        exploitation_type=exploitation_type,
        county_lines_flag=TriState.RECORDED_PRESENT if county_lines_flag else TriState.RECORDED_ABSENT,
        rationale=text,
        rationale_code=rationale_code,
        referred_by=_user_of(actor),
        referred_by_name=actor.username[:150],
        panel=route.panel,
        route_reasons=reasons,
        policy_profile=profile.code,
        rule_version=profile.rule_version,
        re_referral_of=concluded,
    )
    # The case first, so that the referral's audit row names the case it was recorded in.
    case = None
    if route.panel is not None:
        case = panel_case_open(actor=actor, panel=route.panel, child=child, referral=referral, on=today)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="nrm_referral",
        object_id=referral.pk,
        child_pid=child.pseudonymous_id,
        fields=["nrm_referrals"],
        basis=basis,
        detail=(
            f"route {route.route}"
            + (f" ({route.panel.code})" if route.panel else "")
            + (f"; panel case {case.pk}" if case is not None else "")
            + f"; policy {profile.code} {profile.rule_version}"
            + (f"; re-referral of {concluded.pk}" if concluded else "")
        ),
    )
    from ccehub.panels.escalation import plans_review_for_event
    from ccehub.rules.escalation import TriggerEvent

    plans_review_for_event(actor=actor, child=child, event=TriggerEvent.NRM_REFERRAL, on=referral.referred_on)
    return referral


def panel_case_open(*, actor: Actor, panel: Agency, child: Child, referral: NRMReferral, on: date) -> Any:
    """Share the child's case with the panel (the basis for its members to see the child), once, and
    record on the referral the case it belongs to: the case open when the referral is recorded, else
    the one opened now. The referral's date plays no part, so a referral recorded after a case closed
    opens the next case even when it is dated on or before the closing day (panels.md §1.9)."""
    from ccehub.panels.models import PanelCase
    from ccehub.panels.sharing import panel_case_share

    existing = PanelCase.objects.filter(panel=panel, child=child, closed_on__isnull=True).first()
    if existing is not None:
        return _recorded_in(referral, existing, actor)
    shared_by = actor.agency or child.home_local_authority
    if shared_by is None:  # pragma: no cover - a local route needs a home local authority
        raise ValidationError({NON_FIELD_ERRORS: ["No agency to share the case from"]})
    case = panel_case_share(
        actor=actor,
        panel=panel,
        child=child,
        shared_by=shared_by,
        on=on,
        reason=f"NRM referral on the local panel route (referral {referral.pk})",
        detail=f"case shared with {panel.code}: basis panel_case for its members",
    )
    return _recorded_in(referral, case, actor)


def _recorded_in(referral: NRMReferral, case: Any, actor: Actor) -> Any:
    from ccehub.panels.crisis import crisis_list_on_case

    referral.panel_case = case
    referral.save(update_fields=["panel_case", "updated_at"])
    crisis_list_on_case(actor=actor, case=case)  # a crisis response convened before the referral (W-5)
    return case


# --- Decisions (both routes) --------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionCheck:
    """What a decision check found: the profile, the clock route, and the existing decisions."""

    profile: PolicyProfile
    route: str
    rg: Decision | None
    cg: Decision | None
    rule_error: ClockInputError | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_decision_facts(
    *,
    referral: NRMReferral,
    stage: str,
    outcome: str,
    decided_on: date,
    recovery_override_reason: str = "",
) -> DecisionCheck:
    """The rules' view of adding this decision. Stage already decided or an unknown route raise at once;
    a rule refusal (recovery period, negative panel CG, ...) is returned in ``rule_error`` so that the
    caller can decide whether it escalates (a panel) or simply refuses.

    ``recovery_override_reason`` (the N-02 override, national route) goes to the rules on the new
    decision: a national CG inside the recovery period is refused without it, and any other decision
    is refused with it. The check's ``cg`` then carries the reason for :func:`nrm_decision_store`.
    """
    for name, value, allowed in (
        ("stage", stage, ("rg", "cg")),
        ("outcome", outcome, ("positive", "negative")),
    ):
        if value not in allowed:
            raise ValidationError(
                {name: [MSG_UNKNOWN_CHOICE.format(value=value, choices=", ".join(allowed))]}
            )
    route = clock_route(referral)
    if route is None or referral.referred_on is None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_ROUTE_UNKNOWN]})
    if decided_on < referral.referred_on:
        # Checked here, in the form's words, before the rules (whose messages name the clocks
        # command's fields, e.g. "as_of is before referral_date").
        raise ValidationError(
            {
                "decided_on": [
                    MSG_DECIDED_BEFORE_REFERRAL.format(referred_on=f"{referral.referred_on:%-d %B %Y}")
                ]
            }
        )
    existing = referral_decisions(referral)
    if (stage == "rg" and existing.rg is not None) or (stage == "cg" and existing.cg is not None):
        label = "reasonable-grounds" if stage == "rg" else "conclusive-grounds"
        raise ValidationError({NON_FIELD_ERRORS: [MSG_STAGE_ALREADY_DECIDED.format(stage=label)]})
    rg, cg = existing.as_rules()
    new = Decision(decided_on, outcome, recovery_override_reason)  # type: ignore[arg-type]
    if stage == "rg":
        rg = new
    else:
        cg = new
    profile = referral_profile(referral)
    as_of = max(d.decided_on for d in (rg, cg) if d is not None)
    error: ClockInputError | None = None
    try:
        check_decisions(route, profile, referral.referred_on, rg, cg, as_of)  # type: ignore[arg-type]
    except ClockInputError as exc:
        error = exc
    return DecisionCheck(profile=profile, route=route, rg=rg, cg=cg, rule_error=error)


def rule_refusal(exc: ClockInputError) -> ValidationError:
    """A rules refusal as a form error: the rules' constant message, on the field it concerns."""
    field_name = (
        "outcome"
        if exc.field.endswith("outcome")
        else "decided_on"
        if exc.field.endswith("date")
        else NON_FIELD_ERRORS
    )
    return ValidationError({field_name: [exc.message]})


def _national_refusal(check: DecisionCheck, exc: ClockInputError) -> ValidationError:
    """A rules refusal of an SCA decision as a form error. The recovery period's refusal offers the
    override (N-02) and says from when a CG is due; a reason given where none is needed is refused on
    the reason's field. Everything else as :func:`rule_refusal`."""
    earliest = earliest_cg_date(check.route, check.profile, check.rg)  # type: ignore[arg-type]
    when = f"{earliest:%-d %B %Y}" if earliest is not None else "the end of the recovery period"
    if exc.message == MSG_CG_IN_RECOVERY_PERIOD:
        return ValidationError({"decided_on": [MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest=when)]})
    if exc.message == MSG_OVERRIDE_NOT_NEEDED:
        message = (
            MSG_OVERRIDE_REASON_ON_RG
            if exc.field.startswith("rg_")
            else MSG_OVERRIDE_REASON_NOT_NEEDED.format(earliest=when)
        )
        return ValidationError({"recovery_override_reason": [message]})
    return rule_refusal(exc)


def _is_late(*, check: DecisionCheck, referral: NRMReferral, stage: str, decided_on: date) -> bool:
    if stage == "rg":
        assert referral.referred_on is not None
        try:
            return decided_on > rg_due_date(check.route, check.profile, referral.referred_on)  # type: ignore[arg-type]
        except ValueError:
            return False
    from ccehub.rules.clocks import deferral_deadline_date

    deadline = deferral_deadline_date(check.route, check.profile, check.rg)  # type: ignore[arg-type]
    return deadline is not None and decided_on > deadline


def nrm_decision_store(
    *,
    actor: Actor,
    referral: NRMReferral,
    check: DecisionCheck,
    stage: str,
    outcome: str,
    decided_on: date,
    maker: str,
    maker_agency: Agency | None,
    rationale: str,
    basis: str,
) -> NRMDecision:
    """Store a checked decision with its profile, rule version and R-07 label; then the join points:
    J-02 (a positive RG stays the charges for the linked incident) and J-03 (a CG settles the stay).

    A CG the check let through by the N-02 override (its ``cg`` carries a reason) stores the reason;
    the audit row says the override was used, and when the recovery period ended, but not the reason:
    it is free text that may name people, and stays on the decision.

    Call inside the caller's transaction, after its checks.
    """
    from ccehub.justice.services import charges_after_cg, charges_stay_for_rg

    override = check.cg.recovery_override_reason.strip() if stage == "cg" and check.cg else ""
    fields = ["nrm_referrals.decisions"]
    detail = (
        f"{stage} {outcome} by {maker} on {decided_on}; "
        f"policy {check.profile.code} {check.profile.rule_version}"
    )
    if override:
        earliest = earliest_cg_date(check.route, check.profile, check.rg)  # type: ignore[arg-type]
        fields.append("nrm_referrals.decisions.recovery_override_reason")
        detail += f"; inside the recovery period by override (earliest CG {earliest}; reason on the decision)"
    decision = NRMDecision.objects.create(
        referral=referral,
        stage=DecisionStage.REASONABLE_GROUNDS if stage == "rg" else DecisionStage.CONCLUSIVE_GROUNDS,
        outcome=outcome,
        decided_on=decided_on,
        decision_maker=maker,
        decision_maker_agency=maker_agency,
        policy_profile=check.profile.code,
        rule_version=check.profile.rule_version,
        rationale=rationale,
        caveat=NOT_EXPERT_EVIDENCE,
        late=_is_late(check=check, referral=referral, stage=stage, decided_on=decided_on),
        recovery_override_reason=override,
        recorded_by=_user_of(actor),
        recorded_by_name=actor.username[:150],
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="nrm_decision",
        object_id=decision.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=fields,
        basis=basis,
        detail=detail,
    )
    if stage == "rg" and outcome == "positive":
        charges_stay_for_rg(actor=actor, referral=referral, on=decided_on)
    elif stage == "cg":
        charges_after_cg(actor=actor, referral=referral, outcome=outcome, on=decided_on)
    return decision


@transaction.atomic
def nrm_decision_record(
    *,
    actor: Actor,
    referral: NRMReferral,
    stage: str,
    outcome: str,
    decided_on: date,
    rationale: str = "",
    recovery_override_reason: str = "",
    today: date | None = None,
) -> NRMDecision:
    """Record a Home Office SCA decision on a national (or escalated) referral, as received.

    Recorded by an agency that may write about the child (typically the referrer or the home local
    authority). The rules refuse a CG without a positive RG, and a national CG inside the recovery
    period (N-02) unless ``recovery_override_reason`` says why the SCA decided early (the N-02
    override: ccehub records what happened). The refusal offers the override; a reason on any other
    decision is refused. The reason is stored on the decision and the override audited.
    """
    today = today or timezone.localdate()
    basis = check_can_write(actor, referral.child)
    referral = NRMReferral.objects.select_for_update(of=("self",)).select_related("child").get(pk=referral.pk)
    if referral.route == Route.LOCAL_PANEL and referral.escalated_on is None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_PANEL_DECIDES]})
    if decided_on > today:
        raise ValidationError({"decided_on": [MSG_DECIDED_IN_FUTURE]})
    check = check_decision_facts(
        referral=referral,
        stage=stage,
        outcome=outcome,
        decided_on=decided_on,
        recovery_override_reason=(recovery_override_reason or "").strip(),
    )
    if check.rule_error is not None:
        raise _national_refusal(check, check.rule_error)
    sca = Agency.objects.filter(kind=AgencyKind.HOME_OFFICE_SCA, active=True).order_by("name").first()
    return nrm_decision_store(
        actor=actor,
        referral=referral,
        check=check,
        stage=stage,
        outcome=outcome,
        decided_on=decided_on,
        maker=DecisionMaker.HOME_OFFICE_SCA,
        maker_agency=sca,
        rationale=(rationale or "").strip(),
        basis=basis,
    )


# --- Escalation to the SCA and the lead social worker --------------------------------------------


def referral_escalate(
    *, actor: Actor, referral: NRMReferral, on: date, reason: str, basis: str = ""
) -> NRMReferral:
    """Send a local-panel referral to the Home Office SCA (Q-07, Q-08). Call inside a transaction.

    From then on the national clocks apply (the SCA's recovery period gates its CG) and the panel
    records no more NRM decisions on it.
    """
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [MSG_ESCALATION_REASON]})
    if referral.route != Route.LOCAL_PANEL:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_LOCAL_ROUTE]})
    if referral.escalated_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_ALREADY_ESCALATED]})
    if referral_concluded(referral):
        raise ValidationError({NON_FIELD_ERRORS: [MSG_REFERRAL_CONCLUDED]})
    referral.escalated_on = on
    referral.escalation_reason = text
    referral.save(update_fields=["escalated_on", "escalation_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="nrm_referral",
        object_id=referral.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["nrm_referrals.escalated_on", "nrm_referrals.escalation_reason"],
        basis=basis,
        detail=f"escalated to the Home Office SCA on {on}: {text}"[:500],
    )
    return referral


@transaction.atomic
def referral_lead_social_worker_set(
    *, actor: Actor, referral: NRMReferral, user: Any = None, name: str = ""
) -> NRMReferral:
    """Record the child's lead social worker on the referral (the chair may not be them: quorum)."""
    basis = check_can_write(actor, referral.child)
    text = (name or "").strip()
    if user is None and not text:
        raise ValidationError({"name": [MSG_LEAD_SW_NEEDED]})
    if user is not None:
        from ccehub.agencies.models import Membership

        if not Membership.objects.filter(user=user, role=Role.SOCIAL_WORKER, active=True).exists():
            raise ValidationError({"user": [MSG_LEAD_SW_ROLE]})
        text = text or (user.get_full_name() or user.get_username())
    referral.lead_social_worker = user
    referral.lead_social_worker_name = text[:150]
    referral.save(update_fields=["lead_social_worker", "lead_social_worker_name", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="nrm_referral",
        object_id=referral.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["nrm_referrals.lead_social_worker"],
        basis=basis,
    )
    return referral
