"""``ccehub retention review``: the children whose record here is due for a retention review."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ccehub.commands import check_writable, fail, setup_django, write_csv

MSG_BAD_DATE = "{option}: {value!r} is not a real date written YYYY-MM-DD"


def parse_day(value: str, option: str) -> date:
    """``value`` as a date written YYYY-MM-DD; exit 2 with :data:`MSG_BAD_DATE` otherwise."""
    text = value.strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        fail(MSG_BAD_DATE.format(option=option, value=value))


def register(app: typer.Typer) -> None:
    retention_app = typer.Typer(
        help="Retention of children's records here: which are due for review.", no_args_is_help=True
    )
    app.add_typer(retention_app, name="retention")

    @retention_app.command("review")
    def review(
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", metavar="DATE", help="Review as of this day, YYYY-MM-DD; default today"),
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Write the CSV here (default: standard output)")
        ] = None,
        include_held: Annotated[
            bool,
            typer.Option(help="Also list records whose dates have passed but which an open matter keeps"),
        ] = False,
    ) -> None:
        """List the children whose record is due for a retention review, longest due first, as CSV
        (operator only; audited as an export).

        A record is due on the later of CCEHUB_RETENTION_YEARS_AFTER_18 years after the 18th birthday
        and CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY years after its last activity, and never while a
        matter is open (an NRM referral awaiting its decision, an open panel case or plan, a current
        order, a live charge or investigation). Columns: pseudonymous_id, status, due_month,
        reasons, last_activity, holders. No names or dates of birth. Nothing is deleted: a person
        decides, and erases with `ccehub children erase`.
        """
        day = parse_day(as_of, "--as-of") if as_of is not None else None
        if out is not None and (out.is_dir() or not out.parent.is_dir()):
            fail(f"--out: cannot write {out} (give a file in an existing folder)")
        if out is not None:
            check_writable(out, "--out")  # before the review, which reads every child
        setup_django()
        from django.db import transaction
        from django.utils import timezone
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from ccehub.children.selectors import RETENTION_REVIEW_COLUMNS, retention_review_list
        from ccehub.commands._actor import operator_actor
        from ccehub.common.csvsafe import spreadsheet_safe

        day = day or timezone.localdate()
        actor = operator_actor("Retention review of children's records")
        # The export is audited only if the list is written: a failed write rolls the row back.
        with (
            transaction.atomic(),
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),  # stdout carries only the CSV
                transient=True,
            ) as bar,
        ):
            task = bar.add_task("Reviewing children's records", total=None)
            rows = retention_review_list(
                actor=actor,  # type: ignore[arg-type]
                as_of=day,
                include_held=include_held,
                progress=lambda advance, total: bar.update(task, advance=advance, total=total),
            )
            bar.stop()
            lines = [[spreadsheet_safe(cell) for cell in row.cells()] for row in rows]
            write_csv(out, RETENTION_REVIEW_COLUMNS, lines)
        due = sum(1 for row in rows if row.review.due)
        held = f" ({len(rows) - due} more held open)" if include_held else ""
        typer.echo(
            f"{due} child{'ren' if due != 1 else ''} due for retention review on {day.isoformat()}{held}"
            + (f"; written to {out}" if out is not None else ""),
            err=True,
        )
