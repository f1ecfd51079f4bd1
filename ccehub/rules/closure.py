"""Whether a CCE panel case or a joint plan may close (R-50, W-5, E-15, F-22).

Sources:

* R-50: "Services should not close just because the set direct work is finished if the exploitation
  risk has not fallen." DOMAIN's reading: "Closure needs a risk reassessment with
  ``risk_reduced = true`` or a panel sign-off."
* W-5 (DOMAIN §4.5): "PHASE_3_LONGER_TERM — panel approves closure [risk reassessed] → CLOSED"; the
  plan machine (§4.3): "any open plan — closure proposed [risk reassessed AND (risk_reduced OR panel
  approval)] → CLOSED; closure only because direct work is finished → warning (R-50)".
* E-15 ``closure_reason``: risk reduced, direct work completed, turned 18, moved area, disengaged,
  custody; "direct_work_completed alone → warning (R-50)".

What counts as **the panel's approval**: a sitting of the panel that was held and quorate (R-21: social
care, police and health present, a chair who is not the child's lead social worker; or the panel's
recorded override, Q-27), on or after the day the case came to the panel (or the plan was agreed) and
on or before the closing day. The chair's own sign-off is not the panel's approval: only a chair may
close at all (the service checks that), so counting it would make R-50's "or a panel sign-off" true of
every closure.

What keeps a **panel case** open whatever the risk: an NRM referral awaiting the panel's reasonable-
or conclusive-grounds decision, a panel decision with Home Office quality assurance (pending, or
returned and awaiting the panel's response), a Safeguarding Order not discharged, expired, refused or withdrawn,
an information request awaiting an answer. Closing the case ends the panel's sight of the child, so
none of the panel's own work can be left behind it. A **joint plan** is kept open only by an order not
ended (the order's conditions are part of the plan's protection, E-19 "engage with the plan"); the
rest is the case's business, and the panel keeps its sight through the case.

Warnings, which the person closing must confirm: the direct work is the reason and the risk has not
reduced (R-50); the risk is still high; the joint plan is still in phase 2 (intensive support) and
the reason is the risk reduced or the direct work finished (W-5 closes after phase 3; other reasons,
such as turning 18, end the plan whatever its phase). A warning never replaces a refusal: both are returned, so
a page can show everything at once.

Pure: dates are arguments, nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final, Protocol, TypeVar

RULE_VERSION: Final = "closure-1"


class Subject(StrEnum):
    PANEL_CASE = "panel_case"
    JOINT_PLAN = "joint_plan"


#: How each subject reads in a message, and what opened it ("before it was … on 12 January 2026").
SUBJECT_NOUNS: Final[dict[Subject, str]] = {
    Subject.PANEL_CASE: "panel case",
    Subject.JOINT_PLAN: "joint plan",
}
SUBJECT_OPENED: Final[dict[Subject, str]] = {
    Subject.PANEL_CASE: "shared with the panel",
    Subject.JOINT_PLAN: "agreed",
}


class RiskLevel(StrEnum):
    """The exploitation risk levels a child's record uses (``ccehub.children.models.RiskLevel``)."""

    NOT_ASSESSED = "not_assessed"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: The levels a reassessment can give: "not assessed" is no reassessment.
REASSESSED_LEVELS: Final[tuple[RiskLevel, ...]] = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)


class ClosureReason(StrEnum):
    """Why a case or plan closes (E-15 ``closure_reason``)."""

    RISK_REDUCED = "risk_reduced"
    DIRECT_WORK_COMPLETED = "direct_work_completed"
    TURNED_18 = "turned_18"
    MOVED_AREA = "moved_area"
    DISENGAGED = "disengaged"
    CUSTODY = "custody"


CLOSURE_REASON_LABELS: Final[dict[ClosureReason, str]] = {
    ClosureReason.RISK_REDUCED: "The exploitation risk has reduced",
    ClosureReason.DIRECT_WORK_COMPLETED: "The direct work is finished",
    ClosureReason.TURNED_18: "The child has turned 18",
    ClosureReason.MOVED_AREA: "The child has moved out of the panel's area",
    ClosureReason.DISENGAGED: "The child has disengaged",
    ClosureReason.CUSTODY: "The child is in custody",
}

# --- Messages a user can see (tests assert on them) ---------------------------------------------

MSG_CLOSED_IN_FUTURE: Final = "The date the {noun} closed cannot be in the future"
MSG_CLOSED_BEFORE_OPENED: Final = "The {noun} cannot close before it was {opened} on {day}"
MSG_RISK_NOT_REASSESSED: Final = (
    "Reassess the exploitation risk before closing: choose low, medium or high (R-50)"
)
MSG_UNKNOWN_RISK_LEVEL: Final = "Unknown risk level {value!r}: choose low, medium or high"
MSG_RISK_REDUCED_UNANSWERED: Final = "Say whether the exploitation risk has reduced"
MSG_REASON_REQUIRED: Final = "Choose why the {noun} is closing"
MSG_UNKNOWN_REASON: Final = "Unknown reason {value!r}; use one of: {choices}"
MSG_REASON_CONTRADICTS_RISK: Final = (
    "The reason given is that the exploitation risk has reduced, but the reassessment says it has not"
)
MSG_NEEDS_PANEL_APPROVAL: Final = (
    "The exploitation risk has not reduced, so the {noun} can close only with the panel's approval at a "
    "quorate meeting (R-50)"
)
MSG_APPROVAL_AFTER_CLOSING: Final = (
    "The meeting on {day} was after the closing date: it cannot have approved the closure"
)
MSG_APPROVAL_BEFORE_OPENED: Final = (
    "The meeting on {day} was before the {noun} was {opened}: it cannot have approved its closure"
)
MSG_APPROVAL_NOT_QUORATE: Final = "The meeting on {day} cannot approve the closure: {problems}"
MSG_AWAITING_PANEL_DECISION: Final = (
    "{what} still awaiting the panel's reasonable- or conclusive-grounds decision: decide {them}, or refer "
    "{them} to the Home Office SCA, before the case closes"
)
MSG_AWAITING_QA: Final = (
    "{what} with Home Office quality assurance, or returned to the panel: the case stays open until "
    "quality assurance confirms {them}"
)
MSG_ORDERS_NOT_ENDED: Final = (
    "{what} not discharged, expired, refused or withdrawn: the {noun} stays open while the panel is responsible for "
    "{them}"
)
MSG_REQUESTS_OPEN: Final = (
    "{what} still awaiting an answer: record the answer or withdraw {them} before the case closes"
)
WARN_DIRECT_WORK_ONLY: Final = (
    "The direct work is finished but the exploitation risk has not reduced. Services should not close "
    "just because the set direct work is finished (R-50): confirm that the {noun} should close"
)
WARN_RISK_STILL_HIGH: Final = "The exploitation risk is still high: confirm that the {noun} should close"
WARN_STILL_INTENSIVE: Final = (
    "The joint plan is still in phase 2 (intensive support): W-5 closes the {noun} after phase 3, "
    "longer-term support, which a review moves the plan to when the risk has reduced"
)


def day_text(day: date) -> str:
    """``12 January 2026``."""
    return f"{day.day} {day:%B %Y}"


def counted(count: int, one: str, many: str) -> str:
    """``one`` for a single thing ("An NRM referral is"), else the count and ``many`` ("2 NRM
    referrals are")."""
    return one if count == 1 else f"{count} {many}"


@dataclass(frozen=True, slots=True)
class Approval:
    """A sitting of the panel put forward as its approval of the closure.

    ``quorum_problems`` is empty when the sitting was quorate for this child, or when the panel's
    recorded override (Q-27) let it decide without every sector; otherwise it lists why not.
    """

    held_on: date
    quorum_problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenWork:
    """The panel's work on the child still in hand (counts)."""

    awaiting_panel_decision: int = 0
    """Local-panel NRM referrals, not sent to the SCA, with no conclusive outcome yet."""
    awaiting_home_office_qa: int = 0
    """Panel decisions pending Home Office QA, or returned and awaiting the panel's response."""
    orders_not_ended: int = 0
    """Safeguarding Orders not discharged, expired, refused or withdrawn (a draft is being applied for)."""
    open_requests: int = 0
    """Information requests awaiting an answer."""


@dataclass(frozen=True, slots=True)
class ClosureFacts:
    """What the person closing says, and what the record shows."""

    subject: Subject
    opened_on: date
    """The day the case was shared with the panel, or the plan was agreed."""
    closed_on: date
    today: date
    risk_level: str | None
    """The reassessed exploitation risk: a :class:`RiskLevel` code."""
    risk_reduced: bool | None
    reason: str | None
    """A :class:`ClosureReason` code."""
    approval: Approval | None = None
    open_work: OpenWork = field(default_factory=OpenWork)
    #: The W-5 phase of the child's open joint plan (``ccehub.rules.phases.Phase``), if there is one.
    plan_phase: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the closure is refused, and which fact it is about: ``closed_on``, ``risk_level``,
    ``risk_reduced``, ``reason``, ``approval``, or ``""`` for the open work."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ClosureAssessment:
    refusals: tuple[Refusal, ...]
    warnings: tuple[str, ...]
    approved_by_panel: bool
    """A valid :class:`Approval` was given."""
    rule_version: str = RULE_VERSION

    @property
    def allowed(self) -> bool:
        """Nothing refuses the closure (warnings may still need confirming)."""
        return not self.refusals

    def may_close(self, *, confirmed: bool) -> bool:
        """Allowed, and every warning confirmed (or none)."""
        return self.allowed and (confirmed or not self.warnings)


def _approval_refusal(facts: ClosureFacts, approval: Approval) -> str | None:
    noun, opened = SUBJECT_NOUNS[facts.subject], SUBJECT_OPENED[facts.subject]
    held = day_text(approval.held_on)
    if approval.held_on > facts.closed_on:
        return MSG_APPROVAL_AFTER_CLOSING.format(day=held)
    if approval.held_on < facts.opened_on:
        return MSG_APPROVAL_BEFORE_OPENED.format(day=held, noun=noun, opened=opened)
    if approval.quorum_problems:
        return MSG_APPROVAL_NOT_QUORATE.format(day=held, problems="; ".join(approval.quorum_problems))
    return None


def _open_work_refusals(facts: ClosureFacts) -> list[str]:
    work, noun = facts.open_work, SUBJECT_NOUNS[facts.subject]

    def them(count: int) -> str:
        return "it" if count == 1 else "them"

    out: list[str] = []
    case = facts.subject is Subject.PANEL_CASE
    if case and work.awaiting_panel_decision:
        n = work.awaiting_panel_decision
        what = counted(n, "An NRM referral is", "NRM referrals are")
        out.append(MSG_AWAITING_PANEL_DECISION.format(what=what, them=them(n)))
    if case and work.awaiting_home_office_qa:
        n = work.awaiting_home_office_qa
        what = counted(n, "A panel decision is", "panel decisions are")
        out.append(MSG_AWAITING_QA.format(what=what, them=them(n)))
    if work.orders_not_ended:
        n = work.orders_not_ended
        what = counted(n, "A Safeguarding Order is", "Safeguarding Orders are")
        out.append(MSG_ORDERS_NOT_ENDED.format(what=what, noun=noun, them=them(n)))
    if case and work.open_requests:
        n = work.open_requests
        what = counted(n, "An information request is", "information requests are")
        out.append(MSG_REQUESTS_OPEN.format(what=what, them=them(n)))
    return out


def assess_closure(facts: ClosureFacts) -> ClosureAssessment:
    """Whether the case or plan may close, every reason it may not, and the warnings to confirm.

    Refusals come in a fixed order: the closing date, the risk level, whether it reduced, the reason,
    the approval (or the lack of one), then the open work.
    """
    noun, opened = SUBJECT_NOUNS[facts.subject], SUBJECT_OPENED[facts.subject]
    refusals: list[Refusal] = []
    if facts.closed_on > facts.today:
        refusals.append(Refusal("closed_on", MSG_CLOSED_IN_FUTURE.format(noun=noun)))
    elif facts.closed_on < facts.opened_on:
        refusals.append(
            Refusal(
                "closed_on",
                MSG_CLOSED_BEFORE_OPENED.format(noun=noun, opened=opened, day=day_text(facts.opened_on)),
            )
        )
    level = facts.risk_level or RiskLevel.NOT_ASSESSED
    if level not in set(RiskLevel):
        refusals.append(Refusal("risk_level", MSG_UNKNOWN_RISK_LEVEL.format(value=level)))
    elif level == RiskLevel.NOT_ASSESSED:
        refusals.append(Refusal("risk_level", MSG_RISK_NOT_REASSESSED))
    if facts.risk_reduced is None:
        refusals.append(Refusal("risk_reduced", MSG_RISK_REDUCED_UNANSWERED))
    if not facts.reason:
        refusals.append(Refusal("reason", MSG_REASON_REQUIRED.format(noun=noun)))
    elif facts.reason not in set(ClosureReason):
        choices = ", ".join(ClosureReason)
        refusals.append(Refusal("reason", MSG_UNKNOWN_REASON.format(value=facts.reason, choices=choices)))
    elif facts.reason == ClosureReason.RISK_REDUCED and facts.risk_reduced is False:
        refusals.append(Refusal("reason", MSG_REASON_CONTRADICTS_RISK))
    approved = False
    if facts.approval is not None:
        problem = _approval_refusal(facts, facts.approval)
        if problem is None:
            approved = True
        else:
            refusals.append(Refusal("approval", problem))
    elif facts.risk_reduced is False:
        refusals.append(Refusal("approval", MSG_NEEDS_PANEL_APPROVAL.format(noun=noun)))
    refusals.extend(Refusal("", message) for message in _open_work_refusals(facts))
    warnings: list[str] = []
    if facts.risk_reduced is False and facts.reason == ClosureReason.DIRECT_WORK_COMPLETED:
        warnings.append(WARN_DIRECT_WORK_ONLY.format(noun=noun))
    if level == RiskLevel.HIGH:
        warnings.append(WARN_RISK_STILL_HIGH.format(noun=noun))
    if facts.plan_phase == "intensive" and facts.reason in {
        ClosureReason.RISK_REDUCED,
        ClosureReason.DIRECT_WORK_COMPLETED,
    }:
        warnings.append(WARN_STILL_INTENSIVE.format(noun=noun))
    return ClosureAssessment(refusals=tuple(refusals), warnings=tuple(warnings), approved_by_panel=approved)


# --- Which case holds a referral, by the dates (rows without the link) ------------------------


class Closable(Protocol):
    @property
    def closed_on(self) -> date | None: ...


CaseT = TypeVar("CaseT", bound=Closable)


def case_by_dates(cases: Sequence[CaseT], referred_on: date | None) -> CaseT | None:
    """The panel case that holds a referral, judged by the dates alone: the first of the child's
    cases with the panel (``cases`` in the order they were shared) not closed before the referral
    date. A referral recorded after a case closed but dated on or before its closing day is put with
    the closed case, which is wrong: a referral records its case (``NRMReferral.panel_case``) when it
    is made, and this is only for rows without that link (and what migration ``nrm 0004`` used to
    fill it in for the rows made before it)."""
    for case in cases:
        if case.closed_on is None or referred_on is None or case.closed_on >= referred_on:
            return case
    return None
