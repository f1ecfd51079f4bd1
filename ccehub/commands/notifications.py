"""``ccehub notifications ...``: send notification emails that have not gone (run it from cron)."""

from __future__ import annotations

from typing import Annotated

import typer

from ccehub.commands import fail, setup_django


def register(app: typer.Typer) -> None:
    notifications_app = typer.Typer(
        help="Notifications to agencies (missing, found, crisis, arrest elsewhere): send pending emails.",
        no_args_is_help=True,
    )
    app.add_typer(notifications_app, name="notifications")

    @notifications_app.command("send")
    def send() -> None:
        """Email every notification not yet sent to its agency's duty mailbox, oldest first.

        First, every child reported missing on ccehub and still missing who has reached the policy
        profile's crisis threshold (R-30; 14 days by default) is notified to the home agencies, once.

        A notification is emailed once its transaction commits; this retries those whose email failed
        (the mail server was down), up to 5 tries each. Exit 0 when every email tried went, 1 when
        some did not (the reason is kept on the notification and shown on the episode's page) or no
        mail server is configured.
        """
        setup_django()
        from ccehub.children.missing import missing_crises_notify
        from ccehub.notifications.services import MAX_ATTEMPTS, send_pending

        crises = missing_crises_notify()
        if crises.crossed:
            n = crises.crossed
            typer.echo(
                f"{n} child{'ren' if n != 1 else ''} still missing reached the crisis threshold (R-30): "
                "their recorded home agencies are notified."
            )
        if crises.failed:
            typer.echo(
                f"{crises.failed} crisis notification(s) failed: see the log; tried again next time.",
                err=True,
            )
        result = send_pending()
        if result.unconfigured:
            fail(
                "No mail server is configured (set CCEHUB_EMAIL_HOST): nothing was emailed. The "
                "dashboards and pages still show what must be done.",
                code=1,
            )
        typer.echo(f"Emailed {result.sent} notification{'s' if result.sent != 1 else ''}.")
        retried = result.failed - result.given_up
        if retried:
            typer.echo(f"{retried} could not be emailed: they are tried again next time.", err=True)
        if result.given_up:
            typer.echo(
                f"{result.given_up} failed for the {MAX_ATTEMPTS}th time and are no longer tried: check "
                "the agencies' duty mailboxes and the mail server (the dashboards still show them).",
                err=True,
            )
        raise typer.Exit(1 if result.failed or crises.failed else 0)

    @notifications_app.command("list")
    def list_(
        pending: Annotated[bool, typer.Option("--pending", help="Only emails not yet sent")] = False,
        agency: Annotated[str | None, typer.Option(metavar="CODE", help="Only those to this agency")] = None,
        days: Annotated[int, typer.Option(min=1, max=3660, help="How many days back")] = 7,
    ) -> None:
        """List the notifications of the last DAYS days, newest first: when, to whom, what kind, the
        child's pseudonymous ID, and whether the email went (for an operator checking the mail)."""
        setup_django()
        from datetime import timedelta

        from django.utils import timezone
        from rich.console import Console
        from rich.table import Table

        from ccehub.notifications.models import Notification

        rows = Notification.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
        if agency:
            from ccehub.agencies.models import Agency

            if not Agency.objects.filter(code=agency.strip()).exists():
                fail(f"--agency: no agency with the code {agency.strip()!r} (see `ccehub agencies list`)")
            rows = rows.filter(agency__code=agency.strip())
        if pending:
            rows = rows.filter(emailed_at__isnull=True).exclude(email_to="")
        table = Table(title=f"Notifications, last {days} day{'s' if days != 1 else ''}")
        for column in ("When", "To", "Kind", "Child", "Email"):
            table.add_column(column)
        shown = 0
        for note in rows.select_related("agency", "child").order_by("-created_at")[:500]:
            if note.emailed_at:
                email = f"sent {timezone.localtime(note.emailed_at):%d %b %H:%M}"
            elif note.email_to:
                email = f"not sent ({note.email_attempts} tries){': ' + note.email_error if note.email_error else ''}"
            else:
                email = "no duty mailbox"
            table.add_row(
                f"{timezone.localtime(note.created_at):%d %b %Y %H:%M}",
                note.agency.code,
                str(note.get_kind_display()),
                note.child.pseudonymous_id if note.child else "",
                email,
            )
            shown += 1
        if shown:
            Console(width=160).print(table)
        typer.echo(f"{shown} notification{'s' if shown != 1 else ''}.")
