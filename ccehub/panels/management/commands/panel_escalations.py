"""Escalate local-panel referrals past their time limit to the Home Office SCA (R-19, Q-07).

"Delays never extend beyond a 45-day maximum": run daily; every referral that reaches its panel
deadline (day 45) without a decision goes to the Single Competent Authority on that day, with the
reason recorded. A case listed at a sitting held that day is left to the sitting until the next run.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ccehub.audit.models import Channel
from ccehub.common.access import Actor
from ccehub.panels.services import referrals_escalate_overdue


class Command(BaseCommand):
    help = "Refer local-panel cases that reach the panel's time limit undecided to the Home Office SCA."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)"
        )
        parser.add_argument("--dry-run", action="store_true", help="List only; escalate nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        actor = Actor.for_system(
            name="panel-escalations", channel=Channel.CLI, purpose="Panel time-limit escalation"
        )
        done = referrals_escalate_overdue(actor=actor, as_of=as_of, dry_run=options["dry_run"])
        for referral, reason in done:
            self.stdout.write(f"{referral.child.pseudonymous_id}\t{referral.pk}\t{reason}")
        verb = "would escalate" if options["dry_run"] else "escalated"
        self.stdout.write(f"{verb}: {len(done)}")
