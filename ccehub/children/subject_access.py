"""A subject-access response (UK GDPR Article 15): what ccehub holds about a child, and who has seen it.

What is compiled is a **draft for the controller to check**, never an answer to send unread: free
text can name other people, and the controller decides on staff names and exemptions. It holds:

- the child's record exactly as the child-record export gives it to a person with full sight
  (:func:`ccehub.children.export.record_to_dict`, identity included);
- every audit row about the child, oldest first, naming the organisation and role of whoever acted
  but not the person (their username is the staff member's personal data) unless asked;
- the agencies that hold or held the child, the CCE panel cases and the data-sharing agreements that
  covered the child;
- the agency records the person index links to the child (agency and record ID only).

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

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from ccehub.agencies.models import Agency, DataSharingAgreement, Role
from ccehub.audit.models import Action, AuditEvent, Channel
from ccehub.audit.services import audit_record
from ccehub.children.export import record_to_dict
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
    fields = [*revealed_fields(record), "access_history", "agencies", "agency_records"]
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
            f"{len(agencies)} agency rows, {len(agency_records)} agency records"
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
        record=record_to_dict(record),
        history_columns=columns,
        history=history,
        agencies=agencies,
        agency_records=agency_records,
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
    return re.compile(rf"(?<![\w.@:-])(?:{alternatives})(?![\w.@:-])")


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
    """Holdings (current and ended), CCE panel cases, and the agreements that covered the child: one
    naming the child, or one over every child the provider holds while the provider held it."""
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


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def subject_access_readme(response: SubjectAccessResponse) -> str:
    """The cover note: first what the controller must do before release, then a plain-English note
    for the person who asked."""
    compiled = timezone.localtime(response.compiled_at).strftime("%d %B %Y at %H:%M")
    pid = response.pseudonymous_id
    if response.with_staff_names:
        staff = (
            "Staff usernames are included (the username column of access-history.csv), as the\n"
            "   controller decided. Check that this is still the decision for this request."
        )
        staff_note = "The username column names the member of staff who acted."
    else:
        staff = (
            "Staff names are withheld in access-history.csv: each row names the organisation and\n"
            "   the role, not the person, and a staff member's username found in a purpose or a note\n"
            f"   is replaced by {STAFF_NAME_WITHHELD}. To include them, compile again with\n"
            "   --with-staff-names into a new folder."
        )
        staff_note = "Each row says which organisation acted, and in what role."
    index_records = sum(1 for row in response.agency_records if row[3] == LINKED_INDEX)
    records_line = (
        f"{_count(len(response.agency_records), 'record')} listed"
        if response.agency_records
        else "none are linked to the child"
    )
    return f"""\
DRAFT SUBJECT-ACCESS RESPONSE: CHECK IT BEFORE IT IS RELEASED
=============================================================

For the controller (remove this section before release).

This folder was compiled by ccehub on {compiled} for the child {pid},
for the purpose: {response.purpose}
It is a draft for a person to check, not to send unread. Before anything is released:

1. Read every file. Free text (notes, reasons, summaries, purposes, details, agreement
   purposes) can name other people: family members, friends, other children, professionals.
   Remove what the person asking is not entitled to, and keep a note of what you removed
   and why.
2. {staff}
   record.json names the professionals who recorded some facts or made decisions (fields
   such as decided_by_name, referred_by_name and decision_maker): decide whether they stay.
3. agency-records.csv: {_count(index_records, "record")} linked only by the person index
   (linked_by "{LINKED_INDEX}"). The index matches records by probability and can be wrong:
   confirm each one with the agency that holds it, or remove it.
4. Decide with your data protection officer whether an exemption in the Data Protection Act
   2018 applies to any part (for example where release would prejudice the prevention or
   detection of crime, or cause serious harm), and check who is asking and their right to
   this child's information.
5. Answer within one month of receiving the request. The month can be extended by two
   further months for a complex request, if you tell the person asking within the first
   month.
6. The files are readable by their owner only. Keep them that way, send them securely, and
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
    with ("panel_case"); and the data-sharing agreements under which another organisation
    could see the record ("data_sharing_agreement"), with their purpose and legal basis.

agency-records.csv
    The organisations' own records of the child that ccehub's person index uses to answer
    "is this child already known?": the organisation and its own record number
    ({records_line}).

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
- Searches in which someone typed the child's name or another reference that is not ccehub's
  reference: the log keeps these only as a code that cannot be linked back to the child, so
  they cannot be listed.
- Copies of the same information in backups and server logs.
"""
