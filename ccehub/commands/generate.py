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
        setup_django()
        from django.core.management import call_command
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
            written = write_extracts(agency_records(population, seed), Path(extracts), twin_of=twins)
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
