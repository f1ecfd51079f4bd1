"""First-responder triage: one identifying incident in, one decision out (issue #3, W-1, F-01).

Public API (pure, no Django, no clock):

* :func:`parse_triage_input` turns a JSON-like mapping into a :class:`TriageInput` or raises
  :class:`TriageInputError` naming the field;
* :func:`triage` applies the rules (age, presumption, panel eligibility, s45, priority, actions);
* :meth:`TriageDecision.to_json` gives the CLI/API contract object;
* :data:`LABELS` holds plain-English labels for every output code.

Input contract (``docs/rules-triage.md``): only ``incident_date`` is required. Booleans default to
false, lists to empty, ``policy`` to ``current``; ``null`` means "not given" for every optional
field. Unknown fields are rejected, so a misspelt ``county_line_linked`` cannot silently weaken a
child's protection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, date, datetime
from enum import StrEnum
from functools import partial
from typing import Final, TypedDict, TypeVar
from zoneinfo import ZoneInfo

from ccehub.rules.actions import ACTION_LABELS, Action, ActionCode, ActionFacts, actions_for
from ccehub.rules.age import (
    ADULT_AGE,
    CRIMINAL_RESPONSIBILITY_AGE,
    AgeAssessment,
    AgeBand,
    age_on,
    assess_age,
)
from ccehub.rules.indicators import INDICATOR_LABELS, Indicator
from ccehub.rules.offences import Offence, any_drug_offence, catalogue, offence_codes, offence_labels
from ccehub.rules.policy import CURRENT, PROFILES, PolicyProfile
from ccehub.rules.presumption import (
    PRESUMPTION_LABELS,
    PresumptionCategory,
    assess_panel_eligibility,
    assess_presumption,
    assess_rebuttal,
)
from ccehub.rules.section45 import SECTION45_LABELS, Section45Status, assess_section45


class ActionJSON(TypedDict):
    """One action in the output contract."""

    code: str
    due_within_hours: int | None
    reason: str


class TriageJSON(TypedDict):
    """The output contract of ``ccehub triage`` (and of the API), field for field."""

    age_years: int | None
    days_until_18: int | None
    presumption: str
    priority: str
    panel_eligible: bool
    section45: str
    actions: list[ActionJSON]
    policy: str
    rule_version: str
    reasons: list[str]


# --- User-visible error messages (tests assert on these) ---------------------------------------

MSG_NOT_OBJECT: Final = "must be a JSON object"
MSG_REQUIRED: Final = "is required"
MSG_UNKNOWN_FIELD: Final = "is not a recognised field (expected: {expected})"
MSG_DATE: Final = "must be an ISO date (YYYY-MM-DD)"
MSG_DATE_OR_DATETIME: Final = "must be an ISO date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
MSG_BOOL: Final = "must be true or false"
MSG_INT: Final = "must be a whole number"
MSG_NEGATIVE: Final = "must not be negative"
MSG_AGE_RANGE: Final = "must be between 0 and {maximum}"
MSG_STRING: Final = "must be a string"
MSG_LIST: Final = "must be a list of codes"
MSG_UNKNOWN_OFFENCE: Final = "unknown offence code {code!r} (expected one of: {expected})"
MSG_UNKNOWN_INDICATOR: Final = "unknown indicator code {code!r} (expected one of: {expected})"
MSG_UNKNOWN_POLICY: Final = "unknown policy {code!r} (expected one of: {expected})"
MSG_DOB_AFTER_INCIDENT: Final = "must not be after incident_date"
MSG_INCIDENT_TOO_EARLY: Final = "must be on or after {earliest} (check the year has four digits, like 2022)"
MSG_DOB_TOO_OLD: Final = (
    "gives an age over {maximum} on incident_date (check the year has four digits, like 2008)"
)
MSG_DOB_TOO_LATE: Final = "gives an 18th birthday after the year {latest} (check the year, like 2008)"
MSG_INCIDENT_OUT_OF_RANGE: Final = (
    "falls outside the years 1 to {latest} when read in UK local time (check the year, like 2022)"
)
MSG_EVIDENCE_NOTE_REQUIRED: Final = (
    "is required (and must not be blank) when clear_evidence_not_exploited is true"
)

#: Upper bound for an age, estimated or from a date of birth: anything above is a typing error (a
#: two-digit year such as ``06`` read as the year 6). One bound for both, so a date of birth is never
#: accepted where the same age given as an estimate would be refused.
MAX_AGE: Final = 120
MAX_ESTIMATED_AGE: Final = MAX_AGE

#: Earliest incident date accepted. Nothing in this domain predates it (county lines emerged around
#: 2015, the NRM in 2009); an earlier date is a typing error such as ``22`` for 2022.
EARLIEST_INCIDENT_DATE: Final = date(1900, 1, 1)

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")


class TriageInputError(ValueError):
    """Invalid triage input. ``field`` names the offending field (``offences[2]`` for a list item).

    One object can have several problems: ``problems`` lists every one (this error first), so the
    CLI and the API can report them all at once; ``field`` and ``message`` are the first.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.problems: tuple[TriageInputError, ...] = (self,)

    @classmethod
    def of(cls, problems: Sequence[TriageInputError]) -> TriageInputError:
        """One error carrying every problem in ``problems`` (at least one), the first as its own."""
        first = problems[0]
        error = cls(first.field, first.message)
        error.problems = (error, *problems[1:])
        return error

    def at(self, prefix: str) -> TriageInputError:
        """The same error(s) with ``prefix`` (e.g. ``[3]`` for an item of a list) before the field."""
        return TriageInputError.of(
            [
                TriageInputError(f"{prefix}.{problem.field}" if problem.field else prefix, problem.message)
                for problem in self.problems
            ]
        )


def _cross_field_problems(
    *,
    incident_date: date | None,
    date_of_birth: date | None,
    estimated_age: int | None,
    missing_days: int | None,
    offences: Sequence[str],
    claimed: bool,
    evidence_note: str | None,
) -> list[TriageInputError]:
    """Every problem with values that each have the right type (``None``: not given, or invalid)."""
    problems: list[TriageInputError] = []
    if incident_date is not None and incident_date < EARLIEST_INCIDENT_DATE:
        problems.append(
            TriageInputError(
                "incident_date", MSG_INCIDENT_TOO_EARLY.format(earliest=EARLIEST_INCIDENT_DATE.isoformat())
            )
        )
        incident_date = None  # a typing error: comparing the date of birth with it would mislead
    if incident_date is not None and date_of_birth is not None:
        if date_of_birth > incident_date:
            problems.append(TriageInputError("date_of_birth", MSG_DOB_AFTER_INCIDENT))
        elif date_of_birth.year > MAXYEAR - ADULT_AGE:
            # The 18th birthday (R-24, days_until_18) could not be represented: a typing error.
            problems.append(TriageInputError("date_of_birth", MSG_DOB_TOO_LATE.format(latest=MAXYEAR)))
        elif age_on(date_of_birth, incident_date) > MAX_AGE:
            problems.append(TriageInputError("date_of_birth", MSG_DOB_TOO_OLD.format(maximum=MAX_AGE)))
    if estimated_age is not None and not 0 <= estimated_age <= MAX_ESTIMATED_AGE:
        problems.append(TriageInputError("estimated_age", MSG_AGE_RANGE.format(maximum=MAX_ESTIMATED_AGE)))
    known = catalogue()
    for index, code in enumerate(offences):
        if code not in known:
            problems.append(TriageInputError(f"offences[{index}]", _unknown_offence(code)))
    if missing_days is not None and missing_days < 0:
        problems.append(TriageInputError("missing_days", MSG_NEGATIVE))
    if claimed and not (evidence_note or "").strip():
        problems.append(TriageInputError("evidence_note", MSG_EVIDENCE_NOTE_REQUIRED))
    return problems


@dataclass(frozen=True, slots=True)
class TriageInput:
    """One identifying incident, validated. Construct with :func:`parse_triage_input` or directly."""

    incident_date: date
    date_of_birth: date | None = None
    estimated_age: int | None = None
    county_lines_linked: bool = False
    arrested: bool = False
    out_of_area: bool = False
    offences: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    missing_days: int | None = None
    clear_evidence_not_exploited: bool = False
    evidence_note: str | None = None
    policy: PolicyProfile = CURRENT

    def __post_init__(self) -> None:
        """Cross-field checks, so that a directly built input is as valid as a parsed one."""
        problems = _cross_field_problems(
            incident_date=self.incident_date,
            date_of_birth=self.date_of_birth,
            estimated_age=self.estimated_age,
            missing_days=self.missing_days,
            offences=self.offences,
            claimed=self.clear_evidence_not_exploited,
            evidence_note=self.evidence_note,
        )
        if problems:
            raise TriageInputError.of(problems)

    @property
    def offence_entries(self) -> tuple[Offence, ...]:
        """The catalogue entries for :attr:`offences`."""
        known = catalogue()
        return tuple(known[code] for code in self.offences)


# --- Parsing ------------------------------------------------------------------------------------

INPUT_FIELDS: Final[tuple[str, ...]] = (
    "incident_date",
    "date_of_birth",
    "estimated_age",
    "county_lines_linked",
    "arrested",
    "out_of_area",
    "offences",
    "indicators",
    "missing_days",
    "clear_evidence_not_exploited",
    "evidence_note",
    "policy",
)


def _unknown_offence(code: object) -> str:
    return MSG_UNKNOWN_OFFENCE.format(code=code, expected=", ".join(offence_codes()))


def _parse_date(name: str, value: object) -> date:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise TriageInputError(name, MSG_DATE)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TriageInputError(name, MSG_DATE) from None


_T = TypeVar("_T")

#: Ages and the 100-day lines are counted in England and Wales local time: an incident at 23:30 UTC
#: on 30 June in summer happened on 1 July in London.
LOCAL_TIME: Final = ZoneInfo("Europe/London")


def _parse_incident_date(value: object) -> date:
    """A date, or a date-time: with an offset it is converted to UK local time; without one it is
    taken as UK local time already."""
    name = "incident_date"
    if isinstance(value, str) and _DATETIME_RE.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise TriageInputError(name, MSG_DATE_OR_DATETIME) from None
        if moment.tzinfo is not None:
            try:
                moment = moment.astimezone(LOCAL_TIME)
            except (OverflowError, ValueError):
                # e.g. 9999-12-31T23:59-05:00 is already the year 10000 in London.
                raise TriageInputError(name, MSG_INCIDENT_OUT_OF_RANGE.format(latest=MAXYEAR)) from None
        return moment.date()
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise TriageInputError(name, MSG_DATE_OR_DATETIME)


def _parse_bool(name: str, value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise TriageInputError(name, MSG_BOOL)
    return value


def _parse_int(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TriageInputError(name, MSG_INT)
    return value


def _parse_codes(
    name: str,
    value: object,
    problems: list[TriageInputError],
    unknown: Callable[[str], str | None],
) -> list[str]:
    """The known codes of a list, in order; every problem (``unknown(code)`` gives the message for a
    code that is not known, else ``None``) goes to ``problems`` in list order."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(TriageInputError(name, MSG_LIST))
        return []
    codes: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(TriageInputError(f"{name}[{index}]", MSG_STRING))
        elif (message := unknown(item)) is not None:
            problems.append(TriageInputError(f"{name}[{index}]", message))
        else:
            codes.append(item)
    return codes


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_triage_input(obj: Mapping[str, object] | object) -> TriageInput:
    """Validate one JSON-like object against the triage input contract.

    Raises:
        TriageInputError: naming the first problem's field; its ``problems`` list every problem
        found in the object (each field is checked, then the checks across fields).
    """
    if not isinstance(obj, Mapping):
        raise TriageInputError("", MSG_NOT_OBJECT)
    problems: list[TriageInputError] = []

    def attempt(parse: Callable[[], _T]) -> _T | None:
        try:
            return parse()
        except TriageInputError as exc:
            problems.extend(exc.problems)
            return None

    for key in obj:
        if key not in INPUT_FIELDS:
            problems.append(
                TriageInputError(str(key), MSG_UNKNOWN_FIELD.format(expected=", ".join(INPUT_FIELDS)))
            )
    incident_date: date | None = None
    if obj.get("incident_date") is None:
        problems.append(TriageInputError("incident_date", MSG_REQUIRED))
    else:
        incident_date = attempt(lambda: _parse_incident_date(obj["incident_date"]))

    raw_dob = obj.get("date_of_birth")
    date_of_birth = None if raw_dob is None else attempt(lambda: _parse_date("date_of_birth", raw_dob))
    estimated_age = attempt(lambda: _parse_int("estimated_age", obj.get("estimated_age")))
    flags: dict[str, bool] = {}
    for name in ("county_lines_linked", "arrested", "out_of_area"):
        flags[name] = bool(attempt(partial(_parse_bool, name, obj.get(name))))

    known_offences = catalogue()
    offences = _parse_codes(
        "offences",
        obj.get("offences"),
        problems,
        lambda code: None if code in known_offences else _unknown_offence(code),
    )
    valid_indicators = {indicator.value: indicator for indicator in Indicator}
    indicators = [
        valid_indicators[code]
        for code in _parse_codes(
            "indicators",
            obj.get("indicators"),
            problems,
            lambda code: (
                None
                if code in valid_indicators
                else MSG_UNKNOWN_INDICATOR.format(code=code, expected=", ".join(valid_indicators))
            ),
        )
    ]

    missing_days = attempt(lambda: _parse_int("missing_days", obj.get("missing_days")))
    claimed = bool(
        attempt(lambda: _parse_bool("clear_evidence_not_exploited", obj.get("clear_evidence_not_exploited")))
    )
    raw_note = obj.get("evidence_note")
    note: str | None = None
    if raw_note is not None and not isinstance(raw_note, str):
        problems.append(TriageInputError("evidence_note", MSG_STRING))
    else:
        note = raw_note

    raw_policy = obj.get("policy")
    profile = CURRENT
    if raw_policy is not None:
        if isinstance(raw_policy, str) and raw_policy in PROFILES:
            profile = PROFILES[raw_policy]
        else:
            problems.append(
                TriageInputError(
                    "policy",
                    MSG_UNKNOWN_POLICY.format(code=raw_policy, expected=", ".join(sorted(PROFILES))),
                )
            )

    if problems:
        # Report the checks across fields too, on whatever could be read (never twice for a field
        # that was already wrong on its own).
        wrong = {problem.field for problem in problems}
        problems.extend(
            problem
            for problem in _cross_field_problems(
                incident_date=incident_date,
                date_of_birth=date_of_birth,
                estimated_age=estimated_age,
                missing_days=missing_days,
                offences=(),
                claimed=claimed and "evidence_note" not in wrong,
                evidence_note=note,
            )
            if problem.field not in wrong
        )
        raise TriageInputError.of(problems)
    assert incident_date is not None
    return TriageInput(
        incident_date=incident_date,
        date_of_birth=date_of_birth,
        estimated_age=estimated_age,
        county_lines_linked=flags["county_lines_linked"],
        arrested=flags["arrested"],
        out_of_area=flags["out_of_area"],
        offences=_dedupe(offences),
        indicators=tuple(Indicator(code) for code in _dedupe([i.value for i in indicators])),
        missing_days=missing_days,
        clear_evidence_not_exploited=claimed,
        evidence_note=note,
        policy=profile,
    )


# --- Priority -----------------------------------------------------------------------------------


class Priority(StrEnum):
    """The ``priority`` output code (issue #3 contract)."""

    CRISIS = "crisis"
    HIGH = "high"
    STANDARD = "standard"


PRIORITY_LABELS: Final[dict[Priority, str]] = {
    Priority.CRISIS: "Crisis: high-risk safeguarding priority with an urgent crisis response",
    Priority.HIGH: "High: exploitation concern, act before release",
    Priority.STANDARD: "Standard",
}

PRIORITY_RANK: Final[dict[Priority, int]] = {Priority.CRISIS: 2, Priority.HIGH: 1, Priority.STANDARD: 0}


def assess_priority(*, presumed: bool, facts: ActionFacts) -> tuple[Priority, str]:
    """Safeguarding priority, with the reason.

    Sources: R-24(1) and F-01 (presumed: high-risk safeguarding priority, urgent crisis response →
    ``crisis``, and only then); R-10, R-30, R-31, R-34, R-37 (a child, or someone treated as one, with
    a county-lines link, any exploitation indicator or a missing episode → ``high``); F-24 and N-11
    (a young adult in county lines → ``high``); R-40 (plugging at any age → ``high``). Otherwise
    ``standard``. Policy field: ``missing_crisis_threshold_days`` (via ``facts.missing_crisis``).
    """
    if presumed:
        return Priority.CRISIS, "R-24(1), F-01: priority crisis because the presumption applies."
    if facts.treat_as_child and facts.exploitation_concern:
        if facts.missing_crisis:
            why = (
                f"a missing episode of {facts.missing_days} days, at or over the "
                f"{facts.profile.missing_crisis_threshold_days}-day threshold (R-30)"
            )
        elif facts.county_lines_linked:
            why = "a county-lines link (R-10)"
        elif facts.indicators:
            why = "exploitation indicators recorded (R-10, F-11)"
        else:
            why = "a missing episode recorded (R-31, R-34, R-37)"
        return (
            Priority.HIGH,
            f"Priority high: a child (or treated as one) with {why}; the presumption does not apply.",
        )
    if facts.band is AgeBand.YOUNG_ADULT and facts.county_lines_linked:
        return Priority.HIGH, "F-24, N-11: priority high: a young adult linked to county lines."
    if Indicator.PLUGGING in facts.indicators:
        return (
            Priority.HIGH,
            "R-40: priority high: plugging is a medical emergency and a sign of exploitation.",
        )
    return Priority.STANDARD, "Priority standard: no presumption and no exploitation concern recorded."


# --- The decision -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriageDecision:
    """The triage result; :meth:`to_json` gives the contract's output object."""

    age_years: int | None
    days_until_18: int | None
    presumption: PresumptionCategory
    priority: Priority
    panel_eligible: bool
    section45: Section45Status
    actions: tuple[Action, ...]
    policy: str
    rule_version: str
    reasons: tuple[str, ...]
    age: AgeAssessment = field(repr=False, compare=False)

    def to_json(self) -> TriageJSON:
        """The CLI/API output object, with the contract's field names and order."""
        return TriageJSON(
            age_years=self.age_years,
            days_until_18=self.days_until_18,
            presumption=self.presumption.value,
            priority=self.priority.value,
            panel_eligible=self.panel_eligible,
            section45=self.section45.value,
            actions=[
                ActionJSON(code=a.code.value, due_within_hours=a.due_within_hours, reason=a.reason)
                for a in self.actions
            ],
            policy=self.policy,
            rule_version=self.rule_version,
            reasons=list(self.reasons),
        )

    @property
    def action_codes(self) -> tuple[ActionCode, ...]:
        """The action codes, in output order."""
        return tuple(action.code for action in self.actions)


OUTPUT_FIELDS: Final[tuple[str, ...]] = (
    "age_years",
    "days_until_18",
    "presumption",
    "priority",
    "panel_eligible",
    "section45",
    "actions",
    "policy",
    "rule_version",
    "reasons",
)


def _age_reason(inp: TriageInput, age: AgeAssessment) -> str:
    if age.age_years is not None:
        assert age.eighteenth_birthday is not None
        text = f"Age {age.age_years} on the incident date {inp.incident_date.isoformat()}"
        if age.days_until_18 is not None:
            text += f"; 18th birthday {age.eighteenth_birthday.isoformat()}, {age.days_until_18} days away"
        if inp.date_of_birth is not None and (inp.date_of_birth.month, inp.date_of_birth.day) == (2, 29):
            text += " (born 29 February: 18 on 1 March in a common year, Family Law Reform Act 1969 s9)"
        if inp.estimated_age is not None:
            text += "; the estimated age is ignored because a date of birth is recorded"
        return text + "."
    if inp.estimated_age is None:
        return "Age not established: no date of birth or estimate, so treated as a child (R-01)."
    if inp.estimated_age < ADULT_AGE:
        return f"Age not established: estimated {inp.estimated_age}, so treated as a child (R-01)."
    return (
        f"Age not established: estimated {inp.estimated_age}, so the adult age bands apply; "
        "confirm the date of birth (an under-18 must not be treated as an adult)."
    )


def _criminal_responsibility_reasons(inp: TriageInput, age: AgeAssessment) -> tuple[str, ...]:
    """Under 10 (CYPA 1933 s50): no offence, so no criminal process; the safeguarding stands."""
    limit = CRIMINAL_RESPONSIBILITY_AGE
    if age.age_years is not None and age.age_years < limit:
        consequence = (
            "so the offences recorded describe what the child was used for, not crimes: there is no "
            "prosecution for the section 45 defence to answer, and bail or release under investigation "
            "and CPS advice do not arise (not proposed)"
            if inp.offences
            else "so bail or release under investigation and CPS advice do not arise (not proposed)"
        )
        return (
            f"CYPA 1933 s50: aged {age.age_years}, under the age of criminal responsibility ({limit}): the "
            f"child cannot be guilty of any offence, {consequence}. Every safeguarding action stands: a "
            "child this young used in county lines is a victim (R-01, R-26).",
        )
    if age.age_years is None and age.estimated_age is not None and age.estimated_age < limit:
        return (
            f"CYPA 1933 s50: estimated age {age.estimated_age}, under the age of criminal responsibility "
            f"({limit}); if the date of birth confirms it, no offence, charge, bail or CPS decision can "
            "follow. Until then the actions assume the child may be older.",
        )
    return ()


def triage(inp: TriageInput) -> TriageDecision:
    """Triage one identifying incident under ``inp.policy``.

    Sources: R-24, R-25, R-38 (presumption), the devolved pilot (panel eligibility), R-02, R-03
    (s45), R-30, R-35 to R-40, F-01, F-24 (actions and priority). The decision names its profile and
    rule version.
    """
    profile = inp.policy
    age = assess_age(
        date_of_birth=inp.date_of_birth,
        estimated_age=inp.estimated_age,
        on=inp.incident_date,
        profile=profile,
    )
    offences = inp.offence_entries
    rebuttal = assess_rebuttal(claimed=inp.clear_evidence_not_exploited, evidence_note=inp.evidence_note)
    presumption = assess_presumption(
        age=age,
        county_lines_linked=inp.county_lines_linked,
        drugs_offence=any_drug_offence(offences),
        arrested=inp.arrested,
        rebuttal=rebuttal,
        profile=profile,
    )
    panel = assess_panel_eligibility(age=age, profile=profile)
    s45 = assess_section45(offences=offences, treat_as_child=age.treat_as_child)
    below_responsibility = age.age_years is not None and age.age_years < CRIMINAL_RESPONSIBILITY_AGE
    facts = ActionFacts(
        band=age.band,
        presumed=presumption.presumed,
        county_lines_linked=inp.county_lines_linked,
        arrested=inp.arrested,
        out_of_area=inp.out_of_area,
        has_offences=bool(offences),
        indicators=frozenset(inp.indicators),
        missing_days=inp.missing_days,
        profile=profile,
        below_criminal_responsibility=below_responsibility,
    )
    priority, priority_reason = assess_priority(presumed=presumption.presumed, facts=facts)
    reasons = (
        _age_reason(inp, age),
        *presumption.reasons,
        panel.reason,
        *s45.reasons,
        *_criminal_responsibility_reasons(inp, age),
        priority_reason,
        f"Policy profile {profile.code} (rule version {profile.rule_version}, in force from "
        f"{profile.effective_from.isoformat()}).",
    )
    return TriageDecision(
        age_years=age.age_years,
        days_until_18=age.days_until_18,
        presumption=presumption.category,
        priority=priority,
        panel_eligible=panel.eligible,
        section45=s45.status,
        actions=actions_for(facts),
        policy=profile.code,
        rule_version=profile.rule_version,
        reasons=reasons,
        age=age,
    )


#: Plain-English labels for every code the triage produces or accepts (for pages and records).
LABELS: Final[dict[str, dict[str, str]]] = {
    "presumption": {code.value: label for code, label in PRESUMPTION_LABELS.items()},
    "priority": {code.value: label for code, label in PRIORITY_LABELS.items()},
    "section45": {code.value: label for code, label in SECTION45_LABELS.items()},
    "action": {code.value: label for code, label in ACTION_LABELS.items()},
    "indicator": {code.value: label for code, label in INDICATOR_LABELS.items()},
    "offence": offence_labels(),
}

__all__ = [
    "INPUT_FIELDS",
    "LABELS",
    "OUTPUT_FIELDS",
    "Action",
    "ActionCode",
    "ActionJSON",
    "Indicator",
    "PresumptionCategory",
    "Priority",
    "Section45Status",
    "TriageDecision",
    "TriageInput",
    "TriageInputError",
    "TriageJSON",
    "parse_triage_input",
    "triage",
]
