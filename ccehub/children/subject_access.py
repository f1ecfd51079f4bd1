"""A subject-access response (UK GDPR Article 15): what ccehub holds about a child, and who has seen it.

What is compiled is a **draft for the controller to check**, never an answer to send unread: free
text can name other people, and the controller decides on staff names and exemptions. It holds:

- the child's record exactly as the child-record export gives it to a person with full sight
  (:func:`ccehub.children.export.record_to_dict`, identity included);
- every audit row about the child, oldest first, naming the organisation and role of whoever acted
  but not the person (their username is the staff member's personal data) unless asked;
- the agencies that hold or held the child, the CCE panel cases and the data-sharing agreements that
  covered the child;
- the agency records the person index links to the child (agency and record ID only);
- what the CCE panels hold about the child (``panel.json``, :func:`_panel`): each panel case with its
  referrals (the sittings that heard them, decisions with Home Office QA, information requests and
  their answers), joint plans (actions, reviews) and Safeguarding Orders (conditions, the references
  of the people the order protects the child against, history, breaches). Never another child's:
  a sitting gives its date, who sat and what was decided about this child, not its agenda or minutes.

Only someone who may export the child *and* sees its identity may compile one (the operator always
does): the response holds the whole record, and must not give more than its compiler may see. The
compile is one ``export`` audit row (object ``subject_access``), written in the caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ccehub.agencies.models import Agency, DataSharingAgreement, Role
from ccehub.audit.models import Action, AuditEvent, Channel
from ccehub.audit.services import audit_record
from ccehub.children.export import _row, record_to_dict
from ccehub.children.models import CaseHolding, Child
from ccehub.children.selectors import ALL_SECTIONS, _assemble, _resolve, identity_sight, revealed_fields
from ccehub.common.access import BASIS_AGREEMENT, BASIS_PANEL, Actor

MSG_SUBJECT_ACCESS_SIGHT = (
    "A subject-access response holds the whole record, identity included, and you do not see this "
    "child's identity: ask someone who does, or the operator"
)
#: Put in place of a staff member's username found in a purpose or a note, when names are withheld.
STAFF_NAME_WITHHELD = "[staff name withheld]"
#: How the audit log's ``system`` role is shown to the person who asked.
SYSTEM_ROLE = "System (the server's operator, or ccehub itself)"

HISTORY_COLUMNS: tuple[str, ...] = (
    "at",
    "agency_code",
    "agency",
    "role",
    "action",
    "object",
    "channel",
    "purpose",
    "basis",
    "fields",
    "detail",
)
AGENCY_COLUMNS: tuple[str, ...] = (
    "kind",
    "agency_code",
    "agency",
    "basis",
    "from",
    "until",
    "shared_by_code",
    "shared_by",
    "purpose",
    "legal_basis",
    "note",
)
AGENCY_RECORD_COLUMNS: tuple[str, ...] = ("agency_code", "agency", "record_id", "linked_by")
#: ``linked_by``: the record names the child itself, or the person index put it in the same person.
LINKED_CHILD = "child"
LINKED_INDEX = "person_index"

#: The ``panels`` models about a child (every model a row about a child can be in, walked from the
#: schema as the erasure's tests do) whose rows ``panel.json`` gives. A test fails when such a model
#: is added until it is here, with its rows in the file, or in :data:`PANEL_MODELS_LEFT_OUT`.
PANEL_MODELS: tuple[str, ...] = (
    "panels.PanelCase",
    "panels.AgendaItem",
    "panels.PanelDecision",
    "panels.QAEvent",
    "panels.InformationRequest",
    "panels.JointPlan",
    "panels.PlanAction",
    "panels.JointPlanReview",
    "panels.SafeguardingOrder",
    "panels.OrderCondition",
    "panels.ProtectedAgainst",
    "panels.OrderEvent",
    "panels.OrderBreach",
    "panels.CaseDiscussion",
)
#: ``panels`` models about a child that ``panel.json`` leaves out, each with the reason.
PANEL_MODELS_LEFT_OUT: dict[str, str] = {
    "panels.CrisisResponse": "in record.json (section crisis): the home local authority's, not the panel's",
}
#: The audit field names of the panel part of a response.
PANEL_FIELDS: tuple[str, ...] = (
    "panel_cases",
    "panel_meetings",
    "panel_decisions",
    "information_requests",
    "joint_plans",
    "safeguarding_orders",
)


@dataclass(frozen=True)
class SubjectAccessResponse:
    """Everything a subject-access response is written from; rows are text, ready for a CSV."""

    pseudonymous_id: str
    compiled_at: datetime
    purpose: str
    with_staff_names: bool
    record: dict[str, Any]
    history_columns: tuple[str, ...]
    history: list[tuple[str, ...]]
    agencies: list[tuple[str, ...]]
    agency_records: list[tuple[str, ...]]
    #: ``panel.json``: what the CCE panels hold about the child (:func:`_panel`).
    panel: dict[str, Any]

    @property
    def panel_counts(self) -> dict[str, int]:
        return _panel_counts(self.panel)


def subject_access_compile(
    *, actor: Actor, pid: str, with_staff_names: bool = False
) -> SubjectAccessResponse:
    """The subject-access response for child ``pid``, audited as one ``export`` of ``subject_access``.

    Raises:
        ChildNotFound: no such child, or ``actor`` may not export it: the children export's own
            refusal, audited by the selector as ``denied``.
        PermissionDenied: ``actor`` may export the child but does not see its identity (an analyst,
            or an agreement without identity): :data:`MSG_SUBJECT_ACCESS_SIGHT`, audited as ``denied``.
    """
    child, basis = _resolve(actor=actor, pid=pid, action=Action.EXPORT)
    if not identity_sight(actor, basis):
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="subject_access",
            object_id=child.pk,
            child_pid=child.pseudonymous_id,
            basis=basis,
            detail=f"refused export: {MSG_SUBJECT_ACCESS_SIGHT}",
        )
        raise PermissionDenied(MSG_SUBJECT_ACCESS_SIGHT)
    # The log as it stands before this response's own row.
    history = _access_history(child.pseudonymous_id, with_staff_names=with_staff_names)
    record = _assemble(child, basis, sections=ALL_SECTIONS, show_identity=True)
    agencies = _agencies(child)
    agency_records = _agency_records(child)
    panel = _panel(child, with_staff_names=with_staff_names)
    fields = [*revealed_fields(record), "access_history", "agencies", "agency_records", *PANEL_FIELDS]
    if with_staff_names:
        fields.append("staff_usernames")
    names = "staff names included" if with_staff_names else "staff names withheld"
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type="subject_access",
        object_id=child.pk,
        child_pid=child.pseudonymous_id,
        fields=fields,
        basis=basis,
        detail=(
            f"subject-access response: {len(history)} access-history rows ({names}), "
            f"{len(agencies)} agency rows, {len(agency_records)} agency records, "
            f"{_panel_summary(_panel_counts(panel))}"
        ),
    )
    columns = HISTORY_COLUMNS
    if with_staff_names:
        columns = (columns[0], "username", *columns[1:])
    return SubjectAccessResponse(
        pseudonymous_id=child.pseudonymous_id,
        compiled_at=timezone.now(),
        purpose=actor.purpose,
        with_staff_names=with_staff_names,
        record=record_to_dict(record, staff_withheld=None if with_staff_names else STAFF_NAME_WITHHELD),
        history_columns=columns,
        history=history,
        agencies=agencies,
        agency_records=agency_records,
        panel=panel,
    )


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _withhold(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern for any of ``names`` standing as a word of its own (not inside another word or name)."""
    ordered = sorted({n for n in names if n}, key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(n) for n in ordered)
    # A full stop ends a name at the end of a sentence ("asked DI Pat Police."), not inside a longer
    # username ("met.pc.old").
    return re.compile(rf"(?<![\w.@:-])(?:{alternatives})(?![\w@:-]|\.[\w@-])")


def _access_history(pid: str, *, with_staff_names: bool) -> list[tuple[str, ...]]:
    events = list(AuditEvent.objects.filter(child_pid=pid).order_by("at", "id"))
    agency_names = dict(
        Agency.objects.filter(code__in={e.agency_code for e in events}).values_list("code", "name")
    )
    # Usernames are the staff's personal data: withheld, they are taken out of typed text too.
    pattern = None if with_staff_names else _withhold(e.username for e in events)
    rows = []
    for event in events:
        purpose, detail = event.purpose, event.detail
        if pattern is not None:
            purpose = pattern.sub(STAFF_NAME_WITHHELD, purpose)
            detail = pattern.sub(STAFF_NAME_WITHHELD, detail)
        role = SYSTEM_ROLE if event.role == "system" else _label(Role, event.role)
        fields = event.fields if isinstance(event.fields, list) else []
        row = [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.agency_code,
            agency_names.get(event.agency_code, ""),
            role,
            _label(Action, event.action),
            event.object_type,
            _label(Channel, event.channel),
            purpose,
            event.basis,
            "; ".join(str(f) for f in fields),
            detail,
        ]
        if with_staff_names:
            row.insert(1, event.username)
        rows.append(tuple(row))
    return rows


def _agreement_until(agreement: DataSharingAgreement) -> date:
    if agreement.revoked_at is None:
        return agreement.expires_on
    return min(agreement.expires_on, timezone.localtime(agreement.revoked_at).date())


def _agencies(child: Child) -> list[tuple[str, ...]]:
    """Holdings (current and ended), CCE panel cases, the agreements that covered the child (one
    naming the child, or one over every child the provider holds while the provider held it), and
    the notifications sent about the child (R-32)."""
    rows: list[tuple[str, ...]] = []
    holdings = list(
        CaseHolding.objects.filter(child=child).select_related("agency").order_by("created_at", "pk")
    )
    held: dict[Any, list[tuple[date, date | None]]] = {}
    for holding in holdings:
        start = timezone.localtime(holding.created_at).date()
        held.setdefault(holding.agency_id, []).append((start, holding.ended_on))
        note = f"ended: {holding.end_reason}" if holding.ended_on else ""
        agency = holding.agency
        basis = str(holding.get_basis_display())
        rows.append(
            (
                "holding",
                agency.code,
                agency.name,
                basis,
                start.isoformat(),
                _day(holding.ended_on),
                "",
                "",
                "",
                "",
                note,
            )
        )
    for case in child.panel_cases.select_related("panel", "shared_by").order_by("shared_on", "pk"):
        rows.append(
            (
                "panel_case",
                case.panel.code,
                case.panel.name,
                BASIS_PANEL,
                _day(case.shared_on),
                _day(case.closed_on),
                case.shared_by.code,
                case.shared_by.name,
                case.reason,
                "",
                "",
            )
        )
    agreements = (
        DataSharingAgreement.objects.filter(
            Q(child=child) | Q(child__isnull=True, provider_id__in=list(held))
        )
        .select_related("provider", "recipient")
        .order_by("starts_on", "pk")
    )
    for agreement in agreements:
        until = _agreement_until(agreement)
        if agreement.child_id is None and not any(
            start <= until and (ended is None or ended >= agreement.starts_on)
            for start, ended in held[agreement.provider_id]
        ):
            continue  # the provider held the child only outside the agreement's dates
        provider, recipient = agreement.provider, agreement.recipient
        scope = "this child only" if agreement.child_id else f"every child {provider.name} holds"
        note = f"{agreement.title}; {scope}; identity {'shared' if agreement.includes_identity else 'not shared'}"
        if agreement.revoked_at is not None:
            note += f"; revoked on {_day(agreement.revoked_at)}"
        rows.append(
            (
                "data_sharing_agreement",
                recipient.code,
                recipient.name,
                f"{BASIS_AGREEMENT}:{agreement.pk}",
                _day(agreement.starts_on),
                until.isoformat(),
                provider.code,
                provider.name,
                agreement.purpose,
                agreement.legal_basis,
                note,
            )
        )
    from ccehub.notifications.models import Notification

    told = (
        Notification.objects.filter(child=child)
        .select_related("agency", "from_agency")
        .order_by("created_at", "pk")
    )
    for notification in told:
        sender = notification.from_agency
        note = str(notification.get_kind_display())
        if notification.emailed_at:
            note += f"; emailed to its duty mailbox on {_day(notification.emailed_at)}"
        rows.append(
            (
                "notification",
                notification.agency.code,
                notification.agency.name,
                "",
                _day(notification.created_at),
                "",
                sender.code if sender else "",
                sender.name if sender else "",
                notification.text,
                "",
                note,
            )
        )
    return rows


def _agency_records(child: Child) -> list[tuple[str, ...]]:
    """Agency records that name the child, then those the active person index puts in the same person
    (a match by probability: the controller checks them with the agency before release)."""
    from ccehub.records.models import AgencyRecord, LinkModelVersion, RecordCluster

    linked = (
        AgencyRecord.objects.filter(child=child)
        .select_related("agency")
        .order_by("agency__code", "record_id")
    )
    rows: list[tuple[str, ...]] = [(r.agency.code, r.agency.name, r.record_id, LINKED_CHILD) for r in linked]
    version = LinkModelVersion.objects.filter(active=True).order_by("-created_at").first()
    if version is not None:
        persons = RecordCluster.objects.filter(model=version, record__child=child).values("person_id")
        same_person = (
            RecordCluster.objects.filter(model=version, person_id__in=persons)
            .exclude(record__child=child)
            .select_related("record__agency")
            .order_by("record__agency__code", "record__record_id")
        )
        rows.extend(
            (c.record.agency.code, c.record.agency.name, c.record.record_id, LINKED_INDEX)
            for c in same_person
        )
    return rows


# --- What the CCE panels hold about the child (panel.json) ----------------------------------------


class _Staff(str):
    """A staff member's name or username found in a panel row: withheld unless asked for."""


class _Text(str):
    """Free text in a panel row: a staff name or username in it is withheld unless asked for."""


def _person(value: Any) -> Any:
    return _Staff(value) if isinstance(value, str) and value else value


def _names_a_person(field: models.Field) -> bool:
    """A field that names a person: the panels' convention is ``name`` or ``..._name`` (free text
    holding a member's name or the username of whoever acted), or a reference to a user."""
    if isinstance(field, models.ForeignKey):
        return field.related_model is get_user_model()
    return (
        isinstance(field, models.CharField)
        and not field.choices
        and (field.name == "name" or field.name.endswith("_name"))
    )


def _json_text(value: Any) -> Any:
    """A JSON field's value with its strings marked as free text, and ``name`` keys as names (the
    members present at a decision: ``[{name, sector}]``)."""
    if isinstance(value, dict):
        return {k: _person(v) if k == "name" else _json_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_text(v) for v in value]
    if isinstance(value, str) and value:
        return _Text(value)
    return value


def _panel_row(obj: models.Model, codes: set[str]) -> dict[str, Any]:
    """A panel row as the child-record export writes a row (:func:`ccehub.children.export._row`:
    choice fields as their codes, agencies as their codes, no internal IDs), with:

    - a sitting as its date (``meeting`` becomes ``meeting_on``: an ID means nothing to a reader);
    - a member of the panel as their name;
    - every other reference (the row it belongs to, the referral, the NRM decision or child plan
      recorded in record.json) left out: where the row sits in panel.json says what it belongs to;
    - names of people and free text marked for the staff-name rule (:func:`_finish`).

    The agencies named are added to ``codes``."""
    from ccehub.panels.models import ClosureRecord, PanelMeeting, PanelMember

    data = _row(obj, False)
    out: dict[str, Any] = {}
    # A closure's fields (inherited, so first in the model) after the row's own, with ``closed_on``.
    closure = {f.name for f in ClosureRecord._meta.fields}
    for field in sorted(obj._meta.concrete_fields, key=lambda f: f.name in closure):
        name = field.name
        if name not in data:
            continue
        value = data[name]
        if isinstance(field, models.ForeignKey):
            related = field.related_model
            if related is Agency:
                if value:
                    codes.add(value)
                out[name] = value
            elif related is get_user_model():
                out[name] = _person(value)
            elif related is PanelMeeting:
                meeting = getattr(obj, name)
                out[f"{name}_on"] = meeting.held_on if meeting is not None else None
            elif related is PanelMember:
                member = getattr(obj, name)
                out[name] = _person(member.name) if member is not None else None
            continue
        if _names_a_person(field):
            out[name] = _person(value)
        elif isinstance(field, models.JSONField):
            out[name] = _json_text(value)
        elif isinstance(field, models.TextField | models.CharField) and not field.choices and value:
            out[name] = _Text(value)
        else:
            out[name] = value
    return out


def _meetings(items: list[Any], decisions: list[Any]) -> list[dict[str, Any]]:
    """The sittings a referral was listed at or decided at, oldest first: the date, what the sitting
    decided about this referral, who chaired and who sat. Never the sitting's agenda (other children),
    its minutes (written for the whole sitting) or the reason for an extra sitting."""
    listed = {item.meeting_id: item for item in items}
    sittings = {item.meeting_id: item.meeting for item in items}
    for decision in decisions:
        if decision.meeting is not None:
            sittings.setdefault(decision.meeting_id, decision.meeting)
    rows = []
    for pk, meeting in sorted(sittings.items(), key=lambda kv: (kv[1].held_on, kv[1].created_at)):
        item = listed.get(pk)
        acting = item.acting_chair if item is not None else None
        rows.append(
            {
                "held_on": meeting.held_on,
                "status": meeting.status,
                "extraordinary": meeting.extraordinary,
                "listed": item is not None,
                "urgency": _json_text(item.urgency) if item is not None else None,
                "chair": _person(meeting.chair.name) if meeting.chair is not None else None,
                "acting_chair": _person(acting.name) if acting is not None else None,
                "outcome": [d.decision_type for d in decisions if d.meeting_id == pk],
                "attendance": [
                    {"name": _person(a.name), "sector": a.sector, "present": a.present}
                    for a in meeting.attendance.all()
                ],
            }
        )
    return rows


def _new_part() -> dict[str, list[dict[str, Any]]]:
    return {"referrals": [], "joint_plans": [], "safeguarding_orders": []}


def _panel(child: Child, *, with_staff_names: bool) -> dict[str, Any]:
    """What the CCE panels hold about ``child``, for ``panel.json``.

    Each panel case (oldest first) with the referrals it holds, and the joint plans and Safeguarding
    Orders made under it; a row that no case holds (written by a loader or the admin) is listed under
    ``outside_panel_cases``, never dropped. A referral's case is the one it records (or, failing that,
    the dates rule, as the panel's pages place it); a plan's or an order's is its referral's, else the
    panel's case open on the day it was agreed or drafted. Only rows about this child: a sitting shows
    what concerns this child's referral. Staff names are withheld unless ``with_staff_names``."""
    from ccehub.nrm.models import NRMReferral
    from ccehub.panels.models import (
        AgendaItem,
        InformationRequest,
        JointPlan,
        PanelDecision,
        PanelMember,
        SafeguardingOrder,
    )
    from ccehub.rules.closure import case_by_dates

    codes: set[str] = set()
    cases = list(
        child.panel_cases.select_related("panel", "shared_by", "closure_meeting", "closed_by").order_by(
            "shared_on", "created_at"
        )
    )
    by_panel: dict[Any, list[Any]] = {}
    for case in cases:
        by_panel.setdefault(case.panel_id, []).append(case)
    parts: dict[Any, dict[str, list[dict[str, Any]]]] = {case.pk: _new_part() for case in cases}
    outside = _new_part()

    def part_of(case: Any) -> dict[str, list[dict[str, Any]]]:
        return parts[case.pk] if case is not None else outside

    referrals = list(
        NRMReferral.objects.filter(child=child)
        .filter(
            Q(panel__isnull=False)
            | Q(panel_decisions__isnull=False)
            | Q(information_requests__isnull=False)
            | Q(agenda_items__isnull=False)
        )
        .distinct()
        .select_related("panel", "referring_agency")
        .order_by("referred_on", "created_at")
    )
    ids = [r.pk for r in referrals]
    meeting_joins = ("meeting__chair", "meeting__panel")
    items: dict[Any, list[Any]] = {}
    for item in (
        AgendaItem.objects.filter(referral_id__in=ids)
        .select_related(*meeting_joins, "acting_chair")
        .prefetch_related("meeting__attendance")
    ):
        items.setdefault(item.referral_id, []).append(item)
    decisions: dict[Any, list[Any]] = {}
    for decision in (
        PanelDecision.objects.filter(referral_id__in=ids)
        .select_related(*meeting_joins)
        .prefetch_related("meeting__attendance", "qa_events__by_agency")
        .order_by("decided_on", "created_at")
    ):
        decisions.setdefault(decision.referral_id, []).append(decision)
    requests: dict[Any, list[Any]] = {}
    for request in (
        InformationRequest.objects.filter(referral_id__in=ids)
        .select_related("recipient_agency", "recipient_user")
        .order_by("requested_on", "due_on", "created_at")
    ):
        requests.setdefault(request.referral_id, []).append(request)

    by_pk = {case.pk: case for case in cases}
    case_of_referral: dict[Any, Any] = {}
    for referral in referrals:
        if referral.panel_case_id is not None and referral.panel_case_id in by_pk:
            case = by_pk[referral.panel_case_id]
        else:
            case = case_by_dates(by_panel.get(referral.panel_id, []), referral.referred_on)
        case_of_referral[referral.pk] = case
        for agency in (referral.panel, referral.referring_agency):
            if agency is not None:
                codes.add(agency.code)
        own = decisions.get(referral.pk, [])
        rows = []
        for decision in own:
            row = _panel_row(decision, codes)
            row["qa_events"] = [
                _panel_row(event, codes) for event in sorted(decision.qa_events.all(), key=lambda e: e.at)
            ]
            rows.append(row)
        part_of(case)["referrals"].append(
            {
                "referred_on": referral.referred_on,
                "route": referral.route,
                "panel": referral.panel.code if referral.panel else None,
                "referring_agency": referral.referring_agency.code if referral.referring_agency else None,
                "escalated_on": referral.escalated_on,
                "meetings": _meetings(items.get(referral.pk, []), own),
                "decisions": rows,
                "information_requests": [_panel_row(r, codes) for r in requests.get(referral.pk, [])],
            }
        )

    def case_for(panel_id: Any, referral_id: Any, on: date) -> Any:
        case = case_of_referral.get(referral_id) if referral_id is not None else None
        if case is not None and case.panel_id == panel_id:
            return case
        return case_by_dates(by_panel.get(panel_id, []), on)

    plans = list(
        JointPlan.objects.filter(child=child)
        .select_related("panel", "referral", "decision", "closure_meeting", "closed_by")
        .prefetch_related("actions__owner_agency", "reviews__reviewed_by")
        .order_by("agreed_on", "created_at")
    )
    for plan in plans:
        row = _panel_row(plan, codes)
        row["referral_referred_on"] = plan.referral.referred_on if plan.referral else None
        row["decision"] = (
            {"decision_type": plan.decision.decision_type, "decided_on": plan.decision.decided_on}
            if plan.decision is not None
            else None
        )
        row["actions"] = [
            _panel_row(a, codes) for a in sorted(plan.actions.all(), key=lambda a: (a.due_on, a.created_at))
        ]
        row["reviews"] = [
            _panel_row(r, codes)
            for r in sorted(plan.reviews.all(), key=lambda r: (r.reviewed_on, r.created_at))
        ]
        part_of(case_for(plan.panel_id, plan.referral_id, plan.agreed_on))["joint_plans"].append(row)

    orders = list(
        SafeguardingOrder.objects.filter(child=child)
        .select_related("panel", "referral")
        .prefetch_related(
            "conditions", "protected_against__held_by", "events", "breaches__reported_by_agency"
        )
        .order_by("created_at")
    )
    for order in orders:
        row = _panel_row(order, codes)
        row["referral_referred_on"] = order.referral.referred_on if order.referral else None
        row["conditions"] = [
            _panel_row(c, codes) for c in sorted(order.conditions.all(), key=lambda c: c.created_at)
        ]
        row["protected_against"] = [
            _panel_row(p, codes)
            for p in sorted(order.protected_against.all(), key=lambda p: (p.reference, p.created_at))
        ]
        row["events"] = [
            _panel_row(e, codes) for e in sorted(order.events.all(), key=lambda e: (e.on, e.created_at))
        ]
        row["breaches"] = [
            _panel_row(b, codes)
            for b in sorted(order.breaches.all(), key=lambda b: (b.occurred_on, b.created_at))
        ]
        drafted = timezone.localtime(order.created_at).date()
        part_of(case_for(order.panel_id, order.referral_id, drafted))["safeguarding_orders"].append(row)

    panel_cases = []
    for case in cases:
        # the sittings that discussed a case with no referral, and what they made of it
        parts[case.pk]["discussions"] = [
            _panel_row(d, codes) for d in case.discussions.select_related("meeting").order_by("created_at")
        ]
        row = _panel_row(case, codes)
        named = {"panel": row.pop("panel"), "panel_name": case.panel.name}
        panel_cases.append({**named, **row, **parts[case.pk]})
    panel: dict[str, Any] = {
        "pseudonymous_id": child.pseudonymous_id,
        "staff_names": "included" if with_staff_names else "withheld",
        "agencies": dict(Agency.objects.filter(code__in=codes).order_by("code").values_list("code", "name")),
        "panel_cases": panel_cases,
        "outside_panel_cases": outside,
    }
    pattern = None
    if not with_staff_names:
        panels = {c.panel_id for c in cases} | {r.panel_id for r in referrals if r.panel_id}
        panels |= {p.panel_id for p in plans} | {o.panel_id for o in orders}
        pattern = _withhold(_staff_names(panel, child.pseudonymous_id, panels, PanelMember))
    return _finish(panel, with_staff_names=with_staff_names, pattern=pattern)


def _staff_names(panel: dict[str, Any], pid: str, panels: set[Any], member_model: Any) -> set[str]:
    """Every staff name or username that free text in ``panel`` might hold: those its rows name, the
    usernames in the child's access history, the panels' members, and these people's full names."""
    found: set[str] = set()

    def sweep(value: Any) -> None:
        if isinstance(value, _Staff):
            found.add(str(value))
        elif isinstance(value, dict):
            for v in value.values():
                sweep(v)
        elif isinstance(value, list):
            for v in value:
                sweep(v)

    sweep(panel)
    found |= set(AuditEvent.objects.filter(child_pid=pid).values_list("username", flat=True).distinct())
    for member in member_model.objects.filter(panel_id__in=panels).select_related("user"):
        found.add(member.name)
        if member.user is not None:
            found |= {member.user.get_username(), member.user.get_full_name()}
    user_model = get_user_model()
    for user in user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": list(found)}):
        found.add(user.get_full_name())
    return {name.strip() for name in found if name and name.strip()}


def _finish(value: Any, *, with_staff_names: bool, pattern: re.Pattern[str] | None) -> Any:
    """``value`` with the staff-name rule applied: a name field holds :data:`STAFF_NAME_WITHHELD`
    (an empty one stays empty: nobody was named), and a name in free text is replaced by it, unless
    ``with_staff_names``. Times are UK time."""
    if isinstance(value, _Staff):
        return str(value) if with_staff_names else STAFF_NAME_WITHHELD
    if isinstance(value, _Text):
        return pattern.sub(STAFF_NAME_WITHHELD, value) if pattern is not None else str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value)
    if isinstance(value, dict):
        return {k: _finish(v, with_staff_names=with_staff_names, pattern=pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_finish(v, with_staff_names=with_staff_names, pattern=pattern) for v in value]
    return value


def _panel_counts(panel: dict[str, Any]) -> dict[str, int]:
    """How many of each kind ``panel`` holds (for the audit row and the cover note)."""
    counts = dict.fromkeys(PANEL_FIELDS, 0)
    counts["panel_cases"] = len(panel["panel_cases"])
    for part in [*panel["panel_cases"], panel["outside_panel_cases"]]:
        for referral in part["referrals"]:
            counts["panel_meetings"] += len(referral["meetings"])
            counts["panel_decisions"] += len(referral["decisions"])
            counts["information_requests"] += len(referral["information_requests"])
        counts["joint_plans"] += len(part["joint_plans"])
        counts["safeguarding_orders"] += len(part["safeguarding_orders"])
    return counts


def _panel_summary(counts: dict[str, int]) -> str:
    return (
        f"{_count(counts['panel_cases'], 'panel case')} "
        f"({_count(counts['panel_decisions'], 'decision')}, "
        f"{_count(counts['information_requests'], 'information request')}, "
        f"{_count(counts['joint_plans'], 'joint plan')}, "
        f"{_count(counts['safeguarding_orders'], 'Safeguarding Order')})"
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def subject_access_readme(response: SubjectAccessResponse) -> str:
    """The cover note: first what the controller must do before release, then a plain-English note
    for the person who asked."""
    compiled = timezone.localtime(response.compiled_at).strftime("%d %B %Y at %H:%M")
    pid = response.pseudonymous_id
    if response.with_staff_names:
        staff = (
            "Staff usernames are included (the username column of access-history.csv), and staff\n"
            "   names in panel.json, as the controller decided. Check that this is still the\n"
            "   decision for this request."
        )
        staff_note = "The username column names the member of staff who acted."
        panel_staff_note = "Panel members and other staff are named."
    else:
        staff = (
            "Staff names are withheld in access-history.csv: each row names the organisation and\n"
            "   the role, not the person, and a staff member's username found in a purpose or a note\n"
            f"   is replaced by {STAFF_NAME_WITHHELD}. In panel.json every field that names a member\n"
            "   of staff (panel members at a sitting or a decision, the person asked for information,\n"
            f"   an action's owner, whoever recorded something) holds {STAFF_NAME_WITHHELD}, and a\n"
            "   staff name or username found in the panel's free text is replaced the same way.\n"
            "   To include them, compile again with --with-staff-names into a new folder."
        )
        staff_note = "Each row says which organisation acted, and in what role."
        panel_staff_note = f"The names of panel members and other staff are shown as {STAFF_NAME_WITHHELD}."
    index_records = sum(1 for row in response.agency_records if row[3] == LINKED_INDEX)
    records_line = (
        f"{_count(len(response.agency_records), 'record')} listed"
        if response.agency_records
        else "none are linked to the child"
    )
    panel = response.panel_counts
    panel_line = (
        f"{_panel_summary(panel)}"
        if any(panel.values())
        else "the child's case has not been shared with a CCE panel"
    )
    return f"""\
DRAFT SUBJECT-ACCESS RESPONSE: CHECK IT BEFORE IT IS RELEASED
=============================================================

For the controller (remove this section before release).

This folder was compiled by ccehub on {compiled} for the child {pid},
for the purpose: {response.purpose}
It is a draft for a person to check, not to send unread. Before anything is released:

1. Read every file. Free text (notes, reasons, summaries, purposes, details, agreement
   purposes, and in panel.json the panel's rationales, questions and answers, plan notes and
   breach reports) can name other people: family members, friends, other children, professionals.
   Remove what the person asking is not entitled to, and keep a note of what you removed
   and why.
2. {staff}
   record.json names the professionals who recorded some facts or made decisions (fields
   such as decided_by_name, referred_by_name, decision_maker and a police protection's
   officer): decide whether they stay.
3. agency-records.csv: {_count(index_records, "record")} linked only by the person index
   (linked_by "{LINKED_INDEX}"). The index matches records by probability and can be wrong:
   confirm each one with the agency that holds it, or remove it.
4. panel.json: each Safeguarding Order lists the people it protects the child against
   (protected_against) by the reference of another agency's record, never by name. These are
   other people's records: decide with the agency named (held_by) whether to give them.
5. Decide with your data protection officer whether an exemption in the Data Protection Act
   2018 applies to any part (for example where release would prejudice the prevention or
   detection of crime, or cause serious harm), and check who is asking and their right to
   this child's information.
6. Answer within one month of receiving the request. The month can be extended by two
   further months for a complex request, if you tell the person asking within the first
   month.
7. The files are readable by their owner only. Keep them that way, send them securely, and
   delete this folder when the request is closed.

This compilation is recorded in ccehub's audit log (an export of "subject_access").


ABOUT THIS INFORMATION
======================

This pack answers a request for the information held about a child in ccehub, and for who
has seen it. In ccehub the child is known by the reference {pid}.

What ccehub is
--------------
ccehub is the shared record that police forces, local authority children's services, youth
justice services, health services and the local child criminal exploitation (CCE) panel use
together when a child may be being criminally exploited, for example in "county lines" drug
dealing. It holds what these organisations need to work together for the child. Each of them
also keeps its own, fuller records in its own systems.

The files
---------
record.json
    Everything ccehub holds in the child's record: name, other names, date of birth,
    addresses, ethnicity and NHS number; the child's profile; the vulnerability register;
    incidents, arrests, charges and court outcomes; National Referral Mechanism (NRM)
    referrals and decisions; child protection and other plans, meetings and orders; missing
    episodes and placements; and the decisions ccehub's rules suggested after an incident.
    It is a structured text file (JSON) that opens in any text editor.

access-history.csv
    Every time the record was looked at, recorded in, changed, exported, found by a look-up,
    or someone was refused access to it, oldest first ({_count(len(response.history), "row")}).
    Times are UK time. {staff_note}
    The columns say what was done (Viewed, Created, Updated, Exported, Looked up, Access
    refused), to what part of the record, through which route (web, API, command line,
    admin), the reason recorded, and on what basis it was allowed:
      own_records                the organisation holds the child's record
      panel_case                 the case was shared with the CCE panel
      data_sharing_agreement:N   under agreement N, listed in agencies.csv
      emergency_access:N         one person's emergency access, reviewed afterwards
      system                     the service's operator, or ccehub itself
    The fields column lists the kinds of information seen or changed, never their values.

agencies.csv
    Which organisations hold or held the child's record in ccehub, and since when ("holding";
    "until" is when an organisation stopped); the CCE panel cases the child's case was shared
    with ("panel_case"); the data-sharing agreements under which another organisation
    could see the record ("data_sharing_agreement"), with their purpose and legal basis; and
    the organisations told about the child, for example that the child was reported missing
    ("notification"), with what they were told and by whom.

agency-records.csv
    The organisations' own records of the child that ccehub's person index uses to answer
    "is this child already known?": the organisation and its own record number
    ({records_line}).

panel.json
    What the child criminal exploitation (CCE) panel holds about the child:
    {panel_line}.
    For each panel case: when it was shared and by whom, and how it was closed; the National
    Referral Mechanism referrals the panel dealt with, with the panel meetings that heard each
    one (the date, who sat, what was decided about the child), the panel's decisions and their
    reasons, the Home Office's check of them, and the questions the panel asked other
    professionals with their answers; the joint plans, with their actions and reviews; and the
    Safeguarding Orders, with their conditions, history and any breaches. {panel_staff_note}
    Values such as "rg_positive" or "breach_reported" are the codes ccehub records; the
    organisations' codes are named in its "agencies" list. A structured text file (JSON).

README.txt
    This note.

What is not included, and why
-----------------------------
- The organisations' own records. ccehub holds only what they share for working together.
  Ask each organisation named in agencies.csv and agency-records.csv (its data protection
  officer) for what it holds.
- The contents of the records in agency-records.csv. ccehub keeps a copy of what each
  organisation's extract said (name, date of birth, sex, postcode, some safeguarding facts and
  the allocated worker's contact) to answer the look-up; the organisation that sent it holds
  the original.
- Information about other people, where it has been removed (see above).
- The minutes of the panel's meetings, and the other cases heard at them: minutes are written
  for the whole meeting, about every child heard there. panel.json gives, for each meeting
  that heard the child's case, only its date, who sat and what was decided about the child.
- Searches in which someone typed the child's name or another reference that is not ccehub's
  reference: the log keeps these only as a code that cannot be linked back to the child, so
  they cannot be listed.
- Copies of the same information in backups and server logs.
"""
