"""``ccehub demo``: migrate, load the demo data, print the sign-ins and serve the web app."""

from __future__ import annotations

from typing import Annotated

import typer

from ccehub.commands import fail, setup_django


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        no_server: Annotated[bool, typer.Option("--no-server", help="Load the data and exit")] = False,
        index: Annotated[bool, typer.Option("--index/--no-index", help="Build the demo person index")] = True,
        host: Annotated[str, typer.Option(help="Address to serve on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to serve on", min=1, max=65535)] = 8000,
    ) -> None:
        """Migrate the database named by DATABASE_URL, load the report's 13 cases and serve the app."""
        setup_django()
        from django.conf import settings
        from rich.console import Console
        from rich.table import Table

        if not getattr(settings, "CCEHUB_SHOW_DEMO_SIGNINS", False):
            # Demo accounts have a published password (one is a superuser): never in production.
            fail("the demo cannot be loaded with production settings (DJANGO_SETTINGS_MODULE)")

        from ccehub.demo.load import DEMO_PASSWORD, demo_load

        console = Console(stderr=True)
        with console.status("Migrating the database…"):
            _migrate()
        with console.status("Loading demo data…"):
            summary = demo_load()
        if summary.children_created:
            console.print(
                f"Loaded the report's {summary.children_created} cases and {summary.agencies} agencies."
            )
        else:
            console.print(
                f"Demo data already loaded ({summary.children_existing} cases); nothing duplicated."
            )
        if index:
            from ccehub.demo.index import demo_index_build

            try:
                with console.status("Building the demo person index (record linkage)…"):
                    built = demo_index_build()
            except Exception as exc:
                console.print(
                    f"[yellow]Warning:[/] the person index was not built ({exc}); look-ups will say so."
                )
            else:
                if built is not None:
                    console.print(
                        f"Person index {built.version}: {built.records} records, {built.persons} persons."
                    )
        table = Table(title=f"Demo sign-ins (password for all: {DEMO_PASSWORD})")
        for column in ("Username", "Agency", "Role"):
            table.add_column(column)
        for username, agency, role in summary.users:
            table.add_row(username, agency, role)
        console.print(table)
        if no_server:
            return
        console.print(f"Serving on http://{host}:{port}/ — press Ctrl+C to stop.")
        from django.core.management import call_command

        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Address to serve on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to serve on", min=1, max=65535)] = 8000,
    ) -> None:
        """Serve the web app (migrating first) without loading demo data."""
        setup_django()
        _migrate()
        from django.core.management import call_command

        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)

    @app.command()
    def migrate() -> None:
        """Apply database migrations to the database named by DATABASE_URL."""
        setup_django()
        _migrate(verbosity=1)

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def manage(ctx: typer.Context) -> None:
        """Run a Django management command (e.g. `ccehub manage createsuperuser`)."""
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["ccehub manage", *ctx.args])
