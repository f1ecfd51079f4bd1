"""Reminders for information requests due soon or overdue (R-15). Run daily by an operator.

The app does not send e-mail: the command lists who to chase and records that a reminder went out
(``--dry-run`` lists without recording). Prints counts of what succeeded and failed.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ccehub.audit.models import Channel
from ccehub.common.access import Actor
from ccehub.panels.selectors import reminders_due
from ccehub.panels.services import information_request_remind


def _days(value: str) -> int:
    """--lead-days: a whole number of days, 0 or more (a negative lead would remind after the due date)."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {value!r}") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more days, got {days}")
    return days


def _plural(days: int) -> str:
    return f"{days} day" + ("" if days == 1 else "s")


class Command(BaseCommand):
    help = "List information requests due soon or overdue and record the reminders sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)"
        )
        parser.add_argument(
            "--lead-days", type=_days, default=2, help="Remind this many days (0 or more) before the due date"
        )
        parser.add_argument("--dry-run", action="store_true", help="List only; record nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        actor = Actor.for_system(
            name="panel-reminders", channel=Channel.CLI, purpose="Information request reminders"
        )
        listed = sent = failed = 0
        for reminder in reminders_due(as_of=as_of, lead_days=options["lead_days"]):
            request = reminder.request
            listed += 1
            if reminder.kind == "overdue":
                when = f"{_plural(reminder.days)} overdue"
            else:
                when = "due today" if reminder.days == 0 else f"due in {_plural(reminder.days)}"
            self.stdout.write(
                f"{request.referral.child.pseudonymous_id}\t{request.get_recipient_role_display()}\t"
                f"{request.recipient_name} ({request.recipient_agency.name})\t{when}"
            )
            if options["dry_run"]:
                continue
            try:
                information_request_remind(actor=actor, request=request, on=as_of)
                sent += 1
            except ValidationError as exc:
                failed += 1
                self.stderr.write(f"not recorded: {request.pk}: {'; '.join(exc.messages)}")
        self.stdout.write(f"listed: {listed}; reminders recorded: {sent}; failed: {failed}")
