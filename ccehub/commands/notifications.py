"""``ccehub notifications ...``: send notification emails that have not gone (run it from cron)."""

from __future__ import annotations

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
