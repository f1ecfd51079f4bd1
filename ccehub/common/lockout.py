"""Locking an account after repeated failed sign-ins, and pausing sign-in from an address that fails
under many usernames (data-protection.md, "Accounts and sessions").

The rule is a plain function (:func:`locked_until`); the failures it counts are the audit log's own
``login_failed`` rows, for the username (the account lock) or for the client's address (the pause,
``CCEHUB_SIGNIN_ADDRESS_LIMIT``), so every web process and the admin site see one count with no
cache to share. :class:`LockoutBackend` refuses a paused address or a locked account before the
password is checked, and :func:`record_failed_sign_in` (on Django's ``user_login_failed`` signal)
audits every failure, from the sign-in page and the admin site alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

#: The audit detail of a failure that counts towards a lock (a password was checked and was wrong).
WRONG_CREDENTIALS: Final = "wrong username or password"
#: The audit details of a second-factor failure (the password was right; the code was not). They
#: count towards the same lock: five wrong codes lock an account as five wrong passwords do, and
#: their own wording tells a reader of the log that someone had the password.
WRONG_CODE: Final = "wrong two-factor code"
REUSED_CODE: Final = "two-factor code already used"
WRONG_RECOVERY_CODE: Final = "wrong or already used recovery code"
#: Every failure that counts towards a lock or an address pause: something secret was checked.
COUNTED_FAILURES: Final = (WRONG_CREDENTIALS, WRONG_CODE, REUSED_CODE, WRONG_RECOVERY_CODE)
#: The audit detail of an attempt refused because the account was locked (not counted: the password
#: was not checked, and counting it would let anyone keep an account locked for ever).
REFUSED_LOCKED: Final = "refused: account locked after repeated failed sign-ins"
#: The audit detail of an attempt refused because its address is paused (not counted, as above).
REFUSED_ADDRESS: Final = "refused: sign-in from this address paused after repeated failed sign-ins"
#: The audit ``object_type`` of an administrator lifting a lock (``object_id``: the user's id).
LOCK_LIFTED: Final = "sign_in_lock"
#: What the sign-in page says while the address is paused (nothing about the username typed).
MSG_ADDRESS_PAUSED: Final = (
    "Sign-in from your network is paused for {duration}, after too many failed sign-ins from it. "
    "Try again after {until}."
)
#: Where :class:`LockoutBackend` leaves why it refused, for :func:`record_failed_sign_in`.
_REFUSAL_ATTRIBUTE: Final = "_ccehub_sign_in_refused"


@dataclass(frozen=True)
class LockoutPolicy:
    #: Failed sign-ins within ``window`` that lock the account.
    limit: int = 5
    window: timedelta = timedelta(minutes=15)
    #: How long the lock lasts after the failure that set it.
    lock: timedelta = timedelta(minutes=15)


def locked_until(failures: Iterable[datetime], *, now: datetime, policy: LockoutPolicy) -> datetime | None:
    """When the account's lock ends, or ``None`` when it is not locked at ``now``.

    ``limit`` failures within ``window`` of each other lock the account until ``lock`` after the
    last of them. Failures after ``now`` are ignored."""
    if policy.limit < 1:
        return None
    times = sorted(f for f in failures if f <= now)
    until: datetime | None = None
    for last in range(policy.limit - 1, len(times)):
        if times[last] - times[last - policy.limit + 1] <= policy.window:
            end = times[last] + policy.lock
            if end > now and (until is None or end > until):
                until = end
    return until


def _policy() -> LockoutPolicy:
    from django.conf import settings

    return LockoutPolicy(
        limit=int(getattr(settings, "CCEHUB_SIGNIN_FAILURE_LIMIT", 5)),
        window=timedelta(minutes=int(getattr(settings, "CCEHUB_SIGNIN_FAILURE_WINDOW_MINUTES", 15))),
        lock=timedelta(minutes=int(getattr(settings, "CCEHUB_SIGNIN_LOCK_MINUTES", 15))),
    )


def _address_policy() -> LockoutPolicy:
    """The account lock's window and lock time, with the limit for a whole address."""
    from dataclasses import replace

    from django.conf import settings

    return replace(_policy(), limit=int(getattr(settings, "CCEHUB_SIGNIN_ADDRESS_LIMIT", 20)))


def address_locked_until(address: str, *, now: datetime | None = None) -> datetime | None:
    """When sign-in from ``address`` resumes, or ``None`` when it is not paused.

    The failures counted are the audit log's failed sign-ins from that address under any username,
    but only those that checked a password or a code (:data:`COUNTED_FAILURES`): refusals while paused or
    locked are not counted, so a flood of attempts cannot extend a pause for ever. An empty address
    (a request that had none) is never paused: it is not one client."""
    from django.utils import timezone

    from ccehub.audit.models import Action, AuditEvent

    if not address:
        return None
    policy = _address_policy()
    now = now or timezone.now()
    failures = AuditEvent.objects.filter(
        origin=address,
        at__gte=now - policy.window - policy.lock,
        action=Action.LOGIN_FAILED,
        detail__in=COUNTED_FAILURES,
    ).values_list("at", flat=True)
    return locked_until(failures, now=now, policy=policy)


def address_pause_message(until: datetime, *, now: datetime) -> str:
    """:data:`MSG_ADDRESS_PAUSED`: for how many minutes (rounded up) and until what time."""
    import math

    from django.utils import timezone

    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    duration = f"{minutes} minute" + ("" if minutes == 1 else "s")
    return MSG_ADDRESS_PAUSED.format(duration=duration, until=f"{timezone.localtime(until):%H:%M}")


#: How a failed sign-in's typed username is logged when it names no account (then a keyed digest).
UNKNOWN_ACCOUNT: Final = "unknown account {digest}"


def audit_username(typed: str, *, existing: set[str] | None = None) -> str:
    """The name a failed sign-in is logged and counted under: the username when it is an account's,
    otherwise a keyed digest of the text (the audit log is append-only, and the text may be a password
    typed into the wrong box). The same text always gives the same digest, so it still locks."""
    from django.contrib.auth import get_user_model
    from django.utils.crypto import salted_hmac

    typed = typed[:150]
    if not typed:
        return typed
    known = (
        typed in existing
        if existing is not None
        else (get_user_model().objects.filter(username=typed).exists())
    )
    if known:
        return typed
    digest = salted_hmac("ccehub.sign-in.unknown-account", typed, algorithm="sha256").hexdigest()[:16]
    return UNKNOWN_ACCOUNT.format(digest=digest)


def account_locked_until(username: str) -> datetime | None:
    """When ``username``'s lock ends, from the audit log's failed sign-ins (``None``: not locked)."""
    return accounts_locked_until([username]).get(username)


def accounts_locked_until(usernames: Iterable[str]) -> dict[str, datetime | None]:
    """:func:`account_locked_until` for many accounts in two queries (the admin's user list, a page
    of up to a hundred accounts, asked three queries a row)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ccehub.audit.models import Action, AuditEvent

    usernames = list(usernames)
    names = {name for name in usernames if name}
    if not names:
        return {name: None for name in usernames}
    policy = _policy()
    now = timezone.now()
    since = now - policy.window - policy.lock
    ids = dict(get_user_model().objects.filter(username__in=names).values_list("pk", "username"))
    logged_as = {name: audit_username(name, existing=set(ids.values())) for name in names}
    lifted: dict[str, datetime] = {}
    for object_id, at in AuditEvent.objects.filter(
        action=Action.UPDATE, object_type=LOCK_LIFTED, object_id__in=[str(pk) for pk in ids], at__gte=since
    ).values_list("object_id", "at"):
        name = ids[int(object_id)]
        lifted[name] = max(at, lifted.get(name, at))
    failures: dict[str, list[datetime]] = {}
    for name, at in AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED,
        username__in=set(logged_as.values()),
        at__gte=since,
        detail__in=COUNTED_FAILURES,
    ).values_list("username", "at"):
        failures.setdefault(name, []).append(at)
    out: dict[str, datetime | None] = {}
    for name in usernames:
        logged = failures.get(logged_as.get(name, ""), [])
        counted = [at for at in logged if name not in lifted or at > lifted[name]]
        out[name] = locked_until(counted, now=now, policy=policy) if name else None
    return out


def lift_lock(user: Any, *, actor: Any) -> bool:
    """Lift ``user``'s sign-in lock now, audited as ``actor`` (an administrator). ``False``: the
    account was not locked, and nothing is written."""
    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record

    if account_locked_until(user.get_username()) is None:
        return False
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type=LOCK_LIFTED,
        object_id=user.pk,
        detail=f"sign-in lock lifted for {user.get_username()}"[:500],
    )
    return True


def lock_message(until: datetime) -> str:
    from django.utils import timezone

    policy = _policy()
    return (
        f"This account is locked after {policy.limit} failed sign-ins. Try again after "
        f"{timezone.localtime(until):%H:%M}, or ask your administrator."
    )


class LockoutBackend(ModelBackend):
    """Django's model backend, refusing a paused address or a locked account before the password is
    checked (the address first: its refusal says nothing about the username)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        from ccehub.common.web import client_address

        refused = ""
        if request is not None and address_locked_until(client_address(request)) is not None:
            refused = REFUSED_ADDRESS
        elif username and account_locked_until(username) is not None:
            refused = REFUSED_LOCKED
        if refused:
            if request is not None:
                setattr(request, _REFUSAL_ATTRIBUTE, refused)
            raise PermissionDenied  # authenticate() stops and sends user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)


def record_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """Audit every failed sign-in (``user_login_failed``), saying whether it was refused unchecked
    (a paused address, a locked account) or checked a password and found it wrong (counted)."""
    from ccehub.audit.models import Action, Channel
    from ccehub.audit.services import audit_record
    from ccehub.common.access import Actor
    from ccehub.common.web import client_address

    attempted = str(credentials.get("username", ""))[:150]
    if request is not None:
        # what the backend decided; recounting here could disagree with it (another process may
        # have written the failure that locks in between)
        detail = getattr(request, _REFUSAL_ATTRIBUTE, "") or WRONG_CREDENTIALS
    else:
        detail = REFUSED_LOCKED if account_locked_until(attempted) is not None else WRONG_CREDENTIALS
    origin = client_address(request) if request is not None else ""
    logged_as = audit_username(attempted)
    audit_record(
        actor=Actor.for_system(name=logged_as, channel=Channel.WEB, purpose="Sign in", origin=origin),
        action=Action.LOGIN_FAILED,
        object_type="session",
        detail=detail,
    )


def record_failed_second_factor(
    request: Any, *, user: Any, detail: str, object_type: str = "session"
) -> None:
    """Audit a failed or refused second step of sign-in (a code, a recovery code) for ``user``, whose
    password was right: ``login_failed`` against the account, so :data:`WRONG_CODE` and the like
    count towards its lock as wrong passwords do. ``object_type`` is ``two_factor_device`` when the
    code was asked for to turn two-factor sign-in off."""
    from ccehub.agencies.selectors import active_memberships
    from ccehub.audit.models import Action, Channel
    from ccehub.audit.services import audit_record
    from ccehub.common.access import Actor
    from ccehub.common.web import client_address

    memberships = active_memberships(user=user)
    actor = Actor(
        user=user,
        membership=memberships[0] if memberships else None,
        channel=Channel.WEB,
        purpose="Sign in",
        origin=client_address(request),
    )
    audit_record(actor=actor, action=Action.LOGIN_FAILED, object_type=object_type, detail=detail)
