"""``ccehub import children FILE.csv --agency CODE``: load an agency's extract into the person index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccehub.commands import check_writable, fail, setup_django


def register(app: typer.Typer) -> None:
    import_app = typer.Typer(help="Import agency extracts.", no_args_is_help=True)
    app.add_typer(import_app, name="import")

    @import_app.command("children")
    def children(
        file: Annotated[
            Path,
            typer.Argument(
                help="CSV with record_id, given_name, family_name, date_of_birth, sex, "
                "postcode (and optional safeguarding columns, and not_same_child_as: this agency's "
                "record ids of a twin or other child the index must keep apart, separated by semicolons)"
            ),
        ],
        agency: Annotated[str, typer.Option(help="Code of the agency whose extract this is")],
        skip_invalid: Annotated[
            bool, typer.Option("--skip-invalid", help="Import the valid rows; write rejects")
        ] = False,
        rejects: Annotated[
            Path | None, typer.Option(help="Where to write rejects (default FILE.rejects.csv)")
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing")] = False,
        max_errors: Annotated[int, typer.Option(help="How many row errors to print")] = 50,
    ) -> None:
        """Import agency records: all-or-nothing unless --skip-invalid; a known record_id is updated."""
        if file.is_dir():
            fail(f"{file}: is a folder; give the extract's CSV file")
        if not file.exists() or not file.is_file():
            fail(f"{file}: no such file")
        setup_django()
        from django.core.management import call_command
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from ccehub.agencies.models import Agency
        from ccehub.commands._actor import operator_actor
        from ccehub.records.importer import ImportFileError, import_records, write_rejects
        from ccehub.records.models import LinkModelVersion

        rejects_path = rejects or file.with_suffix(".rejects.csv")
        if skip_invalid:
            # Checked before anything is written: rejects that cannot be saved must not leave the
            # valid rows imported with their rejects lost.
            if rejects_path.exists() and rejects_path.samefile(file):
                # the rejects file holds line numbers and reasons, not the rows: writing it over the
                # extract would lose the very rows that need fixing
                fail(f"--rejects: {rejects_path} is the extract being imported; give another file")
            if rejects_path.is_dir():
                fail(f"--rejects: {rejects_path} is a directory; give a file name")
            if not rejects_path.parent.is_dir():
                fail(f"--rejects: the folder {rejects_path.parent} does not exist")
            check_writable(rejects_path, "--rejects")
        call_command("migrate", interactive=False, verbosity=0)
        target = Agency.objects.filter(code__iexact=agency.strip()).first()
        if target is None:
            fail(f"--agency: no agency with code {agency!r} (add it with `ccehub agencies add`)")
        actor = operator_actor(f"Import {file.name} for {target.code}")
        err = Console(stderr=True)
        try:
            try:
                with file.open(encoding="utf-8-sig", errors="replace") as counted:
                    total = max(0, sum(1 for _ in counted) - 1)
            except OSError as exc:
                raise ImportFileError(f"cannot read the file ({exc.strerror or exc})") from None
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                disable=not err.is_terminal,  # in a log, a cleared bar would leave a blank line
            ) as bar:
                task = bar.add_task(f"Checking {file.name}", total=total or None)
                result = import_records(
                    actor=actor,
                    agency=target,
                    path=file,
                    skip_invalid=skip_invalid,
                    dry_run=dry_run,
                    progress=lambda n: bar.advance(task, n),
                )
        except ImportFileError as exc:
            fail(f"{file}: {exc}")
        for reject in result.rejects[:max_errors]:
            typer.echo(f"line {reject.line}: " + "; ".join(reject.reasons), err=True)
        if len(result.rejects) > max_errors:
            typer.echo(f"… and {len(result.rejects) - max_errors} more invalid rows", err=True)
        if result.rejects and skip_invalid:
            path = rejects_path
            try:
                write_rejects(result.rejects, path)
            except OSError as exc:
                imported = "nothing was written" if dry_run else f"{result.imported} valid rows were imported"
                fail(
                    f"--rejects: cannot write {path} ({exc.strerror or exc}); {imported}, and the "
                    "invalid rows are listed above",
                    1,
                )
            typer.echo(f"wrote {len(result.rejects)} rejected rows with reasons to {path}", err=True)
        if result.rejects and not skip_invalid:
            fail(
                f"{len(result.rejects)} of {result.rows} rows are invalid; nothing imported "
                "(fix them, or use --skip-invalid to import the valid rows)"
            )
        for warning in result.warnings[:max_errors]:
            typer.echo(f"warning: {warning}", err=True)
        if len(result.warnings) > max_errors:
            typer.echo(f"… and {len(result.warnings) - max_errors} more warnings", err=True)
        if dry_run:
            typer.echo(
                f"dry run: {result.rows - len(result.rejects)} valid, {len(result.rejects)} invalid; nothing written"
            )
            return
        typer.echo(
            f"imported {result.imported} records into {target.code} "
            f"({result.created} created, {result.updated} updated, {len(result.rejects)} rejected)"
        )
        if result.imported and LinkModelVersion.objects.filter(active=True).exists():
            typer.echo(
                "The person index was built before this import: run `ccehub link build` so that "
                "look-ups find these records (flags and contacts are current already).",
                err=True,
            )
