"""Notify an agency: store the notification, then email its duty mailbox once the transaction commits.

The stored row is the record (what was sent, to which mailbox, when); the email is a courtesy that
may fail. A failure is kept on the row (``email_error``) and retried by ``ccehub notifications send``
(run it from cron); it never undoes what was recorded. Emails carry no name, date of birth or
address: only the child's pseudonymous ID, what happened and a link to sign in.
"""

from __future__ import annotations

import logging
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
    Notification.Kind.MISSING_CRISIS: "ccehub: a child your service is responsible for has been missing for weeks",
    Notification.Kind.INCIDENT_RECORDED: "ccehub: a child your service is responsible for was arrested or stopped",
    Notification.Kind.CRISIS_LISTED: "ccehub: a crisis response is listed at your panel",
    Notification.Kind.POLICE_PROTECTION: "ccehub: a child your service is responsible for is in police protection",
    Notification.Kind.POLICE_PROTECTION_ENDED: "ccehub: police protection of a child your service is responsible for has ended",
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
        # robust: whatever the mail server does, the page that recorded the report still answers
        transaction.on_commit(lambda: send(notification.pk), robust=True)
    return notification


#: Kept on a notification when no mail server is configured (the console backend): the email was only
#: written to the server's log, which tells nobody.
MSG_NO_MAIL_SERVER: Final = (
    "no mail server is configured (CCEHUB_EMAIL_HOST): the email was written to the server's log"
)


def mail_configured() -> bool:
    """A real mail backend (SMTP, or the tests' in-memory outbox), not the console."""
    return not str(settings.EMAIL_BACKEND).endswith("console.EmailBackend")


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
        except Exception as exc:  # any failure is kept and retried, never raised
            notification.email_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("Notification %s to %s not emailed: %s", pk, notification.email_to, exc)
        else:
            if mail_configured():
                notification.emailed_at = timezone.now()
                notification.email_error = ""
            else:
                notification.email_error = MSG_NO_MAIL_SERVER
        notification.save(update_fields=["email_attempts", "emailed_at", "email_error", "updated_at"])
        if notification.emailed_at is not None:
            _delivered(notification)
        return notification.emailed_at is not None


def _delivered(notification: Notification) -> None:
    """R-32: an email to the home authority's duty mailbox that went is children's social care told,
    at the time it went (audited as ccehub's own update). Without a mailbox, someone records it."""
    if (
        notification.kind != Notification.Kind.MISSING_REPORTED
        or notification.object_type != "missingepisode"
    ):
        return
    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record
    from ccehub.children.models import MissingEpisode
    from ccehub.common.access import Actor

    episode = (
        MissingEpisode.objects.filter(pk=notification.object_id, social_care_notified_at__isnull=True)
        .select_related("child", "child__home_local_authority")
        .first()
    )
    home = episode.child.home_local_authority if episode is not None else None
    if episode is None or home is None or home.pk != notification.agency_id:
        return
    episode.social_care_notified_at = notification.emailed_at
    episode.save(update_fields=["social_care_notified_at", "updated_at"])
    actor = Actor.for_system(
        name="ccehub-notifications",
        channel="system",
        purpose="Missing report emailed to the home authority (R-32)",
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="missingepisode",
        object_id=episode.pk,
        child_pid=episode.child.pseudonymous_id,
        fields=["missing_episodes.social_care_notified_at"],
        detail=f"emailed to {home.code}'s duty mailbox",
    )


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    #: Failed for the last time in this run: no more tries (reported once, then left alone).
    given_up: int
    #: No mail server is configured: nothing was tried.
    unconfigured: bool = False


def send_pending() -> SendResult:
    """Email every notification not yet sent, oldest first, up to :data:`MAX_ATTEMPTS` tries each."""
    if not mail_configured():
        return SendResult(sent=0, failed=0, given_up=0, unconfigured=True)
    waiting = Notification.objects.filter(emailed_at__isnull=True, email_attempts__lt=MAX_ATTEMPTS).exclude(
        email_to=""
    )
    sent = failed = given_up = 0
    for pk, attempts in waiting.order_by("created_at").values_list("pk", "email_attempts"):
        if send(pk):
            sent += 1
        else:
            failed += 1
            given_up += int(attempts + 1 >= MAX_ATTEMPTS)
    return SendResult(sent=sent, failed=failed, given_up=given_up)
