"""The placement suitability checker (F-20): R-41 to R-45, and the new-area trigger of W-5.

* **R-43** Adolescents at high exploitation risk are never placed in unregistered or semi-independent
  settings; a short-term holiday let is an unregistered setting [I]. A hard block, no override.
* **R-41** Nor "at distance" from home: 20 miles or more (exactly 20.0 counts, Ch 4's "20 miles or
  more" [D], Q-05). **R-42** Unless the young person expressly wishes it, and the wish is recorded.
  At high risk, a placement outside the home area with no distance recorded cannot be checked, so it
  is refused until the distance is entered.
* **R-45** Placement decisions use police intelligence about the area and the people: a placement is
  not recorded without a police intelligence check [D: every setting but secure accommodation and
  custody, which a court decides]. Intelligence that found it unsuitable refuses it at high risk, and
  otherwise must be confirmed (the police-LA disagreement, F-32, is recorded in the note) [D].
* **R-44** A move into an unfamiliar area (outside the home local authority's area) is a priority:
  support for physical and mental health starts immediately, so a health-support task is due on the
  day the placement starts [D].
* **W-5** A placement in a new area triggers the crisis response for a child at high risk [D: the
  report's crisis intervention is for the adolescents at high risk].

Decisions [D] beyond the report:

* A child whose exploitation risk is **not assessed** is checked as if at high risk for R-41 and
  R-43 (the precaution: the rules exist because the risk is missed), and the message says so; the
  crisis trigger needs a recorded high risk.
* At high risk a distance is always needed: a large county's own area can be more than 20 miles
  across, so "in the home area" does not settle R-41.
* **Secure accommodation and custody** are decided by a court (R-48): no police intelligence check and
  no distance rule apply, though a move into a new area still makes health support due.
* A placement whose area is **not known** counts as a new area for R-44 (health support is due).
* A police intelligence check that found the placement unsuitable, for a child not at high risk,
  goes ahead only with a note saying why (the police-LA disagreement, F-32).

**J-11, the placement breakdown check.** A remand in custody or a custodial sentence (a detention and
training order, custody) takes the child out of their placement: the home local authority says
whether the placement ends (end reason *custody*) or is kept for the child's return [D]. The check is
due from the first such court outcome on or after the placement started (the same day included: the
record cannot tell which came first), while the placement (not itself secure accommodation or
custody) is open; keeping it answers the outcomes recorded before it was kept, whatever their day,
and one recorded later asks again.

**Ending a placement (E-21).** A placement ends on a day not before it started nor in the future, for
one of E-21's reasons: breakdown, a move closer once the risk subsided, custody, a step down, or
another reason (which needs a note). A move closer is recorded as the new placement, which the
checker sees again (Joshua's move closer, near a bail hostel, led to his re-arrest).

Pure: no Django, no clock; dates are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

DISTANCE_LIMIT_MILES: Final = Decimal("20")
HIGH: Final = "high"
#: Checked as if high for R-41 and R-43 [D]: the risk not yet assessed.
NOT_ASSESSED: Final = frozenset({"not_assessed", ""})
#: R-43: banned outright for a child at high risk (a holiday let is an unregistered setting, [I]).
BANNED_AT_HIGH_RISK: Final = frozenset({"unregistered", "semi_independent", "holiday_let"})
#: A court decides these; there is no placement choice for the police to inform (R-48).
COURT_DECIDES: Final = frozenset({"secure", "custody"})

INTEL_NOT_CHECKED: Final = "not_checked"
INTEL_SUITABLE: Final = "suitable"
INTEL_UNSUITABLE: Final = "unsuitable"

MSG_BANNED: Final = (
    "A child at high risk of exploitation cannot be placed in this setting ({setting}): unregistered "
    "and semi-independent settings, holiday lets included, are banned for them (R-43){assumed}"
)
#: Added to a refusal when the risk is not assessed and the child is checked as at high risk.
ASSUMED_HIGH: Final = ". The child's exploitation risk is not assessed, so it is treated as high"
MSG_AT_DISTANCE: Final = (
    "This placement is {miles} miles from home: a child at high risk of exploitation is not placed 20 "
    "miles or more away unless they expressly wish it (R-41, R-42). Record their wish, in their words, "
    "or choose a placement nearer home{assumed}"
)
MSG_WISH_WORDS: Final = "Record the young person's wish in their own words (R-42)"
MSG_DISTANCE_NEEDED: Final = (
    "Enter how far the placement is from the child's home: a child at high risk of exploitation is not "
    "placed 20 miles or more away (R-41){assumed}"
)
MSG_WISH_UNTICKED: Final = (
    "Tick that the young person expressly wishes to live there, or clear their words (R-42)"
)
MSG_NOTE_FOR_UNSUITABLE: Final = (
    "Say in the notes why the placement goes ahead although the police found it unsuitable (F-32)"
)
MSG_INTEL_NEEDED: Final = (
    "Record the police intelligence check on the placement's area and people before the placement (R-45)"
)
MSG_INTEL_UNSUITABLE_HIGH: Final = (
    "The police intelligence check found this placement unsuitable, and the child is at high risk of "
    "exploitation (R-45)"
)
WARN_INTEL_UNSUITABLE: Final = (
    "The police intelligence check found this placement unsuitable: say in the note why it goes ahead (F-32)"
)
WARN_WISH: Final = "Placed at distance at the young person's express wish (R-42)"
WARN_NEW_AREA: Final = "A move into a new area: support for physical and mental health starts at once (R-44)"
MSG_DISTANCE_NEGATIVE: Final = "The distance cannot be negative"


@dataclass(frozen=True)
class PlacementFacts:
    setting_type: str
    setting_label: str
    risk_level: str
    starts_on: date
    distance_miles: Decimal | None = None
    #: Is the placement inside the child's home local authority's area? None: not recorded.
    in_home_area: bool | None = None
    express_wish: bool = False
    express_wish_words: str = ""
    intel_outcome: str = INTEL_NOT_CHECKED
    notes: str = ""


@dataclass(frozen=True)
class PlacementCheck:
    """What the checker found: refusals (field → message), warnings to confirm, and what follows."""

    problems: dict[str, str]
    warnings: tuple[str, ...]
    at_distance: bool
    new_area: bool
    #: R-44: health support due (the start day) for a move into a new area; None otherwise.
    health_support_due_on: date | None
    #: W-5: the move opens the crisis response (a new area, at high risk).
    triggers_crisis: bool

    @property
    def allowed(self) -> bool:
        return not self.problems


def miles_text(miles: Decimal | None) -> str:
    """A distance as people write it: 85, 12.5 (a stored 85.0 is 85)."""
    if miles is None:
        return ""
    return f"{miles.normalize():f}" if miles == miles.to_integral_value() else f"{miles:f}"


def at_distance(miles: Decimal | None) -> bool:
    """R-41: 20 miles or more (exactly 20.0 is at distance)."""
    return miles is not None and miles >= DISTANCE_LIMIT_MILES


def check_placement(facts: PlacementFacts) -> PlacementCheck:
    recorded_high = facts.risk_level == HIGH
    assumed = facts.risk_level in NOT_ASSESSED
    high = recorded_high or assumed
    why = ASSUMED_HIGH if assumed else ""
    court = facts.setting_type in COURT_DECIDES
    problems: dict[str, str] = {}
    warnings: list[str] = []
    if facts.distance_miles is not None and facts.distance_miles < 0:
        problems["distance_miles"] = MSG_DISTANCE_NEGATIVE
    if high and facts.setting_type in BANNED_AT_HIGH_RISK:
        problems["setting_type"] = MSG_BANNED.format(setting=facts.setting_label.lower(), assumed=why)
    far = at_distance(facts.distance_miles)
    if high and far and not court:
        if not facts.express_wish:
            problems["distance_miles"] = MSG_AT_DISTANCE.format(
                miles=miles_text(facts.distance_miles), assumed=why
            )
        elif not facts.express_wish_words.strip():
            problems["express_wish_words"] = MSG_WISH_WORDS
        else:
            warnings.append(WARN_WISH)
    if facts.express_wish_words.strip() and not facts.express_wish:
        problems.setdefault("express_wish", MSG_WISH_UNTICKED)
    if high and not court and facts.distance_miles is None:
        problems.setdefault("distance_miles", MSG_DISTANCE_NEEDED.format(assumed=why))
    if not court:
        if facts.intel_outcome == INTEL_NOT_CHECKED:
            problems["intel_outcome"] = MSG_INTEL_NEEDED
        elif facts.intel_outcome == INTEL_UNSUITABLE:
            if high:
                problems["intel_outcome"] = MSG_INTEL_UNSUITABLE_HIGH
            else:
                warnings.append(WARN_INTEL_UNSUITABLE)
                if not facts.notes.strip():
                    problems.setdefault("notes", MSG_NOTE_FOR_UNSUITABLE)
    new_area = facts.in_home_area is not True or far
    if new_area:
        warnings.append(WARN_NEW_AREA)
    return PlacementCheck(
        problems=problems,
        warnings=tuple(warnings),
        at_distance=far,
        new_area=new_area,
        health_support_due_on=facts.starts_on if new_area else None,
        triggers_crisis=new_area and recorded_high,
    )


#: E-21's end reasons.
END_BREAKDOWN: Final = "breakdown"
END_MOVED_CLOSER: Final = "moved_closer"
END_CUSTODY: Final = "custody"
END_STEP_DOWN: Final = "step_down"
END_OTHER: Final = "other"
END_REASONS: Final = (END_BREAKDOWN, END_MOVED_CLOSER, END_CUSTODY, END_STEP_DOWN, END_OTHER)

MSG_END_BEFORE_START: Final = "A placement cannot end before it started, on {day}"
MSG_END_FUTURE: Final = "The date the placement ended cannot be in the future"
MSG_END_REASON: Final = "Say why the placement ended"
MSG_END_NOTE: Final = "Say in the note why the placement ended"
MSG_ALREADY_ENDED: Final = "This placement has already ended"


def end_problems(
    *, started_on: date | None, ended_on: date, already_ended: bool, reason: str, note: str, today: date
) -> dict[str, str]:
    """Refusals for ending a placement (field → message)."""
    if already_ended:
        return {"ended_on": MSG_ALREADY_ENDED}
    problems: dict[str, str] = {}
    if ended_on > today:
        problems["ended_on"] = MSG_END_FUTURE
    elif started_on is not None and ended_on < started_on:
        problems["ended_on"] = MSG_END_BEFORE_START.format(day=f"{started_on:%-d %B %Y}")
    if reason not in END_REASONS:
        problems["end_kind"] = MSG_END_REASON
    elif reason == END_OTHER and not note.strip():
        problems["end_note"] = MSG_END_NOTE
    return problems


def custody_check_due(
    *,
    setting_type: str,
    started_on: date | None,
    ended: bool,
    kept_at: datetime | None,
    custody: tuple[tuple[date, datetime], ...],
    today: date,
) -> date | None:
    """J-11: the day of the first remand in custody or custodial sentence that calls for the
    placement breakdown check, or None when no check is due. ``custody``: each outcome's day and
    when it was recorded. Keeping the placement answers the outcomes recorded before it was kept,
    whatever their day (a hearing is often recorded days later); one recorded after asks again.
    Days in the future (an import's) are not yet anything to answer."""
    if ended or setting_type in COURT_DECIDES or started_on is None:
        return None
    days = sorted(
        day
        for day, recorded_at in custody
        if started_on <= day <= today and (kept_at is None or recorded_at > kept_at)
    )
    return days[0] if days else None
