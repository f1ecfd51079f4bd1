"""JSON objects that remember a field given twice (shared by the triage and clocks input readers).

A JSON object that gives a field twice is a problem to report, not a value to pick silently: decode
with ``json.loads(text, object_pairs_hook=object_pairs)`` and read ``duplicates`` off each object.
"""

from __future__ import annotations

from typing import Final

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


def duplicated_fields(value: object) -> tuple[str, ...]:
    """The fields ``value`` gave more than once (none unless it was decoded with :func:`object_pairs`)."""
    return value.duplicates if isinstance(value, JSONObject) else ()
