"""A charge's route through the criminal process (W-4) and what the charging screen must show (J-04).

Two rules, no framework:

* :func:`step_problems` - whether a charge may move from one status to another. The statuses are the
  ``ChargeStatus`` codes. A stayed charge (R-09) leaves its stay only through the prosecution
  decision of J-03 (continue with a justification after a positive CG, or discontinue), never as an
  ordinary step; a charge dropped needs a reason; an acquittal on the section 45 defence needs an
  offence for which the defence exists (R-03, Schedule 4).
* :func:`charging_notices` - every open NRM referral on the child, linked to the charge's incident
  or not (J-04: Tom was charged and sentenced while an earlier referral awaited its CG, and the CG
  came back positive after sentence). A linked referral with a positive RG means the charge is
  stayed (R-09); a linked one awaiting its RG means it will be if the RG is positive. A positive CG
  (the child is a recognised victim) is shown too: linked, it holds the charge for the prosecution
  decision (J-03); on another referral, it is to be taken into account.

Sources: DOMAIN.md §4.4 (W-4), R-03, R-09, J-02, J-03, J-04, Q-23.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final


class ChargeState(StrEnum):
    """The ``ChargeStatus`` codes (``ccehub.justice.models``), named here without Django."""

    CHARGED = "charged"
    STAYED_PENDING_CG = "stayed_pending_cg"
    DISCONTINUED = "discontinued"
    COURT_PROCEEDINGS = "court_proceedings"
    CONVICTED = "convicted"
    ACQUITTED_S45 = "acquitted_s45"
    ACQUITTED_OTHER = "acquitted_other"
    UNKNOWN = "unknown"


#: Where a charge can go next (W-4). ``unknown`` is a status carried over from a source that did not
#: say (the report's own cases): any recorded outcome may follow it. The concluded statuses go nowhere.
NEXT: Final[Mapping[ChargeState, frozenset[ChargeState]]] = {
    ChargeState.CHARGED: frozenset({ChargeState.COURT_PROCEEDINGS, ChargeState.DISCONTINUED}),
    ChargeState.COURT_PROCEEDINGS: frozenset(
        {
            ChargeState.CONVICTED,
            ChargeState.ACQUITTED_S45,
            ChargeState.ACQUITTED_OTHER,
            ChargeState.DISCONTINUED,
        }
    ),
    ChargeState.UNKNOWN: frozenset(
        {
            ChargeState.CHARGED,
            ChargeState.COURT_PROCEEDINGS,
            ChargeState.DISCONTINUED,
            ChargeState.CONVICTED,
            ChargeState.ACQUITTED_S45,
            ChargeState.ACQUITTED_OTHER,
        }
    ),
    ChargeState.STAYED_PENDING_CG: frozenset(),
    ChargeState.DISCONTINUED: frozenset(),
    ChargeState.CONVICTED: frozenset(),
    ChargeState.ACQUITTED_S45: frozenset(),
    ChargeState.ACQUITTED_OTHER: frozenset(),
}

#: Statuses that end the charge.
CONCLUDED: Final[frozenset[ChargeState]] = frozenset(
    {
        ChargeState.DISCONTINUED,
        ChargeState.CONVICTED,
        ChargeState.ACQUITTED_S45,
        ChargeState.ACQUITTED_OTHER,
    }
)

MSG_STAYED: Final = (
    "This charge is stayed pending the conclusive-grounds decision (R-09): record the prosecution decision "
    "instead (discontinue at any time, or continue with a justification once the CG is made)"
)
MSG_CONCLUDED: Final = "This charge has been concluded"
MSG_NOT_NEXT: Final = "A charge that is {current} cannot become {to}: choose one of {allowed}"
MSG_UNKNOWN_STATUS: Final = "Unknown charge status {value!r}"
MSG_DROP_REASON: Final = "Enter why the charge was dropped"
MSG_S45_EXCLUDED: Final = (
    "The section 45 defence is not available for this offence (Modern Slavery Act 2015 Schedule 4, R-03): "
    "record the acquittal as 'Acquitted'"
)


def allowed_next(current: str) -> tuple[ChargeState, ...]:
    """The statuses a charge in ``current`` may move to, in the order of the enumeration."""
    try:
        state = ChargeState(current)
    except ValueError:
        return ()
    return tuple(s for s in ChargeState if s in NEXT[state])


def step_problems(*, current: str, to: str, reason: str, s45_excluded: bool) -> dict[str, str]:
    """Why a charge in ``current`` may not move to ``to``: ``{field: message}``, empty when it may.

    ``field`` is ``"to_status"``, ``"reason"`` or ``""`` (the charge as a whole).
    """
    try:
        state = ChargeState(current)
    except ValueError:
        return {"": MSG_UNKNOWN_STATUS.format(value=current)}
    if state is ChargeState.STAYED_PENDING_CG:
        return {"": MSG_STAYED}
    if state in CONCLUDED:
        return {"": MSG_CONCLUDED}
    try:
        target = ChargeState(to)
    except ValueError:
        return {"to_status": MSG_UNKNOWN_STATUS.format(value=to)}
    if target not in NEXT[state]:
        allowed = ", ".join(_label(s) for s in allowed_next(state))
        return {"to_status": MSG_NOT_NEXT.format(current=_label(state), to=_label(target), allowed=allowed)}
    if target is ChargeState.ACQUITTED_S45 and s45_excluded:
        return {"to_status": MSG_S45_EXCLUDED}
    if target is ChargeState.DISCONTINUED and not reason.strip():
        return {"reason": MSG_DROP_REASON}
    return {}


def _label(state: ChargeState) -> str:
    return state.value.replace("_", " ")


# --- J-04: what the charging screen shows --------------------------------------------------------


class NoticeKind(StrEnum):
    """How an open referral bears on a charge."""

    STAYS = "stays"  # linked to the charge's incident, RG positive, CG awaited: the charge is stayed
    MAY_STAY = "may_stay"  # linked, RG awaited: a positive RG will stay the charge (J-02)
    UNLINKED = "unlinked"  # open but about something else: shown all the same (J-04)
    VICTIM_LINKED = "victim_linked"  # linked, positive CG: held for the prosecution decision (J-03)
    VICTIM_OTHER = "victim_other"  # another referral's positive CG: the child is a recognised victim


@dataclass(frozen=True, slots=True)
class OpenReferral:
    """What the rule needs to know about one of the child's NRM referrals."""

    referral_id: str
    referred_on: date | None
    linked_incident_id: str | None
    rg_positive: bool  # a positive RG has been made
    rg_positive_on: date | None  # its date, when recorded
    concluded: bool  # a negative RG or any CG (``ccehub.nrm.selectors.referral_concluded``)
    cg_positive: bool = False  # the CG was positive: the child is recognised as a victim
    cg_positive_on: date | None = None


@dataclass(frozen=True, slots=True)
class ChargingNotice:
    referral_id: str
    kind: NoticeKind
    text: str


def _on(day: date | None) -> str:
    return f"{day:%-d %B %Y}" if day is not None else "a date not recorded"


def charging_notices(
    referrals: Iterable[OpenReferral], *, incident_id: str | None
) -> tuple[ChargingNotice, ...]:
    """The child's open NRM referrals, and those with a positive CG (the child is a recognised victim),
    as the charging screen states them: those that hold the charge back first, then the rest by
    referral date. ``incident_id`` is the charge's incident (``None``: none
    named, so no referral can be linked to it and none stays it)."""
    notices: list[tuple[int, date, ChargingNotice]] = []
    for r in referrals:
        linked = incident_id is not None and r.linked_incident_id == incident_id
        referred = f"NRM referral made on {_on(r.referred_on)}"
        if r.cg_positive:
            kind, order = (NoticeKind.VICTIM_LINKED, 0) if linked else (NoticeKind.VICTIM_OTHER, 2)
            where = "for this incident" if linked else "not linked to this incident,"
            then = (
                "The charge is held until the prosecution decision: it continues only on a recorded "
                "justification (VCL and AN: a high bar), or is discontinued (J-03)."
                if linked
                else "Take it into account before charging (J-04)."
            )
            text = (
                f"{referred} {where} has a positive conclusive-grounds decision ({_on(r.cg_positive_on)}): the "
                f"child is recognised as a victim of exploitation. {then}"
            )
            notices.append((order, r.referred_on or date.min, ChargingNotice(r.referral_id, kind, text)))
            continue
        if r.concluded:
            continue
        if linked and r.rg_positive:
            kind, order = NoticeKind.STAYS, 0
            text = (
                f"{referred} for this incident has a positive reasonable-grounds decision "
                f"({_on(r.rg_positive_on)}) and awaits its conclusive-grounds decision: the charge is stayed "
                "until then (R-09)."
            )
        elif linked:
            kind, order = NoticeKind.MAY_STAY, 1
            text = (
                f"{referred} for this incident awaits its reasonable-grounds decision: if it is "
                "positive, the charge will be stayed until the conclusive-grounds decision (R-09)."
            )
        else:
            kind, order = NoticeKind.UNLINKED, 2
            stage = (
                f"has a positive reasonable-grounds decision ({_on(r.rg_positive_on)}) and awaits"
                if r.rg_positive
                else "awaits its reasonable-grounds decision and"
            )
            text = (
                f"{referred}, not linked to this incident, {stage} its conclusive-grounds decision. A "
                "positive decision would mean the child is a victim of exploitation: take it into account "
                "before charging (J-04)."
            )
        notices.append((order, r.referred_on or date.min, ChargingNotice(r.referral_id, kind, text)))
    notices.sort(key=lambda item: (item[0], item[1]))
    return tuple(notice for _, _, notice in notices)


# --- Court outcomes: a remand, or the sentence on a conviction (W-4) -----------------------------

#: The ``SentenceType`` codes (``ccehub.justice.models``).
SENTENCE_TYPES: Final[frozenset[str]] = frozenset({"yro", "dto", "custody", "other"})
#: Twenty years: a bound on a typed length, not a legal maximum.
MAX_SENTENCE_MONTHS: Final = 240

MSG_OUTCOME_NOTHING: Final = "Record a remand in custody, a sentence, or both"
MSG_SENTENCE_NOT_CONVICTED: Final = "A sentence can only be recorded on a charge that ended in a conviction"
MSG_REMAND_NOT_LIVE: Final = (
    "A remand in custody can only be recorded while the charge is before the court or awaiting sentence"
)
MSG_OUTCOME_CHARGE_STAYED: Final = (
    "This charge is stayed pending the conclusive-grounds decision (R-09): nothing happens at court until "
    "the prosecution decision"
)
MSG_UNKNOWN_SENTENCE: Final = "Choose the type of sentence"
MSG_ALREADY_SENTENCED: Final = (
    "A sentence is already recorded on this charge: one conviction, one sentence (record a sentence that "
    "ended early on the charge page)"
)
MSG_REMAND_SAME_DAY: Final = "A remand in custody is already recorded on this charge for that day"
MSG_LENGTH_WITHOUT_SENTENCE: Final = "Give a length only with a sentence"
MSG_LENGTH_RANGE: Final = f"The length must be a whole number of months from 1 to {MAX_SENTENCE_MONTHS}"
MSG_OUTCOME_FUTURE: Final = "The date of the court outcome must be today or in the past"
MSG_OUTCOME_BEFORE_CHARGE: Final = "The date of the court outcome cannot be before the charge ({charged_on})"


def court_outcome_problems(
    *,
    charge_status: str,
    remanded: bool,
    sentence_type: str,
    length_months: int | None,
    decided_on: date,
    charged_on: date | None,
    today: date,
    already_sentenced: bool = False,
    remand_days: frozenset[date] = frozenset(),
) -> dict[str, str]:
    """Why this court outcome may not be recorded on a charge in ``charge_status``: ``{field: message}``.

    A remand belongs to a charge before the court (``court_proceedings``) or convicted and awaiting
    sentence; a sentence only to a conviction (W-4: CONVICTED → SENTENCED). A stayed charge has no
    court outcome until the prosecution decision (R-09).
    """
    problems: dict[str, str] = {}
    if charge_status == ChargeState.STAYED_PENDING_CG:
        return {"": MSG_OUTCOME_CHARGE_STAYED}
    if not remanded and not sentence_type:
        problems[""] = MSG_OUTCOME_NOTHING
    if sentence_type and sentence_type not in SENTENCE_TYPES:
        problems["sentence_type"] = MSG_UNKNOWN_SENTENCE
    elif sentence_type and charge_status != ChargeState.CONVICTED:
        problems["sentence_type"] = MSG_SENTENCE_NOT_CONVICTED
    elif sentence_type and already_sentenced:
        problems["sentence_type"] = MSG_ALREADY_SENTENCED
    if remanded and charge_status not in {ChargeState.COURT_PROCEEDINGS, ChargeState.CONVICTED}:
        problems["remanded_in_custody"] = MSG_REMAND_NOT_LIVE
    elif remanded and decided_on in remand_days:
        problems["remanded_in_custody"] = MSG_REMAND_SAME_DAY
    if length_months is not None:
        if not sentence_type:
            problems["length_months"] = MSG_LENGTH_WITHOUT_SENTENCE
        elif not 1 <= length_months <= MAX_SENTENCE_MONTHS:
            problems["length_months"] = MSG_LENGTH_RANGE
    if decided_on > today:
        problems["decided_on"] = MSG_OUTCOME_FUTURE
    elif charged_on is not None and decided_on < charged_on:
        problems["decided_on"] = MSG_OUTCOME_BEFORE_CHARGE.format(charged_on=_on(charged_on))
    return problems


MSG_NOT_A_SENTENCE: Final = "Only a sentence can end early: this court outcome records no sentence"
MSG_ALREADY_ENDED: Final = "This sentence is already recorded as ended early"
MSG_ENDED_RANGE: Final = "The months served must be a whole number from 1 to {limit}"
MSG_ENDED_NOT_EARLY: Final = "A sentence of {length} months that ran {months} months did not end early"
MSG_ENDED_NOT_YET: Final = "The sentence was passed on {on}: it cannot have run {months} months by today"
MSG_ENDED_REASON: Final = "Enter why the sentence ended early (for example, revoked early for good progress)"


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is earlier): 5 March to 4 April is 0."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(months, 0)


def ended_early_problems(
    *,
    sentence_type: str,
    length_months: int | None,
    already_ended: bool,
    months: int,
    reason: str,
    sentenced_on: date | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """Why a sentence may not be recorded as ended early after ``months`` (W-4 SENTENCED → COMPLETED,
    "incl. early for compliance": Tom's 12-month YRO ended at 5 months)."""
    if not sentence_type:
        return {"": MSG_NOT_A_SENTENCE}
    if already_ended:
        return {"": MSG_ALREADY_ENDED}
    problems: dict[str, str] = {}
    limit = length_months - 1 if length_months is not None else MAX_SENTENCE_MONTHS
    if length_months is not None and months >= length_months:
        problems["months"] = MSG_ENDED_NOT_EARLY.format(length=length_months, months=months)
    elif not 1 <= months <= limit:
        problems["months"] = MSG_ENDED_RANGE.format(limit=limit)
    elif sentenced_on is not None and today is not None and months > months_between(sentenced_on, today):
        problems["months"] = MSG_ENDED_NOT_YET.format(on=_on(sentenced_on), months=months)
    if not reason.strip():
        problems["reason"] = MSG_ENDED_REASON
    return problems
