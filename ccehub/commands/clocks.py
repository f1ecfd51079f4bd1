"""``ccehub clocks [FILE|-]``: NRM clocks for referrals described in JSON.

Input (a file, or ``-`` / nothing for standard input) is one JSON object or a list of them::

    {"route": "national" | "local_panel",
     "policy": "current" | "report-2022",          (optional, default "current")
     "referral_date": "YYYY-MM-DD",
     "rg_decision": {"date": "YYYY-MM-DD", "outcome": "positive" | "negative"},   (optional)
     "cg_decision": {"date": "YYYY-MM-DD", "outcome": "positive" | "negative"},   (optional)
     "as_of": "YYYY-MM-DD"}

Output, in the same shape (object for an object, list for a list)::

    {"rg_due": date, "earliest_cg": date | null, "decision_deadline": date | null,
     "stage": ..., "overdue": ["rg" | "cg" | "deferral", ...], "policy": code}

Invalid input exits with status 2 and prints on stderr one ``error:`` line per problem, naming the
list index (``index N``, counted from 0, only for list input) and the field (a field given twice
is refused; nesting too deep for a referral is invalid input too). Nothing is printed on
stdout unless every item is valid. Pure: does not start Django. Rules: :mod:`ccehub.rules.clocks`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

import typer

from ccehub.commands import fail
from ccehub.rules.clocks import (
    MSG_UNKNOWN_POLICY,
    MSG_UNKNOWN_ROUTE,
    OUTCOMES,
    ROUTES,
    ClockInputError,
    ClockState,
    Decision,
    Outcome,
    nrm_clock,
)
from ccehub.rules.json_fields import MSG_DUPLICATE_FIELD, duplicated_fields, object_pairs
from ccehub.rules.policy import DEFAULT_PROFILE, PROFILES

T = TypeVar("T")

# --- Messages a user can see (tests assert on them) ---------------------------------------------
MSG_CANNOT_READ: Final = "cannot read the input file"
MSG_EMPTY_INPUT: Final = "the input is empty (expected a JSON object or a list of objects)"
MSG_INVALID_JSON: Final = "the input is not valid JSON"
MSG_NOT_OBJECT: Final = "expected a JSON object or a list of objects"
MSG_ITEM_NOT_OBJECT: Final = "each item must be a JSON object"
MSG_REQUIRED: Final = "is required"
MSG_UNKNOWN_FIELD: Final = "unknown field"
MSG_BAD_DATE: Final = "expected a date written YYYY-MM-DD"
MSG_BAD_DECISION: Final = 'expected an object {"date": "YYYY-MM-DD", "outcome": "positive" or "negative"}'
MSG_UNKNOWN_OUTCOME: Final = "unknown outcome (expected positive or negative)"
MSG_POLICY_NOT_TEXT: Final = "policy must be a string such as current or report-2022"
MSG_TOO_DEEP: Final = "the input is nested too deeply to be a referral"
MSG_NUMBER_TOO_LONG: Final = "invalid JSON: a number has more digits than can be read"
MSG_NOT_UTF8: Final = "the input is not UTF-8 text"

FIELDS: Final = frozenset({"route", "policy", "referral_date", "rg_decision", "cg_decision", "as_of"})
DECISION_FIELDS: Final = frozenset({"date", "outcome"})
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _duplicates(value: Any, prefix: str = "") -> list[ClockInputError]:
    return [ClockInputError(f"{prefix}{name}", MSG_DUPLICATE_FIELD) for name in duplicated_fields(value)]


class ItemErrors(Exception):
    """Every problem found in one input object (one ``error:`` line each)."""

    def __init__(self, errors: list[ClockInputError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _date(value: Any, field: str) -> date:
    if value is None:
        raise ClockInputError(field, MSG_REQUIRED)
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ClockInputError(field, MSG_BAD_DATE, json.dumps(value))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ClockInputError(field, MSG_BAD_DATE, json.dumps(value)) from None


def _outcome(value: Any, field: str) -> Outcome:
    if value is None:
        raise ClockInputError(field, MSG_REQUIRED)
    for known in OUTCOMES:
        if value == known:
            return known
    raise ClockInputError(field, MSG_UNKNOWN_OUTCOME, json.dumps(value))


def _collect(problems: list[ClockInputError], read: Callable[[], T]) -> T | None:
    """Run one field's reader; on a problem, note it and carry on with the other fields."""
    try:
        return read()
    except ClockInputError as exc:
        problems.append(exc)
        return None


def _decision(item: dict[str, Any], name: str, problems: list[ClockInputError]) -> Decision | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(ClockInputError(name, MSG_BAD_DECISION, json.dumps(value)))
        return None
    problems.extend(_duplicates(value, f"{name}."))
    for unknown in sorted(set(value) - DECISION_FIELDS):
        problems.append(ClockInputError(f"{name}.{unknown}", MSG_UNKNOWN_FIELD))
    decided_on = _collect(problems, lambda: _date(value.get("date"), f"{name}.date"))
    outcome = _collect(problems, lambda: _outcome(value.get("outcome"), f"{name}.outcome"))
    if decided_on is None or outcome is None:
        return None
    return Decision(decided_on=decided_on, outcome=outcome)


def _route(value: Any) -> str:
    if value is None:
        raise ClockInputError("route", MSG_REQUIRED)
    if not isinstance(value, str) or value not in ROUTES:
        raise ClockInputError(
            "route", MSG_UNKNOWN_ROUTE, json.dumps(value) if not isinstance(value, str) else repr(value)
        )
    return value


def _policy(value: Any) -> str:
    if value is None:
        return DEFAULT_PROFILE
    if not isinstance(value, str):
        raise ClockInputError("policy", MSG_POLICY_NOT_TEXT, json.dumps(value))
    if value not in PROFILES:
        raise ClockInputError("policy", MSG_UNKNOWN_POLICY, repr(value))
    return value


def clock_for(item: Any) -> ClockState:
    """Validate one input object and compute its clocks.

    Every field is read, and every field's problem reported, before the facts are checked against
    each other (which needs every field to read; the first inconsistency is reported).

    Raises:
        ItemErrors: every problem found, each naming its field.
    """
    if not isinstance(item, dict):
        raise ItemErrors([ClockInputError("item", MSG_ITEM_NOT_OBJECT, type(item).__name__)])
    problems = _duplicates(item)
    problems += [ClockInputError(name, MSG_UNKNOWN_FIELD) for name in sorted(set(item) - FIELDS)]
    route = _collect(problems, lambda: _route(item.get("route")))
    policy = _collect(problems, lambda: _policy(item.get("policy")))
    referral_date = _collect(problems, lambda: _date(item.get("referral_date"), "referral_date"))
    rg = _decision(item, "rg_decision", problems)
    cg = _decision(item, "cg_decision", problems)
    as_of = _collect(problems, lambda: _date(item.get("as_of"), "as_of"))
    if problems:
        raise ItemErrors(problems)
    assert route is not None and policy is not None and referral_date is not None and as_of is not None
    try:
        return nrm_clock(route, policy, referral_date, rg, cg, as_of)
    except ClockInputError as exc:
        raise ItemErrors([exc]) from None


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def clock_to_json(state: ClockState) -> dict[str, Any]:
    """The contract's output object for one clock (exactly these keys, in this order)."""
    return {
        "rg_due": state.rg_due.isoformat(),
        "earliest_cg": _iso(state.earliest_cg),
        "decision_deadline": _iso(state.decision_deadline),
        "stage": state.stage,
        "overdue": list(state.overdue),
        "policy": state.policy,
    }


def _describe(error: ClockInputError, index: int | None) -> str:
    where = "" if index is None else f"index {index}: "
    detail = f" ({error.detail})" if error.detail else ""
    return f"{where}{error.field}: {error.message}{detail}"


def _read(file: str) -> str:
    """The input as text: UTF-8, with or without a byte order mark (as Windows editors save it)."""
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        fail(f"{MSG_CANNOT_READ}: {file} ({exc.__class__.__name__})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{MSG_CANNOT_READ}: {'standard input' if file == '-' else file} ({MSG_NOT_UTF8})")


def run(text: str) -> Any:
    """Parse ``text`` and return the JSON-ready output, or exit 2 listing every problem."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        fail(MSG_EMPTY_INPUT)
    try:
        data = json.loads(text, object_pairs_hook=object_pairs)
    except json.JSONDecodeError as exc:
        fail(f"{MSG_INVALID_JSON} (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    except RecursionError:
        fail(MSG_TOO_DEEP)
    except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
        fail(MSG_NUMBER_TOO_LONG)

    if isinstance(data, dict):
        try:
            return clock_to_json(clock_for(data))
        except ItemErrors as exc:
            fail("\nerror: ".join(_describe(e, None) for e in exc.errors))
    if not isinstance(data, list):
        fail(f"{MSG_NOT_OBJECT} (got {type(data).__name__})")

    results: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, item in enumerate(data):
        try:
            results.append(clock_to_json(clock_for(item)))
        except ItemErrors as exc:
            problems.extend(_describe(e, index) for e in exc.errors)
    if problems:
        fail("\nerror: ".join(problems))
    return results


def register(app: typer.Typer) -> None:
    """Add ``clocks`` to the ``ccehub`` command."""

    @app.command("clocks")
    def clocks(
        file: Annotated[
            str,
            typer.Argument(
                metavar="[FILE|-]",
                help="JSON file with one referral object or a list; '-' or nothing reads standard input.",
            ),
        ] = "-",
    ) -> None:
        """NRM clocks (RG due, earliest CG, deadline, stage, overdue) for referrals given as JSON."""
        output = run(_read(file))
        sys.stdout.write(json.dumps(output, indent=2) + "\n")
