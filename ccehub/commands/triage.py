"""``ccehub triage [FILE|-]``: first-responder triage of identifying incidents (issue #3).

Reads one JSON object (or a list of them) from FILE, or from standard input when FILE is ``-`` or
omitted, and prints the matching decision object (or list) as JSON. Invalid input exits with status 2
and a message on standard error naming the field (and the list index); nothing is printed on
standard output then. Pure: it never imports Django, so it answers in milliseconds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Final

import typer

from ccehub.commands import fail
from ccehub.rules.triage import TriageInputError, TriageJSON
from ccehub.rules.triage_io import decide, object_pairs

MSG_EMPTY: Final = "input: empty (expected a JSON object or a list of objects)"
MSG_BAD_JSON: Final = "input: invalid JSON: {problem} (line {line}, column {column})"
MSG_TOO_DEEP: Final = "input: JSON nested too deeply"
MSG_TOP_LEVEL: Final = "input: must be a JSON object or a list of objects"
MSG_UNREADABLE: Final = "cannot read {source}: {problem}"
MSG_NOT_UTF8: Final = "cannot read {source}: not UTF-8 text"
MSG_BAD_CONSTANT: Final = "input: invalid JSON: {constant} is not a number JSON allows"
MSG_BAD_VALUE: Final = "input: invalid JSON: a number has more digits than can be read"


def _reject_constant(constant: str) -> float:
    fail(MSG_BAD_CONSTANT.format(constant=constant))


def _read(source: str) -> str:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        fail(MSG_UNREADABLE.format(source=source, problem=exc.strerror or exc))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(MSG_NOT_UTF8.format(source="standard input" if source == "-" else source))


def _decode(text: str) -> object:
    if not text.strip():
        fail(MSG_EMPTY)
    try:
        return json.loads(text, object_pairs_hook=object_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        fail(MSG_BAD_JSON.format(problem=exc.msg, line=exc.lineno, column=exc.colno))
    except RecursionError:
        fail(MSG_TOO_DEEP)
    except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
        fail(MSG_BAD_VALUE)


def run(text: str) -> tuple[TriageJSON | list[TriageJSON] | None, list[str]]:
    """Triage the JSON ``text``: the output value and the error lines (empty when all is valid),
    one line per problem (docs/rules-triage.md)."""
    document = _decode(text)
    if isinstance(document, dict):
        try:
            return decide(document), []
        except TriageInputError as exc:
            return None, [str(problem) for problem in exc.problems]
    if isinstance(document, list):
        results: list[TriageJSON] = []
        errors: list[str] = []
        for index, item in enumerate(document):
            try:
                results.append(decide(item))
            except TriageInputError as exc:
                errors.extend(str(problem) for problem in exc.at(f"[{index}]").problems)
        return results, errors
    return None, [MSG_TOP_LEVEL]


def register(app: typer.Typer) -> None:
    """Add ``triage`` to the ``ccehub`` command."""

    @app.command("triage")
    def triage_command(
        source: Annotated[
            str,
            typer.Argument(
                metavar="[FILE|-]",
                help="JSON file with one incident object or a list of them; '-' (the default) reads stdin.",
            ),
        ] = "-",
    ) -> None:
        """Triage identifying incidents: the 100-day presumption, section 45, actions and deadlines.

        Prints one decision per incident as JSON; exit status 2 on invalid input (message on stderr).
        See docs/rules-triage.md for the fields and the rules.
        """
        output, errors = run(_read(source))
        if errors:
            for line in errors[:-1]:
                sys.stderr.write(f"error: {line}\n")
            fail(errors[-1])
        sys.stdout.write(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
