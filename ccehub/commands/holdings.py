"""``ccehub holdings ...``: end an agency's holding of a child, and list holdings for review."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccehub.commands import check_writable, fail, setup_django, write_csv

if TYPE_CHECKING:
    from ccehub.agencies.models import Agency


def _agency(code: str) -> Agency:
    from ccehub.agencies.models import Agency

    agency = Agency.objects.filter(code=code.strip().lower()).first()
    if agency is None:
        fail(f"--agency: no agency with the code {code.strip()!r} (see `ccehub agencies list`)")
    return agency


def register(app: typer.Typer) -> None:
    holdings_app = typer.Typer(
        help="Which agencies hold records about which children: end a holding, review holdings.",
        no_args_is_help=True,
    )
    app.add_typer(holdings_app, name="holdings")

    @holdings_app.command("end")
    def end(
        pid: Annotated[str, typer.Argument(metavar="PID", help="Pseudonymous ID, e.g. CH-7F3KQ-9Q2MD")],
        agency: Annotated[str, typer.Option(metavar="CODE", help="The agency whose holding ends")],
        reason: Annotated[
            str, typer.Option(metavar="TEXT", help="Why it no longer holds the child (10 characters or more)")
        ],
        user: Annotated[
            str | None, typer.Option(metavar="NAME", help="Act as this user (an administrator of the agency)")
        ] = None,
        purpose: Annotated[str, typer.Option(help="Why (audited)")] = "End an agency's holding of a child",
    ) -> None:
        """End every current holding of the child PID by the agency CODE (audited).

        The agency no longer sees the child on its own records; the ended holdings stay as history.
        Refused (exit 1, audited) for a user who is not an administrator of that agency, when the
        agency holds no current record of the child, or when it is the child's only holder.
        """
        setup_django()
        from django.core.exceptions import PermissionDenied, ValidationError

        from ccehub.children.models import Child
        from ccehub.children.services import (
            MSG_HOLDING_END_ROLE,
            MSG_HOLDING_NONE,
            HoldingEndRefused,
            clean_holding_end_reason,
            holding_end,
            may_end_holdings,
        )
        from ccehub.commands._actor import cli_actor, cli_refused

        actor = cli_actor(user, purpose)
        try:
            clean_holding_end_reason(reason)
        except ValidationError as exc:
            fail(
                " ".join(exc.messages)
                .replace("Reason: ", "--reason: ", 1)
                .replace("Reason ", "--reason: ", 1)
            )
        holder = _agency(agency)
        pid = pid.strip().upper()
        child = Child.objects.filter(pseudonymous_id=pid).first()
        if child is None:
            # As for a child the agency does not hold (or, for someone who may not end its holdings,
            # any child): the answer does not say whether the ID exists.
            allowed = may_end_holdings(actor, holder)  # type: ignore[arg-type]
            message = MSG_HOLDING_NONE.format(agency=holder.name) if allowed else MSG_HOLDING_END_ROLE
            cli_refused(
                actor,
                message=message,
                code=1,
                object_type="case_holding",
                child_pid=pid,
                detail=f"refused update: {message}",
            )
        try:
            ended = holding_end(actor=actor, child=child, agency=holder, reason=reason)  # type: ignore[arg-type]
        except (PermissionDenied, HoldingEndRefused) as exc:
            fail(str(exc), 1)  # already audited as denied by the service
        bases = ", ".join(h.basis for h in ended)
        typer.echo(
            f"ended {len(ended)} holding{'s' if len(ended) != 1 else ''} of {pid} by {holder.code}: {bases}"
        )

    @holdings_app.command("list")
    def list_(
        agency: Annotated[str, typer.Option(metavar="CODE", help="The agency whose holdings to list")],
        not_active_for_months: Annotated[
            int | None,
            typer.Option(
                metavar="N", help="Only holdings with no activity by the agency for N months or more"
            ),
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Write the CSV here (default: standard output)")
        ] = None,
    ) -> None:
        """List the agency's current holdings for review, stalest first, as CSV (audited as an export).

        Columns: pseudonymous_id, basis, held_since, last_activity. Last activity is the latest day
        the agency wrote something about the child (web, API or CLI) or an identifying incident it
        recorded or made the arrest in took place. No names or dates of birth.
        """
        if not_active_for_months is not None and not_active_for_months < 1:
            fail("--not-active-for-months: give a whole number of months, 1 or more")
        if out is not None and (out.is_dir() or not out.parent.is_dir()):
            fail(f"--out: cannot write {out} (give a file in an existing folder)")
        if out is not None:
            check_writable(out, "--out")
        setup_django()
        from django.db import transaction

        from ccehub.children.selectors import HOLDING_REVIEW_COLUMNS, holdings_review
        from ccehub.commands._actor import operator_actor
        from ccehub.common.csvsafe import spreadsheet_safe

        holder = _agency(agency)
        actor = operator_actor(f"Review the holdings of {holder.code}")
        # The export is audited only if the list is written: a failed write rolls the row back.
        with transaction.atomic():
            rows = holdings_review(
                actor=actor,  # type: ignore[arg-type]
                agency=holder,
                not_active_for_months=not_active_for_months,
            )
            lines = [[spreadsheet_safe(cell) for cell in row.cells()] for row in rows]
            write_csv(out, HOLDING_REVIEW_COLUMNS, lines)
        which = f" not active for {not_active_for_months} months" if not_active_for_months else ""
        typer.echo(
            f"{len(rows)} current holding{'s' if len(rows) != 1 else ''} of {holder.code}{which} listed"
            + (f"; written to {out}" if out is not None else ""),
            err=True,
        )
