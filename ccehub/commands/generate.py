"""``ccehub generate --children N --seed S``: a synthetic population in the database."""

from __future__ import annotations

from typing import Annotated

import typer

from ccehub.commands import fail, setup_django


def register(app: typer.Typer) -> None:
    @app.command()
    def generate(
        children: Annotated[int, typer.Option(help="How many synthetic children to create")],
        seed: Annotated[int, typer.Option(help="Same seed, same population")] = 1,
        extracts: Annotated[
            str | None,
            typer.Option(help="Also write per-agency CSV extracts (for `ccehub import children`) here"),
        ] = None,
    ) -> None:
        """Create a seeded synthetic population across several agencies (never real people)."""
        if children < 1:
            fail("--children: must be at least 1")
        if children > 2_000_000:
            fail("--children: at most 2,000,000 in one run")
        if abs(seed) >= 10**18:
            # the cohort is named synthetic-<seed> in a 40-character column: PostgreSQL refuses more
            fail("--seed: give a whole number of at most 18 digits")
        if extracts is not None:
            _check_extracts_folder(extracts)
        setup_django()
        from django.core.management import call_command
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from ccehub.children.generate import generate_children
        from ccehub.commands._actor import operator_actor

        call_command("migrate", interactive=False, verbosity=0)
        actor = operator_actor("Generate a synthetic population")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),  # stdout carries only the result
            transient=False,
        ) as bar:
            task = bar.add_task("Creating synthetic children", total=children)
            summary = generate_children(
                actor=actor, children=children, seed=seed, progress=lambda n: bar.advance(task, n)
            )
        if summary.existing:
            typer.echo(
                f"cohort {summary.cohort} already exists ({summary.existing} children); nothing created"
            )
        else:
            typer.echo(f"created {summary.created} synthetic children in cohort {summary.cohort}")
        if extracts:
            from pathlib import Path

            from ccehub.children.generate import write_extracts
            from ccehub.synthetic import agency_records, generate_population

            population = generate_population(children, seed)
            twins = {p.person_id: p.twin_of for p in population if p.twin_of is not None}
            try:
                written = write_extracts(agency_records(population, seed), Path(extracts), twin_of=twins)
            except OSError as exc:
                fail(
                    f"--extracts: cannot write the extracts in {extracts} ({exc.strerror or exc}); the "
                    "population is in the database: run the same command again to write them",
                    1,
                )
            for path, rows in written:
                typer.echo(f"wrote {rows} records to {path}")
            from ccehub.agencies.models import Agency

            codes = {path.stem for path, _ in written}
            known = {c.lower() for c in Agency.objects.values_list("code", flat=True)}
            missing = sorted(codes - known)
            if missing:
                typer.echo(
                    f"{len(missing)} of these agencies are not in the database yet: add each with "
                    f"`ccehub agencies add CODE --name NAME --kind KIND` (codes, names and kinds are in "
                    f"{Path(extracts) / 'agencies.csv'}) before `ccehub import children FILE --agency CODE`. "
                    "The extracts carry realistic recording errors (impossible dates among them): import "
                    "them with --skip-invalid to keep the valid rows.",
                    err=True,
                )


def _check_extracts_folder(extracts: str) -> None:
    """Refuse an ``--extracts`` folder that cannot be written before any child is created: the
    population used to be committed first and the command then failed on the folder."""
    import os
    from pathlib import Path

    if not extracts.strip():
        fail("--extracts: give a folder for the CSV extracts")
    folder = Path(extracts)
    if folder.exists() and not folder.is_dir():
        fail(f"--extracts: {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--extracts: cannot create the folder {folder} ({exc.strerror or exc})")
    try:
        probe = folder / f".ccehub-write-check-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        fail(f"--extracts: cannot write in {folder} ({exc.strerror or exc})")
