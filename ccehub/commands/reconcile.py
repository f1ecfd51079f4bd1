"""``ccehub reconcile`` and ``ccehub pseudonyms``: the two-half data-sharing flow (DOMAIN.md §6.1).

Pure commands: no Django, no database. Thin wrappers over :mod:`ccehub.pseudonyms` and
:mod:`ccehub.linkage.reconcile`; every failure is a one-line message and exit status 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ccehub.commands import fail
from ccehub.linkage.reconcile import (
    Half,
    ReconcileInputError,
    Status,
    half_read,
    halves_reconcile,
    reconciliation_write,
    summary,
)
from ccehub.pseudonyms.assign import extract_assign_codes
from ccehub.pseudonyms.codes import InvalidCodeError, code_parse
from ccehub.pseudonyms.csvio import CsvInputError
from ccehub.pseudonyms.keys import KeyFileError, key_generate, key_load, key_write

MSG_BAD_DATE = "{option} must be a date as YYYY-MM-DD"
MSG_SAME_FILE = "POLICE.csv and LA.csv are the same file"
MSG_OUT_IS_FILE = "{path} exists and is not a directory"
MSG_OUT_BLANK = "--out is blank: name the directory for the merged dataset (use --out . for this one)"

# Status order for the one-line count, as a reader follows a case through the flow.
_STATUS_ORDER = (
    Status.MATCHED,
    Status.CONFLICT,
    Status.AWAITING_POLICE,
    Status.AWAITING_LA,
    Status.EXCLUDED,
    Status.REJECTED,
)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(MSG_BAD_DATE.format(option=option))


def _half_line(half: Half) -> str:
    invalid = len(half.invalid_codes)
    text = f"{half.side} half: {half.rows_read} rows, {len(half.rows)} with a valid code"
    return text + (f" ({invalid} invalid or blank)" if invalid else "")


def _dropped_line(half: Half) -> str | None:
    parts = []
    if half.dropped_identity:
        parts.append(f"identity: {', '.join(half.dropped_identity)}")
    if half.dropped_other:
        parts.append(f"not in template: {', '.join(half.dropped_other)}")
    if not parts:
        return None
    return f"{half.side} half columns dropped, never written ({'; '.join(parts)})"


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def reconcile(
    police: Annotated[Path, typer.Argument(metavar="POLICE.csv", help="Police half (E-31), keyed by code.")],
    la: Annotated[Path, typer.Argument(metavar="LA.csv", help="LA half (E-32), same codes reapplied.")],
    out_text: Annotated[
        str,
        typer.Option(
            "--out", metavar="DIR", help="Directory for merged.csv, discrepancies.csv, summary.json."
        ),
    ],
    deadline: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Study deadline (YYYY-MM-DD): from this date a code with no LA half is "
            "excluded (la_data_not_supplied) instead of awaiting_la.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Date the reconciliation is made; default today."),
    ] = None,
) -> None:
    """Reconcile a police half and an LA half on the pseudonymous code (Fig 5 step 9)."""
    deadline_date = _parse_date(deadline, "--deadline")
    as_of_date = _parse_date(as_of, "--as-of") or date.today()
    if not out_text.strip():
        # An empty --out (an unset shell variable: --out "$DIR") would write into the current folder.
        fail(MSG_OUT_BLANK)
    out = Path(out_text)
    if out.exists() and not out.is_dir():
        fail(MSG_OUT_IS_FILE.format(path=out))
    try:
        if police.resolve() == la.resolve():
            fail(MSG_SAME_FILE)
        police_half = half_read(police, side="police")
        la_half = half_read(la, side="la")
        result = halves_reconcile(police=police_half, la=la_half, deadline=deadline_date, as_of=as_of_date)
        paths = reconciliation_write(result, out)
    except ReconcileInputError as exc:
        fail(str(exc))

    facts = summary(result)
    echo = typer.echo
    for half in (police_half, la_half):
        echo(_half_line(half))
        dropped = _dropped_line(half)
        if dropped:
            echo(dropped)
    echo(_counts({status.value: result.status_counts[status.value] for status in _STATUS_ORDER}))
    if result.excluded_by_reason:
        echo(f"excluded by reason: {_counts(result.excluded_by_reason)}")
    kinds = facts["discrepancy_counts"]
    assert isinstance(kinds, dict)
    total = sum(kinds.values())
    echo(f"discrepancies: {total}" + (f" ({_counts(kinds)})" if total else ""))
    echo(
        f"wrote {paths['merged']} ({facts['merged_rows']} rows), {paths['discrepancies']}, {paths['summary']}"
    )


pseudonyms_app = typer.Typer(
    name="pseudonyms",
    help="Pseudonymous codes: keyed HMACs of the force's own record ids (the key stays with the force).",
    no_args_is_help=True,
)


@pseudonyms_app.command("new-key")
def new_key(
    force: Annotated[str, typer.Option("--force", metavar="CODE", help="Force's short code, e.g. KENT.")],
    out: Annotated[Path, typer.Option("--out", metavar="PATH", help="New key file (never overwritten).")],
) -> None:
    """Generate a force key: 32 random bytes in a file readable by its owner only (mode 0600)."""
    try:
        key = key_generate(force=force)
        key_write(key=key, path=out)
    except KeyFileError as exc:
        fail(str(exc))
    typer.echo(f"wrote key {key.key_id} for {key.force} to {out} (mode 0600)")
    typer.echo(
        "keep it within the force and back it up: only it can re-derive the codes; never send it to an LA "
        "or analyst"
    )


ASSIGN_HELP = (
    "Add a code column computed from each record id, keeping every other column.\n\n"
    "The output is still identified and stays with the force (mode 0600): copy the codes into the police "
    "half, and give each child's code to the home LA together with the child's identity."
)


@pseudonyms_app.command("assign", help=ASSIGN_HELP)
def assign(
    extract: Annotated[Path, typer.Argument(metavar="EXTRACT.csv", help="The force's identified extract.")],
    key: Annotated[Path, typer.Option("--key", metavar="PATH", help="The force's key file.")],
    out: Annotated[
        Path, typer.Option("--out", metavar="PATH", help="New file: the extract plus a code column.")
    ],
    id_column: Annotated[
        str, typer.Option("--id-column", metavar="NAME", help="Column holding the force's record id.")
    ] = "record_id",
) -> None:
    """Add a code column computed from each record id, keeping every other column."""
    try:
        force_key = key_load(key)
        result = extract_assign_codes(key=force_key, source=extract, destination=out, id_column=id_column)
    except (KeyFileError, CsvInputError) as exc:
        fail(str(exc))
    typer.echo(
        f"assigned {result.force} codes to {result.rows} rows "
        f"({result.distinct_records} distinct record ids) with key {result.key_id}"
    )
    typer.echo(f"wrote {out} (mode 0600; identified: keep within the force)")


@pseudonyms_app.command("check")
def check(
    codes: Annotated[list[str], typer.Argument(metavar="CODE...", help="Codes as typed.")],
) -> None:
    """Verify codes' check characters (catches a mistyped or swapped character); exit 2 if any fails."""
    failed = 0
    for text in codes:
        try:
            typer.echo(f"{code_parse(text)}: valid")
        except InvalidCodeError as exc:
            failed += 1
            typer.echo(f"{text}: {exc}", err=True)
    if failed:
        raise typer.Exit(code=2)


RECONCILE_HELP = (
    "Reconcile a police half and an LA half on the pseudonymous code (Fig 5 step 9).\n\n"
    "Writes DIR/merged.csv (pseudonymised, allow-listed columns only: names, dates of birth, addresses, "
    "postcodes and record ids never appear), DIR/discrepancies.csv and DIR/summary.json. "
    "Exit 0 even when there are discrepancies; exit 2 on invalid input. See docs/reconciliation.md."
)


def register(app: typer.Typer) -> None:
    """Add ``reconcile`` and the ``pseudonyms`` group to the ``ccehub`` command."""
    app.command("reconcile", help=RECONCILE_HELP)(reconcile)
    app.add_typer(pseudonyms_app, name="pseudonyms")
