"""``ccehub report ...``: reports computed from the stored records."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ccehub.commands import fail, setup_django

FORMATS = ("csv", "json", "table")


def register(app: typer.Typer) -> None:
    report_app = typer.Typer(help="Reports computed from the stored records.", no_args_is_help=True)
    app.add_typer(report_app, name="report")

    @report_app.command("vulnerabilities")
    def vulnerabilities(
        fmt: Annotated[str, typer.Option("--format", help="csv, json or table")] = "table",
        cohort: Annotated[
            str, typer.Option(help="Cohort of children (default: the report's 13)")
        ] = "crest-2022",
        user: Annotated[str | None, typer.Option(help="Act as this user (default: the operator)")] = None,
        purpose: Annotated[
            str, typer.Option(help="Why the report is run (audited)")
        ] = "Fig 3 vulnerability report",
    ) -> None:
        """Fig 3: vulnerabilities prior to the identifying incident (x present, * unknown)."""
        if fmt not in FORMATS:
            fail(f"--format: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        setup_django()
        from django.db import transaction

        from ccehub.commands._actor import cli_actor
        from ccehub.reports.vulnerability import vulnerability_matrix

        actor = cli_actor(user, purpose)
        with transaction.atomic():
            matrix = vulnerability_matrix(actor=actor, cohort=cohort)  # type: ignore[arg-type]
        if not matrix.columns:
            fail(
                f"no children in cohort {cohort!r} are available (load the demo with `ccehub demo --no-server`)",
                1,
            )
        if fmt == "csv":
            typer.echo(matrix.to_csv(), nl=False)
        elif fmt == "json":
            typer.echo(
                json.dumps(
                    {
                        "columns": list(matrix.columns),
                        "rows": [{"factor": label, "cells": list(cells)} for label, cells in matrix.rows],
                        "row_totals": matrix.row_totals(),
                    },
                    indent=2,
                )
            )
        else:
            from rich.console import Console
            from rich.table import Table

            table = Table(title="Vulnerabilities prior to the identifying incident (Fig 3)")
            table.add_column("Factor", no_wrap=True)
            for name in matrix.columns:
                table.add_column(name, justify="center", no_wrap=True)
            table.add_column("Total", justify="right")
            totals = matrix.row_totals()
            for label, cells in matrix.rows:
                table.add_row(label, *cells, str(totals[label]))
            console = Console()
            if not console.is_terminal:
                console = Console(width=160)
            console.print(table)
            typer.echo("x = recorded; blank = not recorded (not necessarily absent); * = unknown")

    @report_app.command("missing-before-arrest")
    def missing_before_arrest(
        fmt: Annotated[str, typer.Option("--format", help="csv, json or table")] = "table",
        cohort: Annotated[
            str | None,
            typer.Option(help="crest-2022: the report's 13 boys, listed one by one (the demo)"),
        ] = None,
        all_dates: Annotated[
            bool, typer.Option("--all-dates", help="Measure synthetic and approximate dates too")
        ] = False,
        user: Annotated[str | None, typer.Option(help="Act as this user (default: the operator)")] = None,
        purpose: Annotated[
            str, typer.Option(help="Why the report is run (audited)")
        ] = "Missing before the first arrest report (R-34)",
    ) -> None:
        """R-34: first missing episode to first arrest, in days (which came first, bands, median)."""
        if fmt not in FORMATS:
            fail(f"--format: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        setup_django()
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        from ccehub.audit.models import Action
        from ccehub.commands._actor import cli_actor
        from ccehub.reports.early_signs import early_signs_report
        from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD
        from ccehub.rules.early_signs import ORDER_LABELS

        actor = cli_actor(user, purpose)
        try:
            with transaction.atomic():
                report = early_signs_report(
                    actor=actor,  # type: ignore[arg-type]
                    cohort=cohort,
                    all_dates=all_dates,
                    action=Action.EXPORT,
                )
        except PermissionDenied as exc:
            fail(str(exc), 1)
        except ValueError as exc:
            fail(f"--cohort: {exc}")
        if cohort and not report.result.per_child:
            fail(
                f"no children in cohort {cohort!r} are available (load the demo with `ccehub demo --no-server`)",
                1,
            )
        if fmt == "csv":
            typer.echo(report.to_csv(), nl=False)
            return
        if fmt == "json":
            typer.echo(json.dumps(report.to_json(), indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        if not console.is_terminal:
            console = Console(width=120)
        result = report.result
        table = Table(title=f"Missing before the first arrest (R-34): {report.scope}")
        table.add_column("Which came first")
        table.add_column("Children", justify="right")
        for order, count in result.orders:
            table.add_row(ORDER_LABELS[order], count.shown)
        table.add_row("All children", result.children.shown)
        console.print(table)
        bands = Table(title="Went missing first: days until the first arrest")
        bands.add_column("Days")
        bands.add_column("Children", justify="right")
        for label, count in result.bands:
            bands.add_row(label, count.shown)
        console.print(bands)
        if report.per_child:
            rows = Table(title="Child by child")
            for column in ("Child", "Which came first", "Days", "Dates"):
                rows.add_column(column, justify="right" if column == "Days" else "left")
            for row in result.per_child:
                rows.add_row(
                    row.child, ORDER_LABELS[row.order], "" if row.days is None else str(row.days), row.dates
                )
            console.print(rows)
        typer.echo(f"Median days from the first missing episode to the first arrest: {result.median_shown}.")
        typer.echo(
            (
                "All stored dates measured, synthetic and approximate ones too."
                if all_dates
                else "Recorded dates only (--all-dates to measure synthetic and approximate ones)."
            )
            + f' Counts under {SUPPRESSION_THRESHOLD} show "{SUPPRESSED}".'
        )

    @report_app.command("placements")
    def placements(
        fmt: Annotated[str, typer.Option("--format", help="csv, json or table")] = "table",
        user: Annotated[str | None, typer.Option(help="Act as this user (default: the operator)")] = None,
        purpose: Annotated[
            str, typer.Option(help="Why the report is run (audited)")
        ] = "Placement sufficiency report (R-46)",
    ) -> None:
        """R-46: where children are placed now (setting, distance, area, risk), and those at high risk
        placed against R-43 and R-41."""
        if fmt not in FORMATS:
            fail(f"--format: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        setup_django()
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        from ccehub.audit.models import Action
        from ccehub.commands._actor import cli_actor
        from ccehub.reports.sufficiency import sufficiency_report
        from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD

        actor = cli_actor(user, purpose)
        try:
            with transaction.atomic():
                report = sufficiency_report(actor=actor, action=Action.EXPORT)  # type: ignore[arg-type]
        except PermissionDenied as exc:
            fail(str(exc), 1)
        if fmt == "csv":
            typer.echo(report.to_csv(), nl=False)
            return
        if fmt == "json":
            typer.echo(json.dumps(report.to_json(), indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        if not console.is_terminal:
            console = Console(width=120)
        sections: dict[str, list[tuple[str, str]]] = {}
        for section, measure, shown in report.rows():
            sections.setdefault(section, []).append((measure, shown))
        for i, (section, rows) in enumerate(sections.items()):
            table = Table(title=f"Placement sufficiency (R-46): {report.scope.lower()}" if i == 0 else None)
            table.add_column(section)
            table.add_column("Children", justify="right")
            for measure, shown in rows:
                table.add_row(measure, shown)
            console.print(table)
        typer.echo(
            "A current placement has started and not ended; open placements with no start date are not "
            f'counted. 20 miles or more is at distance. Counts under {SUPPRESSION_THRESHOLD} show "{SUPPRESSED}".'
        )

    @report_app.command("returns")
    def statutory_returns(
        year: Annotated[
            int | None,
            typer.Option(help="The year the financial year starts in (2026 is 2026-27); default: this one"),
        ] = None,
        all_dates: Annotated[
            bool, typer.Option("--all-dates", help="Count synthetic and approximate dates too")
        ] = False,
        local_authority: Annotated[
            str | None,
            typer.Option(
                "--local-authority",
                help="Agency code: one council's return (the children whose home local authority it is; "
                "analysts and the operator)",
            ),
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="csv, json or table")] = "table",
        user: Annotated[str | None, typer.Option(help="Act as this user (default: the operator)")] = None,
        purpose: Annotated[
            str, typer.Option(help="Why the report is run (audited)")
        ] = "Statutory and inspection return (F-23)",
    ) -> None:
        """F-23, R-57: children exploited in county lines in a financial year, the local authority's
        responses, NRM county-lines referrals by age band, and days from RG to CG."""
        if fmt not in FORMATS:
            fail(f"--format: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        setup_django()
        from django.core.exceptions import PermissionDenied
        from django.db import transaction
        from django.utils import timezone

        from ccehub.audit.models import Action
        from ccehub.commands._actor import cli_actor
        from ccehub.reports.returns import local_authority_named, period_for, returns_report
        from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD

        try:
            period = period_for(year, timezone.localdate())
        except ValueError as exc:
            fail(f"--year: {exc}")
        la = None
        if local_authority is not None:
            try:
                la = local_authority_named(local_authority)
            except ValueError as exc:
                fail(f"--local-authority: {exc}")
        actor = cli_actor(user, purpose)
        try:
            with transaction.atomic():
                report = returns_report(
                    actor=actor,  # type: ignore[arg-type]
                    period=period,
                    all_dates=all_dates,
                    local_authority=la,
                    action=Action.EXPORT,
                )
        except PermissionDenied as exc:
            fail(str(exc), 1)
        except ValueError as exc:
            fail(f"--local-authority: {exc}")
        if fmt == "csv":
            typer.echo(report.to_csv(), nl=False)
            return
        if fmt == "json":
            typer.echo(json.dumps(report.to_json(), indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        if not console.is_terminal:
            console = Console(width=120)
        sections: dict[str, list[tuple[str, str]]] = {}
        for section, measure, shown in report.rows():
            sections.setdefault(section, []).append((measure, shown))
        for i, (section, rows) in enumerate(sections.items()):
            title = f"Return for {period.label} ({period.start:%-d %B %Y} to {period.end:%-d %B %Y})"
            table = Table(title=f"{title}: {report.scope.lower()}" if i == 0 else None)
            table.add_column(section)
            table.add_column("Count" if i < 3 else "Value", justify="right")
            for measure, shown in rows:
                table.add_row(measure, shown)
            console.print(table)
        typer.echo(
            (
                "All stored dates counted, synthetic and approximate ones too."
                if all_dates
                else "Recorded dates only (--all-dates to count synthetic and approximate ones)."
            )
            + f' Counts under {SUPPRESSION_THRESHOLD} show "{SUPPRESSED}".'
        )

    @report_app.command("timeliness")
    def timeliness(
        fmt: Annotated[str, typer.Option("--format", help="csv, json or table")] = "table",
        user: Annotated[str | None, typer.Option(help="Act as this user (default: the operator)")] = None,
        purpose: Annotated[
            str, typer.Option(help="Why the report is run (audited)")
        ] = "NRM timeliness report",
    ) -> None:
        """NRM timeliness: referral→RG and RG→CG days (median, p90), panel vs national, per quarter."""
        if fmt not in FORMATS:
            fail(f"--format: unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        setup_django()
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        from ccehub.audit.models import Action
        from ccehub.commands._actor import cli_actor
        from ccehub.reports import timeliness as t

        actor = cli_actor(user, purpose)
        try:
            with transaction.atomic():
                report = t.timeliness_report(actor=actor, action=Action.EXPORT)  # type: ignore[arg-type]
        except PermissionDenied as exc:
            fail(str(exc), 1)
        if fmt == "csv":
            typer.echo(report.to_csv(), nl=False)
        elif fmt == "json":
            typer.echo(json.dumps(report.to_json(), indent=2))
        else:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=f"NRM decision timeliness (days): {report.scope}")
            table.add_column("Quarter", no_wrap=True)
            table.add_column("Route", no_wrap=True)
            table.add_column("Referrals", justify="right")
            for _, label in t.MEASURES:
                short = "Referral→RG" if label.startswith("Referral") else "RG→CG"
                for part in ("n", "median", "p90"):
                    table.add_column(f"{short} {part}", justify="right")
            for cell in report.cells:
                row = cell.as_row()
                table.add_row(
                    cell.quarter,
                    t.ROUTE_LABELS[cell.route],
                    *(row[column] for column in t.CSV_COLUMNS[2:]),
                )
            console = Console()
            if not console.is_terminal:
                console = Console(width=160)
            console.print(table)
            left_out = "; ".join(f"{reason}: {n}" for reason, n in report.excluded_shown()) or "none"
            typer.echo(f"Left out: {left_out}. Panel referrals sent to the SCA: {report.escalated_shown}.")
            typer.echo(
                "Conclusive grounds decided inside the recovery period (N-02 override): "
                f"{report.cg_overrides_shown}."
            )
            typer.echo(
                f'Cells based on fewer than {t.SUPPRESSION_THRESHOLD} referrals show "{t.SUPPRESSED}".'
            )
