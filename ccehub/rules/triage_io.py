"""Triage input read from JSON text, as the CLI and ``POST /api/triage`` read it.

A JSON object that gives a field twice is a problem to report, not a value to pick silently, so
objects are decoded with :func:`object_pairs` (pass it as ``json.loads(..., object_pairs_hook=...)``),
and :func:`decide` triages one decoded object reporting *every* problem at once (fields given twice,
then what :func:`~ccehub.rules.triage.parse_triage_input` finds).
"""

from __future__ import annotations

from ccehub.rules.json_fields import MSG_DUPLICATE_FIELD, JSONObject, duplicated_fields, object_pairs
from ccehub.rules.triage import TriageInputError, TriageJSON, parse_triage_input, triage

__all__ = ["MSG_DUPLICATE_FIELD", "JSONObject", "decide", "object_pairs"]


def decide(item: object) -> TriageJSON:
    """The decision for one decoded object; raises :class:`TriageInputError` carrying every problem."""
    problems = [TriageInputError(key, MSG_DUPLICATE_FIELD) for key in duplicated_fields(item)]
    try:
        decision = triage(parse_triage_input(item)).to_json()
    except TriageInputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise TriageInputError.of(problems)
    return decision
