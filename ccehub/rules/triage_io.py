"""Triage input read from JSON text, as the CLI and ``POST /api/triage`` read it.

A JSON object that gives a field twice is a problem to report, not a value to pick silently, so
objects are decoded with :func:`object_pairs` (pass it as ``json.loads(..., object_pairs_hook=...)``),
and :func:`decide` triages one decoded object reporting *every* problem at once (fields given twice,
then what :func:`~ccehub.rules.triage.parse_triage_input` finds).
"""

from __future__ import annotations

from typing import Final

from ccehub.rules.triage import TriageInputError, TriageJSON, parse_triage_input, triage

MSG_DUPLICATE_FIELD: Final = "appears more than once"


class JSONObject(dict[str, object]):
    """A decoded JSON object that remembers the keys given more than once."""

    duplicates: tuple[str, ...] = ()


def object_pairs(pairs: list[tuple[str, object]]) -> JSONObject:
    """``object_pairs_hook`` for :func:`json.loads`: the last value wins, the repeats are kept."""
    obj = JSONObject()
    seen: list[str] = []
    for key, value in pairs:
        if key in obj and key not in seen:
            seen.append(key)
        obj[key] = value
    obj.duplicates = tuple(seen)
    return obj


def decide(item: object) -> TriageJSON:
    """The decision for one decoded object; raises :class:`TriageInputError` carrying every problem."""
    problems = [
        TriageInputError(key, MSG_DUPLICATE_FIELD)
        for key in (item.duplicates if isinstance(item, JSONObject) else ())
    ]
    try:
        decision = triage(parse_triage_input(item)).to_json()
    except TriageInputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise TriageInputError.of(problems)
    return decision
