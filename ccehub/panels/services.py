"""Writes for the CCE panel: members, meetings, agenda, information requests, decisions, Home Office
quality assurance, joint plans and Safeguarding Orders.

Each service authorises and validates first (``check_*``), then changes and audits in one
transaction. The rules that decide are pure: quorum, urgency and the order machine in
:mod:`ccehub.panels.rules`; clocks in :mod:`ccehub.rules.clocks`. User-visible refusals are the
``MSG_*`` constants here, in :mod:`ccehub.panels.rules` and :mod:`ccehub.rules.clocks`.

Two refusals also *escalate* (DOMAIN §4.2.2, Q-07, Q-08): a negative conclusive-grounds decision
where the profile forbids it to a panel (``report-2022``, R-18), and a deferral past the profile's
limit (R-19). The service then records the referral to the Home Office SCA, commits it, and raises
:class:`RefusedAndEscalated` (a :class:`ValidationError` carrying the escalation), so the refusal
reaches the user and the escalation is on the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind, Membership
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child
from ccehub.children.services import WRITE_BASES, read_only_message
from ccehub.common.access import Actor, access_basis
from ccehub.nrm.models import NOT_EXPERT_EVIDENCE, DecisionMaker, NRMReferral, Route
from ccehub.nrm.selectors import referral_clock, referral_concluded, referral_profile
from ccehub.nrm.services import (
    MSG_ALREADY_ESCALATED,
    DecisionCheck,
    check_decision_facts,
    nrm_decision_store,
    referral_escalate,
    rule_refusal,
)
from ccehub.panels.escalation import plans_review_for_event
from ccehub.panels.models import (
    DEFAULT_QUORUM_SECTORS,
    NRM_DECISION_TYPES,
    AgendaItem,
    Attendance,
    CloseReason,
    ClosureRecord,
    ConditionType,
    CourtResponse,
    InformationRequest,
    JointPlan,
    JointPlanReview,
    LegalBasis,
    MeetingStatus,
    OrderBreach,
    OrderCondition,
    OrderEvent,
    OrderStatus,
    PanelCase,
    PanelConfig,
    PanelDecision,
    PanelDecisionType,
    PanelMeeting,
    PanelMember,
    PlanAction,
    PlanActionStatus,
    ProtectedAgainst,
    QAEvent,
    QAEventKind,
    QAStatus,
    RecipientRole,
    RequestStatus,
    SafeguardingOrder,
    Sector,
)
from ccehub.panels.permissions import (
    check_ho_qa,
    check_panel_chair,
    check_panel_lead,
    is_panel_chair,
    is_panel_lead,
)
from ccehub.panels.rules import (
    MSG_ORDER_TRANSITION,
    ORDER_IN_FORCE,
    agenda_warning,
    monthly_dates,
    order_transition_allowed,
    status_after_court_response,
)
from ccehub.panels.selectors import (
    MSG_PAST_LIMIT_AT_SITTING,
    RECIPIENT_ROLES,
    Candidate,
    agenda_candidates,
    candidate_for,
    case_chair,
    case_quorum,
    closure_approval,
    closure_open_work,
    escalations_due,
    may_answer,
    next_meeting_after,
    referral_urgency,
)
from ccehub.rules.clocks import MSG_PANEL_NEGATIVE_CG, ClockState
from ccehub.rules.closure import (
    RULE_VERSION as CLOSURE_RULE_VERSION,
)
from ccehub.rules.closure import (
    SUBJECT_NOUNS,
    Approval,
    ClosureAssessment,
    ClosureFacts,
    Subject,
    assess_closure,
    day_text,
)
from ccehub.rules.escalation import TriggerEvent, review_problems, trigger_cleared
from ccehub.rules.phases import Phase, step_down_problems, step_down_reason
from ccehub.rules.policy import PROFILES, profile_in_force

# --- Messages a user can see (tests assert on them) ---------------------------------------------

MSG_REQUIRED: Final = "Enter {what}"
MSG_TEXT_TOO_LONG: Final = "{what} must be {limit} characters or fewer"
MSG_UNKNOWN_CHOICE: Final = "Unknown value {value!r}; use one of: {choices}"
MSG_QUORUM_CORE_SECTORS: Final = (
    "Social care, police and health must always be in the quorum (R-21); to switch the rule off, use the "
    "recorded quorum override instead"
)
MSG_MEMBER_OTHER_PANEL: Final = "{name} is not a member of this panel"
MSG_ONE_MEETING_A_MONTH: Final = (
    "The panel already meets on {held_on} this month (R-16: monthly). Mark this one extraordinary and say why"
)
MSG_EXTRA_REASON: Final = "Say why the panel needs an extraordinary sitting"
MSG_MEETING_NOT_SCHEDULED: Final = "This meeting is {status}: its agenda and attendance can no longer change"
MSG_MEETING_IN_FUTURE: Final = "A meeting cannot be recorded as held before its date"
MSG_CHAIR_NOT_PRESENT: Final = "The chair must be one of the members present"
MSG_MAY_NOT_CHAIR: Final = "{name} is not one of the panel's chairs"
MSG_ATTENDANCE_LOCKED: Final = "Decisions have been recorded at this meeting, so its attendance cannot change"
MSG_NOBODY_PRESENT: Final = "Record at least one member present"
MSG_NOT_THIS_PANEL: Final = "This referral is not on this panel's local route"
MSG_ALREADY_LISTED: Final = "This referral is already on the agenda"
MSG_NOT_LISTABLE: Final = "This referral has nothing for the panel to decide"
MSG_NOT_ON_AGENDA: Final = "This referral is not on the agenda of this meeting"
MSG_MEETING_NOT_HELD: Final = "Record who attended the meeting before recording its decisions"
MSG_NOT_CASE_CHAIR: Final = "Only the person chairing this case at the meeting can record its decision"
MSG_UNKNOWN_DECISION_TYPE: Final = "Choose a decision: {choices}"
MSG_RATIONALE_REQUIRED: Final = "Enter the panel's rationale for the decision"
MSG_EVIDENCE_REQUIRED: Final = "List the evidence the panel considered"
MSG_DISAGREEMENT_DEFER: Final = (
    "The panel is not in agreement, so the case must be deferred for more information (R-19)"
)
MSG_DEFERRAL_REASON: Final = "Enter why the case is deferred and what information is needed"
MSG_DEFER_UNTIL_REQUIRED: Final = (
    "No later meeting is scheduled: enter the date the panel will consider the case again"
)
MSG_DEFER_UNTIL_AFTER: Final = "The case must be deferred to a date after this meeting"
MSG_DEFERRAL_PAST_LIMIT: Final = (
    "The case cannot be deferred beyond {deadline}, the {profile} limit (R-19: delays never go beyond the "
    "maximum). The panel has not decided, so the case has been referred to the Home Office Single Competent "
    "Authority"
)
MSG_NEGATIVE_CG_ESCALATED: Final = (
    MSG_PANEL_NEGATIVE_CG + ". The case has been referred to the Home Office Single Competent Authority with "
    "the panel's rationale"
)
MSG_DECISION_PAST_LIMIT: Final = (
    "This meeting was held on {held_on}, after {deadline}, the panel's limit for this decision ({limit}; "
    "R-19: delays never go beyond the maximum). The panel can no longer decide it, so the case has been "
    "referred to the Home Office Single Competent Authority"
)
MSG_REFERRAL_CONCLUDED: Final = "This referral has been concluded: there is nothing left to defer"
MSG_QA_NOT_PENDING: Final = "This decision is not awaiting quality assurance (it is {status})"
MSG_QA_NOT_RETURNED: Final = "Only a decision returned by the Home Office needs the panel's response"
MSG_QA_RETURN_REASON: Final = "Enter why the decision is returned to the panel"
MSG_QA_RESPONSE: Final = "Enter the panel's response to the return"
MSG_DUE_BEFORE_REQUEST: Final = "The due date cannot be before the request date"
MSG_RECIPIENT_AGENCY_KIND: Final = "A request to {role} must go to {kind}"
#: How each kind of agency reads in MSG_RECIPIENT_AGENCY_KIND ("a health" read as truncated).
AGENCY_KIND_NOUN: Final = {
    AgencyKind.POLICE_FORCE: "a police force",
    AgencyKind.LA_CHILDRENS_SERVICES: "a local authority's children's services",
    AgencyKind.YOUTH_OFFENDING_TEAM: "a youth offending team",
    AgencyKind.HEALTH: "a health organisation",
}
MSG_RECIPIENT_NOT_MEMBER: Final = "That person does not work for {agency}"
MSG_REQUEST_NOT_OPEN: Final = "This request has already been {status}"
#: How a closed request's status reads in MSG_REQUEST_NOT_OPEN.
REQUEST_CLOSED_AS: Final = {RequestStatus.RESPONDED: "answered", RequestStatus.WITHDRAWN: "withdrawn"}
MSG_NOT_RECIPIENT: Final = "This request is not addressed to you"
MSG_NOT_UNDER_PANEL: Final = "This child is not under the panel's oversight (no open panel case)"
MSG_REVIEW_BEFORE_AGREED: Final = "The review date cannot be before the date the plan was agreed"
MSG_PLAN_IN_FUTURE: Final = "The date the plan was agreed cannot be in the future"
MSG_PLAN_BEFORE_REFERRAL: Final = (
    "The plan cannot have been agreed before the child was referred to the panel ({referred_on})"
)
MSG_PLAN_BEFORE_SHARED: Final = (
    "The plan cannot have been agreed before the case was shared with the panel ({shared_on})"
)
MSG_PLAN_BEFORE_CURRENT: Final = (
    "The child's current joint plan was agreed on {agreed_on}: a new plan cannot have been agreed before it"
)
MSG_PLAN_DUPLICATE: Final = (
    "This joint plan is already recorded (agreed on {agreed_on}, same summary and actions): "
    "open it to add actions instead"
)
MSG_PLAN_NEEDS_ACTION: Final = "A joint plan needs at least one action with an owner and a due date"
MSG_ACTION_DUE_BEFORE_PLAN: Final = "An action cannot be due before the plan was agreed"
MSG_ACTION_NOT_OPEN: Final = "This action is already {status}"
MSG_PLAN_CLOSED: Final = "This joint plan is closed: agree a new plan instead"
MSG_PLAN_CLOSED_ACTIONS: Final = "This joint plan was closed on {day}: its actions can no longer change"
MSG_DROP_REASON: Final = "Enter why the action is no longer needed"
MSG_ACTION_OWNER_ONLY: Final = "Only the owning agency or the panel lead can close this action"
MSG_ORDER_NEEDS_CONDITION: Final = "An order needs at least one condition"
MSG_REFERENCE_NOT_CODE: Final = (
    "Use the pseudonymous reference of the record about that person (capitals, digits and hyphens, e.g. "
    "INT-2024-0117), never a name"
)
MSG_GRANT_DATES: Final = "Enter the date the order was made and when it starts and expires"
MSG_ORDER_DATES: Final = "The order cannot expire before it starts"
MSG_ORDER_STARTS_BEFORE_MADE: Final = "The order cannot start before the date it was made"
MSG_ORDER_MADE_BEFORE_APPLIED: Final = (
    "The order cannot have been made before the panel applied for it ({applied_on})"
)
MSG_ORDER_MADE_IN_FUTURE: Final = "The date the order was made cannot be in the future"
MSG_ORDER_NOT_IN_FORCE: Final = "The order was not in force on that date"
MSG_ORDER_GRANTED_NOT_ACTIVE: Final = (
    "The order is granted but not yet recorded as in force: use 'Record that the order is in force' "
    "first, then record the breach"
)
MSG_BREACH_DATES: Final = "A breach cannot be reported before it happened, or in the future"
MSG_BREACH_ANSWERED: Final = "The court's response to this breach is already recorded"
MSG_NOT_ACTIVE_YET: Final = "The order cannot be active before its start date"
MSG_USE_BREACH_SERVICE: Final = "Report a breach with the breach form, which records what happened"
MSG_CLOSE_CHAIR_ONLY: Final = "Only a chair of this panel can close a panel case or a joint plan"
MSG_CASE_ALREADY_CLOSED: Final = "This panel case was closed on {day}"
MSG_PLAN_ALREADY_CLOSED: Final = "This joint plan was closed on {day}"
MSG_APPROVAL_NOT_HELD: Final = "Choose a meeting of this panel that has been held"
MSG_CONFIRM_WARNINGS: Final = "Confirm that the {noun} should close despite the warning"
MSG_CASE_BEFORE_PLAN: Final = (
    "The child's joint plan was agreed on {day}: the case cannot close before it (the plan closes with "
    "the case)"
)

MAX_TEXT: Final = 10_000


class RefusedAndEscalated(ValidationError):
    """The decision asked for is refused, and the referral has gone to the Home Office SCA instead.

    Raised *after* the escalation commits, so callers show the refusal and the escalation stands.
    """

    def __init__(self, message: str, *, escalation: PanelDecision) -> None:
        super().__init__({NON_FIELD_ERRORS: [message]})
        self.escalation = escalation
        self.text = message


def _user_of(actor: Actor) -> Any:
    return actor.user if getattr(actor.user, "is_authenticated", False) else None


def _text(field: str, value: str, *, what: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: [MSG_REQUIRED.format(what=what)]})
    if len(text) > limit:
        raise ValidationError({field: [MSG_TEXT_TOO_LONG.format(what=what.capitalize(), limit=limit)]})
    return text


def _choice(field: str, value: str, choices: Any) -> str:
    if value not in choices.values:
        raise ValidationError(
            {field: [MSG_UNKNOWN_CHOICE.format(value=value, choices=", ".join(choices.values))]}
        )
    return value


def _basis(actor: Actor, child: Child, panel: Agency) -> str:
    """The recorded basis for acting on this child for this panel (audit rows carry it)."""
    basis = access_basis(actor, child)
    return basis or f"panel_lead:{panel.code}"


def _check_lead_or_chair(actor: Actor, panel: Agency) -> None:
    if not (is_panel_lead(actor, panel) or is_panel_chair(actor, panel)):
        check_panel_lead(actor, panel)


# --- Members and configuration ------------------------------------------------------------------


@transaction.atomic
def panel_member_add(
    *,
    actor: Actor,
    panel: Agency,
    name: str,
    sector: str,
    user: Any = None,
    home_agency: Agency | None = None,
    seniority: str = "",
    may_chair: bool = False,
) -> PanelMember:
    """Add a standing member with the sector they speak for (E-12)."""
    check_panel_lead(actor, panel)
    _choice("sector", sector, Sector)
    member = PanelMember.objects.create(
        panel=panel,
        user=user,
        name=_text("name", name, what="the member's name", limit=150),
        sector=sector,
        home_agency=home_agency,
        seniority=seniority.strip()[:100],
        may_chair=may_chair,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="panel_member",
        object_id=member.pk,
        fields=["panel_members"],
        detail=f"{panel.code}: {member.sector}" + (" (may chair)" if may_chair else ""),
    )
    return member


@transaction.atomic
def panel_config_set(*, actor: Actor, panel: Agency, **values: Any) -> PanelConfig:
    """Change the panel's switches (F-05 county-lines routing, Q-27 quorum, policy profile). Chair only."""
    check_panel_chair(actor, panel)
    allowed = {"require_county_lines_flag", "quorum_enforced", "quorum_sectors", "policy_profile"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    if values.get("policy_profile") and values["policy_profile"] not in PROFILES:
        raise ValidationError(
            {
                "policy_profile": [
                    MSG_UNKNOWN_CHOICE.format(
                        value=values["policy_profile"], choices=", ".join(sorted(PROFILES))
                    )
                ]
            }
        )
    for sector in values.get("quorum_sectors", []):
        _choice("quorum_sectors", sector, Sector)
    if "quorum_sectors" in values and not set(DEFAULT_QUORUM_SECTORS) <= set(values["quorum_sectors"]):
        # social care, police and health always. A panel may require more sectors, never fewer;
        # switching the sector rule off is the explicit `quorum_enforced` override, recorded as such.
        raise ValidationError({"quorum_sectors": [MSG_QUORUM_CORE_SECTORS]})
    config, _ = PanelConfig.objects.get_or_create(panel=panel)
    for key, value in values.items():
        setattr(config, key, value)
    config.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_config",
        object_id=config.pk,
        fields=sorted(values),
        detail=f"{panel.code}: " + ", ".join(f"{k}={v}" for k, v in sorted(values.items())),
    )
    return config


# --- Meetings (R-16) ----------------------------------------------------------------------------


@transaction.atomic
def panel_meeting_schedule(
    *, actor: Actor, panel: Agency, held_on: date, extraordinary: bool = False, reason: str = ""
) -> PanelMeeting:
    """Schedule a sitting. One ordinary sitting a month (R-16); an extraordinary one needs a reason."""
    _check_lead_or_chair(actor, panel)
    same_month = (
        PanelMeeting.objects.filter(
            panel=panel, held_on__year=held_on.year, held_on__month=held_on.month, extraordinary=False
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .first()
    )
    text = ""
    if extraordinary:
        text = _text("reason", reason, what="why the panel needs an extraordinary sitting")
    elif same_month is not None:
        raise ValidationError(
            {"held_on": [MSG_ONE_MEETING_A_MONTH.format(held_on=f"{same_month.held_on:%-d %B %Y}")]}
        )
    meeting = PanelMeeting.objects.create(
        panel=panel,
        held_on=held_on,
        extraordinary=extraordinary,
        extraordinary_reason=text,
        scheduled_by_name=actor.username[:150],
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="panel_meeting",
        object_id=meeting.pk,
        fields=["panel_meetings"],
        detail=f"{panel.code} on {held_on}" + (" (extraordinary)" if extraordinary else ""),
    )
    return meeting


@transaction.atomic
def panel_meetings_schedule_monthly(
    *, actor: Actor, panel: Agency, first: date, count: int
) -> list[PanelMeeting]:
    """Schedule ``count`` monthly sittings on the same weekday of the month as ``first``, skipping
    months that already have an ordinary sitting. Returns the sittings created."""
    _check_lead_or_chair(actor, panel)
    created = []
    for day in monthly_dates(first, count):
        exists = (
            PanelMeeting.objects.filter(
                panel=panel, held_on__year=day.year, held_on__month=day.month, extraordinary=False
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .exists()
        )
        if not exists:
            created.append(panel_meeting_schedule(actor=actor, panel=panel, held_on=day))
    return created


@transaction.atomic
def meeting_attendance_record(
    *,
    actor: Actor,
    meeting: PanelMeeting,
    present: list[PanelMember],
    chair: PanelMember,
    absent: list[PanelMember] | None = None,
    today: date | None = None,
) -> PanelMeeting:
    """Record who sat (with each member's sector then) and who chaired; the meeting is then held."""
    today = today or timezone.localdate()
    meeting = PanelMeeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    _check_lead_or_chair(actor, meeting.panel)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_MEETING_NOT_SCHEDULED.format(status="cancelled")]})
    if meeting.held_on > today:
        raise ValidationError({"held_on": [MSG_MEETING_IN_FUTURE]})
    if PanelDecision.objects.filter(meeting=meeting).exists():
        raise ValidationError({NON_FIELD_ERRORS: [MSG_ATTENDANCE_LOCKED]})
    if not present:
        raise ValidationError({"present": [MSG_NOBODY_PRESENT]})
    for member in list(present) + list(absent or []) + [chair]:
        if member.panel_id != meeting.panel_id or not member.active:
            raise ValidationError({"present": [MSG_MEMBER_OTHER_PANEL.format(name=member.name)]})
    if chair.pk not in {m.pk for m in present}:
        raise ValidationError({"chair": [MSG_CHAIR_NOT_PRESENT]})
    if not chair.may_chair:
        raise ValidationError({"chair": [MSG_MAY_NOT_CHAIR.format(name=chair.name)]})
    Attendance.objects.filter(meeting=meeting).delete()
    for member in present:
        Attendance.objects.create(
            meeting=meeting, member=member, name=member.name, sector=member.sector, present=True
        )
    for member in absent or []:
        if member.pk not in {m.pk for m in present}:
            Attendance.objects.create(
                meeting=meeting, member=member, name=member.name, sector=member.sector, present=False
            )
    meeting.status = MeetingStatus.HELD
    meeting.chair = chair
    meeting.save(update_fields=["status", "chair", "updated_at"])
    sectors = sorted({m.sector for m in present})
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_meeting",
        object_id=meeting.pk,
        fields=["attendance", "chair"],
        detail=f"held: {len(present)} present ({', '.join(sectors)}); chair {chair.name}",
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting: PanelMeeting, reason: str) -> PanelMeeting:
    _check_lead_or_chair(actor, meeting.panel)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_MEETING_NOT_SCHEDULED.format(status=meeting.get_status_display().lower())
                ]
            }
        )
    text = _text("reason", reason, what="why the meeting is cancelled")
    meeting.status = MeetingStatus.CANCELLED
    meeting.minutes = f"Cancelled: {text}"
    meeting.save(update_fields=["status", "minutes", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_meeting",
        object_id=meeting.pk,
        fields=["status"],
        detail=f"cancelled: {text}"[:500],
    )
    return meeting


# --- Agenda (R-16: about five cases, most urgent first) -----------------------------------------


@dataclass
class AgendaResult:
    items: list[AgendaItem]
    warning: str | None
    waiting: list[Candidate]


def _urgency_json(candidate: Candidate, on: date) -> dict[str, Any]:
    u = candidate.urgency
    return {
        "deadline": u.deadline.isoformat() if u.deadline else None,
        "priority": u.priority,
        "overdue": u.overdue,
        "returned_by_qa": u.returned_by_qa,
        "reasons": candidate.reasons,
        "outstanding_requests": candidate.outstanding_requests,
    }


def _renumber(meeting: PanelMeeting) -> list[AgendaItem]:
    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("referral__child"))
    on = meeting.held_on
    keyed = []
    for item in items:
        urgency, _clock = referral_urgency(item.referral, on=on)
        keyed.append((urgency.sort_key(on), item.created_at, item))
    keyed.sort(key=lambda t: (t[0], t[1]))
    # Two passes so the positions never collide mid-update.
    for index, (_k, _c, item) in enumerate(keyed, start=1):
        item.position = index
        item.save(update_fields=["position", "updated_at"])
    return [item for _k, _c, item in keyed]


def _cases_per_meeting(meeting: PanelMeeting) -> int:
    return profile_in_force(meeting.held_on).panel_cases_per_meeting


@transaction.atomic
def agenda_build(*, actor: Actor, meeting: PanelMeeting, limit: int | None = None) -> AgendaResult:
    """Fill the agenda with the most urgent cases, up to about five (the profile's figure, R-16).

    Cases already listed stay; the rest wait for the next sitting and are returned in ``waiting``
    so the lead can see what did not fit (and add a case with :func:`agenda_item_add`).
    """
    meeting = PanelMeeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    _check_lead_or_chair(actor, meeting.panel)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_MEETING_NOT_SCHEDULED.format(status=meeting.get_status_display().lower())
                ]
            }
        )
    cap = limit if limit is not None else _cases_per_meeting(meeting)
    current = AgendaItem.objects.filter(meeting=meeting).count()
    candidates = agenda_candidates(meeting=meeting)
    room = max(cap - current, 0)
    # A case already past its limit by this sitting cannot be decided there: it waits, with a
    # reason saying so, for the lead to list it at an earlier sitting or refer it to the SCA.
    hearable = [c for c in candidates if c.past_limit is None]
    chosen = hearable[:room]
    listed = {id(c) for c in chosen}
    waiting = [c for c in candidates if id(c) not in listed]
    for candidate in chosen:
        AgendaItem.objects.create(
            meeting=meeting,
            referral=candidate.referral,
            position=1000 + current,
            urgency=_urgency_json(candidate, meeting.held_on),
        )
        _heard_through_referral(actor, meeting, candidate.referral)
        current += 1
    items = _renumber(meeting)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_agenda",
        object_id=meeting.pk,
        fields=["agenda"],
        detail=f"{len(chosen)} listed, {len(items)} on the agenda, {len(waiting)} waiting",
    )
    return AgendaResult(
        items=items,
        warning=agenda_warning(_with_discussions(meeting, items), _cases_per_meeting(meeting)),
        waiting=waiting,
    )


@transaction.atomic
def agenda_item_add(*, actor: Actor, meeting: PanelMeeting, referral: NRMReferral) -> AgendaResult:
    """List one more case (beyond the usual number if need be: a soft warning, not a refusal)."""
    meeting = PanelMeeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    _check_lead_or_chair(actor, meeting.panel)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_MEETING_NOT_SCHEDULED.format(status=meeting.get_status_display().lower())
                ]
            }
        )
    if referral.panel_id != meeting.panel_id or referral.route != Route.LOCAL_PANEL:
        raise ValidationError({"referral": [MSG_NOT_THIS_PANEL]})
    if referral.escalated_on is not None:
        raise ValidationError({"referral": [MSG_ALREADY_ESCALATED]})
    if AgendaItem.objects.filter(meeting=meeting, referral=referral).exists():
        raise ValidationError({"referral": [MSG_ALREADY_LISTED]})
    candidate = next(
        (
            c
            for c in agenda_candidates(meeting=meeting, include_listed_later=True)
            if c.referral.pk == referral.pk
        ),
        None,
    )
    if candidate is None:
        raise ValidationError({"referral": [MSG_NOT_LISTABLE]})
    if candidate.past_limit is not None:
        raise ValidationError(
            {"referral": [MSG_PAST_LIMIT_AT_SITTING.format(deadline=f"{candidate.past_limit:%-d %B %Y}")]}
        )
    AgendaItem.objects.create(
        meeting=meeting, referral=referral, position=1000, urgency=_urgency_json(candidate, meeting.held_on)
    )
    _heard_through_referral(actor, meeting, referral)
    items = _renumber(meeting)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_agenda",
        object_id=meeting.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["agenda"],
        basis=_basis(actor, referral.child, meeting.panel),
        detail=f"listed referral {referral.pk}",
    )
    return AgendaResult(
        items=items,
        warning=agenda_warning(_with_discussions(meeting, items), _cases_per_meeting(meeting)),
        waiting=[],
    )


def _heard_through_referral(actor: Actor, meeting: PanelMeeting, referral: NRMReferral) -> None:
    """R-22: a case listed for discussion whose referral is now on the agenda is heard through it."""
    if referral.panel_case_id is None:
        return
    from ccehub.panels.discussions import unlist
    from ccehub.panels.models import PanelCase

    case = PanelCase.objects.select_related("child").get(pk=referral.panel_case_id)
    unlist(actor=actor, case=case, why="its referral is on the agenda", meeting=meeting)


def _with_discussions(meeting: PanelMeeting, items: list[Any]) -> int:
    """The cases a sitting hears, for the R-16 warning: its referrals and the cases with no referral
    listed for discussion (R-22). Building the agenda fills the room with referrals only: they have
    deadlines."""
    from ccehub.panels.models import CaseDiscussion

    return len(items) + CaseDiscussion.objects.filter(meeting=meeting).count()


def _agenda_sync(*, actor: Actor, referral: NRMReferral) -> None:
    """Keep the agendas of sittings still to be held true to the referral after it changes (a
    decision, an escalation, a QA return or response): a case with nothing left for the panel
    (escalated to the SCA, or concluded) comes off them; the others get their reasons recomputed, so
    an agenda never shows a stale "Decision due by ..." for a case already sent on or decided.
    Held and cancelled sittings are records of what happened and are left alone."""
    items = list(
        AgendaItem.objects.filter(referral=referral, meeting__status=MeetingStatus.SCHEDULED).select_related(
            "meeting"
        )
    )
    if not items:
        return
    referral = NRMReferral.objects.select_related("child", "panel").get(pk=referral.pk)
    for item in items:
        meeting = item.meeting
        candidate = candidate_for(referral, on=meeting.held_on)
        if candidate is None:
            item.delete()
            detail = (
                "taken off: referred to the Home Office SCA"
                if referral.escalated_on is not None
                else "taken off: nothing left for the panel to decide"
            )
        else:
            item.urgency = _urgency_json(candidate, meeting.held_on)
            item.save(update_fields=["urgency", "updated_at"])
            detail = "reasons refreshed"
        _renumber(meeting)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="panel_agenda",
            object_id=meeting.pk,
            child_pid=referral.child.pseudonymous_id,
            fields=["agenda"],
            basis=f"panel:{meeting.panel.code}",
            detail=f"referral {referral.pk} {detail}",
        )


@transaction.atomic
def agenda_item_acting_chair_set(*, actor: Actor, item: AgendaItem, member: PanelMember) -> AgendaItem:
    """Another member chairs this case (e.g. the meeting's chair is the child's lead social worker)."""
    meeting = item.meeting
    _check_lead_or_chair(actor, meeting.panel)
    if member.panel_id != meeting.panel_id:
        raise ValidationError({"member": [MSG_MEMBER_OTHER_PANEL.format(name=member.name)]})
    if not member.may_chair:
        raise ValidationError({"member": [MSG_MAY_NOT_CHAIR.format(name=member.name)]})
    if (
        meeting.status == MeetingStatus.HELD
        and not Attendance.objects.filter(meeting=meeting, member=member, present=True).exists()
    ):
        raise ValidationError({"member": [MSG_CHAIR_NOT_PRESENT]})
    item.acting_chair = member
    item.save(update_fields=["acting_chair", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_agenda_item",
        object_id=item.pk,
        child_pid=item.referral.child.pseudonymous_id,
        fields=["acting_chair"],
        basis=_basis(actor, item.referral.child, meeting.panel),
    )
    return item


# --- Information requests (R-15) ----------------------------------------------------------------


@transaction.atomic
def information_request_create(
    *,
    actor: Actor,
    referral: NRMReferral,
    recipient_role: str,
    recipient_agency: Agency,
    recipient_name: str,
    question: str,
    due_on: date,
    recipient_user: Any = None,
    today: date | None = None,
) -> InformationRequest:
    """Ask a named professional for information about a referred child, by a due date (R-15)."""
    today = today or timezone.localdate()
    if referral.panel is None or referral.route != Route.LOCAL_PANEL:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_THIS_PANEL]})
    check_panel_lead(actor, referral.panel)
    _choice("recipient_role", recipient_role, RecipientRole)
    kind, _roles = RECIPIENT_ROLES[recipient_role]
    if recipient_agency.kind != kind:
        raise ValidationError(
            {
                "recipient_agency": [
                    MSG_RECIPIENT_AGENCY_KIND.format(
                        role=RecipientRole(recipient_role).label.lower(),
                        kind=AGENCY_KIND_NOUN.get(kind, "a " + AgencyKind(kind).label.lower()),
                    )
                ]
            }
        )
    if (
        recipient_user is not None
        and not Membership.objects.filter(user=recipient_user, agency=recipient_agency, active=True).exists()
    ):
        raise ValidationError(
            {"recipient_user": [MSG_RECIPIENT_NOT_MEMBER.format(agency=recipient_agency.name)]}
        )
    if due_on < today:
        raise ValidationError({"due_on": [MSG_DUE_BEFORE_REQUEST]})
    name = _text("recipient_name", recipient_name, what="the name of the person asked", limit=150)
    request = InformationRequest.objects.create(
        referral=referral,
        recipient_role=recipient_role,
        recipient_agency=recipient_agency,
        recipient_user=recipient_user,
        recipient_name=name,
        question=_text("question", question, what="the question"),
        requested_on=today,
        due_on=due_on,
        requested_by_name=actor.username[:150],
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="information_request",
        object_id=request.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["information_requests"],
        basis=_basis(actor, referral.child, referral.panel),
        detail=f"to {recipient_role} at {recipient_agency.code}, due {due_on}",
    )
    return request


def _lock_request(request: InformationRequest) -> InformationRequest:
    return (
        InformationRequest.objects.select_for_update(of=("self",))
        .select_related("referral__child", "referral__panel")
        .get(pk=request.pk)
    )


@transaction.atomic
def information_request_respond(
    *, actor: Actor, request: InformationRequest, response: str, today: date | None = None
) -> InformationRequest:
    """Answer a request in the app: the person asked (or their team), or the panel lead recording a
    reply received another way (marked as such)."""
    today = today or timezone.localdate()
    request = _lock_request(request)
    panel = request.referral.panel
    assert panel is not None
    on_behalf = False
    if not may_answer(actor, request):
        if not is_panel_lead(actor, panel):
            raise PermissionDenied(MSG_NOT_RECIPIENT)
        on_behalf = True
    if request.status != RequestStatus.OPEN:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_REQUEST_NOT_OPEN.format(status=REQUEST_CLOSED_AS.get(request.status, request.status))
                ]
            }
        )
    request.response = _text("response", response, what="the information")
    request.status = RequestStatus.RESPONDED
    request.responded_on = today
    request.responded_by_name = actor.username[:150]
    request.response_recorded_on_behalf = on_behalf
    request.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="information_request",
        object_id=request.pk,
        child_pid=request.referral.child.pseudonymous_id,
        fields=["information_requests.response"],
        basis=access_basis(actor, request.referral.child) or f"information_request:{request.pk}",
        detail="responded" + (" (recorded by the panel lead)" if on_behalf else ""),
    )
    return request


@transaction.atomic
def information_request_withdraw(
    *, actor: Actor, request: InformationRequest, reason: str
) -> InformationRequest:
    request = _lock_request(request)
    assert request.referral.panel is not None
    check_panel_lead(actor, request.referral.panel)
    if request.status != RequestStatus.OPEN:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_REQUEST_NOT_OPEN.format(status=REQUEST_CLOSED_AS.get(request.status, request.status))
                ]
            }
        )
    text = _text("reason", reason, what="why the request is withdrawn")
    request.status = RequestStatus.WITHDRAWN
    request.withdrawn_on = timezone.localdate()
    request.withdrawn_reason = text
    request.save(update_fields=["status", "withdrawn_on", "withdrawn_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="information_request",
        object_id=request.pk,
        child_pid=request.referral.child.pseudonymous_id,
        fields=[
            "information_requests.status",
            "information_requests.withdrawn_on",
            "information_requests.withdrawn_reason",
        ],
        # the reason is free text that may name people: kept on the request, not in the log
        detail="withdrawn",
    )
    return request


@transaction.atomic
def information_request_remind(*, actor: Actor, request: InformationRequest, on: date) -> InformationRequest:
    """Record that a reminder went out (the reminders command calls this; sending is outside the app)."""
    request = _lock_request(request)
    if request.status != RequestStatus.OPEN:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_REQUEST_NOT_OPEN.format(status=REQUEST_CLOSED_AS.get(request.status, request.status))
                ]
            }
        )
    request.last_reminded_on = on
    request.reminder_count += 1
    request.save(update_fields=["last_reminded_on", "reminder_count", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="information_request",
        object_id=request.pk,
        child_pid=request.referral.child.pseudonymous_id,
        fields=["information_requests.reminder"],
        detail=f"reminder {request.reminder_count} on {on}",
    )
    return request


# --- Decisions (RG and CG by profile; deferral; escalation) -------------------------------------


@dataclass
class DecisionPlan:
    """Everything a checked decision needs to be stored (or escalated)."""

    meeting: PanelMeeting
    referral: NRMReferral
    item: AgendaItem
    decision_type: str
    basis: str
    rationale: str
    evidence: list[str]
    dissent: str
    quorum_note: str
    members_present: list[dict[str, str]]
    chair_name: str
    check: DecisionCheck | None = None
    deadline: date | None = None
    deferral_reason: str = ""
    defer_until: date | None = None
    escalate_message: str | None = None


def _evidence(items: list[str] | tuple[str, ...] | str) -> list[str]:
    if isinstance(items, str):
        items = items.splitlines()
    return [str(i).strip()[:500] for i in items if str(i).strip()]


def check_panel_decision(
    *,
    actor: Actor,
    meeting: PanelMeeting,
    referral: NRMReferral,
    decision_type: str,
    rationale: str,
    evidence_considered: list[str] | tuple[str, ...] | str,
    dissent: str = "",
    deferral_reason: str = "",
    defer_until: date | None = None,
) -> DecisionPlan:
    """Authorise and validate a panel decision. Raises on a plain refusal; returns a plan whose
    ``escalate_message`` is set when the refusal must also send the case to the SCA."""
    check_panel_chair(actor, meeting.panel)
    allowed = [t for t in PanelDecisionType.values if t != PanelDecisionType.REFERRED_TO_SCA]
    if decision_type not in allowed:
        raise ValidationError(
            {"decision_type": [MSG_UNKNOWN_DECISION_TYPE.format(choices=", ".join(allowed))]}
        )
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_MEETING_NOT_HELD]})
    if referral.panel_id != meeting.panel_id or referral.route != Route.LOCAL_PANEL:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_THIS_PANEL]})
    if referral.escalated_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_ALREADY_ESCALATED]})
    item = (
        AgendaItem.objects.filter(meeting=meeting, referral=referral).select_related("acting_chair").first()
    )
    if item is None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_ON_AGENDA]})
    chair = case_chair(meeting, item)
    user = _user_of(actor)
    if (
        chair is not None
        and chair.user_id is not None
        and not actor.system
        and getattr(user, "pk", None) != chair.user_id
    ):
        raise PermissionDenied(MSG_NOT_CASE_CHAIR)
    quorum = case_quorum(meeting=meeting, referral=referral, item=item)
    if not quorum.may_decide:
        raise ValidationError({NON_FIELD_ERRORS: list(quorum.problems)})
    text = _text("rationale", rationale, what="the panel's rationale for the decision")
    evidence = _evidence(evidence_considered)
    if not evidence:
        raise ValidationError({"evidence_considered": [MSG_EVIDENCE_REQUIRED]})
    dissent_text = _text("dissent", dissent, what="the dissent", required=False)
    if dissent_text and decision_type != PanelDecisionType.DEFER:
        raise ValidationError({"dissent": [MSG_DISAGREEMENT_DEFER]})
    present = list(Attendance.objects.filter(meeting=meeting, present=True).order_by("sector", "name"))
    plan = DecisionPlan(
        meeting=meeting,
        referral=referral,
        item=item,
        decision_type=decision_type,
        basis=_basis(actor, referral.child, meeting.panel),
        rationale=text,
        evidence=evidence,
        dissent=dissent_text,
        quorum_note=(
            "Quorate: " + ", ".join(sorted({a.sector for a in present}))
            if quorum.quorate
            else "Quorum enforcement switched off for this panel (Q-27): " + "; ".join(quorum.problems)
        ),
        members_present=[{"name": a.name, "sector": a.sector} for a in present],
        chair_name=chair.name if chair is not None else "",
    )
    on = meeting.held_on
    clock = referral_clock(referral, as_of=max(on, referral.referred_on or on))
    plan.deadline = clock.decision_deadline if clock is not None else None
    if decision_type in NRM_DECISION_TYPES:
        stage, outcome = NRM_DECISION_TYPES[decision_type]
        plan.check = check_decision_facts(referral=referral, stage=stage, outcome=outcome, decided_on=on)
        error = plan.check.rule_error
        if error is not None and error.message != MSG_PANEL_NEGATIVE_CG:
            raise rule_refusal(error)
        if clock is not None and clock.overdue and plan.deadline is not None:
            # The sitting is after the limit (R-19: never beyond 45 days). Whether or not the daily
            # escalation job ran, the panel's time is up: refuse and refer, exactly as for a deferral.
            # The decision's date is the meeting's; a decision *recorded* late for a sitting held
            # within the limit is on time and accepted.
            plan.escalate_message = _past_limit_message(referral, clock, on)
        elif error is not None:
            plan.escalate_message = MSG_NEGATIVE_CG_ESCALATED
        return plan
    # Deferral
    plan.deferral_reason = _text(
        "deferral_reason", deferral_reason, what="why the case is deferred and what information is needed"
    )
    if clock is None or clock.stage.startswith("concluded"):
        raise ValidationError({NON_FIELD_ERRORS: [MSG_REFERRAL_CONCLUDED]})
    if defer_until is None:
        following = next_meeting_after(meeting.panel, on)
        if following is None:
            raise ValidationError({"defer_until": [MSG_DEFER_UNTIL_REQUIRED]})
        defer_until = following.held_on
    if defer_until <= on:
        raise ValidationError({"defer_until": [MSG_DEFER_UNTIL_AFTER]})
    plan.defer_until = defer_until
    if plan.deadline is not None and defer_until > plan.deadline:
        profile = referral_profile(referral)
        days = (
            profile.panel_rg_limit_days_from_referral
            if clock.stage == "awaiting_rg"
            else profile.panel_deferral_limit_days
        )
        plan.escalate_message = MSG_DEFERRAL_PAST_LIMIT.format(
            deadline=f"{plan.deadline:%-d %B %Y}", profile=f"{days}-day"
        )
    return plan


def _past_limit_message(referral: NRMReferral, clock: ClockState, on: date) -> str:
    profile = referral_profile(referral)
    if clock.stage == "awaiting_rg":
        limit = f"{profile.panel_rg_limit_days_from_referral} days from the referral"
    else:
        limit = f"{profile.panel_deferral_limit_days} days from the positive reasonable-grounds decision"
    return MSG_DECISION_PAST_LIMIT.format(
        held_on=f"{on:%-d %B %Y}", deadline=f"{clock.decision_deadline:%-d %B %Y}", limit=limit
    )


def _decision_store(*, actor: Actor, plan: DecisionPlan) -> PanelDecision:
    referral = plan.referral
    profile = plan.check.profile if plan.check is not None else referral_profile(referral)
    nrm = plan.decision_type in NRM_DECISION_TYPES
    decision = PanelDecision.objects.create(
        meeting=plan.meeting,
        referral=referral,
        decision_type=plan.decision_type,
        decided_on=plan.meeting.held_on,
        rationale=plan.rationale,
        evidence_considered=plan.evidence,
        members_present=plan.members_present,
        chaired_by_name=plan.chair_name,
        unanimous=not plan.dissent,
        dissent=plan.dissent,
        quorum_note=plan.quorum_note,
        deferral_reason=plan.deferral_reason,
        defer_until=plan.defer_until,
        deadline=plan.deadline,
        policy_profile=profile.code,
        rule_version=profile.rule_version,
        caveat=NOT_EXPERT_EVIDENCE,
        ho_qa_status=QAStatus.PENDING if nrm else QAStatus.NOT_APPLICABLE,
        recorded_by=_user_of(actor),
        recorded_by_name=actor.username[:150],
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="panel_decision",
        object_id=decision.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["panel_decisions"],
        basis=plan.basis,
        detail=(
            f"{plan.decision_type} at {plan.meeting.panel.code} on {plan.meeting.held_on}; "
            f"policy {profile.code} {profile.rule_version}"
            + (f"; deferred to {plan.defer_until}" if plan.defer_until else "")
            + ("; dissent recorded" if plan.dissent else "")
        ),
    )
    if nrm:
        assert plan.check is not None
        stage, outcome = NRM_DECISION_TYPES[plan.decision_type]
        decision.nrm_decision = nrm_decision_store(
            actor=actor,
            referral=referral,
            check=plan.check,
            stage=stage,
            outcome=outcome,
            decided_on=plan.meeting.held_on,
            maker=DecisionMaker.LOCAL_PANEL,
            maker_agency=plan.meeting.panel,
            rationale=plan.rationale,
            basis=plan.basis,
        )
        decision.save(update_fields=["nrm_decision", "updated_at"])
        QAEvent.objects.create(
            decision=decision,
            kind=QAEventKind.SUBMITTED,
            by_name=actor.username[:150],
            by_agency=plan.meeting.panel,
            at=timezone.now(),
        )
    _agenda_sync(actor=actor, referral=referral)
    return decision


def _escalation_store(
    *,
    actor: Actor,
    referral: NRMReferral,
    on: date,
    reason: str,
    basis: str,
    meeting: PanelMeeting | None = None,
    plan: DecisionPlan | None = None,
) -> PanelDecision:
    """Record the referral to the SCA as a panel decision (with the panel's view when there is one)."""
    profile = referral_profile(referral)
    rationale = reason
    if plan is not None:
        rationale = f"{reason}\n\nThe panel's view: {plan.rationale}"
    decision = PanelDecision.objects.create(
        meeting=meeting,
        referral=referral,
        decision_type=PanelDecisionType.REFERRED_TO_SCA,
        decided_on=on,
        rationale=rationale,
        evidence_considered=plan.evidence if plan is not None else [],
        members_present=plan.members_present if plan is not None else [],
        chaired_by_name=plan.chair_name if plan is not None else "",
        unanimous=not (plan and plan.dissent),
        dissent=plan.dissent if plan is not None else "",
        quorum_note=plan.quorum_note if plan is not None else "",
        deadline=plan.deadline if plan is not None else None,
        policy_profile=profile.code,
        rule_version=profile.rule_version,
        caveat=NOT_EXPERT_EVIDENCE,
        recorded_by=_user_of(actor),
        recorded_by_name=actor.username[:150],
    )
    referral_escalate(actor=actor, referral=referral, on=on, reason=reason, basis=basis)
    _agenda_sync(actor=actor, referral=referral)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="panel_decision",
        object_id=decision.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=["panel_decisions"],
        basis=basis,
        detail=f"referred_to_sca on {on}: {reason}"[:500],
    )
    return decision


def panel_decision_record(
    *,
    actor: Actor,
    meeting: PanelMeeting,
    referral: NRMReferral,
    decision_type: str,
    rationale: str,
    evidence_considered: list[str] | tuple[str, ...] | str,
    dissent: str = "",
    deferral_reason: str = "",
    defer_until: date | None = None,
) -> PanelDecision:
    """Record the panel's decision on one case at a held meeting (chair only).

    Enforced here, whatever the form does: the chair for the case records it; the case is on the
    agenda; the quorum holds (R-21, Q-27, chair not the lead social worker); a rationale and the
    evidence considered are given (F-07); disagreement means deferral (R-19); RG and CG follow the
    referral's profile (a negative CG is refused under ``report-2022`` and escalated, R-18); a
    deferral never runs past the profile's limit (refused and escalated, R-19). An RG or CG decision
    goes to Home Office QA (R-20) and triggers the stay guard (J-02, J-03).

    Raises:
        PermissionDenied: not the chair.
        ValidationError: a plain refusal (nothing is recorded).
        RefusedAndEscalated: the decision is refused and the referral has gone to the SCA.
    """
    with transaction.atomic():
        meeting = PanelMeeting.objects.select_related("panel", "chair").get(pk=meeting.pk)
        referral = (
            NRMReferral.objects.select_for_update(of=("self",))
            .select_related("child", "panel")
            .get(pk=referral.pk)
        )
        plan = check_panel_decision(
            actor=actor,
            meeting=meeting,
            referral=referral,
            decision_type=decision_type,
            rationale=rationale,
            evidence_considered=evidence_considered,
            dissent=dissent,
            deferral_reason=deferral_reason,
            defer_until=defer_until,
        )
        if plan.escalate_message is None:
            return _decision_store(actor=actor, plan=plan)
        escalation = _escalation_store(
            actor=actor,
            referral=referral,
            on=meeting.held_on,
            reason=plan.escalate_message,
            basis=plan.basis,
            meeting=meeting,
            plan=plan,
        )
    raise RefusedAndEscalated(plan.escalate_message, escalation=escalation)


@transaction.atomic
def referral_refer_to_sca(
    *,
    actor: Actor,
    referral: NRMReferral,
    reason: str,
    on: date | None = None,
    meeting: PanelMeeting | None = None,
) -> PanelDecision:
    """Send a case to the Home Office SCA on purpose (e.g. a contested CG, Q-08). Lead or chair."""
    referral = (
        NRMReferral.objects.select_for_update(of=("self",))
        .select_related("child", "panel")
        .get(pk=referral.pk)
    )
    if referral.panel is None or referral.route != Route.LOCAL_PANEL:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_THIS_PANEL]})
    _check_lead_or_chair(actor, referral.panel)
    if meeting is not None and meeting.panel_id != referral.panel_id:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_THIS_PANEL]})
    text = _text("reason", reason, what="why the case is going to the Home Office")
    return _escalation_store(
        actor=actor,
        referral=referral,
        on=on or (meeting.held_on if meeting else timezone.localdate()),
        reason=text,
        basis=_basis(actor, referral.child, referral.panel),
        meeting=meeting,
    )


def referrals_escalate_overdue(
    *, actor: Actor, as_of: date, dry_run: bool = False
) -> list[tuple[NRMReferral, str]]:
    """Escalate every local-panel referral that has reached its panel limit undecided (R-19 "escalates
    on day 45": on the limit day itself, see :func:`escalations_due`).

    Run daily by an operator (``manage.py panel_escalations``). Each escalation commits on its own,
    so one failure does not hold back the rest. Returns (referral, reason) for each one escalated.
    """
    done = []
    for due in escalations_due(as_of=as_of):
        panel = due.referral.panel
        if panel is None:  # pragma: no cover - local referrals always have a panel
            continue
        if not actor.system:
            _check_lead_or_chair(actor, panel)
        if not dry_run:
            with transaction.atomic():
                referral = (
                    NRMReferral.objects.select_for_update(of=("self",))
                    .select_related("child")
                    .get(pk=due.referral.pk)
                )
                if referral.escalated_on is not None or referral_concluded(referral):
                    continue
                _escalation_store(
                    actor=actor, referral=referral, on=as_of, reason=due.reason, basis=f"panel:{panel.code}"
                )
        done.append((due.referral, due.reason))
    return done


# --- Home Office quality assurance (R-20) -------------------------------------------------------


def _lock_decision(decision: PanelDecision) -> PanelDecision:
    return (
        PanelDecision.objects.select_for_update(of=("self",))
        .select_related("referral__child", "referral__panel")
        .get(pk=decision.pk)
    )


def _qa_event(*, actor: Actor, decision: PanelDecision, kind: str, note: str, status: str) -> PanelDecision:
    panel = decision.referral.panel
    assert panel is not None
    by_home_office = kind in (QAEventKind.CONFIRMED, QAEventKind.RETURNED)
    basis = "home_office_qa" if by_home_office else _basis(actor, decision.referral.child, panel)
    decision.ho_qa_status = status
    decision.save(update_fields=["ho_qa_status", "updated_at"])
    QAEvent.objects.create(
        decision=decision,
        kind=kind,
        note=note,
        by_name=actor.username[:150],
        by_agency=actor.agency,
        at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="panel_decision_qa",
        object_id=decision.pk,
        child_pid=decision.referral.child.pseudonymous_id,
        fields=["panel_decisions.ho_qa_status"],
        basis=basis,
        detail=f"{kind}: status {status}",
    )
    return decision


@transaction.atomic
def qa_confirm(*, actor: Actor, decision: PanelDecision, note: str = "") -> PanelDecision:
    """Home Office QA confirms a panel decision."""
    check_ho_qa(actor)
    decision = _lock_decision(decision)
    if decision.ho_qa_status != QAStatus.PENDING:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_QA_NOT_PENDING.format(status=decision.get_ho_qa_status_display().lower())
                ]
            }
        )
    return _qa_event(
        actor=actor,
        decision=decision,
        kind=QAEventKind.CONFIRMED,
        note=(note or "").strip(),
        status=QAStatus.CONFIRMED,
    )


@transaction.atomic
def qa_return(*, actor: Actor, decision: PanelDecision, reason: str) -> PanelDecision:
    """Home Office QA returns a decision to the panel; the case goes back on the panel's agenda."""
    check_ho_qa(actor)
    decision = _lock_decision(decision)
    if decision.ho_qa_status != QAStatus.PENDING:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    MSG_QA_NOT_PENDING.format(status=decision.get_ho_qa_status_display().lower())
                ]
            }
        )
    text = _text("reason", reason, what="why the decision is returned to the panel")
    decision = _qa_event(
        actor=actor, decision=decision, kind=QAEventKind.RETURNED, note=text, status=QAStatus.RETURNED
    )
    _agenda_sync(actor=actor, referral=decision.referral)  # "goes back to LISTED" (§4.2.2)
    return decision


@transaction.atomic
def qa_respond(*, actor: Actor, decision: PanelDecision, response: str) -> PanelDecision:
    """The panel's response to a return (chair or lead); the decision goes back to QA as pending."""
    decision = _lock_decision(decision)
    panel = decision.referral.panel
    assert panel is not None
    _check_lead_or_chair(actor, panel)
    if decision.ho_qa_status != QAStatus.RETURNED:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_QA_NOT_RETURNED]})
    text = _text("response", response, what="the panel's response to the return")
    decision = _qa_event(
        actor=actor, decision=decision, kind=QAEventKind.PANEL_RESPONSE, note=text, status=QAStatus.PENDING
    )
    _agenda_sync(actor=actor, referral=decision.referral)
    return decision


# --- Joint plan (E-15, F-06) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner_agency: Agency
    due_on: date
    owner_name: str = ""


def _check_under_panel(child: Child, panel: Agency) -> PanelCase:
    case = PanelCase.objects.filter(panel=panel, child=child, closed_on__isnull=True).first()
    if case is None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_UNDER_PANEL]})
    return case


@transaction.atomic
def joint_plan_create(
    *,
    actor: Actor,
    panel: Agency,
    child: Child,
    agreed_on: date,
    review_on: date,
    summary: str,
    actions: list[ActionSpec],
    referral: NRMReferral | None = None,
    decision: PanelDecision | None = None,
    today: date | None = None,
) -> JointPlan:
    """Agree a joint plan: actions with owners and due dates, and a review date (W-5 phase 2).

    Also recorded as a "CCE joint plan" on the child's safeguarding record, so it shows in the
    chronology next to the CIN and CP plans.

    The agreed date is not in the future and not before the child's referral to the panel. A child
    has one current plan: a new plan **replaces** the open one, which is closed on the new plan's
    agreed date (kept, with its actions, as history; monitoring shows the latest plan only). The
    same plan submitted twice (same agreed date, summary and actions) is refused as a duplicate.
    """
    from ccehub.safeguarding.models import ChildPlan, PlanType

    today = today or timezone.localdate()
    _check_lead_or_chair(actor, panel)
    case = _check_under_panel(child, panel)
    text = _text("summary", summary, what="what the plan is for")
    if agreed_on > today:
        raise ValidationError({"agreed_on": [MSG_PLAN_IN_FUTURE]})
    referred = [
        r.referred_on
        for r in NRMReferral.objects.filter(child=child, panel=panel).only("referred_on")
        if r.referred_on is not None
    ]
    if referral is not None and referral.referred_on is not None:
        referred = [referral.referred_on]
    oversight_from = min(referred) if referred else case.shared_on
    if agreed_on < oversight_from:
        day = f"{oversight_from:%-d %B %Y}"
        message = (
            MSG_PLAN_BEFORE_REFERRAL.format(referred_on=day)
            if referred
            else MSG_PLAN_BEFORE_SHARED.format(shared_on=day)  # a case shared for a crisis response
        )
        raise ValidationError({"agreed_on": [message]})
    if review_on < agreed_on:
        raise ValidationError({"review_on": [MSG_REVIEW_BEFORE_AGREED]})
    if not actions:
        raise ValidationError({"actions": [MSG_PLAN_NEEDS_ACTION]})
    for spec in actions:
        _text("actions", spec.description, what="what each action is")
        if spec.due_on < agreed_on:
            raise ValidationError({"actions": [MSG_ACTION_DUE_BEFORE_PLAN]})
    current = list(
        JointPlan.objects.select_for_update(of=("self",))
        .filter(panel=panel, child=child, closed_on__isnull=True)
        .prefetch_related("actions")
        .order_by("agreed_on", "created_at")
    )
    wanted = sorted((a.description.strip(), a.owner_agency.pk, a.due_on) for a in actions)
    for open_plan in current:
        same = sorted((a.description, a.owner_agency_id, a.due_on) for a in open_plan.actions.all())
        if open_plan.agreed_on == agreed_on and open_plan.summary == text and same == wanted:
            raise ValidationError(
                {NON_FIELD_ERRORS: [MSG_PLAN_DUPLICATE.format(agreed_on=f"{agreed_on:%-d %B %Y}")]}
            )
    if current and agreed_on < current[-1].agreed_on:
        raise ValidationError(
            {"agreed_on": [MSG_PLAN_BEFORE_CURRENT.format(agreed_on=f"{current[-1].agreed_on:%-d %B %Y}")]}
        )
    for old_plan in current:
        old_plan.closed_on = agreed_on
        old_plan.close_reason = CloseReason.REPLACED
        old_plan.save(update_fields=["closed_on", "close_reason", "updated_at"])
        if old_plan.child_plan_id is not None:
            ChildPlan.objects.filter(pk=old_plan.child_plan_id, ended_on__isnull=True).update(
                ended_on=agreed_on
            )
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="joint_plan",
            object_id=old_plan.pk,
            child_pid=child.pseudonymous_id,
            fields=["joint_plans.closed_on", "joint_plans.close_reason"],
            basis=_basis(actor, child, panel),
            detail=f"replaced by the plan agreed on {agreed_on}",
        )
    child_plan = ChildPlan.objects.create(
        child=child,
        plan_type=PlanType.CCE_JOINT_PLAN,
        reason=text[:200],
        lead_agency=child.home_local_authority,
        started_on=agreed_on,
        source_note=f"Joint plan agreed by {panel.name}",
    )
    plan = JointPlan.objects.create(
        panel=panel,
        child=child,
        referral=referral,
        decision=decision,
        child_plan=child_plan,
        agreed_on=agreed_on,
        review_on=review_on,
        summary=text,
        **_phase_for_new_plan(current[-1] if current else None, agreed_on),
    )
    for spec in actions:
        PlanAction.objects.create(
            plan=plan,
            description=spec.description.strip(),
            owner_agency=spec.owner_agency,
            owner_name=spec.owner_name.strip()[:150],
            due_on=spec.due_on,
        )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="joint_plan",
        object_id=plan.pk,
        child_pid=child.pseudonymous_id,
        fields=["joint_plans", "plans"],
        basis=_basis(actor, child, panel),
        detail=f"{len(actions)} actions; review {review_on}; {plan.phase} since {plan.phase_since}",
    )
    return plan


def _phase_for_new_plan(replaced: JointPlan | None, agreed_on: date) -> dict[str, Any]:
    """W-5: a new plan starts in phase 2 (intensive support); a revision that replaces the open plan
    keeps that plan's phase (revising a plan in phase 3 is not a re-exploitation indicator)."""
    if replaced is None:
        return {"phase": Phase.INTENSIVE, "phase_since": agreed_on, "phase_reason": MSG_PHASE_AGREED}
    return {
        "phase": replaced.phase,
        "phase_since": replaced.phase_since or replaced.agreed_on,
        "phase_reason": (replaced.phase_reason or MSG_PHASE_AGREED)[:160]
        + " (carried from the plan it replaces)",
    }


MSG_PHASE_AGREED = "Joint plan agreed at panel (W-5 phase 2)"


@transaction.atomic
def plan_action_add(*, actor: Actor, plan: JointPlan, spec: ActionSpec) -> PlanAction:
    """Add an action to an open joint plan (the panel agrees more as the plan goes on). Lead or chair."""
    plan = JointPlan.objects.select_for_update(of=("self",)).select_related("child", "panel").get(pk=plan.pk)
    _check_lead_or_chair(actor, plan.panel)
    if plan.closed_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_PLAN_CLOSED]})
    description = _text("description", spec.description, what="what the action is")
    if spec.due_on < plan.agreed_on:
        raise ValidationError({"due_on": [MSG_ACTION_DUE_BEFORE_PLAN]})
    action = PlanAction.objects.create(
        plan=plan,
        description=description,
        owner_agency=spec.owner_agency,
        owner_name=spec.owner_name.strip()[:150],
        due_on=spec.due_on,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="plan_action",
        object_id=action.pk,
        child_pid=plan.child.pseudonymous_id,
        fields=["joint_plans.actions"],
        basis=_basis(actor, plan.child, plan.panel),
        detail=f"owner {spec.owner_agency.code}; due {spec.due_on}",
    )
    return action


def _check_plan_open_for_actions(plan: JointPlan) -> None:
    """A closed plan is history (§1.9): its actions stay as they were when it closed."""
    if plan.closed_on is not None:
        raise ValidationError(
            {NON_FIELD_ERRORS: [MSG_PLAN_CLOSED_ACTIONS.format(day=day_text(plan.closed_on))]}
        )


@transaction.atomic
def plan_action_complete(*, actor: Actor, action: PlanAction, on: date, note: str = "") -> PlanAction:
    action = (
        PlanAction.objects.select_for_update(of=("self",))
        .select_related("plan__child", "plan__panel")
        .get(pk=action.pk)
    )
    plan = action.plan
    if not (
        actor.system
        or actor.agency == action.owner_agency
        or is_panel_lead(actor, plan.panel)
        or is_panel_chair(actor, plan.panel)
    ):
        raise PermissionDenied(MSG_ACTION_OWNER_ONLY)
    _check_plan_open_for_actions(plan)
    if action.status != PlanActionStatus.OPEN:
        raise ValidationError(
            {NON_FIELD_ERRORS: [MSG_ACTION_NOT_OPEN.format(status=action.get_status_display().lower())]}
        )
    action.status = PlanActionStatus.DONE
    action.completed_on = on
    action.note = (note or "").strip()
    action.save(update_fields=["status", "completed_on", "note", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="plan_action",
        object_id=action.pk,
        child_pid=plan.child.pseudonymous_id,
        fields=["joint_plans.actions"],
        basis=_basis(actor, plan.child, plan.panel),
        detail=f"done on {on}",
    )
    return action


@transaction.atomic
def plan_action_drop(*, actor: Actor, action: PlanAction, reason: str) -> PlanAction:
    """Mark an open action of an open plan as no longer needed, with why. Lead or chair, as for adding
    one: the panel agreed the action, so the panel's people take it off, not its owner alone. The
    reason is kept on the action (``note``); the audit row says "dropped" without the words, which
    can name people."""
    action = (
        PlanAction.objects.select_for_update(of=("self",))
        .select_related("plan__child", "plan__panel")
        .get(pk=action.pk)
    )
    plan = action.plan
    _check_lead_or_chair(actor, plan.panel)
    _check_plan_open_for_actions(plan)
    if action.status != PlanActionStatus.OPEN:
        raise ValidationError(
            {NON_FIELD_ERRORS: [MSG_ACTION_NOT_OPEN.format(status=action.get_status_display().lower())]}
        )
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [MSG_DROP_REASON]})
    action.status = PlanActionStatus.DROPPED
    action.note = _text("reason", text, what="why the action is no longer needed")
    action.save(update_fields=["status", "note", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="plan_action",
        object_id=action.pk,
        child_pid=plan.child.pseudonymous_id,
        fields=["joint_plans.actions"],
        basis=_basis(actor, plan.child, plan.panel),
        detail="dropped",
    )
    return action


# --- Closing a panel case or a joint plan (R-50, W-5) -------------------------------------------


class ClosureRefused(ValidationError):
    """A closure refused, or waiting for its warnings to be confirmed (``confirm_warnings``).

    Carries the rule's warnings as well, so a page can show them next to the refusals.
    """

    def __init__(self, errors: dict[str, list[str]], *, warnings: tuple[str, ...]) -> None:
        super().__init__(errors)
        self.warnings = warnings


#: The rule's fact names, as the services and forms name them.
_CLOSURE_FIELDS: Final = {"approval": "approved_at", "": NON_FIELD_ERRORS}
#: The fields a closure writes (the audit row names them, prefixed by the table).
_CLOSURE_COLUMNS: Final = (
    "closed_on",
    "close_reason",
    "close_note",
    "risk_at_close",
    "risk_reduced_at_close",
    "closure_meeting",
    "closed_by",
)


def check_close_chair(actor: Actor, panel: Agency) -> None:
    """Only a chair of the panel closes (W-5 "panel approves closure"): the chair records the panel's
    decisions. Not the lead, who runs its business, nor an administrator, who reads no case records."""
    if not is_panel_chair(actor, panel):
        raise PermissionDenied(MSG_CLOSE_CHAIR_ONLY)


def _closure_check(
    *,
    subject: Subject,
    panel: Agency,
    child: Child,
    opened_on: date,
    closed_on: date,
    risk_level: str,
    risk_reduced: bool | None,
    reason: str,
    note: str,
    approved_at: PanelMeeting | None,
    confirm_warnings: bool,
    today: date,
    extra: dict[str, list[str]] | None = None,
    plan_phase: str | None = None,
) -> tuple[ClosureAssessment, str]:
    """Run the rule on the record's facts; raise :class:`ClosureRefused` with every refusal (or for an
    unconfirmed warning). Returns the assessment and the cleaned note."""
    noun = SUBJECT_NOUNS[subject]
    errors: dict[str, list[str]] = {}
    text = (note or "").strip()
    if not text:
        what = (
            "the reasons for closing the case"
            if subject is Subject.PANEL_CASE
            else "the reasons for closing the plan"
        )
        errors["note"] = [MSG_REQUIRED.format(what=what)]
    elif len(text) > MAX_TEXT:
        errors["note"] = [MSG_TEXT_TOO_LONG.format(what="The reasons for closing", limit=MAX_TEXT)]
    approval: Approval | None = None
    if approved_at is not None:
        if approved_at.panel_id != panel.pk or approved_at.status != MeetingStatus.HELD:
            errors["approved_at"] = [MSG_APPROVAL_NOT_HELD]
        else:
            approval = closure_approval(meeting=approved_at, child=child)
    assessment = assess_closure(
        ClosureFacts(
            subject=subject,
            opened_on=opened_on,
            closed_on=closed_on,
            today=today,
            risk_level=risk_level,
            risk_reduced=risk_reduced,
            reason=reason,
            approval=approval,
            open_work=closure_open_work(panel=panel, child=child),
            plan_phase=plan_phase,
        )
    )
    unusable_sitting = "approved_at" in errors
    for refusal in assessment.refusals:
        key = _CLOSURE_FIELDS.get(refusal.field, refusal.field)
        if key == "approved_at" and unusable_sitting:
            continue  # the sitting named could not approve anything: say that, not "needs approval" too
        errors.setdefault(key, []).append(refusal.message)
    for key, messages in (extra or {}).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ClosureRefused(errors, warnings=assessment.warnings)
    if assessment.warnings and not confirm_warnings:
        raise ClosureRefused(
            {"confirm_warnings": [MSG_CONFIRM_WARNINGS.format(noun=noun)]}, warnings=assessment.warnings
        )
    return assessment, text


def _closure_write(
    *,
    actor: Actor,
    record: ClosureRecord,
    closed_on: date,
    risk_level: str,
    risk_reduced: bool,
    reason: str,
    note: str,
    approved_at: PanelMeeting | None,
    warnings: tuple[str, ...],
) -> None:
    record.closed_on = closed_on  # type: ignore[attr-defined]
    record.close_reason = reason
    record.close_note = note
    record.risk_at_close = risk_level
    record.risk_reduced_at_close = risk_reduced
    record.closure_meeting = approved_at
    record.closure_warnings = list(warnings)
    record.closed_by = _user_of(actor)
    record.closed_by_name = actor.username[:150]
    record.save(update_fields=[*_CLOSURE_COLUMNS, "closure_warnings", "closed_by_name", "updated_at"])


def _closure_detail(
    *,
    closed_on: date,
    reason: str,
    risk_level: str,
    risk_reduced: bool,
    approved_at: PanelMeeting | None,
    warnings: tuple[str, ...],
) -> str:
    """The audit row's summary: the facts of the closure, never the chair's free text."""
    approval = (
        f"approved at the sitting on {approved_at.held_on.isoformat()}"
        if approved_at is not None
        else "chair's sign-off"
    )
    return (
        f"closed on {closed_on.isoformat()}: {reason}; risk {risk_level}, "
        f"{'reduced' if risk_reduced else 'not reduced'}; {approval}"
        + (f"; {len(warnings)} warning(s) confirmed" if warnings else "")
        + f"; rule {CLOSURE_RULE_VERSION}"
    )


def _plan_close_write(
    *,
    actor: Actor,
    plan: JointPlan,
    basis: str,
    closed_on: date,
    risk_level: str,
    risk_reduced: bool,
    reason: str,
    note: str,
    approved_at: PanelMeeting | None,
    warnings: tuple[str, ...],
    with_case: bool,
) -> None:
    from ccehub.safeguarding.models import ChildPlan

    _closure_write(
        actor=actor,
        record=plan,
        closed_on=closed_on,
        risk_level=risk_level,
        risk_reduced=risk_reduced,
        reason=reason,
        note=note,
        approved_at=approved_at,
        warnings=warnings,
    )
    if plan.child_plan_id is not None:
        # The safeguarding record's mirror of the plan ends with it (and stops holding the record).
        ChildPlan.objects.filter(pk=plan.child_plan_id, ended_on__isnull=True).update(ended_on=closed_on)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="joint_plan",
        object_id=plan.pk,
        child_pid=plan.child.pseudonymous_id,
        fields=[f"joint_plans.{column}" for column in _CLOSURE_COLUMNS],
        basis=basis,
        detail=_closure_detail(
            closed_on=closed_on,
            reason=reason,
            risk_level=risk_level,
            risk_reduced=risk_reduced,
            approved_at=approved_at,
            warnings=warnings,
        )
        + ("; closed with the panel case" if with_case else ""),
    )


def panel_case_close(
    *,
    actor: Actor,
    case: PanelCase,
    closed_on: date,
    risk_level: str,
    risk_reduced: bool | None,
    reason: str,
    note: str,
    approved_at: PanelMeeting | None = None,
    confirm_warnings: bool = False,
    today: date | None = None,
) -> PanelCase:
    """Close a child's panel case (W-5 CLOSED): the panel's basis for seeing the child ends.

    A chair of the panel closes it, with the exploitation risk reassessed (``risk_level``), whether it
    has reduced, a reason (:class:`~ccehub.panels.models.CloseReason`) and the reasons in words
    (``note``, kept on the case, not in the audit log). With the risk not reduced, the panel must have
    approved the closure at a quorate sitting (``approved_at``, R-50). The case stays open while the
    panel owes a decision, has one with Home Office QA, has an order not ended or a question
    unanswered (:mod:`ccehub.rules.closure`). Warnings (direct work finished with the risk not
    reduced; risk still high) need ``confirm_warnings``. ``closed_on`` is not in the future nor before
    the case was shared.

    The child's open joint plan closes with the case, with the same reassessment and reasons (W-5: the
    case closes last, after phase 3, and a plan cannot outlive the panel's sight of the child).

    Raises:
        PermissionDenied: not a chair of the panel.
        ClosureRefused: refused, with every reason, or awaiting the warnings' confirmation.
        ValidationError: the case is already closed.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        case = (
            PanelCase.objects.select_for_update(of=("self",)).select_related("panel", "child").get(pk=case.pk)
        )
        check_close_chair(actor, case.panel)
        if case.closed_on is not None:
            raise ValidationError(
                {NON_FIELD_ERRORS: [MSG_CASE_ALREADY_CLOSED.format(day=day_text(case.closed_on))]}
            )
        plans = list(
            JointPlan.objects.select_for_update(of=("self",))
            .select_related("child")
            .filter(panel=case.panel, child=case.child, closed_on__isnull=True)
            .order_by("agreed_on", "created_at")
        )
        late = [p for p in plans if closed_on < p.agreed_on]
        assessment, text = _closure_check(
            plan_phase=plans[-1].phase if plans else None,
            subject=Subject.PANEL_CASE,
            panel=case.panel,
            child=case.child,
            opened_on=case.shared_on,
            closed_on=closed_on,
            risk_level=risk_level,
            risk_reduced=risk_reduced,
            reason=reason,
            note=note,
            approved_at=approved_at,
            confirm_warnings=confirm_warnings,
            today=today,
            extra={"closed_on": [MSG_CASE_BEFORE_PLAN.format(day=day_text(late[-1].agreed_on))]}
            if late
            else None,
        )
        assert risk_reduced is not None  # the rule refuses an unanswered question
        basis = _basis(actor, case.child, case.panel)  # while the case is still open
        facts = {
            "closed_on": closed_on,
            "risk_level": risk_level,
            "risk_reduced": risk_reduced,
            "reason": reason,
            "note": text,
            "approved_at": approved_at,
            "warnings": assessment.warnings,
        }
        _closure_write(actor=actor, record=case, **facts)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="panel_case",
            object_id=case.pk,
            child_pid=case.child.pseudonymous_id,
            fields=[f"panel_cases.{column}" for column in _CLOSURE_COLUMNS],
            basis=basis,
            detail=_closure_detail(
                closed_on=closed_on,
                reason=reason,
                risk_level=risk_level,
                risk_reduced=risk_reduced,
                approved_at=approved_at,
                warnings=assessment.warnings,
            )
            + (f"; {len(plans)} joint plan(s) closed with it" if plans else "")
            + "; the panel's basis for the child ends",
        )
        for plan in plans:
            _plan_close_write(actor=actor, plan=plan, basis=basis, with_case=True, **facts)
        from ccehub.panels.crisis import crisis_close_with_panel_case

        crisis_close_with_panel_case(actor=actor, case=case, on=closed_on)
        from ccehub.panels.discussions import unlist

        unlist(actor=actor, case=case, why="the case closed")
    return case


@transaction.atomic
def joint_plan_review(
    *,
    actor: Actor,
    plan: JointPlan,
    reviewed_on: date,
    risk_level: str,
    note: str,
    next_review_on: date,
    today: date | None = None,
    step_down: bool = False,
) -> JointPlanReview:
    """Record a review of an open joint plan (R-50, F-22): the exploitation risk reassessed, what the
    review found, and the next review date, which becomes the plan's. Clears a trigger that brought
    the review forward. Lead or chair, as for the plan's actions. The note stays on the review; the
    audit row gives the risk and the dates, not the words (they can name people).

    ``step_down``: the review finds the risk reduced, and the plan moves to phase 3, longer-term
    support (W-5), from the review's date; refused unless the plan is in phase 2 and the risk is not
    reassessed as high (``ccehub.rules.phases``)."""
    plan = JointPlan.objects.select_for_update(of=("self",)).select_related("child", "panel").get(pk=plan.pk)
    _check_lead_or_chair(actor, plan.panel)
    if plan.closed_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_PLAN_CLOSED]})
    last = plan.reviews.order_by("-reviewed_on").values_list("reviewed_on", flat=True).first()
    problems = review_problems(
        reviewed_on=reviewed_on,
        agreed_on=plan.agreed_on,
        next_review_on=next_review_on,
        risk=risk_level,
        note=note,
        today=today or timezone.localdate(),
        last_reviewed_on=last,
    )
    answered = trigger_cleared(reviewed_on=reviewed_on, trigger_on=plan.review_trigger_on)
    if step_down:
        problems = {
            **problems,
            **step_down_problems(
                phase=plan.phase,
                risk_level=risk_level,
                reviewed_on=reviewed_on,
                phase_since=plan.phase_since,
                trigger_answered=answered,
            ),
        }
    if problems:
        raise ValidationError(problems)
    review = JointPlanReview.objects.create(
        plan=plan,
        reviewed_on=reviewed_on,
        risk_level=risk_level,
        note=_text("note", note, what="what the review found"),
        next_review_on=next_review_on,
        trigger=plan.review_trigger if answered else "",
        reviewed_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        reviewed_by_name=actor.username[:150],
    )
    if answered:
        plan.review_on = next_review_on
        plan.review_trigger, plan.review_trigger_on = "", None
    else:
        # Recorded late, dated before the event that brought the review forward: that review is
        # still owed, so the trigger and its date stand (the later of the two dates never wins).
        plan.review_on = min(next_review_on, plan.review_on)
    changed = ["review_on", "review_trigger", "review_trigger_on", "updated_at"]
    if step_down:
        plan.phase, plan.phase_since = Phase.LONGER_TERM, reviewed_on
        plan.phase_reason = step_down_reason(reviewed_on, risk_level)
        changed += ["phase", "phase_since", "phase_reason"]
    plan.save(update_fields=changed)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="joint_plan_review",
        object_id=review.pk,
        child_pid=plan.child.pseudonymous_id,
        fields=["joint_plans.reviews"] + (["joint_plans.phase"] if step_down else []),
        basis=_basis(actor, plan.child, plan.panel),
        detail=f"risk {risk_level}; reviewed {reviewed_on}; next review {next_review_on}"
        + ("; phase 3, longer-term support (W-5)" if step_down else ""),
    )
    return review


def joint_plan_close(
    *,
    actor: Actor,
    plan: JointPlan,
    closed_on: date,
    risk_level: str,
    risk_reduced: bool | None,
    reason: str,
    note: str,
    approved_at: PanelMeeting | None = None,
    confirm_warnings: bool = False,
    today: date | None = None,
) -> JointPlan:
    """Close a joint plan (the plan machine's CLOSED, R-50); the panel case stays open.

    The same checks as :func:`panel_case_close`, with the plan's dates (not before it was agreed), and
    only an order not ended keeps a plan open (its conditions are part of the plan's protection). The
    plan's mirror on the child's safeguarding record ends on the same day.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        plan = (
            JointPlan.objects.select_for_update(of=("self",)).select_related("panel", "child").get(pk=plan.pk)
        )
        check_close_chair(actor, plan.panel)
        if plan.closed_on is not None:
            raise ValidationError(
                {NON_FIELD_ERRORS: [MSG_PLAN_ALREADY_CLOSED.format(day=day_text(plan.closed_on))]}
            )
        assessment, text = _closure_check(
            plan_phase=plan.phase,
            subject=Subject.JOINT_PLAN,
            panel=plan.panel,
            child=plan.child,
            opened_on=plan.agreed_on,
            closed_on=closed_on,
            risk_level=risk_level,
            risk_reduced=risk_reduced,
            reason=reason,
            note=note,
            approved_at=approved_at,
            confirm_warnings=confirm_warnings,
            today=today,
        )
        assert risk_reduced is not None
        _plan_close_write(
            actor=actor,
            plan=plan,
            basis=_basis(actor, plan.child, plan.panel),
            closed_on=closed_on,
            risk_level=risk_level,
            risk_reduced=risk_reduced,
            reason=reason,
            note=text,
            approved_at=approved_at,
            warnings=assessment.warnings,
            with_case=False,
        )
    return plan


# --- Safeguarding Orders (E-19, E-20, F-12, §4.5) ------------------------------------------------

#: A pseudonymous reference: capitals, digits and hyphens, with at least one digit (no names).
_REFERENCE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9-]{3,39}$")


@dataclass(frozen=True)
class ProtectedSpec:
    reference: str
    held_by: Agency
    relationship: str = ""


def check_reference(reference: str) -> str:
    text = (reference or "").strip().upper()
    if not _REFERENCE.match(text):
        raise ValidationError({"protected_against": [MSG_REFERENCE_NOT_CODE]})
    return text


@transaction.atomic
def safeguarding_order_draft(
    *,
    actor: Actor,
    panel: Agency,
    child: Child,
    legal_basis: str,
    legal_basis_detail: str,
    conditions: list[tuple[str, str]],
    protected_against: list[ProtectedSpec],
    court: str = "",
    referral: NRMReferral | None = None,
) -> SafeguardingOrder:
    """Draft a Safeguarding Order for the panel to apply for (E-19). Exploiters are named only by the
    pseudonymous reference of the record that holds them, never by name (DOMAIN §6.3)."""
    _check_lead_or_chair(actor, panel)
    _check_under_panel(child, panel)
    _choice("legal_basis", legal_basis, LegalBasis)
    detail = _text("legal_basis_detail", legal_basis_detail, what="the legal basis", limit=300)
    if not conditions:
        raise ValidationError({"conditions": [MSG_ORDER_NEEDS_CONDITION]})
    cleaned = []
    for kind, text in conditions:
        _choice("conditions", kind, ConditionType)
        cleaned.append((kind, _text("conditions", text, what="each condition's detail")))
    refs = [(check_reference(p.reference), p) for p in protected_against]
    order = SafeguardingOrder.objects.create(
        panel=panel,
        child=child,
        referral=referral,
        legal_basis=legal_basis,
        legal_basis_detail=detail,
        court=court.strip()[:200],
    )
    for kind, text in cleaned:
        OrderCondition.objects.create(order=order, condition_type=kind, detail=text)
    for reference, spec in refs:
        ProtectedAgainst.objects.get_or_create(
            order=order,
            reference=reference,
            held_by=spec.held_by,
            defaults={"relationship": spec.relationship[:100]},
        )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="safeguarding_order",
        object_id=order.pk,
        child_pid=child.pseudonymous_id,
        fields=["safeguarding_orders"],
        basis=_basis(actor, child, panel),
        detail=f"draft: {legal_basis}; {len(cleaned)} conditions; {len(refs)} protected-against references",
    )
    return order


def _order_event(*, actor: Actor, order: SafeguardingOrder, to_status: str, on: date, note: str) -> None:
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=to_status,
        on=on,
        note=note,
        by_name=actor.username[:150],
    )
    previous = order.status
    order.status = to_status
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="safeguarding_order",
        object_id=order.pk,
        child_pid=order.child.pseudonymous_id,
        fields=["safeguarding_orders.status"],
        basis=_basis(actor, order.child, order.panel),
        detail=f"{previous} -> {to_status} on {on}",
    )


@transaction.atomic
def safeguarding_order_transition(
    *,
    actor: Actor,
    order: SafeguardingOrder,
    to_status: str,
    on: date,
    note: str = "",
    made_on: date | None = None,
    starts_on: date | None = None,
    expires_on: date | None = None,
    today: date | None = None,
) -> SafeguardingOrder:
    """Move an order through DOMAIN §4.5: draft → applied → granted | refused; granted → active;
    active → varied | discharged | expired. Breaches go through :func:`order_breach_record`."""
    order = (
        SafeguardingOrder.objects.select_for_update(of=("self",))
        .select_related("child", "panel")
        .get(pk=order.pk)
    )
    _check_lead_or_chair(actor, order.panel)
    _choice("to_status", to_status, OrderStatus)
    if to_status == OrderStatus.BREACH_REPORTED:
        raise ValidationError({"to_status": [MSG_USE_BREACH_SERVICE]})
    if not order_transition_allowed(order.status, to_status):
        raise ValidationError(
            {
                "to_status": [
                    MSG_ORDER_TRANSITION.format(
                        from_label=OrderStatus(order.status).label.lower(),
                        to_label=OrderStatus(to_status).label.lower(),
                    )
                ]
            }
        )
    if to_status == OrderStatus.APPLIED:
        order.applied_on = on
    elif to_status == OrderStatus.GRANTED:
        if made_on is None or starts_on is None or expires_on is None:
            raise ValidationError({"made_on": [MSG_GRANT_DATES]})
        if made_on > (today or timezone.localdate()):
            raise ValidationError({"made_on": [MSG_ORDER_MADE_IN_FUTURE]})
        if order.applied_on is not None and made_on < order.applied_on:
            raise ValidationError(
                {
                    "made_on": [
                        MSG_ORDER_MADE_BEFORE_APPLIED.format(applied_on=f"{order.applied_on:%-d %B %Y}")
                    ]
                }
            )
        # A court order takes effect when made or later, never before (DOMAIN E-19/§4.5 name no
        # interim or backdated order), so breaches before it was made cannot count as in force.
        if starts_on < made_on:
            raise ValidationError({"starts_on": [MSG_ORDER_STARTS_BEFORE_MADE]})
        if expires_on < starts_on:
            raise ValidationError({"expires_on": [MSG_ORDER_DATES]})
        order.made_on, order.starts_on, order.expires_on = made_on, starts_on, expires_on
    elif to_status == OrderStatus.ACTIVE:
        if order.starts_on is not None and on < order.starts_on:
            raise ValidationError({"on": [MSG_NOT_ACTIVE_YET]})
    elif to_status == OrderStatus.VARIED:
        if expires_on is not None:
            order.expires_on = expires_on
    elif to_status in (OrderStatus.DISCHARGED, OrderStatus.EXPIRED, OrderStatus.WITHDRAWN):
        order.ended_on = on
    _order_event(actor=actor, order=order, to_status=to_status, on=on, note=(note or "").strip())
    order.save()
    return order


@transaction.atomic
def order_breach_record(
    *,
    actor: Actor,
    order: SafeguardingOrder,
    occurred_on: date,
    reported_on: date,
    nature: str,
    today: date | None = None,
) -> OrderBreach:
    """Record a breach (E-20); the order awaits the court's response (§4.5 BREACH_REPORTED)."""
    today = today or timezone.localdate()
    order = (
        SafeguardingOrder.objects.select_for_update(of=("self",))
        .select_related("child", "panel")
        .get(pk=order.pk)
    )
    basis = access_basis(actor, order.child)
    panel_person = is_panel_lead(actor, order.panel) or is_panel_chair(actor, order.panel)
    if basis is not None and basis not in WRITE_BASES and not panel_person:
        # Sight under a data-sharing agreement or emergency access is read-only: the breach is
        # reported by the holding agency or the panel.
        raise PermissionDenied(read_only_message(basis))
    if basis is None and not panel_person:
        raise PermissionDenied(MSG_ACTION_OWNER_ONLY)
    if reported_on < occurred_on or reported_on > today:
        raise ValidationError({"reported_on": [MSG_BREACH_DATES]})
    within_dates = (
        (order.starts_on is None or occurred_on >= order.starts_on)
        and (order.made_on is None or occurred_on >= order.made_on)
        and (order.expires_on is None or occurred_on <= order.expires_on)
    )
    if within_dates and order.status == OrderStatus.GRANTED:
        # Granted, and the date is within its term, but nobody has recorded it coming into force.
        raise ValidationError({"occurred_on": [MSG_ORDER_GRANTED_NOT_ACTIVE]})
    if not (within_dates and order.status in ORDER_IN_FORCE):
        raise ValidationError({"occurred_on": [MSG_ORDER_NOT_IN_FORCE]})
    breach = OrderBreach.objects.create(
        order=order,
        occurred_on=occurred_on,
        reported_on=reported_on,
        reported_by_name=actor.username[:150],
        reported_by_agency=actor.agency,
        nature=_text("nature", nature, what="what happened"),
    )
    if order.status != OrderStatus.BREACH_REPORTED:
        _order_event(
            actor=actor,
            order=order,
            to_status=OrderStatus.BREACH_REPORTED,
            on=reported_on,
            note=f"Breach on {occurred_on}",
        )
        order.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="order_breach",
        object_id=breach.pk,
        child_pid=order.child.pseudonymous_id,
        fields=["safeguarding_orders.breaches"],
        basis=basis or _basis(actor, order.child, order.panel),
    )
    plans_review_for_event(actor=actor, child=order.child, event=TriggerEvent.ORDER_BREACH, on=occurred_on)
    return breach


@transaction.atomic
def order_breach_response_record(
    *, actor: Actor, breach: OrderBreach, court_response: str, response_on: date, detail: str = ""
) -> OrderBreach:
    """Record the court's response to a breach; the order returns to active, or varied (§4.5)."""
    breach = (
        OrderBreach.objects.select_for_update(of=("self",))
        .select_related("order__child", "order__panel")
        .get(pk=breach.pk)
    )
    order = (
        SafeguardingOrder.objects.select_for_update(of=("self",))
        .select_related("child", "panel")
        .get(pk=breach.order_id)
    )
    _check_lead_or_chair(actor, order.panel)
    _choice("court_response", court_response, CourtResponse)
    if breach.court_response:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_BREACH_ANSWERED]})
    if response_on < breach.reported_on:
        raise ValidationError({"response_on": [MSG_BREACH_DATES]})
    breach.court_response = court_response
    breach.response_on = response_on
    breach.response_detail = (detail or "").strip()
    breach.save(update_fields=["court_response", "response_on", "response_detail", "updated_at"])
    unanswered = order.breaches.filter(court_response="").exclude(pk=breach.pk).exists()
    if order.status == OrderStatus.BREACH_REPORTED and not unanswered:
        target = status_after_court_response(court_response)
        _order_event(
            actor=actor,
            order=order,
            to_status=target,
            on=response_on,
            note=f"Court response: {court_response}",
        )
        order.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="order_breach",
        object_id=breach.pk,
        child_pid=order.child.pseudonymous_id,
        fields=["safeguarding_orders.breaches.court_response"],
        basis=_basis(actor, order.child, order.panel),
        detail=court_response,
    )
    return breach
