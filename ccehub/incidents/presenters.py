"""Labels and formatting for triage decisions. No access decisions; reads only what it is given.

Plain English comes from the rules' own :data:`ccehub.rules.triage.LABELS`, so the page, the printable
record and the JSON download say the same thing. A pseudonymised viewer never sees the date of birth,
nor the dates in the reasons from which it could be worked out.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from ccehub.children.selectors import ChildRecord
from ccehub.incidents.models import (
    ActionStatus,
    DecisionBasis,
    RebuttalStatus,
    TriageAction,
    TriageDecision,
)
from ccehub.rules.triage import LABELS

WITHHELD = "withheld"
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# A day count ("623 days away") next to the incident date gives the date of birth away.
_DAY_COUNT = re.compile(r"\b\d[\d,]*\s+days?\b")

#: GOV.UK tag colours (the text always carries the meaning).
PRIORITY_COLOURS = {"crisis": "red", "high": "orange", "standard": "grey"}
STATUS_COLOURS = {
    ActionStatus.OPEN: "yellow",
    ActionStatus.ACCEPTED: "blue",
    ActionStatus.OVERRIDDEN: "purple",
    ActionStatus.DONE: "green",
}

SECTION45_TEXT = {
    "child_may_apply": "The child limb of the section 45 defence may apply (Modern Slavery Act 2015 s45(4))",
    "excluded_offence": "Section 45 is not available: an offence is listed in Schedule 4",
    "adult_test": "The adult test applies (s45(1): compulsion and no realistic alternative)",
    "not_applicable": "Not applicable: no offence recorded",
}


def label(kind: str, code: str) -> str:
    return LABELS.get(kind, {}).get(code, code.replace("_", " "))


def action_label(code: str) -> str:
    return label("action", code)


def local_time_text(moment: datetime) -> str:
    """``02:00 on 10 January 2026`` in UK time."""
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def due_text(action: TriageAction) -> str:
    if action.due_within_hours is None or action.due_at is None:
        return "No time set by the sources"
    when = local_time_text(action.due_at)
    if action.due_within_hours == 0:
        return f"Immediately (from {when})"
    return f"Within {action.due_within_hours} hours (by {when})"


#: How long an immediate action reads "Do now" before it reads "Overdue": the PACE detention clock
#: (24 hours before charge, s.41), the time in which a child arrested and safeguarded "immediately"
#: is still in the arresting force's hands. An immediate action still open after that was missed.
IMMEDIATE_GRACE = timedelta(hours=24)


def is_due_now(action: TriageAction, now: datetime | None = None) -> bool:
    """An outstanding action the sources say to take immediately, within :data:`IMMEDIATE_GRACE` of
    its due time: "Do now", not "Overdue" (its due time is the incident itself, so it would read as
    overdue the moment it is recorded). Past that it is overdue, not a years-old "Do now"."""
    return bool(
        action.due_within_hours == 0
        and action.is_outstanding
        and (action.due_at is None or (now or timezone.now()) <= action.due_at + IMMEDIATE_GRACE)
    )


def is_overdue(action: TriageAction, now: datetime | None = None) -> bool:
    """An outstanding action past its due time (an immediate one: past :data:`IMMEDIATE_GRACE`)."""
    if action.due_at is None or not action.is_outstanding:
        return False
    grace = IMMEDIATE_GRACE if action.due_within_hours == 0 else timedelta(0)
    return action.due_at + grace < (now or timezone.now())


def redact(text: str) -> str:
    """For pseudonymised viewers: no dates and no day counts (either, with the incident date,
    reveals the date of birth)."""
    return _DAY_COUNT.sub("[days withheld]", _ISO_DATE.sub("[date withheld]", text))


def decided_by_text(decision: TriageDecision) -> str:
    who = decision.decided_by_name or "Not recorded"
    if decision.agency is not None:
        return f"{who}, {decision.agency.name}"
    return f"{who} (system)"


def tag(text: str, colour: str) -> str:
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text)


def priority_html(code: str) -> str:
    """A short tag ("Crisis") and the rest of the label in plain text (tags are for short words)."""
    head, _, rest = label("priority", code).partition(": ")
    if rest:
        return format_html("{} {}", tag(head, PRIORITY_COLOURS.get(code, "grey")), rest)
    return tag(head, PRIORITY_COLOURS.get(code, "grey"))


def result_rows(decision: TriageDecision, *, pseudonymised: bool) -> list[dict[str, Any]]:
    out = decision.outputs
    age = out.get("age_years")
    days = out.get("days_until_18")
    rows: list[dict[str, Any]] = [
        {
            "key": "Presumption",
            "value": format_html("<strong>{}</strong>", label("presumption", decision.presumption)),
        },
        {"key": "Priority", "value": priority_html(decision.priority)},
        {
            "key": "Local CCE panel can decide the NRM referral",
            "value": "Yes" if decision.panel_eligible else "No: use the national route",
        },
        {"key": "Section 45 defence", "value": SECTION45_TEXT.get(decision.section45, decision.section45)},
        {"key": "Age on the incident date", "value": f"{age}" if age is not None else "Not established"},
    ]
    if not pseudonymised:
        rows.append(
            {
                "key": "Days from the incident to the 18th birthday",
                "value": f"{days}" if days is not None else "Not applicable",
            }
        )
    return rows


def record_rows(decision: TriageDecision) -> list[dict[str, Any]]:
    return [
        {"key": "Decided", "value": local_time_text(decision.decided_at)},
        {"key": "Decided by", "value": decided_by_text(decision)},
        {"key": "Why this decision", "value": DecisionBasis(decision.basis).label},
        {"key": "Policy profile", "value": f"{decision.policy} (rule version {decision.rule_version})"},
    ]


def _long_date(match: re.Match[str]) -> str:
    try:
        day = date.fromisoformat(match.group(0))
    except ValueError:
        return match.group(0)
    return f"{day.day} {day:%B %Y}"


def reasons(decision: TriageDecision, *, pseudonymised: bool) -> list[str]:
    """The rules' reasons, with their ISO dates written as every page writes a date ("1 May 2026");
    the JSON record keeps the rules' own text."""
    items = [str(r) for r in decision.outputs.get("reasons", [])]
    if pseudonymised:
        return [redact(r) for r in items]
    return [_ISO_DATE.sub(_long_date, r) for r in items]


def input_rows(decision: TriageDecision, *, pseudonymised: bool) -> list[dict[str, Any]]:
    """The facts the rules were given, in plain English."""
    inp = decision.inputs
    yes_no = {True: "Yes", False: "No"}
    dob = inp.get("date_of_birth")
    if pseudonymised and dob:
        dob_text = "Withheld"
    elif dob:
        dob_text = datetime.fromisoformat(str(dob)).strftime("%-d %B %Y")
    else:
        dob_text = "Not known"
    offences = [label("offence", c) for c in inp.get("offences") or []]
    indicators = [label("indicator", c) for c in inp.get("indicators") or []]
    rows = [
        {
            "key": "Incident date and time",
            "value": local_time_text(datetime.fromisoformat(str(inp["incident_date"]))),
        },
        {"key": "Date of birth", "value": dob_text},
        {
            "key": "Estimated age",
            "value": str(inp["estimated_age"]) if inp.get("estimated_age") is not None else "Not given",
        },
        {"key": "Linked to county lines", "value": yes_no[bool(inp.get("county_lines_linked"))]},
        {"key": "Arrested", "value": yes_no[bool(inp.get("arrested"))]},
        {"key": "Outside the home area", "value": yes_no[bool(inp.get("out_of_area"))]},
        {"key": "Offences", "value": "; ".join(offences) or "None recorded"},
        {"key": "Indicators", "value": "; ".join(indicators) or "None recorded"},
        {
            "key": "Days missing (current or most recent episode)",
            "value": str(inp["missing_days"]) if inp.get("missing_days") is not None else "Not known",
        },
    ]
    if inp.get("clear_evidence_not_exploited"):
        rows.append(
            {"key": "Clear evidence to the contrary (approved)", "value": str(inp.get("evidence_note") or "")}
        )
    return rows


def action_items(actions: list[TriageAction]) -> list[dict[str, Any]]:
    now = timezone.now()
    items = []
    for action in actions:
        status = ActionStatus(action.status)
        items.append(
            {
                "action": action,
                "label": action_label(action.code),
                "due": due_text(action),
                "overdue": is_overdue(action, now),
                "due_now": is_due_now(action, now),
                "status_label": status.label,
                "status_colour": "red"
                if is_overdue(action, now) or is_due_now(action, now)
                else STATUS_COLOURS.get(status, "grey"),
                "reason": action.reason,
                "status_reason": action.status_reason,
                "status_by": action.status_by_name,
                "status_at": local_time_text(action.status_at) if action.status_at else "",
                "carried": action.carried_from_id is not None,
                "can_accept": action.status == ActionStatus.OPEN,
                "can_override": action.status in (ActionStatus.OPEN, ActionStatus.ACCEPTED),
                "can_complete": action.status in (ActionStatus.OPEN, ActionStatus.ACCEPTED),
            }
        )
    return items


def decision_record(
    decision: TriageDecision,
    actions: list[TriageAction],
    *,
    pseudonymised: bool,
    history: list[TriageDecision] | None = None,
) -> dict[str, Any]:
    """The downloadable decision record: the exact input and output, and what people did."""
    inputs = dict(decision.inputs)
    outputs = dict(decision.outputs)
    if pseudonymised:
        if inputs.get("date_of_birth"):
            inputs["date_of_birth"] = WITHHELD
        outputs["days_until_18"] = WITHHELD if outputs.get("days_until_18") is not None else None
        outputs["reasons"] = [redact(str(r)) for r in outputs.get("reasons", [])]
    superseded_by = next((d for d in (history or []) if d.supersedes_id == decision.pk), None)
    return {
        "record": "ccehub triage decision",
        "decision_id": str(decision.pk),
        "child": decision.child.pseudonymous_id,
        "incident": {
            "id": str(decision.incident_id),
            "type": decision.incident.get_incident_type_display(),
            "occurred_at": timezone.localtime(decision.incident.occurred_at).isoformat(),
            "place": "" if pseudonymised else decision.incident.place,
        },
        "basis": decision.basis,
        "decided_at": timezone.localtime(decision.decided_at).isoformat(),
        "decided_by": decision.decided_by_name,
        "agency": decision.agency.code if decision.agency else None,
        "policy": decision.policy,
        "rule_version": decision.rule_version,
        "supersedes": str(decision.supersedes_id) if decision.supersedes_id else None,
        "superseded_by": str(superseded_by.pk) if superseded_by else None,
        "inputs": inputs,
        "outputs": outputs,
        "actions": [
            {
                "code": a.code,
                "label": action_label(a.code),
                "due_within_hours": a.due_within_hours,
                "due_at": timezone.localtime(a.due_at).isoformat() if a.due_at else None,
                "status": a.status,
                "status_reason": a.status_reason,
                "status_by": a.status_by_name,
                "status_at": timezone.localtime(a.status_at).isoformat() if a.status_at else None,
            }
            for a in actions
        ],
        "rebuttal": {
            "status": decision.rebuttal_status,
            "evidence_note": decision.rebuttal_evidence_note,
            "requested_by": decision.rebuttal_requested_by_name,
            "requested_at": timezone.localtime(decision.rebuttal_requested_at).isoformat()
            if decision.rebuttal_requested_at
            else None,
            "decided_by": decision.rebuttal_decided_by_name,
            "decided_at": timezone.localtime(decision.rebuttal_decided_at).isoformat()
            if decision.rebuttal_decided_at
            else None,
            "reason": decision.rebuttal_decision_reason,
        },
    }


def triage_panels(record: ChildRecord) -> list[dict[str, Any]]:
    """Summaries for the child page: the latest decision on each incident, newest first.

    With no decision yet, one panel that only offers to record an incident (the template shows the
    link to roles that can record). Uses the decisions the child's audited read already loaded.
    """
    decisions: list[TriageDecision] = list(record.related.get("triage_decisions", []))
    record_url = reverse("incidents:new") + f"?child={record.child.pseudonymous_id}"
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    current = [d for d in decisions if d.pk not in superseded]
    current.sort(key=lambda d: d.decided_at, reverse=True)
    if not current:
        return [{"empty": True, "first": True, "record_url": record_url}]
    panels = []
    counts: dict[Any, int] = {}
    for d in decisions:
        counts[d.incident_id] = counts.get(d.incident_id, 0) + 1
    for index, decision in enumerate(current):
        actions = list(decision.actions.all())
        outstanding = [a for a in actions if a.is_outstanding]
        overdue = [a for a in outstanding if is_overdue(a)]
        now_due = [a for a in outstanding if is_due_now(a)]
        history = counts[decision.incident_id]
        decided = f"{local_time_text(decision.decided_at)} under {decision.policy} ({decision.rule_version})"
        if history > 1:
            decided += f"; {history} decisions in its history"
        summary = f"{len(outstanding)} of {len(actions)} outstanding"
        if now_due:
            summary += f", {len(now_due)} to do now"
        if overdue:
            summary += f", {len(overdue)} overdue"
        rows = [
            *result_rows(decision, pseudonymised=record.pseudonymised)[:4],
            {"key": "Actions", "value": summary},
            {"key": "Rebuttal of the presumption", "value": RebuttalStatus(decision.rebuttal_status).label},
            {"key": "Decided", "value": decided},
        ]
        panels.append(
            {
                "empty": False,
                "first": index == 0,
                "record_url": record_url,
                "decision": decision,
                "url": reverse("incidents:decision", args=[decision.pk]),
                "title": f"Triage: {decision.incident}",
                "rows": rows,
            }
        )
    return panels
