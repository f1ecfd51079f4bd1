"""Labels and formatting for the panel pages. No queries beyond the objects passed in."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ccehub.nrm.models import NRMReferral
from ccehub.panels.rules import Quorum
from ccehub.rules.clocks import ClockState

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "info_gathering": ("Gathering information", "blue"),
    "listed": ("Listed for a meeting", "purple"),
    "deferred": ("Deferred", "yellow"),
    "rg_positive_awaiting_cg": ("Positive RG: awaiting CG", "turquoise"),
    "returned_by_qa": ("Returned by Home Office QA", "orange"),
    "escalated_to_sca": ("Referred to the Home Office SCA", "pink"),
    "concluded_positive": ("Concluded: positive", "green"),
    "concluded_negative": ("Concluded: negative", "grey"),
    "monitoring": ("Monitoring", "blue"),
}

STAGE_LABELS: dict[str, str] = {
    "awaiting_rg": "Awaiting the reasonable-grounds decision",
    "recovery_period": "Recovery period (no CG yet)",
    "awaiting_cg": "Awaiting the conclusive-grounds decision",
    "concluded_positive": "Concluded: positive",
    "concluded_negative": "Concluded: negative",
}

QA_COLOURS = {"pending": "yellow", "confirmed": "green", "returned": "red", "n/a": "grey"}

#: Safeguarding Order status colours (GOV.UK tag modifiers); the tag's text names the status.
ORDER_COLOURS = {
    "draft": "grey",
    "applied": "blue",
    "granted": "turquoise",
    "refused": "red",
    "active": "green",
    "breach_reported": "orange",
    "varied": "purple",
    "discharged": "grey",
    "expired": "grey",
    "withdrawn": "grey",
}
ACTION_COLOURS = {"open": "blue", "done": "green", "dropped": "grey"}


def day(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "Not set"


def tag(text: str, colour: str) -> SafeString:
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text)


def open_or_closed_tag(closed_on: date | None) -> SafeString:
    """A panel case or joint plan: "Open", or "Closed" with the date."""
    if closed_on is None:
        return tag("Open", "blue")
    return format_html("{} {}", tag("Closed", "grey"), day(closed_on))


def status_tag(code: str) -> SafeString:
    text, colour = STATUS_LABELS.get(code, (code, "grey"))
    return tag(text, colour)


def order_tag(order: Any) -> SafeString:
    return tag(order.get_status_display(), ORDER_COLOURS.get(order.status, "grey"))


def qa_tag(status: str, label: str) -> SafeString:
    return tag(label, QA_COLOURS.get(status, "grey"))


def clock_rows(clock: ClockState | None) -> list[dict[str, Any]]:
    if clock is None:
        return [{"key": "Clocks", "value": "Not available (route or referral date not known)"}]
    overdue = ", ".join({"rg": "RG", "cg": "CG", "deferral": "deferral limit"}[o] for o in clock.overdue)
    return [
        {"key": "Stage", "value": STAGE_LABELS.get(clock.stage, clock.stage)},
        {"key": "Reasonable grounds due", "value": day(clock.rg_due)},
        {
            "key": "Earliest conclusive grounds",
            "value": day(clock.earliest_cg) if clock.earliest_cg else "Not yet",
        },
        {
            "key": "Next decision due by",
            "value": day(clock.decision_deadline) if clock.decision_deadline else "No deadline",
        },
        {"key": "Overdue", "value": tag(overdue, "red") if overdue else "Nothing overdue"},
        *(
            [{"key": "Conclusive grounds inside the recovery period", "value": OVERRIDE_CLOCK_TEXT}]
            if clock.cg_recovery_override
            else []
        ),
        {"key": "Policy profile", "value": f"{clock.policy} (rules {clock.rule_version})"},
    ]


#: The clock row of a CG the Home Office made inside the recovery period (the N-02 override).
OVERRIDE_CLOCK_TEXT = "Yes, by override: the reason is recorded with the decision"
#: How a decision made inside the recovery period by the N-02 override is marked where it is shown.
OVERRIDE_LABEL = "Made inside the recovery period by override"


def decision_date_cell(decision: Any, reason: str) -> Any:
    """A decision's date for a table; a CG recorded by the N-02 override says so, with ``reason`` (the
    caller passes the reason, or the withheld text for an analyst)."""
    if not decision.recovery_override_reason:
        return day(decision.decided_on)
    return format_html(
        '{}<br>{}<br><span class="govuk-body-s">Why: {}</span>',
        day(decision.decided_on),
        tag(OVERRIDE_LABEL, "yellow"),
        reason,
    )


def referral_rows(referral: NRMReferral) -> list[dict[str, Any]]:
    return [
        {"key": "Child", "value": referral.child.pseudonymous_id},
        {"key": "Referred on", "value": day(referral.referred_on)},
        {"key": "Referred by", "value": f"{referral.referred_by_name} ({referral.referrer_role})".strip()},
        {"key": "Route", "value": referral.get_route_display()},
        {"key": "Panel", "value": referral.panel.name if referral.panel else "None (national route)"},
        {"key": "County lines", "value": referral.get_county_lines_flag_display()},
        {"key": "Lead social worker", "value": referral.lead_social_worker_name},
        {
            "key": "Referred to the Home Office",
            "value": f"{day(referral.escalated_on)}: {referral.escalation_reason}"
            if referral.escalated_on
            else "No",
        },
    ]


def quorum_text(quorum: Quorum | None) -> str:
    if quorum is None:
        return ""
    if quorum.quorate:
        return "Quorate"
    if quorum.may_decide:
        return "Not quorate (enforcement switched off): " + "; ".join(quorum.problems)
    return "; ".join(quorum.problems)


def referral_link(referral: NRMReferral) -> SafeString:
    return format_html(
        '<a class="govuk-link" href="{}">{}</a>',
        reverse("panels:referral", args=[referral.pk]),
        referral.child.pseudonymous_id,
    )
