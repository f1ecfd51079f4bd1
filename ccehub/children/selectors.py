"""Reads about children. Always scoped to the actor; every read of a child is audited.

Views, API endpoints, exports and CLI commands all read children through these functions, so the
access rules and the audit row cannot be forgotten by any one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import ForeignKey, Prefetch, QuerySet

from ccehub.agencies.models import Agency
from ccehub.audit.models import Action, AuditEvent, Channel
from ccehub.audit.services import audit_event, audit_record, audit_records
from ccehub.children.models import FIG3_ORDER, Child, Identity, VulnerabilityFactor, VulnerabilityFlag
from ccehub.common.access import (
    Actor,
    access_bases,
    access_basis,
    identity_allowed,
    is_emergency_basis,
    visible_children_q,
)
from ccehub.common.models import TriState
from ccehub.nrm.models import NRMDecision
from ccehub.rules.retention import OpenMatter, RetentionPolicy, RetentionReview, retention_review

MSG_CHILD_NOT_FOUND = "No child with that reference is available to you"
MSG_EMERGENCY_NO_EXPORT = "A record seen under emergency access cannot be exported"
MSG_EMERGENCY_NO_API = "A record seen under emergency access is read on screen, not through the API"

#: Sections of a child's record, and the audit field names each reveals.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "profile": (
        "pseudonymous_id",
        "sex",
        "home_local_authority",
        "home_police_force",
        "risk_level",
        "looked_after",
    ),
    "identity": (
        "given_name",
        "family_name",
        "aliases",
        "date_of_birth",
        "addresses",
        "ethnicity",
        "nhs_number",
    ),
    "vulnerabilities": ("vulnerabilities",),
    "incidents": ("incidents",),
    "justice": ("arrests", "charges", "court_outcomes", "record_conflicts"),
    "nrm": ("nrm_referrals",),
    "safeguarding": (
        "plans",
        "strategy_meetings",
        "care_orders",
        "secure_orders",
        "police_protections",
        "yot_checks",
        "contextual_risks",
        "service_referrals",
        "debt_risks",
    ),
    "missing": ("missing_episodes",),
    "placements": ("placements",),
    "triage": ("triage_decisions",),
    "crisis": ("crisis_responses",),
}
ALL_SECTIONS: tuple[str, ...] = tuple(SECTION_FIELDS)


class ChildNotFound(Exception):
    """The child does not exist or the actor has no basis to see it (deliberately indistinguishable)."""

    def __init__(self, message: str = MSG_CHILD_NOT_FOUND) -> None:
        super().__init__(message)


def merged_flag(values: list[str]) -> str:
    """DOMAIN §6.3.4 merge rule: present if any source says present; else unknown if any says
    unknown; else not recorded (an explicit 'absent' prints like 'not recorded' in Fig 3)."""
    if TriState.RECORDED_PRESENT in values:
        return TriState.RECORDED_PRESENT
    if TriState.UNKNOWN in values:
        return TriState.UNKNOWN
    if TriState.RECORDED_ABSENT in values:
        return TriState.RECORDED_ABSENT
    return TriState.NOT_RECORDED


def vulnerability_summary(
    flags: list[VulnerabilityFlag], *, before_incident_only: bool = False
) -> dict[str, str]:
    """Merged tri-state value per Fig 3 factor, in the report's order."""
    by_factor: dict[str, list[str]] = {f: [] for f in FIG3_ORDER}
    for flag in flags:
        if before_incident_only and flag.relative_to_incident != "before":
            continue
        by_factor.setdefault(flag.factor, []).append(flag.value)
    return {factor: merged_flag(values) for factor, values in by_factor.items() if factor in FIG3_ORDER}


@dataclass
class ChildRecord:
    """What one actor may see of one child, assembled in one place."""

    child: Child
    basis: str
    identity: Identity | None
    pseudonymised: bool
    sections: tuple[str, ...]
    vulnerabilities: dict[str, str] = field(default_factory=dict)
    vulnerability_flags: list[VulnerabilityFlag] = field(default_factory=list)
    related: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def date_of_birth(self) -> date | None:
        return self.identity.date_of_birth if self.identity else None


def child_list(*, actor: Actor, search: str = "") -> QuerySet[Child]:
    """Children the actor may see (never an unscoped queryset)."""
    qs = Child.objects.select_related("home_local_authority", "home_police_force")
    if actor.system:
        scoped = qs.all()
    elif actor.agency is None or not actor.can_read_cases:
        scoped = qs.none()
    else:
        scoped = qs.filter(visible_children_q(actor.agency)).distinct()
    if search:
        term = search.strip()
        scoped = scoped.filter(pseudonymous_id__icontains=term) | scoped.filter(
            display_pseudonym__icontains=term
        )
    return scoped.order_by("cohort", "cohort_position", "pseudonymous_id")


def _search_for_audit(search: str, found: int) -> str:
    """A list's search as the append-only audit log keeps it. Only pseudonymous IDs and case-study
    names are searched, so a search that found a child is part of one of those and is kept as typed;
    one that found nobody may be a real name (or worse) typed into the wrong box, and is kept as a
    keyed digest (the same text gives the same digest, so repeated searches can still be compared)."""
    from django.utils.crypto import salted_hmac

    if not search:
        return ""
    if found:
        return f" matching {search!r}"
    digest = salted_hmac("ccehub.children.search", search, algorithm="sha256").hexdigest()[:16]
    return f" matching nothing (search not kept: {len(search)} characters, digest {digest})"


def child_page_audited(
    *, actor: Actor, search: str = "", offset: int = 0, limit: int
) -> tuple[list[Child], int]:
    """One page of :func:`child_list` and the number of children in all pages (the API's list)."""
    scoped = child_list(actor=actor, search=search)
    total = scoped.count()
    children = list(scoped[offset : offset + limit]) if offset < total else []
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="child_list",
        fields=["pseudonymous_id", "sex", "home_local_authority"],
        detail=f"{len(children)} of {total} children listed (from {offset})"
        + _search_for_audit(search, total),
    )
    return children, total


def child_list_page(*, actor: Actor, search: str = "", page: Any, per_page: int) -> Page[Child]:
    """One page of :func:`child_list` for the web (a page number out of range or not a number gives the
    nearest page), audited as that page."""
    paged = Paginator(child_list(actor=actor, search=search), per_page).get_page(page)
    children = list(paged.object_list)
    paged.object_list = children
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="child_list",
        fields=["pseudonymous_id", "sex", "home_local_authority"],
        detail=f"{len(children)} of {paged.paginator.count} children listed (page {paged.number})"
        + _search_for_audit(search, paged.paginator.count),
    )
    return paged


#: Shaped like a pseudonymous ID (:func:`ccehub.children.models.new_pseudonymous_id`): ``CH-`` and
#: letters, digits and hyphens, 16 characters at most (earlier IDs were shorter).
_PID_SHAPE = re.compile(r"CH-[0-9A-Z-]{1,13}")


def reference_for_audit(pid: str) -> tuple[str, str]:
    """A child reference that names no child, as the audit log keeps it: as typed when it is shaped
    like a pseudonymous ID (a mistyped or probed one), else as a keyed digest (it may be a real name
    typed into the address bar, and the log is append-only)."""
    from django.utils.crypto import salted_hmac

    typed = pid.strip().upper()
    if _PID_SHAPE.fullmatch(typed):
        return typed, "no such child"
    digest = salted_hmac("ccehub.children.reference", typed, algorithm="sha256").hexdigest()[:16]
    return "", f"no such child (reference not kept: {len(typed)} characters, digest {digest})"


def _refusal(
    *, actor: Actor, pid: str, child: Child | None, basis: str | None, action: str
) -> tuple[AuditEvent, str] | None:
    """Why ``actor`` may not have ``action`` on the child found (or not) by ``pid`` on ``basis``:
    the audit row (unwritten) and the message for :class:`ChildNotFound`; ``None`` when it may."""
    if child is None or basis is None:
        reference, why = pid.strip().upper()[:16], "no recorded basis"
        if child is None:
            reference, why = reference_for_audit(pid)
        event = audit_event(
            actor=actor,
            action=Action.DENIED,
            object_type="child",
            child_pid=reference,
            detail=f"refused {action}: {why}",
        )
        return event, MSG_CHILD_NOT_FOUND
    if is_emergency_basis(basis) and (action == Action.EXPORT or actor.channel == Channel.API):
        # Emergency access is for reading the record on screen, not for taking a copy away: a
        # download, or the same JSON fetched by a system holding the officer's token.
        why = MSG_EMERGENCY_NO_EXPORT if action == Action.EXPORT else MSG_EMERGENCY_NO_API
        event = audit_event(
            actor=actor,
            action=Action.DENIED,
            object_type="child",
            child_pid=child.pseudonymous_id,
            basis=basis,
            detail=f"refused {action}: {why}",
        )
        return event, why
    return None


def _resolve(*, actor: Actor, pid: str, action: str) -> tuple[Child, str]:
    child = (
        Child.objects.select_related("home_local_authority", "home_police_force")
        .filter(pseudonymous_id=pid.strip().upper())
        .first()
    )
    basis = access_basis(actor, child) if child is not None else None
    refused = _refusal(actor=actor, pid=pid, child=child, basis=basis, action=action)
    if refused is not None:
        event, message = refused
        audit_records([event])
        raise ChildNotFound(message)
    assert child is not None and basis is not None
    return child, basis


def _read_event(actor: Actor, record: ChildRecord, action: str) -> AuditEvent:
    """The audit row of ``actor``'s ``action`` on ``record`` (unwritten)."""
    return audit_event(
        actor=actor,
        action=action,
        object_type="child",
        object_id=record.child.pk,
        child_pid=record.child.pseudonymous_id,
        fields=revealed_fields(record),
        basis=record.basis,
    )


def child_get(
    *,
    actor: Actor,
    pid: str,
    sections: tuple[str, ...] = ALL_SECTIONS,
    action: str = Action.VIEW,
) -> ChildRecord:
    """A child's record as ``actor`` may see it. Raises :class:`ChildNotFound`; audits either way."""
    child, basis = _resolve(actor=actor, pid=pid, action=action)
    show_identity = "identity" in sections and identity_sight(actor, basis)
    record = _assemble(child, basis, sections=sections, show_identity=show_identity)
    audit_records([_read_event(actor, record, action)])
    return record


def child_get_many(
    *,
    actor: Actor,
    pids: Sequence[str],
    sections: tuple[str, ...] = ALL_SECTIONS,
    action: str = Action.VIEW,
) -> list[ChildRecord | None]:
    """:func:`child_get` for each of ``pids``, in a fixed number of queries however many there are:
    one record per reference, in order, or ``None`` where :func:`child_get` would raise
    :class:`ChildNotFound`.

    The same scoping and the same audit: one row per reference (a read, or a refusal), each exactly
    the row :func:`child_get` writes, in the order of ``pids``, written together in one INSERT.
    """
    keys = [pid.strip().upper() for pid in pids]
    found = {
        child.pseudonymous_id: child
        for child in Child.objects.select_related("home_local_authority", "home_police_force").filter(
            pseudonymous_id__in=set(keys)
        )
    }
    bases = access_bases(actor, found.values())
    sight: dict[str, bool] = {}
    outcomes: list[AuditEvent | Any] = []  # each reference's refusal, or the child read
    to_read: dict[Any, tuple[Child, str, bool]] = {}
    for pid, key in zip(pids, keys, strict=True):
        child = found.get(key)
        basis = bases[child.pk] if child is not None else None
        refused = _refusal(actor=actor, pid=pid, child=child, basis=basis, action=action)
        if refused is not None:
            outcomes.append(refused[0])
            continue
        assert child is not None and basis is not None
        if basis not in sight:
            sight[basis] = "identity" in sections and identity_sight(actor, basis)
        to_read[child.pk] = (child, basis, sight[basis])
        outcomes.append(child.pk)
    records = dict(zip(to_read, _assemble_many(list(to_read.values()), sections=sections), strict=True))
    events: list[AuditEvent] = []
    out: list[ChildRecord | None] = []
    for outcome in outcomes:
        if isinstance(outcome, AuditEvent):
            events.append(outcome)
            out.append(None)
        else:
            events.append(_read_event(actor, records[outcome], action))
            out.append(records[outcome])
    audit_records(events)
    return out


def identity_sight(actor: Actor, basis: str) -> bool:
    """Whether ``actor``, on ``basis``, sees the child's identity (and so the record in full)."""
    return identity_allowed(actor, basis) and not actor.is_analyst


def revealed_fields(record: ChildRecord) -> list[str]:
    """The audit field names of what ``record`` shows."""
    revealed: list[str] = []
    for section in record.sections:
        revealed.extend(SECTION_FIELDS.get(section, ()))
    return revealed


def _assemble(child: Child, basis: str, *, sections: tuple[str, ...], show_identity: bool) -> ChildRecord:
    """The record of ``child`` with the given sections. Not audited: callers resolve the actor's basis
    first (:func:`_resolve`) and write the audit row themselves (:func:`child_get`, and the
    subject-access response in :mod:`ccehub.children.subject_access`)."""
    return _assemble_many([(child, basis, show_identity)], sections=sections)[0]


def _joined(qs: QuerySet[Any]) -> QuerySet[Any]:
    """``qs`` with every foreign key to an agency or a person joined in.

    The chronology names agencies and the JSON export writes each row's agency code and person's
    username: read lazily, that was one query per row, so a long history cost a query per fact.
    """
    targets = (Agency, get_user_model())
    names = [
        f.name
        for f in qs.model._meta.concrete_fields
        if isinstance(f, ForeignKey) and f.related_model in targets
    ]
    return qs.select_related(*names)


def _nrm_referrals(qs: QuerySet[Any]) -> QuerySet[Any]:
    return _joined(qs.order_by("referred_on")).prefetch_related(
        Prefetch("decisions", queryset=_joined(NRMDecision.objects.all()))
    )


def _triage_decisions(qs: QuerySet[Any]) -> QuerySet[Any]:
    # The child page names each decision's incident and counts its actions; the panel's papers ask
    # whether each is current (``is_current`` reads the decision that supersedes it, if any).
    return (
        _joined(qs.order_by("-decided_at"))
        .select_related("incident", "superseded_by")
        .prefetch_related("actions")
    )


#: What each section reads besides the child: (section, the child's relation and the key in
#: ``ChildRecord.related``, how its rows are read). One query per relation for any number of children.
RELATED_READS: tuple[tuple[str, str, Callable[[QuerySet[Any]], QuerySet[Any]]], ...] = (
    ("incidents", "incidents", lambda qs: _joined(qs.order_by("occurred_at"))),
    ("justice", "arrests", lambda qs: _joined(qs.order_by("arrested_at"))),
    ("justice", "charges", lambda qs: qs.order_by("charged_on")),
    ("justice", "court_outcomes", lambda qs: qs.order_by("decided_on")),
    ("justice", "conflicts", lambda qs: _joined(qs.order_by("created_at"))),
    ("nrm", "nrm_referrals", _nrm_referrals),
    ("safeguarding", "plans", lambda qs: _joined(qs.order_by("started_on"))),
    ("safeguarding", "strategy_meetings", lambda qs: _joined(qs.order_by("held_on"))),
    ("safeguarding", "care_orders", lambda qs: qs.order_by("started_on")),
    ("safeguarding", "secure_orders", lambda qs: qs.order_by("made_on")),
    (
        "safeguarding",
        "police_protections",
        lambda qs: _joined(qs.order_by("started_at")).select_related("force", "disputed_placement"),
    ),
    ("safeguarding", "yot_checks", lambda qs: _joined(qs.order_by("asked_on"))),
    ("safeguarding", "contextual_risks", lambda qs: _joined(qs.order_by("recorded_on"))),
    ("safeguarding", "service_referrals", lambda qs: _joined(qs.order_by("made_on", "created_at"))),
    (
        "safeguarding",
        "debt_risks",
        lambda qs: _joined(qs.order_by("known_on", "created_at")).select_related("arrest"),
    ),
    ("missing", "missing_episodes", lambda qs: _joined(qs.order_by("started_at"))),
    ("placements", "placements", lambda qs: _joined(qs.order_by("started_on"))),
    ("triage", "triage_decisions", _triage_decisions),
    (
        "crisis",
        "crisis_responses",
        lambda qs: _joined(qs.order_by("-triggered_on", "-created_at")).select_related("panel_case__panel"),
    ),
)


def _rows_by_child(
    children: list[Child], relation: str, read: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> dict[Any, list[Any]]:
    """The rows of ``relation`` for each of ``children`` (by primary key), read with ``read`` in one
    query, each child's in the order ``read`` gives them; each row knows its child (as when read
    through the child's own related manager)."""
    rel = Child._meta.get_field(relation)
    fk = rel.field  # type: ignore[union-attr]
    by_pk = {child.pk: child for child in children}
    rows: dict[Any, list[Any]] = {pk: [] for pk in by_pk}
    queryset = rel.related_model._default_manager.filter(**{f"{fk.name}__in": list(by_pk)})  # type: ignore[union-attr]
    for row in read(queryset):
        child_id = getattr(row, fk.attname)
        fk.set_cached_value(row, by_pk[child_id])
        rows[child_id].append(row)
    return rows


def _assemble_many(reads: list[tuple[Child, str, bool]], *, sections: tuple[str, ...]) -> list[ChildRecord]:
    """:func:`_assemble` for each ``(child, basis, show_identity)``, in one query per section's
    relation whatever the number of children. Not audited (the callers audit)."""
    children = list({child.pk: child for child, _, _ in reads}.values())
    shown = [child.pk for child, _, show_identity in reads if show_identity]
    identities: dict[Any, Identity] = {}
    if shown:
        for identity in (
            Identity.objects.filter(child_id__in=shown)
            .prefetch_related("aliases", "addresses")
            .order_by("pk")
        ):
            identities.setdefault(identity.child_id, identity)
    flags: dict[Any, list[VulnerabilityFlag]] = {}
    if "vulnerabilities" in sections and children:
        flags = _rows_by_child(
            children,
            "vulnerabilities",
            lambda qs: qs.select_related("source_agency").order_by("factor", "recorded_on"),
        )
    related: dict[str, dict[Any, list[Any]]] = {}
    if children:
        for section, relation, read in RELATED_READS:
            if section in sections and hasattr(Child, relation):
                related[relation] = _rows_by_child(children, relation, read)
    records = []
    for child, basis, show_identity in reads:
        identity = identities.get(child.pk) if show_identity else None
        visible_sections = tuple(s for s in sections if s != "identity" or identity is not None)
        record = ChildRecord(
            child=child,
            basis=basis,
            identity=identity,
            pseudonymised=identity is None,
            sections=visible_sections,
        )
        if "vulnerabilities" in sections:
            record.vulnerability_flags = list(flags[child.pk])
            record.vulnerabilities = vulnerability_summary(record.vulnerability_flags)
        record.related = {relation: list(rows[child.pk]) for relation, rows in related.items()}
        records.append(record)
    return records


def factor_label(code: str) -> str:
    return str(VulnerabilityFactor(code).label)


#: Days after an emergency access ends within which its review is due (the dashboard's reminder says
#: "Overdue" after that). A working week and a weekend: long enough for a reviewer who works part-time.
EMERGENCY_REVIEW_DAYS = 7


def emergency_accesses_to_review(*, user: Any, agency: Agency | None) -> QuerySet[Any]:
    """The emergency accesses waiting for ``user``'s review, oldest first: the admin's own rule
    (``EmergencyAccessAdmin``). Only staff who may change them; a superuser reviews any, anyone else
    those to children ``agency`` holds; nobody their own."""
    from ccehub.children.models import CaseHolding, EmergencyAccess

    waiting = EmergencyAccess.objects.filter(reviewed_at__isnull=True).order_by("expires_at", "pk")
    if not (user.is_active and user.is_staff and user.has_perm("children.change_emergencyaccess")):
        return waiting.none()
    waiting = waiting.exclude(user=user)
    if user.is_superuser:
        return waiting
    if agency is None:
        return waiting.none()
    return waiting.filter(child__in=CaseHolding.objects.current().filter(agency=agency).values("child"))


# --- Reviewing an agency's holdings (known gap 4) -------------------------------------------------

MSG_HOLDING_REVIEW_ROLE = "Only an administrator of the agency, or the operator, can list its holdings"
#: The columns of the review list: pseudonymous IDs and dates about the holding, never identity.
HOLDING_REVIEW_COLUMNS: tuple[str, ...] = ("pseudonymous_id", "basis", "held_since", "last_activity")


@dataclass(frozen=True)
class HoldingReviewRow:
    """One current holding, for a periodic review of whether the agency still needs it."""

    pseudonymous_id: str
    basis: str
    held_since: date
    last_activity: date | None

    @property
    def active_on(self) -> date:
        """The last day the holding shows any life: the latest activity, or the day it began."""
        return max(self.held_since, self.last_activity or self.held_since)

    def cells(self) -> list[str]:
        last = self.last_activity.isoformat() if self.last_activity else ""
        return [self.pseudonymous_id, self.basis, self.held_since.isoformat(), last]


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    import calendar

    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _local_day(moment: Any) -> date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def last_activity_annotations(*, via: str = "", agency: Agency | None = None) -> dict[str, Any]:
    """Annotations ``last_write`` and ``last_incident``: when the latest work on a child's record was
    written, and when the latest identifying incident took place. Their latest day
    (:func:`last_activity_day`) is the record's *last activity*, for the holdings review and the
    retention review alike.

    A write is an audit row of ``create`` or ``update`` about the child, on the web, the API or the
    CLI. Reads, exports and refusals are not work with the child (sight is what a holding gives, not a
    reason to keep the record), nor is administration in the Django admin (reviewing an emergency
    access), nor the bookkeeping of who holds the record (ending a holding). An incident counts on the
    day it happened, which also covers incidents loaded by the operator.

    ``via`` is the path from the model being queried to the child ("" when it is ``Child`` itself,
    ``"child"`` for a holding). With ``agency``, only that agency's own writes (by someone acting for
    it) and the incidents it recorded or made the arrest in.
    """
    from django.db.models import OuterRef, Q, Subquery

    from ccehub.audit.models import AuditEvent
    from ccehub.incidents.models import IdentifyingIncident

    writes = (
        AuditEvent.objects.filter(
            child_pid=OuterRef(f"{via}__pseudonymous_id" if via else "pseudonymous_id"),
            action__in=[Action.CREATE, Action.UPDATE],
        )
        .exclude(channel=Channel.ADMIN)
        .exclude(object_type="case_holding")
    )
    incidents = IdentifyingIncident.objects.filter(child=OuterRef(via or "pk"))
    if agency is not None:
        writes = writes.filter(agency_code=agency.code)
        incidents = incidents.filter(Q(recording_agency=agency) | Q(arresting_force=agency))
    return {
        "last_write": Subquery(writes.order_by("-at").values("at")[:1]),
        "last_incident": Subquery(incidents.order_by("-occurred_at").values("occurred_at")[:1]),
    }


def last_activity_day(*moments: Any) -> date | None:
    """The latest local day of ``moments`` (``None`` among them is skipped; all ``None``: ``None``)."""
    return max((_local_day(moment) for moment in moments if moment is not None), default=None)


def holdings_review(
    *,
    actor: Actor,
    agency: Agency,
    not_active_for_months: int | None = None,
    today: date | None = None,
) -> list[HoldingReviewRow]:
    """The current holdings of ``agency``, stalest first, for its periodic review; audited as an export.

    ``last_activity`` is the latest day on which the agency itself did something recorded about the
    child: a write (``create`` or ``update`` audit row) by someone acting for the agency, on the web,
    the API or the CLI; or an identifying incident it recorded or made the arrest in (the day it
    happened, which also covers incidents loaded for it by the operator): the measure of
    :func:`last_activity_annotations`, scoped to the agency. Reads, exports and refusals are not
    activity (sight is what a holding gives, not a reason to keep it), nor is administration in the
    Django admin (reviewing an emergency access) or ending a holding. Facts that name no agency
    (flags from a research return, plans, placements) are not counted: this is a prompt to review,
    not proof that the agency has no work with the child.

    With ``not_active_for_months``, only holdings with no activity (and not begun) on or after the
    same day that many calendar months before ``today`` are listed.

    Raises:
        PermissionDenied: ``actor`` is neither the operator nor an administrator of ``agency``
            (audited as ``denied``).
    """
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from ccehub.children.models import CaseHolding
    from ccehub.children.services import may_end_holdings

    if not may_end_holdings(actor, agency):
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="case_holding",
            detail=f"refused export: {MSG_HOLDING_REVIEW_ROLE}",
        )
        raise PermissionDenied(MSG_HOLDING_REVIEW_ROLE)
    holdings = (
        CaseHolding.objects.current()
        .filter(agency=agency)
        .annotate(**last_activity_annotations(via="child", agency=agency))
        .values_list("child__pseudonymous_id", "basis", "created_at", "last_write", "last_incident")
    )
    rows = []
    for pid, basis, created_at, last_write, last_incident in holdings:
        rows.append(
            HoldingReviewRow(pid, basis, _local_day(created_at), last_activity_day(last_write, last_incident))
        )
    detail = ""
    if not_active_for_months is not None:
        since = months_before(today or timezone.localdate(), not_active_for_months)
        rows = [row for row in rows if row.active_on < since]
        detail = f", not active for {not_active_for_months} months (nothing since {since.isoformat()})"
    rows.sort(key=lambda row: (row.active_on, row.pseudonymous_id, row.basis))
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type="case_holding",
        fields=HOLDING_REVIEW_COLUMNS,
        detail=f"{len(rows)} current holding{'s' if len(rows) != 1 else ''} of {agency.code} listed{detail}",
    )
    return rows


# --- Retention review (known gap 10) --------------------------------------------------------------


def retention_policy() -> RetentionPolicy:
    """The controller's retention periods, from settings ``CCEHUB_RETENTION_YEARS_AFTER_18`` and
    ``CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY`` (checked when the settings load)."""
    from django.conf import settings

    return RetentionPolicy(
        years_after_18=settings.CCEHUB_RETENTION_YEARS_AFTER_18,
        years_after_activity=settings.CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY,
    )


MSG_RETENTION_ROLE = "Only the operator can list the children due for a retention review"
#: The columns of the retention review list: pseudonymous IDs and dates about the record, never
#: identity. ``due_month`` is a month, not a day: when the age rule decides, the day would be a
#: birthday, and so give away the date of birth.
RETENTION_REVIEW_COLUMNS: tuple[str, ...] = (
    "pseudonymous_id",
    "status",
    "due_month",
    "reasons",
    "last_activity",
    "holders",
)
STATUS_DUE = "due"
STATUS_HELD = "held open"


def open_matter_rows() -> dict[OpenMatter, QuerySet[Any]]:
    """For each kind of open matter, the rows that are one (each has a ``child``).

    * NRM referral: not concluded in the NRM's own sense (:func:`ccehub.nrm.selectors.referral_concluded`:
      a negative RG, any CG, or a report row whose stage was not stated).
    * Panel case, joint plan: not closed.
    * Safeguarding order: anything but refused, discharged or expired (a draft is being applied for).
    * Criminal charge: charged, stayed pending the CG decision, or in court.
    * Investigation: an arrest whose outcome is bail or release under investigation.
    * Child plan (CIN, CP, care, the joint plan's mirror …), care order: no end date.
    """
    from django.db.models import Exists, OuterRef, Q

    from ccehub.justice.models import Arrest, ArrestOutcome, Charge, ChargeStatus
    from ccehub.nrm.models import DecisionOutcome, DecisionStage, NRMReferral
    from ccehub.panels.models import JointPlan, OrderStatus, PanelCase, SafeguardingOrder
    from ccehub.safeguarding.models import CareOrder, ChildPlan

    concluding = NRMDecision.objects.filter(referral=OuterRef("pk")).filter(
        Q(stage__in=[DecisionStage.CONCLUSIVE_GROUNDS, DecisionStage.UNSTATED])
        | Q(stage=DecisionStage.REASONABLE_GROUNDS, outcome=DecisionOutcome.NEGATIVE)
    )
    return {
        OpenMatter.NRM_REFERRAL: NRMReferral.objects.exclude(Exists(concluding)),
        OpenMatter.PANEL_CASE: PanelCase.objects.filter(closed_on__isnull=True),
        OpenMatter.SAFEGUARDING_ORDER: SafeguardingOrder.objects.exclude(
            status__in=[
                OrderStatus.REFUSED,
                OrderStatus.DISCHARGED,
                OrderStatus.EXPIRED,
                OrderStatus.WITHDRAWN,
            ]
        ),
        OpenMatter.JOINT_PLAN: JointPlan.objects.filter(closed_on__isnull=True),
        OpenMatter.CRIMINAL_CHARGE: Charge.objects.filter(
            status__in=[ChargeStatus.CHARGED, ChargeStatus.STAYED_PENDING_CG, ChargeStatus.COURT_PROCEEDINGS]
        ),
        OpenMatter.INVESTIGATION: Arrest.objects.filter(
            outcome__in=[ArrestOutcome.RUI, ArrestOutcome.BAILED]
        ),
        OpenMatter.CHILD_PLAN: ChildPlan.objects.filter(ended_on__isnull=True),
        OpenMatter.CARE_ORDER: CareOrder.objects.filter(ended_on__isnull=True),
    }


def _retention_facts() -> QuerySet[Child]:
    """Children annotated with what the retention rule needs: date of birth, last activity, and one
    flag per kind of open matter (``open_<name>``), in one query."""
    from django.db.models import Exists, F, OuterRef

    opens = {
        f"open_{matter.name.lower()}": Exists(rows.filter(child=OuterRef("pk")))
        for matter, rows in open_matter_rows().items()
    }
    return Child.objects.annotate(
        dob=F("identity__date_of_birth"),
        dob_estimated=F("identity__date_of_birth_estimated"),
        **last_activity_annotations(),
        **opens,
    ).order_by()


def _review_of(child: Child, *, on: date, policy: RetentionPolicy) -> tuple[RetentionReview, date]:
    """The rule's review of an annotated child (:func:`_retention_facts`), and its last activity: the
    latest write or incident, or the day the record was made when there is neither (a bulk load)."""
    facts: Any = child
    last = last_activity_day(facts.last_write, facts.last_incident, facts.created_at)
    assert last is not None  # created_at is never empty
    matters = [matter for matter in OpenMatter if getattr(facts, f"open_{matter.name.lower()}")]
    review = retention_review(
        date_of_birth=facts.dob,
        date_of_birth_estimated=bool(facts.dob_estimated),
        last_activity=last,
        open_matters=matters,
        policy=policy,
        on=on,
    )
    return review, last


def child_retention(*, child: Child, on: date, policy: RetentionPolicy | None = None) -> RetentionReview:
    """Whether ``child``'s record is due for a retention review on ``on`` (the settings' policy unless
    ``policy``), and why. Not audited: the caller (the erasure) audits what it does with it."""
    annotated = _retention_facts().get(pk=child.pk)
    return _review_of(annotated, on=on, policy=policy or retention_policy())[0]


@dataclass(frozen=True)
class RetentionRow:
    """One child in the retention review list."""

    pseudonymous_id: str
    review: RetentionReview
    last_activity: date
    holders: tuple[str, ...]

    @property
    def status(self) -> str:
        return STATUS_DUE if self.review.due else STATUS_HELD

    def cells(self) -> list[str]:
        return [
            self.pseudonymous_id,
            self.status,
            self.review.due_on.strftime("%Y-%m"),
            "; ".join(self.review.reasons),
            self.last_activity.isoformat(),
            ";".join(self.holders),
        ]


#: Children read from the database at a time by the retention review.
RETENTION_CHUNK = 2000


def retention_review_list(
    *,
    actor: Actor,
    as_of: date,
    include_held: bool = False,
    policy: RetentionPolicy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RetentionRow]:
    """The children whose record is due for a retention review on ``as_of``, longest due first
    (:func:`ccehub.rules.retention.retention_review`, with the settings' policy unless ``policy``).
    With ``include_held``, also those whose dates have passed but which a matter still open keeps
    (status "held open"). Audited as one export; only the operator (the system actor) may list.

    ``progress(advance, total)`` is called as children are read, for a progress bar.

    Raises:
        PermissionDenied: ``actor`` is not the operator (:data:`MSG_RETENTION_ROLE`; audited as
            ``denied``).
    """
    from django.core.exceptions import PermissionDenied

    from ccehub.children.models import CaseHolding

    if not actor.system:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="retention_review",
            detail=f"refused export: {MSG_RETENTION_ROLE}",
        )
        raise PermissionDenied(MSG_RETENTION_ROLE)
    policy = policy or retention_policy()
    total = Child.objects.count()
    found: list[tuple[Child, RetentionReview, date]] = []
    batch = 0
    for child in _retention_facts().only("pk", "pseudonymous_id", "created_at").iterator(RETENTION_CHUNK):
        review, last = _review_of(child, on=as_of, policy=policy)
        if review.due or (include_held and review.due_on <= as_of):
            found.append((child, review, last))
        batch += 1
        if progress is not None and batch == RETENTION_CHUNK:
            progress(batch, total)
            batch = 0
    if progress is not None and batch:
        progress(batch, total)
    holders: dict[Any, list[str]] = {}
    ids = [child.pk for child, _, _ in found]
    for start in range(0, len(ids), RETENTION_CHUNK):
        for child_id, code in (
            CaseHolding.objects.current()
            .filter(child_id__in=ids[start : start + RETENTION_CHUNK])
            .values_list("child_id", "agency__code")
            .distinct()
        ):
            holders.setdefault(child_id, []).append(code)
    rows = [
        RetentionRow(child.pseudonymous_id, review, last, tuple(sorted(set(holders.get(child.pk, [])))))
        for child, review, last in found
    ]
    rows.sort(key=lambda row: (row.review.due_on, row.pseudonymous_id))
    due = sum(1 for row in rows if row.review.due)
    held = f", {len(rows) - due} held open" if include_held else ""
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type="retention_review",
        fields=RETENTION_REVIEW_COLUMNS,
        detail=f"{due} child{'ren' if due != 1 else ''} due for retention review on {as_of.isoformat()} "
        f"listed{held} (policy: {policy.years_after_18} years after 18, "
        f"{policy.years_after_activity} after last activity)",
    )
    return rows
