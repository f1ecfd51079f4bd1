"""Reads for the panel: agenda candidates, quorum, papers, QA queue and export, reminders, monitoring.

Every function that returns cases to a person takes the actor and is scoped to the panels the actor
may read (:func:`ccehub.panels.permissions.reader_panels`); what reveals a child's record goes through
:func:`ccehub.children.selectors.child_get` (scoped and audited). Functions named for the system
(``reminders_due``, ``escalations_due``) serve management commands run by an operator.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ccehub.agencies.models import Agency
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity, MissingEpisode
from ccehub.children.selectors import ChildRecord, child_get_many
from ccehub.common.access import Actor
from ccehub.common.csvsafe import spreadsheet_safe
from ccehub.incidents.models import TriageDecision
from ccehub.nrm.models import NRMReferral, Route
from ccehub.nrm.selectors import referral_clock, referral_concluded
from ccehub.panels.models import (
    DEFAULT_QUORUM_SECTORS,
    AgendaItem,
    Attendance,
    CrisisResponse,
    InformationRequest,
    JointPlan,
    MeetingStatus,
    PanelCase,
    PanelConfig,
    PanelDecision,
    PanelDecisionType,
    PanelMeeting,
    PanelMember,
    PlanActionStatus,
    QAEvent,
    QAEventKind,
    QAStatus,
    RequestStatus,
    SafeguardingOrder,
)
from ccehub.panels.permissions import check_ho_qa, check_panel_reader, is_ho_qa, reader_panels
from ccehub.panels.rules import (
    ORDER_IN_FORCE,
    PresentMember,
    Quorum,
    Urgency,
    person_keys,
    quorum_for_case,
)
from ccehub.rules.clocks import ClockState
from ccehub.rules.closure import Approval, OpenWork, case_by_dates

#: What the panel's papers reveal about a child (chronology, vulnerabilities, triage).
PAPER_SECTIONS: tuple[str, ...] = (
    "profile",
    "vulnerabilities",
    "incidents",
    "justice",
    "nrm",
    "safeguarding",
    "missing",
    "placements",
    "triage",
)

MSG_PAST_LIMIT_AT_SITTING: Final = (
    "Past the panel's limit ({deadline}) by this sitting: a decision here would be refused and the case "
    "referred to the Home Office SCA. Hear it at a sitting on or before {deadline}, or refer it to the SCA"
)

#: Stages in which a local-panel referral needs the panel (an RG or a CG to make).
OPEN_STAGES = frozenset({"awaiting_rg", "awaiting_cg"})


# --- Configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelSettings:
    require_county_lines_flag: bool
    quorum_enforced: bool
    quorum_sectors: tuple[str, ...]
    policy_profile: str


def panel_settings(panel: Agency) -> PanelSettings:
    config = PanelConfig.objects.filter(panel=panel).first()
    if config is None:
        return PanelSettings(True, True, DEFAULT_QUORUM_SECTORS, "")
    return PanelSettings(
        config.require_county_lines_flag,
        config.quorum_enforced,
        tuple(dict.fromkeys([*DEFAULT_QUORUM_SECTORS, *(config.quorum_sectors or [])])),
        config.policy_profile,
    )


# --- Referral status and urgency ----------------------------------------------------------------


def current_triage(prefix: str = "") -> Prefetch:
    """Prefetch the current (not superseded) triage decisions of a referral's child, newest first,
    for :func:`latest_priority` (``prefix`` as for :func:`scheduled_listings`)."""
    return Prefetch(
        prefix + "child__triage_decisions",
        queryset=TriageDecision.objects.filter(superseded_by__isnull=True).order_by("-decided_at"),
        to_attr="current_triage_decisions",
    )


def latest_priority(referral: NRMReferral) -> str:
    """Crisis priority from the latest triage decision on the linked incident (else the child's latest)."""
    child = referral.child if NRMReferral.child.is_cached(referral) else None
    current = getattr(child, "current_triage_decisions", None)
    linked = referral.linked_incident if NRMReferral.linked_incident.is_cached(referral) else None
    if current is not None and (
        referral.linked_incident_id is None or (linked is not None and linked.child_id == referral.child_id)
    ):
        # Prefetched by a list (``current_triage``): the same choice, made without a query.
        if referral.linked_incident_id is not None:
            on_incident = [d for d in current if d.incident_id == referral.linked_incident_id]
            if on_incident:
                return on_incident[0].priority
        return current[0].priority if current else "standard"
    qs = TriageDecision.objects.filter(superseded_by__isnull=True)
    if referral.linked_incident_id is not None:
        decision = qs.filter(incident_id=referral.linked_incident_id).order_by("-decided_at").first()
        if decision is not None:
            return decision.priority
    decision = qs.filter(child_id=referral.child_id).order_by("-decided_at").first()
    return decision.priority if decision is not None else "standard"


def has_open_crisis(referral: NRMReferral) -> bool:
    """W-5: a crisis response is open for the referral's child (prefetched by a list, else asked)."""
    child = referral.child if NRMReferral.child.is_cached(referral) else None
    cached = getattr(child, "open_crisis_responses", None)
    if cached is not None:
        return bool(cached)
    return CrisisResponse.objects.filter(child_id=referral.child_id, closed_on__isnull=True).exists()


def returned_decisions(referral: NRMReferral) -> list[PanelDecision]:
    return [d for d in referral.panel_decisions.all() if d.ho_qa_status == QAStatus.RETURNED]


def referral_urgency(referral: NRMReferral, *, on: date) -> tuple[Urgency, ClockState | None]:
    clock = referral_clock(referral, as_of=max(on, referral.referred_on or on))
    deadline = clock.decision_deadline if clock is not None else None
    urgency = Urgency(
        deadline=deadline,
        priority=latest_priority(referral),
        referred_on=referral.referred_on or on,
        overdue=bool(clock and clock.overdue),
        returned_by_qa=bool(returned_decisions(referral)),
        crisis_open=has_open_crisis(referral),
    )
    return urgency, clock


def referral_panel_status(referral: NRMReferral, *, on: date) -> str:
    """Where a local-panel referral stands (DOMAIN §4.2.2), as a code for presenters."""
    if referral.escalated_on is not None:
        return "escalated_to_sca"
    clock = referral_clock(referral, as_of=max(on, referral.referred_on or on))
    if clock is not None and clock.stage.startswith("concluded"):
        return clock.stage
    if returned_decisions(referral):
        return "returned_by_qa"
    decisions = [d for d in referral.panel_decisions.all() if d.meeting_id is not None]
    if decisions and decisions[-1].decision_type == PanelDecisionType.DEFER:
        return "deferred"
    if _listed_at_scheduled_sitting(referral):
        return "listed"
    if clock is not None and clock.stage == "awaiting_cg":
        return "rg_positive_awaiting_cg"
    return "info_gathering"


def scheduled_listings(prefix: str = "") -> Prefetch:
    """Prefetch a referral's listings at sittings still scheduled, for :func:`referral_panel_status`
    (``prefix`` reaches the referrals through another relation, e.g. ``"child__nrm_referrals__"``)."""
    return Prefetch(
        prefix + "agenda_items",
        queryset=AgendaItem.objects.filter(meeting__status=MeetingStatus.SCHEDULED),
        to_attr="scheduled_listings",
    )


def _listed_at_scheduled_sitting(referral: NRMReferral) -> bool:
    """Whether the referral is on the agenda of a sitting still scheduled: from the prefetch of
    :func:`scheduled_listings` when the caller made it (a list page), else one query."""
    listings = getattr(referral, "scheduled_listings", None)
    if listings is not None:
        return bool(listings)
    return referral.agenda_items.filter(meeting__status=MeetingStatus.SCHEDULED).exists()


def panel_referrals(*, panel: Agency) -> QuerySet[NRMReferral]:
    """The panel's local-route referrals (caller has checked the actor may read the panel), with
    what their status and urgency are computed from, so a list of them costs no query per row."""
    return (
        NRMReferral.objects.filter(panel=panel, route=Route.LOCAL_PANEL)
        .select_related("child", "linked_incident")
        .prefetch_related(
            "decisions",
            "panel_decisions",
            "information_requests",
            scheduled_listings(),
            current_triage(),
            Prefetch(
                "child__crisis_responses",
                queryset=CrisisResponse.objects.filter(closed_on__isnull=True),
                to_attr="open_crisis_responses",
            ),
            Prefetch(
                "child__panel_cases",
                queryset=PanelCase.objects.filter(panel=panel).order_by("shared_on", "created_at"),
                to_attr="cases_with_panel",
            ),
        )
        .order_by("referred_on", "created_at")
    )


def referral_panel_case(referral: NRMReferral) -> PanelCase | None:
    """The panel case that holds a local-panel referral: the one recorded on it at intake
    (``panel_case``: the case open when it was recorded, or the one it opened).

    Why a fallback: the intake service links every referral it records, and migration ``nrm 0004``
    linked the older ones wherever the dates found a case, but a row written another way (a fixture, a
    loader, an import) may have no link. The dates are then the only evidence there is, so such a row
    is placed as every referral was before the link (:func:`ccehub.rules.closure.case_by_dates`) and
    keeps the answer it had. From the prefetch of :func:`panel_referrals` or :func:`monitoring_list`
    when the caller made it (no query, linked or not), else at most one query."""
    cases = getattr(referral.child, "cases_with_panel", None)
    if referral.panel_case_id is not None:
        for case in cases or ():
            if case.pk == referral.panel_case_id:
                return case
        return referral.panel_case
    if cases is None:
        cases = list(
            PanelCase.objects.filter(panel_id=referral.panel_id, child_id=referral.child_id).order_by(
                "shared_on", "created_at"
            )
        )
    return case_by_dates(cases, referral.referred_on)


def referral_case_closed(referral: NRMReferral) -> bool:
    """Whether the panel case holding the referral is closed (the chair closed it, §1.9)."""
    case = referral_panel_case(referral)
    return case is not None and case.closed_on is not None


def referral_in_hand(referral: NRMReferral) -> bool:
    """Whether a referral is the panel's work in hand: not concluded (unless Home Office QA returned a
    decision to the panel), and its panel case not closed. A referral sent to the SCA stays in hand
    until its case closes: the panel keeps the child in sight meanwhile."""
    if referral_case_closed(referral):
        return False
    return not referral_concluded(referral) or bool(returned_decisions(referral))


@dataclass
class Candidate:
    referral: NRMReferral
    urgency: Urgency
    clock: ClockState | None
    reasons: list[str]
    outstanding_requests: int
    #: The later sitting the case is already listed for (only with ``include_listed_later``).
    listed_for: date | None = None
    #: The panel's limit when it falls before the sitting (R-19): the case cannot be decided there.
    past_limit: date | None = None


def candidate_for(referral: NRMReferral, *, on: date) -> Candidate | None:
    """The referral as an agenda case for a sitting on ``on``, or ``None`` when it has nothing for the
    panel: escalated to the SCA, referred after ``on``, or neither awaiting an RG or CG nor returned
    by Home Office QA. Its reasons are computed now (an agenda item's stored reasons are refreshed
    from this when the referral changes)."""
    if referral.escalated_on is not None or (referral.referred_on and referral.referred_on > on):
        return None
    urgency, clock = referral_urgency(referral, on=on)
    if not (urgency.returned_by_qa or (clock is not None and clock.stage in OPEN_STAGES)):
        return None
    outstanding = sum(1 for r in referral.information_requests.all() if r.status == RequestStatus.OPEN)
    reasons = urgency.reasons(on)
    # A return from Home Office QA is answered (``qa_respond``), not decided again: still listable.
    past_limit = None if urgency.returned_by_qa else limit_before_sitting(clock)
    if past_limit is not None:
        reasons.append(MSG_PAST_LIMIT_AT_SITTING.format(deadline=f"{past_limit:%-d %B %Y}"))
    if outstanding:
        reasons.append(f"{outstanding} information request{'s' if outstanding != 1 else ''} outstanding")
    return Candidate(referral, urgency, clock, reasons, outstanding, past_limit=past_limit)


def limit_before_sitting(clock: ClockState | None) -> date | None:
    """The local panel's limit when a sitting on the clock's date is already past it (R-19: never
    beyond 45 days): any RG or CG there would be refused and the case referred to the SCA, so the
    case is not listed there (``agenda_build`` leaves it waiting, ``agenda_item_add`` refuses)."""
    if clock is None or clock.route != "local_panel" or not clock.overdue:
        return None
    return clock.decision_deadline


def last_returned_on(referral: NRMReferral) -> date | None:
    """The day Home Office QA last returned one of the referral's decisions, if any is still returned."""
    if not returned_decisions(referral):
        return None
    event = (
        QAEvent.objects.filter(decision__referral=referral, kind=QAEventKind.RETURNED).order_by("-at").first()
    )
    return event.at.date() if event is not None else None


def agenda_candidates(*, meeting: PanelMeeting, include_listed_later: bool = False) -> list[Candidate]:
    """Referrals the panel should hear at ``meeting``, most urgent first (R-16).

    A referral is a candidate when it is the panel's, not escalated, and awaits an RG or a CG, or has
    a decision returned by Home Office QA (:func:`candidate_for`). It is not a candidate when already
    listed at this meeting or at another sitting still scheduled on or before this one. A case listed
    for a *later* sitting is left out too, unless ``include_listed_later`` (the meeting page, so the
    lead can bring an urgent case forward), when its reasons say where it is listed. A listing at a
    sitting dated before a QA return never counts: that sitting cannot hear the return ("A returned
    decision goes back to LISTED", §4.2.2).
    """
    on = meeting.held_on
    listed_at: dict[Any, list[date]] = {}
    for referral_id, held_on, meeting_id in AgendaItem.objects.filter(
        Q(meeting=meeting) | Q(meeting__panel=meeting.panel, meeting__status=MeetingStatus.SCHEDULED)
    ).values_list("referral_id", "meeting__held_on", "meeting_id"):
        # This meeting counts as "on or before" whatever its date.
        listed_at.setdefault(referral_id, []).append(date.min if meeting_id == meeting.pk else held_on)
    out: list[Candidate] = []
    for referral in panel_referrals(panel=meeting.panel).filter(escalated_on__isnull=True):
        candidate = candidate_for(referral, on=on)
        if candidate is None:
            continue
        listings = listed_at.get(referral.pk, [])
        if listings and candidate.urgency.returned_by_qa:
            returned_on = last_returned_on(referral)
            if returned_on is not None:
                listings = [d for d in listings if d == date.min or d >= returned_on]
        if any(day <= on for day in listings):
            continue
        if listings:
            if not include_listed_later:
                continue
            candidate.listed_for = min(listings)
        out.append(candidate)
    out.sort(key=lambda c: c.urgency.sort_key(on))
    return out


# --- Quorum -------------------------------------------------------------------------------------


def _member_present(member: PanelMember) -> PresentMember:
    return PresentMember(
        keys=person_keys(user_id=member.user_id, name=member.name), name=member.name, sector=member.sector
    )


def case_chair(meeting: PanelMeeting, item: AgendaItem | None) -> PanelMember | None:
    if item is not None and item.acting_chair is not None:
        return item.acting_chair
    return meeting.chair


def _present_at(meeting: PanelMeeting) -> list[PresentMember]:
    return [
        PresentMember(
            keys=person_keys(user_id=a.member.user_id, name=a.member.name), name=a.name, sector=a.sector
        )
        for a in Attendance.objects.filter(meeting=meeting, present=True).select_related("member")
    ]


def case_quorum(*, meeting: PanelMeeting, referral: NRMReferral, item: AgendaItem | None = None) -> Quorum:
    """The quorum for one case at one meeting (R-21, Q-27, the chair rule)."""
    return _case_quorum(
        meeting=meeting,
        referral=referral,
        item=item,
        config=panel_settings(meeting.panel),
        present=_present_at(meeting),
    )


# --- Closing a panel case or a joint plan (R-50) ------------------------------------------------

#: Order states that no longer bind anyone: every other state keeps a case (and its plan) open.
ORDER_ENDED: Final[tuple[str, ...]] = ("discharged", "expired", "refused", "withdrawn")


def closure_open_work(*, panel: Agency, child: Child) -> OpenWork:
    """What the panel still has in hand for ``child`` (:class:`ccehub.rules.closure.OpenWork`).

    Referrals awaiting the panel: local-route referrals to this panel, not sent to the SCA, with no
    conclusive outcome (no negative RG, no CG). Home Office QA: the panel's decisions pending, or
    returned and awaiting its response. Orders: not discharged, expired, refused or withdrawn. Requests: open.
    """
    from ccehub.nrm.selectors import referral_concluded

    referrals = NRMReferral.objects.filter(
        panel=panel, child=child, route=Route.LOCAL_PANEL, escalated_on__isnull=True
    ).prefetch_related("decisions")
    return OpenWork(
        awaiting_panel_decision=sum(1 for r in referrals if not referral_concluded(r)),
        awaiting_home_office_qa=PanelDecision.objects.filter(
            referral__panel=panel,
            referral__child=child,
            ho_qa_status__in=[QAStatus.PENDING, QAStatus.RETURNED],
        ).count(),
        orders_not_ended=SafeguardingOrder.objects.filter(panel=panel, child=child)
        .exclude(status__in=ORDER_ENDED)
        .count(),
        open_requests=InformationRequest.objects.filter(
            referral__panel=panel, referral__child=child, status=RequestStatus.OPEN
        ).count(),
    )


def closure_approval(*, meeting: PanelMeeting, child: Child) -> Approval:
    """A held sitting as the panel's approval of closing ``child``'s case or plan (R-50), with its
    quorum for that child: the quorum sectors present (or the panel's override, Q-27), a chair
    recorded and present, and the chair not the child's lead social worker on any of the child's
    referrals to the panel (the same rules as for a decision, :func:`case_quorum`)."""
    lead_keys: list[str] = []
    for referral in NRMReferral.objects.filter(panel_id=meeting.panel_id, child=child):
        lead_keys += person_keys(
            user_id=referral.lead_social_worker_id, name=referral.lead_social_worker_name
        )
    config = panel_settings(meeting.panel)
    quorum = quorum_for_case(
        present=_present_at(meeting),
        chair=_member_present(meeting.chair) if meeting.chair is not None else None,
        lead_social_worker_keys=lead_keys,
        required_sectors=config.quorum_sectors,
        enforced=config.quorum_enforced,
    )
    return Approval(held_on=meeting.held_on, quorum_problems=() if quorum.may_decide else quorum.problems)


def closure_sittings(*, panel: Agency, since: date, limit: int = 6) -> list[PanelMeeting]:
    """The panel's latest held sittings on or after ``since``: those that could approve a closure."""
    return list(
        PanelMeeting.objects.filter(panel=panel, status=MeetingStatus.HELD, held_on__gte=since).order_by(
            "-held_on", "-created_at"
        )[:limit]
    )


def agenda_quorums(*, meeting: PanelMeeting, items: Iterable[AgendaItem]) -> dict[Any, Quorum]:
    """:func:`case_quorum` for each agenda item (by primary key), reading the panel's settings and the
    attendance once for the whole agenda rather than once per case."""
    config = panel_settings(meeting.panel)
    present = _present_at(meeting)
    return {
        item.pk: _case_quorum(
            meeting=meeting, referral=item.referral, item=item, config=config, present=present
        )
        for item in items
    }


def _case_quorum(
    *,
    meeting: PanelMeeting,
    referral: NRMReferral,
    item: AgendaItem | None,
    config: PanelSettings,
    present: list[PresentMember],
) -> Quorum:
    chair = case_chair(meeting, item)
    return quorum_for_case(
        present=present,
        chair=_member_present(chair) if chair is not None else None,
        lead_social_worker_keys=person_keys(
            user_id=referral.lead_social_worker_id, name=referral.lead_social_worker_name
        ),
        required_sectors=config.quorum_sectors,
        enforced=config.quorum_enforced,
    )


# --- Papers -------------------------------------------------------------------------------------


@dataclass
class CasePaper:
    """What the panel reads about one case before a meeting."""

    item: AgendaItem
    referral: NRMReferral
    available: bool
    record: ChildRecord | None = None
    chronology: list[dict[str, Any]] = field(default_factory=list)
    vulnerabilities: dict[str, str] = field(default_factory=dict)
    triage: TriageDecision | None = None
    requests: list[InformationRequest] = field(default_factory=list)
    clock: ClockState | None = None
    quorum: Quorum | None = None
    previous_decisions: list[PanelDecision] = field(default_factory=list)


def meeting_papers(*, actor: Actor, meeting: PanelMeeting) -> list[CasePaper]:
    """Papers for every case on the agenda, compiled from each child's record as ``actor`` may see it.

    Each child is read through ``child_get_many`` (``child_get`` for the whole agenda: scoped, and
    audited with one row per child as ``child_get`` writes it); a child the actor has no basis to see
    gives an unavailable paper rather than an error. The chronology stops at the meeting date. A
    fixed number of queries however many cases are listed: the papers are read in the meeting room.
    """
    from ccehub.children.presenters import chronology

    check_panel_reader(actor, meeting.panel)
    papers = []
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("referral__child", "referral__linked_incident", "acting_chair")
        .prefetch_related(
            "referral__decisions",
            Prefetch(
                "referral__information_requests", queryset=InformationRequest.objects.order_by("due_on")
            ),
            Prefetch(
                "referral__panel_decisions",
                queryset=PanelDecision.objects.order_by("decided_on", "created_at"),
            ),
        )
    )
    quorums = agenda_quorums(meeting=meeting, items=items)
    records = child_get_many(
        actor=actor, pids=[item.referral.child.pseudonymous_id for item in items], sections=PAPER_SECTIONS
    )
    for item, record in zip(items, records, strict=True):
        referral = item.referral
        paper = CasePaper(item=item, referral=referral, available=False)
        paper.clock = referral_clock(
            referral, as_of=max(meeting.held_on, referral.referred_on or meeting.held_on)
        )
        paper.quorum = quorums[item.pk]
        paper.requests = list(referral.information_requests.all())
        paper.previous_decisions = list(referral.panel_decisions.all())
        if record is None:
            papers.append(paper)
            continue
        paper.available = True
        paper.record = record
        paper.vulnerabilities = record.vulnerabilities
        paper.chronology = [
            row
            for row in chronology(record, pseudonymised=record.pseudonymised)
            if row["sort"] is None or row["sort"] <= meeting.held_on
        ]
        decisions = [d for d in record.related.get("triage_decisions", []) if d.is_current]
        if referral.linked_incident_id is not None:
            linked = [d for d in decisions if d.incident_id == referral.linked_incident_id]
            decisions = linked or decisions
        paper.triage = decisions[0] if decisions else None
        papers.append(paper)
    return papers


# --- Information requests -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    request: InformationRequest
    kind: str  # "due_soon" or "overdue"
    days: int  # days until due (due_soon) or days overdue


def reminders_due(*, as_of: date, lead_days: int = 2, panel: Agency | None = None) -> list[Reminder]:
    """Open requests due within ``lead_days`` or overdue, not already reminded on ``as_of`` (R-15).

    For the reminders command (an operator): the list carries no child data beyond the referral.
    """
    qs = InformationRequest.objects.filter(
        status=RequestStatus.OPEN, due_on__lte=as_of + timedelta(days=lead_days)
    )
    qs = qs.filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=as_of))
    if panel is not None:
        qs = qs.filter(referral__panel=panel)
    out = []
    for request in qs.select_related("referral__child", "referral__panel", "recipient_agency").order_by(
        "due_on"
    ):
        if request.due_on < as_of:
            out.append(Reminder(request, "overdue", (as_of - request.due_on).days))
        else:
            out.append(Reminder(request, "due_soon", (request.due_on - as_of).days))
    return out


def requests_overdue(*, actor: Actor, as_of: date) -> list[InformationRequest]:
    """Overdue requests on the panels ``actor`` leads or sits on (what the panel lead chases)."""
    panels = reader_panels(actor)
    rows = list(
        InformationRequest.objects.filter(
            status=RequestStatus.OPEN, due_on__lt=as_of, referral__panel__in=panels
        )
        .select_related("referral__child", "recipient_agency")
        .order_by("due_on")
    )
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="information_request_list",
        fields=["information_requests"],
        detail=f"{len(rows)} overdue requests as of {as_of}",
    )
    return rows


#: Which roles in which kind of agency answer a request to each recipient role (no named account).
RECIPIENT_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "social_worker": ("la_childrens_services", frozenset({"social_worker", "exploitation_worker"})),
    "social_work_manager": ("la_childrens_services", frozenset({"social_worker", "exploitation_worker"})),
    "gangs_team": ("la_childrens_services", frozenset({"social_worker", "exploitation_worker"})),
    "yot": ("youth_offending_team", frozenset({"yot_worker"})),
    "police": ("police_force", frozenset({"police_officer", "police_specialist"})),
    "health": ("health", frozenset({"health_practitioner"})),
}


def may_answer(actor: Actor, request: InformationRequest) -> bool:
    """The named recipient; or, when no account is named, someone in the recipient agency whose role
    fits the request (a request to "police" is answered by a police officer of that force)."""
    if actor.system:
        return True
    user = actor.user
    if request.recipient_user_id is not None:
        return getattr(user, "pk", None) == request.recipient_user_id
    _kind, roles = RECIPIENT_ROLES[request.recipient_role]
    return actor.agency == request.recipient_agency and actor.role in roles


def requests_for_recipient(*, actor: Actor) -> list[InformationRequest]:
    """Open requests ``actor`` may answer (their in-app inbox)."""
    if actor.agency is None:
        return []
    qs = (
        InformationRequest.objects.filter(status=RequestStatus.OPEN)
        .filter(Q(recipient_user_id=getattr(actor.user, "pk", None)) | Q(recipient_agency=actor.agency))
        .select_related("referral__child", "recipient_agency")
        .order_by("due_on")
    )
    return [r for r in qs if may_answer(actor, r)]


# --- Home Office quality assurance (R-20) -------------------------------------------------------


def qa_queue(*, actor: Actor, status: str | None = None) -> list[PanelDecision]:
    """Panel decisions under QA. Home Office QA sees every panel's; a panel's people see their own."""
    qs = PanelDecision.objects.exclude(ho_qa_status=QAStatus.NOT_APPLICABLE).select_related(
        "referral__child", "referral__panel", "meeting"
    )
    if not is_ho_qa(actor):
        qs = qs.filter(referral__panel__in=reader_panels(actor))
    if status:
        qs = qs.filter(ho_qa_status=status)
    rows = list(qs.prefetch_related("qa_events").order_by("decided_on", "created_at"))
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="qa_queue",
        fields=["panel_decisions"],
        detail=f"{len(rows)} decisions" + (f" with status {status}" if status else ""),
    )
    return rows


def qa_reference(child: Child) -> str:
    """A reference for Home Office QA that joins to nothing else: a keyed HMAC of the child's code.

    The panel can recompute it (same key) to find the child a return is about; Home Office cannot
    link it to any other export, which carries the pseudonymous id or a force's own code instead.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"ho-qa:{child.pseudonymous_id}".encode(), hashlib.sha256
    ).digest()
    body = base64.b32encode(digest).decode()[:10]
    return f"QA-{body[:5]}-{body[5:]}"


def _scrubber(child: Child, members: Iterable[str] = ()) -> Any:
    """Replace the child's names in free text with "[child]", and the members' with "[member]",
    before it leaves for QA, in any case: the child's whole names and each part of them ("Mary" of
    "Mary Ann", "Smith" of "Jones-Smith"); a member's full name (a part, such as a rank, may be an
    ordinary word of the rationale)."""
    try:
        # Joined with its aliases by a list of decisions (``qa_export``); else read here.
        identity: Identity | None = child.identity
    except Identity.DoesNotExist:
        identity = None
    names: set[str] = set()
    if identity is not None:
        for text in [identity.given_name, identity.family_name] + [
            part for a in identity.aliases.all() for part in (a.given_name, a.family_name)
        ]:
            if text and text.strip().casefold() not in ("", "unknown"):
                names.add(text.strip())
    replacements = [
        (_name_pattern(names, parts=True), "[child]"),
        (_name_pattern(set(members), parts=False), "[member]"),
    ]

    def scrub(text: str | None) -> str:
        out = text or ""
        for pattern, label in replacements:
            if pattern is not None:
                out = pattern.sub(label, out)
        return out

    return scrub


def _name_pattern(names: set[str], *, parts: bool) -> re.Pattern[str] | None:
    """Whole names (and with ``parts`` each part of two letters or more), longest first, as whole
    words."""
    forms = {n.strip() for n in names if n.strip()}
    if parts:
        forms |= {part for n in list(forms) for part in re.split(r"[\s\-]+", n) if len(part) >= 2}
    if not forms:
        return None
    return re.compile(
        r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(forms, key=len, reverse=True)) + r")(?!\w)",
        re.I,
    )


EXPORT_FIELDS: tuple[str, ...] = (
    "qa_reference",
    "decision_id",
    "panel",
    "decision_type",
    "decided_on",
    "referred_on",
    "days_from_referral",
    "policy_profile",
    "rule_version",
    "sectors_present",
    "members_present_count",
    "unanimous",
    "dissent",
    "rationale",
    "evidence_considered",
    "caveat",
    "ho_qa_status",
    "last_return_reason",
    "panel_response",
)


def qa_export_rows(decisions: Iterable[PanelDecision]) -> list[dict[str, Any]]:
    """Pseudonymised rows: no names, dates of birth or addresses; the child only by QA reference,
    panel members only by sector; the child's names scrubbed from the free text."""
    rows = []
    for decision in decisions:
        referral = decision.referral
        scrub = _scrubber(referral.child, [m.get("name", "") for m in decision.members_present])
        events = list(decision.qa_events.all())
        returns = [e for e in events if e.kind == QAEventKind.RETURNED]
        responses = [e for e in events if e.kind == QAEventKind.PANEL_RESPONSE]
        sectors = sorted({m.get("sector", "") for m in decision.members_present})
        rows.append(
            {
                "qa_reference": qa_reference(referral.child),
                "decision_id": str(decision.pk),
                "panel": referral.panel.code if referral.panel else "",
                "decision_type": decision.decision_type,
                "decided_on": decision.decided_on.isoformat(),
                "referred_on": referral.referred_on.isoformat() if referral.referred_on else None,
                "days_from_referral": (decision.decided_on - referral.referred_on).days
                if referral.referred_on
                else None,
                "policy_profile": decision.policy_profile,
                "rule_version": decision.rule_version,
                "sectors_present": sectors,
                "members_present_count": len(decision.members_present),
                "unanimous": decision.unanimous,
                "dissent": scrub(decision.dissent),
                "rationale": scrub(decision.rationale),
                "evidence_considered": [scrub(str(e)) for e in decision.evidence_considered],
                "caveat": decision.caveat,
                "ho_qa_status": decision.ho_qa_status,
                "last_return_reason": scrub(returns[-1].note) if returns else "",
                "panel_response": scrub(responses[-1].note) if responses else "",
            }
        )
    return rows


#: The statuses a QA queue or export can be filtered by (a deferral's "n/a" is never under QA).
QA_FILTER_STATUSES: tuple[str, ...] = tuple(v for v in QAStatus.values if v != QAStatus.NOT_APPLICABLE)
MSG_QA_UNKNOWN_STATUS = "Unknown status {value!r}: filter by " + ", ".join(QA_FILTER_STATUSES)


def check_qa_status(status: str | None) -> str | None:
    """``None`` for every status; a known status as given. Raises ValidationError for anything else,
    so a mistyped filter never silently exports every decision."""
    if status is None or status == "":
        return None
    if status not in QA_FILTER_STATUSES:
        raise ValidationError({"status": [MSG_QA_UNKNOWN_STATUS.format(value=status)]})
    return status


def qa_export(*, actor: Actor, fmt: str = "csv", status: str | None = None) -> str:
    """The QA queue as CSV or JSON for Home Office quality assurance, optionally only the decisions
    with one QA status (``pending``, ``confirmed``, ``returned``). Audited as an export."""
    check_ho_qa(actor)
    if fmt not in ("csv", "json"):
        raise ValueError("format must be csv or json")
    status = check_qa_status(status)
    # Each row's free text is scrubbed of the child's names: the identities come with the decisions
    # (used only to scrub, never exported), not one query per row.
    qs = PanelDecision.objects.exclude(ho_qa_status=QAStatus.NOT_APPLICABLE).select_related(
        "referral__child__identity", "referral__panel"
    )
    if status:
        qs = qs.filter(ho_qa_status=status)
    rows = qa_export_rows(
        qs.prefetch_related("qa_events", "referral__child__identity__aliases").order_by(
            "decided_on", "created_at"
        )
    )
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type="qa_export",
        fields=list(EXPORT_FIELDS),
        detail=f"{len(rows)} panel decisions as {fmt} (pseudonymised)"
        + (f", status {status}" if status else ""),
    )
    if fmt == "json":
        return json.dumps(rows, indent=2)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: spreadsheet_safe("; ".join(v) if isinstance(v, list) else v) for k, v in row.items()}
        )
    return out.getvalue()


# --- Escalations (R-19: never past day 45) ------------------------------------------------------


@dataclass(frozen=True)
class EscalationDue:
    referral: NRMReferral
    clock: ClockState
    reason: str


def escalations_due(*, as_of: date, panel: Agency | None = None) -> list[EscalationDue]:
    """Local-panel referrals that reach their panel limit with no decision: the RG limit (45 days from
    referral) or the deferral limit (45 days from a positive RG). For the escalation command.

    Due **on** the limit day itself (R-19 "escalates on day 45"; DOMAIN §4.2.2 "[today = deadline AND
    no positive-CG consensus]"), from :attr:`ClockState.escalation_due`. One exception: a case listed
    at a sitting held *that day* is left to the sitting, which may still decide in time; if it does not,
    the case is due the next day (and the decision service refuses a decision past the limit).
    """
    qs = NRMReferral.objects.filter(route=Route.LOCAL_PANEL, escalated_on__isnull=True).select_related(
        "child"
    )
    if panel is not None:
        qs = qs.filter(panel=panel)
    heard_today = set(
        AgendaItem.objects.filter(meeting__held_on=as_of)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .values_list("referral_id", flat=True)
    )
    out = []
    for referral in qs.prefetch_related("decisions"):
        clock = referral_clock(referral, as_of=as_of)
        if clock is None or not clock.escalation_due:
            continue
        if clock.decision_deadline == as_of and referral.pk in heard_today:
            continue
        if clock.deferral_deadline is not None:
            reason = (
                "Deferral limit (R-19): no conclusive-grounds decision by "
                f"{clock.deferral_deadline:%-d %B %Y}, the limit after the positive reasonable-grounds one"
            )
        else:
            reason = (
                f"Panel time limit: no reasonable-grounds decision by {clock.rg_due:%-d %B %Y}, "
                f"{(clock.rg_due - clock.referral_date).days} days after referral"
            )
        out.append(EscalationDue(referral, clock, reason))
    return out


# --- Monitoring (F-13) --------------------------------------------------------------------------


@dataclass
class MonitoredChild:
    child: Child
    panel_case: PanelCase
    stage: str
    plan: JointPlan | None
    actions_total: int
    actions_done: int
    actions_overdue: int
    review_overdue: bool
    missing_since_oversight: int
    missing_ongoing: bool
    last_missing: date | None
    orders_in_force: int
    breaches: int
    breaches_unanswered: int

    @property
    def compliance(self) -> int | None:
        """Per cent of actions due by now that are done; None when nothing is due yet."""
        due = self.actions_done + self.actions_overdue
        return None if due == 0 else round(100 * self.actions_done / due)


def monitoring_list(*, actor: Actor, panel: Agency, as_of: date) -> list[MonitoredChild]:
    """Children under the panel's oversight (open panel cases): plan compliance, missing, breaches."""
    check_panel_reader(actor, panel)
    cases = (
        PanelCase.objects.filter(panel=panel, closed_on__isnull=True)
        .select_related("child")
        .prefetch_related(
            Prefetch(
                "child__joint_plans", queryset=JointPlan.objects.filter(panel=panel, closed_on__isnull=True)
            ),
            "child__joint_plans__actions",
            Prefetch("child__safeguarding_orders", queryset=SafeguardingOrder.objects.filter(panel=panel)),
            "child__safeguarding_orders__breaches",
            "child__nrm_referrals__decisions",
            # What referral_panel_case reads of a referral not linked to its case.
            Prefetch(
                "child__panel_cases",
                queryset=PanelCase.objects.filter(panel=panel).order_by("shared_on", "created_at"),
                to_attr="cases_with_panel",
            ),
            # What referral_panel_status reads of the latest referral, and the episodes counted
            # below: prefetched, so the list costs the same whatever the number of children.
            "child__nrm_referrals__panel_decisions",
            scheduled_listings("child__nrm_referrals__"),
            Prefetch(
                "child__missing_episodes",
                queryset=MissingEpisode.objects.filter(started_at__isnull=False).order_by("started_at"),
                to_attr="started_missing_episodes",
            ),
        )
        .order_by("shared_on")
    )
    out = []
    for case in cases:
        child = case.child
        # The latest plan only: a new plan replaces the one before (which is closed and kept as
        # history); summing every plan's actions would count replaced actions against the child.
        plans = sorted(child.joint_plans.all(), key=lambda p: (p.agreed_on, p.created_at))
        plan = plans[-1] if plans else None
        actions = list(plan.actions.all()) if plan is not None else []
        done = sum(
            1 for a in actions if a.status == PlanActionStatus.DONE and (a.completed_on or as_of) <= as_of
        )
        overdue = sum(1 for a in actions if a.status == PlanActionStatus.OPEN and a.due_on < as_of)
        # This case's referrals: after a case closed, the next one's oversight and stage are its own.
        referrals = [
            r
            for r in child.nrm_referrals.all()
            if r.panel_id == panel.pk and getattr(referral_panel_case(r), "pk", None) == case.pk
        ]
        # Oversight runs from the panel referral (the case may have been shared later, on recording).
        since = min([case.shared_on] + [r.referred_on for r in referrals if r.referred_on is not None])
        # Those that started on or after ``since`` (a local date, as ``started_at__date`` compares),
        # and any still open whenever it started.
        episodes = [
            e
            for e in child.started_missing_episodes
            if timezone.localtime(e.started_at).date() >= since or e.ended_at is None
        ]
        starts = [e.started_at.date() for e in episodes if e.started_at is not None]
        orders = list(child.safeguarding_orders.all())
        breaches = [b for o in orders for b in o.breaches.all()]
        stage = referral_panel_status(referrals[-1], on=as_of) if referrals else "monitoring"
        out.append(
            MonitoredChild(
                child=child,
                panel_case=case,
                stage=stage,
                plan=plan,
                actions_total=len(actions),
                actions_done=done,
                actions_overdue=overdue,
                review_overdue=bool(plan and plan.review_on < as_of),
                missing_since_oversight=len(episodes),
                missing_ongoing=any(e.ended_at is None and e.started_at is not None for e in episodes),
                last_missing=max(starts) if starts else None,
                orders_in_force=sum(1 for o in orders if o.status in ORDER_IN_FORCE),
                breaches=len(breaches),
                breaches_unanswered=sum(1 for b in breaches if not b.court_response),
            )
        )
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="panel_monitoring",
        fields=["panel_cases", "joint_plans", "missing_episodes", "safeguarding_orders"],
        detail=f"{len(out)} children under {panel.code} oversight as of {as_of}",
    )
    return out


def meetings_for(*, actor: Actor, panel: Agency) -> QuerySet[PanelMeeting]:
    check_panel_reader(actor, panel)
    return PanelMeeting.objects.filter(panel=panel).order_by("held_on")


def next_meeting_after(panel: Agency, day: date) -> PanelMeeting | None:
    return (
        PanelMeeting.objects.filter(panel=panel, status=MeetingStatus.SCHEDULED, held_on__gt=day)
        .order_by("held_on")
        .first()
    )


# --- One referral or decision, for a page -------------------------------------------------------

MSG_REFERRAL_NOT_FOUND = "No referral with that reference is available to you"
MSG_DECISION_NOT_FOUND = "No panel decision with that reference is available to you"


class NotAvailable(Exception):
    """Not found, or no basis to see it (deliberately indistinguishable)."""


def _uuid(value: object) -> str | None:
    from uuid import UUID

    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except (TypeError, ValueError):
        return None


def referral_for_view(*, actor: Actor, referral_id: object) -> NRMReferral:
    """A referral the actor may see: through its panel (lead, chair, member) or a basis for the child.

    Audited either way; raises :class:`NotAvailable`.
    """
    from ccehub.common.access import access_basis

    key = _uuid(referral_id)
    referral = (
        NRMReferral.objects.select_related("child", "panel", "linked_incident").filter(pk=key).first()
        if key
        else None
    )
    basis = None
    if referral is not None:
        if referral.panel_id is not None and reader_panels(actor).filter(pk=referral.panel_id).exists():
            basis = access_basis(actor, referral.child) or f"panel:{referral.panel.code}"  # type: ignore[union-attr]
        else:
            basis = access_basis(actor, referral.child)
    audit_record(
        actor=actor,
        action=Action.VIEW if basis else Action.DENIED,
        object_type="nrm_referral",
        object_id=key or "",
        child_pid=referral.child.pseudonymous_id if referral is not None else "",
        fields=["nrm_referrals"] if basis else [],
        basis=basis or "",
        detail=""
        if basis
        else "refused: " + ("no such referral" if referral is None else "no recorded basis"),
    )
    if referral is None or basis is None:
        raise NotAvailable(MSG_REFERRAL_NOT_FOUND)
    return referral


def decision_for_view(*, actor: Actor, decision_id: object) -> PanelDecision:
    """A panel decision for Home Office QA (any) or the deciding panel's people. Audited."""
    key = _uuid(decision_id)
    decision = (
        PanelDecision.objects.select_related("referral__child", "referral__panel", "meeting")
        .filter(pk=key)
        .first()
        if key
        else None
    )
    allowed = decision is not None and (
        is_ho_qa(actor) or reader_panels(actor).filter(pk=decision.referral.panel_id).exists()
    )
    audit_record(
        actor=actor,
        action=Action.VIEW if allowed else Action.DENIED,
        object_type="panel_decision",
        object_id=key or "",
        child_pid=decision.referral.child.pseudonymous_id if decision is not None and allowed else "",
        fields=["panel_decisions"] if allowed else [],
        basis=("home_office_qa" if is_ho_qa(actor) else "panel") if allowed else "",
    )
    if decision is None or not allowed:
        raise NotAvailable(MSG_DECISION_NOT_FOUND)
    return decision


MSG_PLAN_NOT_FOUND = "No joint plan with that reference is available to you"
MSG_ORDER_NOT_FOUND = "No Safeguarding Order with that reference is available to you"
MSG_CASE_NOT_FOUND = "No panel case with that reference is available to you"


def _panel_child_basis(actor: Actor, panel: Agency, child: Child) -> str | None:
    """The basis for seeing a panel's record about ``child``: the panel's people, or a basis for the child."""
    from ccehub.common.access import access_basis

    basis = access_basis(actor, child)
    if basis is None and reader_panels(actor).filter(pk=panel.pk).exists():
        basis = f"panel:{panel.code}"
    return basis


def _audited_lookup(
    *, actor: Actor, object_type: str, key: str | None, found: Any, fields: list[str], message: str
) -> Any:
    basis = _panel_child_basis(actor, found.panel, found.child) if found is not None else None
    audit_record(
        actor=actor,
        action=Action.VIEW if basis else Action.DENIED,
        object_type=object_type,
        object_id=key or "",
        child_pid=found.child.pseudonymous_id if found is not None else "",
        fields=fields if basis else [],
        basis=basis or "",
        detail="" if basis else "refused: " + ("not found" if found is None else "no recorded basis"),
    )
    if found is None or basis is None:
        raise NotAvailable(message)
    return found


def plan_for_view(*, actor: Actor, plan_id: object) -> JointPlan:
    """A joint plan for the panel's people or anyone with a basis to see the child. Audited."""
    key = _uuid(plan_id)
    plan = (
        JointPlan.objects.select_related("child", "panel", "referral").filter(pk=key).first() if key else None
    )
    return _audited_lookup(  # type: ignore[no-any-return]
        actor=actor,
        object_type="joint_plan",
        key=key,
        found=plan,
        fields=["joint_plans"],
        message=MSG_PLAN_NOT_FOUND,
    )


def case_for_view(*, actor: Actor, case_id: object) -> PanelCase:
    """A panel case for the panel's people or anyone with a basis to see the child. Audited."""
    key = _uuid(case_id)
    case = (
        PanelCase.objects.select_related("child", "panel", "shared_by").filter(pk=key).first()
        if key
        else None
    )
    return _audited_lookup(  # type: ignore[no-any-return]
        actor=actor,
        object_type="panel_case",
        key=key,
        found=case,
        fields=["panel_cases"],
        message=MSG_CASE_NOT_FOUND,
    )


@dataclass(frozen=True)
class ListedCrisis:
    """A crisis response listed at the panel and the child's open joint plan there (None: phase 1)."""

    response: Any
    plan: JointPlan | None


def listed_crisis_responses(*, panel: Agency) -> list[ListedCrisis]:
    """W-5: the open crisis responses listed at ``panel`` (convened by the home local authority), with
    the child's open joint plan there if any (none: phase 1, the exit window), oldest first."""

    responses = list(
        CrisisResponse.objects.filter(
            panel_case__panel=panel, panel_case__closed_on__isnull=True, closed_on__isnull=True
        )
        .select_related("child", "convenor", "panel_case")
        .order_by("convened_on", "pk")
    )
    plans = {
        plan.child_id: plan
        for plan in JointPlan.objects.filter(
            panel=panel, closed_on__isnull=True, child__in=[r.child_id for r in responses]
        ).order_by("agreed_on", "created_at")
    }
    return [ListedCrisis(response, plans.get(response.child_id)) for response in responses]


def order_for_view(*, actor: Actor, order_id: object) -> SafeguardingOrder:
    """A Safeguarding Order for the panel's people or anyone with a basis to see the child. Audited."""
    key = _uuid(order_id)
    order = (
        SafeguardingOrder.objects.select_related("child", "panel", "referral").filter(pk=key).first()
        if key
        else None
    )
    return _audited_lookup(  # type: ignore[no-any-return]
        actor=actor,
        object_type="safeguarding_order",
        key=key,
        found=order,
        fields=["safeguarding_orders"],
        message=MSG_ORDER_NOT_FOUND,
    )
