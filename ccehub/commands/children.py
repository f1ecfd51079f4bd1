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

    @children_app.command("erase")
    def erase(
        pid: Annotated[str, typer.Argument(metavar="PID", help="Pseudonymous ID, e.g. CH-7F3KQ-9Q2MD")],
        reason: Annotated[
            str,
            typer.Option(
                metavar="TEXT",
                help="Why (20 characters or more: the request's reference, or the retention review). "
                "Do not name the child: it is kept, in the tombstone",
            ),
        ],
        yes: Annotated[
            bool, typer.Option("--yes", help="Erase. Without it: a dry run that deletes nothing")
        ] = False,
        even_if_open: Annotated[
            bool,
            typer.Option(
                "--even-if-open",
                help="Erase although a matter is still open (an NRM referral, a panel case, an order …): "
                "only on the data protection officer's decision",
            ),
        ] = False,
        user: Annotated[
            str | None,
            typer.Option(
                metavar="NAME",
                help="Who asked for it, recorded as the eraser (not an account: the operator erases)",
            ),
        ] = None,
        purpose: Annotated[str, typer.Option(help="Why (audited)")] = "Erase a child's record",
    ) -> None:
        """Erase a child's record from ccehub: the child and everything only about them, in one go.

        Without --yes, a dry run: prints what would be deleted (rows per kind) and deletes nothing.
        Refused (exit 1, audited) while a matter is still open, unless --even-if-open. The audit log
        keeps its rows; a tombstone keeps when, who, why and the counts, and the ID is never given
        again. The agencies' own records in the person index are not erased: each agency erases them
        at source. Operator only.
        """
        setup_django()
        from django.core.exceptions import PermissionDenied, ValidationError

        from ccehub.children.services import ErasureRefused, child_erase
        from ccehub.commands._actor import cli_actor

        actor = cli_actor(user, purpose)
        try:
            result = child_erase(
                actor=actor,  # type: ignore[arg-type]
                pid=pid,
                reason=reason,
                even_if_open=even_if_open,
                dry_run=not yes,
            )
        except ValidationError as exc:
            fail(
                " ".join(exc.messages)
                .replace("Reason: ", "--reason: ", 1)
                .replace("Reason ", "--reason: ", 1)
            )
        except PermissionDenied as exc:
            fail(str(exc), 1)  # audited as denied by the service
        except ErasureRefused as exc:
            hint = ""
            if "open matters" in str(exc) and not even_if_open:
                hint = (
                    ".\nIf the data protection officer has decided to erase it even so, run again with "
                    "--even-if-open"
                )
            fail(f"{exc}{hint}", 1)
        width = max(len(label) for label in result.counts)
        lines = [f"  {label:<{width}}  {n}" for label, n in result.counts.items()]
        due = result.review
        if due.open_matters:
            retention = "open matters, overridden by --even-if-open: " + ", ".join(due.open_matters)
        elif due.due:
            retention = f"due for retention review since {due.due_on:%Y-%m}"
        else:
            retention = f"not yet due for retention review (due {due.due_on:%Y-%m})"
        if result.tombstone is None:
            typer.echo(
                f"dry run: nothing was deleted. Erasing {result.pseudonymous_id} would delete {result.total} rows:"
            )
            typer.echo("\n".join(lines))
            typer.echo(f"Retention: {retention}.")
            typer.echo("Run again with --yes to erase.")
            return
        typer.echo(f"erased {result.pseudonymous_id}: {result.total} rows deleted")
        typer.echo("\n".join(lines))
        typer.echo(f"Retention: {retention}.")
        typer.echo(
            f"The audit log keeps its {result.audit_rows_kept + 1} rows about {result.pseudonymous_id} "
            "(append-only; they hold the pseudonymous ID, never identity), and the tombstone keeps the "
            "reason and these counts. The ID is never given to another child."
        )
        unlinked = result.agency_records_unlinked
        typer.echo(
            "Not erased: the agencies' own records (imported from their extracts) and the person index "
            f"built from them{f' ({unlinked} linked to this child, now unlinked)' if unlinked else ''}. "
            "Each agency must erase them at source: ccehub re-imports whatever its extracts still hold."
        )

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
