"""``ccehub agencies ...``: the agencies that hold records."""

from __future__ import annotations

from typing import Annotated

import typer

from ccehub.commands import fail, setup_django


def register(app: typer.Typer) -> None:
    agencies_app = typer.Typer(
        help="Agencies (police forces, local authorities, YOTs, health, panels).", no_args_is_help=True
    )
    app.add_typer(agencies_app, name="agencies")

    @agencies_app.command("add")
    def add(
        code: Annotated[str, typer.Argument(help="Short code, e.g. kent or la-islington")],
        name: Annotated[str, typer.Option(help="The agency's name")],
        kind: Annotated[
            str,
            typer.Option(
                help="police_force, la_childrens_services, youth_offending_team, health, "
                "cps, home_office_sca or cce_panel"
            ),
        ],
        ons_code: Annotated[str, typer.Option(help="ONS area code, where one exists")] = "",
        contact: Annotated[str, typer.Option(help="Out-of-hours contact shown in look-ups")] = "",
        duty_email: Annotated[
            str, typer.Option(help="Duty team's secure mailbox: emailed when a child it holds goes missing")
        ] = "",
    ) -> None:
        """Add an agency (exit 2 if the code exists or the input is invalid)."""
        setup_django()
        from django.core.exceptions import ValidationError
        from django.core.management import call_command

        from ccehub.agencies.services import agency_create
        from ccehub.commands._actor import operator_actor
        from ccehub.commands.children import _errors_text

        call_command("migrate", interactive=False, verbosity=0)
        actor = operator_actor("Add an agency")
        try:
            agency = agency_create(
                actor=actor,
                code=code,
                name=name,
                kind=kind,
                ons_code=ons_code,
                out_of_hours_contact=contact,
                duty_email=duty_email,
            )
        except ValidationError as exc:
            fail(
                _errors_text(exc)
                .replace("ons_code:", "--ons-code:")
                .replace("kind:", "--kind:")
                .replace("out_of_hours_contact:", "--contact:")
                .replace("duty_email:", "--duty-email:")
                .replace("name:", "--name:")
            )
        typer.echo(f"added {agency.code}: {agency.name} ({agency.get_kind_display()})")

    @agencies_app.command("update")
    def update(
        code: Annotated[str, typer.Argument(help="The agency's code")],
        contact: Annotated[str | None, typer.Option(help="Out-of-hours contact shown in look-ups")] = None,
        duty_email: Annotated[
            str | None,
            typer.Option(
                help="Duty team's secure mailbox ('' to remove): emailed when a child it holds goes missing"
            ),
        ] = None,
    ) -> None:
        """Change an agency's out-of-hours contact or duty mailbox (exit 2 if invalid)."""
        setup_django()
        from django.core.exceptions import ValidationError

        from ccehub.agencies.services import agency_update
        from ccehub.commands._actor import operator_actor
        from ccehub.commands.children import _errors_text

        values = {
            k: v
            for k, v in {"out_of_hours_contact": contact, "duty_email": duty_email}.items()
            if v is not None
        }
        if not values:
            fail("Nothing to change: give --contact or --duty-email")
        try:
            agency = agency_update(actor=operator_actor("Update an agency"), code=code, **values)
        except ValidationError as exc:
            fail(
                _errors_text(exc)
                .replace("out_of_hours_contact:", "--contact:")
                .replace("duty_email:", "--duty-email:")
                .replace("code:", "CODE:")
            )
        typer.echo(
            f"updated {agency.code}: duty mailbox {agency.duty_email or '(none)'}, "
            f"out-of-hours contact {agency.out_of_hours_contact or '(none)'}"
        )

    @agencies_app.command("list")
    def list_(kind: Annotated[str | None, typer.Option(help="Only this kind")] = None) -> None:
        """List agencies (code, kind, name)."""
        setup_django()
        from django.core.exceptions import ValidationError

        from ccehub.agencies.models import Agency
        from ccehub.agencies.services import normalise_kind
        from ccehub.commands.children import _errors_text

        qs = Agency.objects.order_by("kind", "name")
        if kind:
            try:
                qs = qs.filter(kind=normalise_kind(kind))
            except ValidationError as exc:
                fail(_errors_text(exc).replace("kind:", "--kind:"))
        for agency in qs:
            typer.echo(f"{agency.code}\t{agency.kind}\t{agency.name}")

    @agencies_app.command("load-reference")
    def load_reference() -> None:
        """Create or refresh every police force and local authority of England and Wales."""
        setup_django()
        from django.core.management import call_command

        from ccehub.agencies.services import agency_reference_load

        call_command("migrate", interactive=False, verbosity=0)
        forces, las = agency_reference_load()
        typer.echo(f"{forces} police forces and {las} local authorities loaded")
