"""``ccehub tokens create``: a personal API token, shown once."""

from __future__ import annotations

from typing import Annotated

import typer

from ccehub.commands import fail, setup_django


def register(app: typer.Typer) -> None:
    tokens_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
    app.add_typer(tokens_app, name="tokens")

    @tokens_app.command("create")
    def create(
        user: Annotated[str, typer.Option(help="The user the token acts as")],
        name: Annotated[str, typer.Option(help="What the token is for, e.g. 'custody system'")],
        days: Annotated[
            int | None,
            typer.Option(
                min=1,
                max=366,
                help="How many days the token works (1 to 366; default CCEHUB_API_TOKEN_DAYS, 90)",
            ),
        ] = None,
    ) -> None:
        """Create a token for USER and print it once (only its hash is stored).

        The token alone goes to standard output; when it expires goes to standard error.
        """
        if not name.strip():
            fail("--name: say what the token is for (it is how the token is found to revoke it)")
        if len(name.strip()) > 100:
            fail("--name: at most 100 characters")
        name = name.strip()
        setup_django()
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from ccehub.agencies.tokens import token_issue
        from ccehub.audit.models import Action
        from ccehub.audit.services import audit_record
        from ccehub.commands._actor import cli_actor

        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            fail(f"--user: no active user called {user!r}")
        token, stored = token_issue(user=account, name=name, days=days)
        expires = (
            f"{timezone.localtime(stored.expires_at):%Y-%m-%d %H:%M} ({timezone.get_current_timezone_name()})"
        )
        actor = cli_actor(None, f"Create an API token for {user}")
        audit_record(
            actor=actor,  # type: ignore[arg-type]
            action=Action.CREATE,
            object_type="api_token",
            object_id=stored.pk,
            detail=f"{name} for {user}, expires {expires}",
        )
        typer.echo(token)
        typer.echo("Store this token now: it cannot be shown again.", err=True)
        typer.echo(f"It expires on {expires}: make a new one before then.", err=True)
