"""``ccehub children ...`` and ``ccehub flags ...``: record facts about children from the command line."""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer

from ccehub.commands import fail, setup_django


def _errors_text(exc: Exception) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(
            " ".join(msgs) if field == "__all__" else f"{field}: {' '.join(msgs)}"
            for field, msgs in exc.message_dict.items()
        )
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def register(app: typer.Typer) -> None:
    children_app = typer.Typer(help="Record and export children.", no_args_is_help=True)
    flags_app = typer.Typer(help="The vulnerability register.", no_args_is_help=True)
    app.add_typer(children_app, name="children")
    app.add_typer(flags_app, name="flags")

    @children_app.command("add")
    def add(
        given_name: Annotated[str, typer.Option(help="Given name, or 'Unknown'")],
        user: Annotated[str | None, typer.Option(help="Act as this user")] = None,
        family_name: Annotated[str, typer.Option()] = "",
        sex: Annotated[str, typer.Option(help="male, female or unknown")] = "unknown",
        dob: Annotated[str | None, typer.Option(help="Date of birth YYYY-MM-DD")] = None,
        postcode: Annotated[str, typer.Option()] = "",
        home_la: Annotated[str | None, typer.Option(help="Agency code of the home local authority")] = None,
        home_force: Annotated[str | None, typer.Option(help="Agency code of the home police force")] = None,
        purpose: Annotated[str, typer.Option(help="Why (audited)")] = "Record a child",
        allow_duplicate: Annotated[
            bool,
            typer.Option(help="Record even if you already have a child with the same name, DOB and home LA"),
        ] = False,
    ) -> None:
        """Record a new child; prints the pseudonymous ID."""
        setup_django()
        from django.core.exceptions import PermissionDenied, ValidationError

        from ccehub.children.api import parse_child_input
        from ccehub.children.services import child_create
        from ccehub.commands._actor import cli_actor

        actor = cli_actor(user, purpose)
        try:
            values = parse_child_input(
                {
                    "given_name": given_name,
                    "family_name": family_name,
                    "sex": sex,
                    "date_of_birth": dob,
                    "postcode": postcode,
                    "home_local_authority": home_la,
                    "home_police_force": home_force,
                }
            )
            child = child_create(actor=actor, allow_duplicate=allow_duplicate, **values)  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            fail(_errors_text(exc))
        typer.echo(child.pseudonymous_id)

    @children_app.command("export")
    def export(
        pid: Annotated[str, typer.Argument(help="Pseudonymous ID, e.g. CH-7F3KQ-9Q2MD")],
        purpose: Annotated[str, typer.Option(help="Why the record is exported (audited)")],
        user: Annotated[str | None, typer.Option(help="Act as this user")] = None,
    ) -> None:
        """Print a child's record as JSON, as the user may see it (audited as an export)."""
        setup_django()
        from django.core.serializers.json import DjangoJSONEncoder
        from django.db import transaction

        from ccehub.children.export import child_export
        from ccehub.children.selectors import ChildNotFound
        from ccehub.commands._actor import cli_actor

        actor = cli_actor(user, purpose)
        refused: ChildNotFound | None = None
        with transaction.atomic():
            try:
                data = child_export(actor=actor, pid=pid)  # type: ignore[arg-type]
            except ChildNotFound as exc:
                # Caught inside the transaction so the selector's ``denied`` row commits (as on the web).
                refused = exc
        if refused is not None:
            fail(str(refused), 1)  # the same status as "not found": a refusal must not reveal the child
        typer.echo(json.dumps(data, cls=DjangoJSONEncoder, indent=2))

    @flags_app.command("set")
    def set_flag(
        child: Annotated[str, typer.Option(help="Pseudonymous ID, or a case-study name such as Ben")],
        factor: Annotated[str, typer.Option(help="Factor code or the report's label, e.g. 'Domestic Abuse'")],
        value: Annotated[str, typer.Option(help="present, absent, not_recorded or unknown")],
        user: Annotated[str | None, typer.Option(help="Act as this user")] = None,
        source: Annotated[
            str,
            typer.Option(
                help="Source type: police_record, la_record, education_record, health_record, "
                "practitioner_interview, disclosure or research_return (the demo's Crest case audit)"
            ),
        ] = "research_return",
        recorded_on: Annotated[
            str | None,
            typer.Option(metavar="DATE", help="Date the source recorded it, YYYY-MM-DD; default today"),
        ] = None,
        purpose: Annotated[str, typer.Option(help="Why (audited)")] = "Correct the vulnerability register",
    ) -> None:
        """Record one factor for one child (the same source's earlier value is replaced).

        The source is the source type plus, when --user is an account with a membership, that agency.
        """
        setup_django()
        from datetime import date

        from django.core.exceptions import PermissionDenied, ValidationError
        from django.db.models import Q
        from django.utils import timezone

        from ccehub.children.models import Child, VulnerabilityFactor
        from ccehub.children.selectors import child_list, reference_for_audit
        from ccehub.children.services import vulnerability_flag_set
        from ccehub.commands._actor import cli_actor, cli_refused

        on = timezone.localdate()
        if recorded_on is not None:
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", recorded_on.strip()):
                    raise ValueError(recorded_on)
                on = date.fromisoformat(recorded_on.strip())
            except ValueError:
                fail(f"--recorded-on: {recorded_on!r} is not a real date written YYYY-MM-DD")
        actor = cli_actor(user, purpose)
        labels = {str(f.label).lower(): f.value for f in VulnerabilityFactor}
        factor_code = labels.get(factor.strip().lower(), factor.strip())
        aliases = {
            "present": "recorded_present",
            "x": "recorded_present",
            "absent": "recorded_absent",
            "blank": "not_recorded",
            "*": "unknown",
        }
        tri = aliases.get(value.strip().lower(), value.strip().lower())
        found = list(
            child_list(actor=actor).filter(Q(pseudonymous_id=child.upper()) | Q(display_pseudonym=child))
        )  # type: ignore[arg-type]
        if len(found) > 1:
            fail(f"--child: more than one child matches {child!r}")
        if not found:
            exists = Child.objects.filter(
                Q(pseudonymous_id=child.upper()) | Q(display_pseudonym=child)
            ).exists()
            cli_refused(
                actor,
                message=f"--child: no child matches {child!r}",
                code=2,
                object_type="child",
                child_pid=reference_for_audit(child)[0],
                detail=f"refused flags set for {child.strip()[:40]!r}: no recorded basis"
                if exists
                else f"refused flags set: {reference_for_audit(child)[1]}",
            )
        target: Child = found[0]
        try:
            vulnerability_flag_set(
                actor=actor,  # type: ignore[arg-type]
                child=target,
                factor=factor_code,
                value=tri,
                source_type=source.strip(),
                source_agency=actor.agency,  # type: ignore[attr-defined]
                recorded_on=on,
            )
        except ValidationError as exc:
            renamed = {
                "factor": "--factor",
                "value": "--value",
                "source_type": "--source",
                "recorded_on": "--recorded-on",
            }
            text = _errors_text(exc)
            for field, option in renamed.items():
                text = text.replace(f"{field}:", f"{option}:")
            fail(text)
        except PermissionDenied as exc:
            cli_refused(
                actor,
                message=str(exc),
                code=2,
                object_type="vulnerability_flag",
                child_pid=target.pseudonymous_id,
                detail=f"refused flags set: {exc}",
            )
        typer.echo(f"{target.label}: {factor_code} = {tri}")
