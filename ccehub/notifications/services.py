"""Notify an agency: store the notification, then email its duty mailbox once the transaction commits.

The stored row is the record (what was sent, to which mailbox, when); the email is a courtesy that
may fail. A failure is kept on the row (``email_error``) and retried by ``ccehub notifications send``
(run it from cron); it never undoes what was recorded. Emails carry no name, date of birth or
address: only the child's pseudonymous ID, what happened and a link to sign in.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency
from ccehub.children.models import Child
from ccehub.notifications.models import Notification

log = logging.getLogger(__name__)

SUBJECTS: Final[dict[str, str]] = {
    Notification.Kind.MISSING_REPORTED: "ccehub: a child your service is responsible for is missing",
    Notification.Kind.MISSING_FOUND: "ccehub: a child reported missing has been found",
}
FOOTER: Final = (
    "This email holds no name, date of birth or address. Sign in to ccehub to see who the child is "
    "and what must follow. Do not reply: this mailbox is not read."
)
#: Attempts after which ``send_pending`` stops retrying a notification (the dashboard still shows it).
MAX_ATTEMPTS: Final = 5


def notify(
    *,
    agency: Agency,
    kind: str,
    text: str,
    link: str,
    child: Child | None = None,
    from_agency: Agency | None = None,
    about: tuple[str, object] | None = None,
) -> Notification:
    """Record a notification to ``agency``; email its duty mailbox after the transaction commits."""
    notification = Notification.objects.create(
        agency=agency,
        from_agency=from_agency,
        child=child,
        kind=kind,
        text=text[:500],
        link=link,
        email_to=agency.duty_email,
        object_type=about[0] if about else "",
        object_id=str(about[1]) if about else "",
    )
    if notification.email_to:
        transaction.on_commit(lambda: send(notification.pk))
    return notification


def email_body(notification: Notification) -> str:
    return f"{notification.text}\n\n{settings.CCEHUB_BASE_URL}{notification.link}\n\n{FOOTER}\n"


def send(pk: object) -> bool:
    """Email one notification (once: one already sent is not sent again). True when it has gone."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=pk).first()
        if notification is None or not notification.pending:
            return notification is not None and notification.emailed_at is not None
        notification.email_attempts += 1
        try:
            send_mail(
                SUBJECTS.get(notification.kind, "ccehub notification"),
                email_body(notification),
                settings.DEFAULT_FROM_EMAIL,
                [notification.email_to],
            )
        except (smtplib.SMTPException, OSError) as exc:
            notification.email_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("Notification %s to %s not emailed: %s", pk, notification.email_to, exc)
        else:
            notification.emailed_at = timezone.now()
            notification.email_error = ""
        notification.save(update_fields=["email_attempts", "emailed_at", "email_error", "updated_at"])
        return notification.emailed_at is not None


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    given_up: int


def send_pending() -> SendResult:
    """Email every notification not yet sent, oldest first, up to :data:`MAX_ATTEMPTS` tries each."""
    waiting = Notification.objects.filter(emailed_at__isnull=True).exclude(email_to="")
    given_up = waiting.filter(email_attempts__gte=MAX_ATTEMPTS).count()
    sent = failed = 0
    for pk in (
        waiting.filter(email_attempts__lt=MAX_ATTEMPTS).order_by("created_at").values_list("pk", flat=True)
    ):
        if send(pk):
            sent += 1
        else:
            failed += 1
    return SendResult(sent=sent, failed=failed, given_up=given_up)
