"""Personal API tokens: random, shown once, stored only as a SHA-256 hash, and expiring.

Every refused token is audited (an unknown one with no user), and an address that has sent
``CCEHUB_API_BAD_TOKEN_LIMIT`` refused tokens within 15 minutes is paused: its requests carrying a
token are answered 429 before any token is looked up (:func:`tokens_paused_until`), so guessing
tokens from one address is slow. The count is the audit log's own rows, as for sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.utils import timezone

#: Why a token that names a user was refused (the audit row's detail; the client is told nothing more).
REFUSAL_DETAIL = "refused sign-in by API token: {why}"
#: The detail of a refused token that names nobody (never the token, nor its hash).
UNKNOWN_TOKEN_DETAIL: Final = "unknown API token"  # noqa: S105 - an audit detail, not a secret
#: The detail of the one row a pause writes, at its first 429 (the rest of its 429s are not recorded).
PAUSED_DETAIL_PREFIX: Final = "refused: requests with an API token from this address paused"
PAUSED_DETAIL: Final = (
    PAUSED_DETAIL_PREFIX
    + " after {limit} refused tokens, until {until}; further requests until then not recorded"
)
#: The 429's ``detail`` (the seconds are also in ``Retry-After``).
MSG_TOKENS_PAUSED: Final = (
    "Too many requests with a refused API token from this address: requests with a token are paused. "
    "Try again in {seconds} seconds."
)
#: Refused tokens are counted over this window, and pause the address this long after the last.
BAD_TOKEN_WINDOW: Final = timedelta(minutes=15)
BAD_TOKEN_PAUSE: Final = timedelta(minutes=15)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_expired(expires_at: datetime, *, now: datetime) -> bool:
    """Whether a token expiring at ``expires_at`` is refused at ``now`` (the expiry itself is out)."""
    return now >= expires_at


def token_create(*, user: Any, name: str, days: int | None = None) -> str:
    """Make a token for ``user`` that works for ``days`` (``CCEHUB_API_TOKEN_DAYS`` unless given)."""
    return token_issue(user=user, name=name, days=days)[0]


def token_issue(*, user: Any, name: str, days: int | None = None) -> tuple[str, Any]:
    """As :func:`token_create`, returning the token and its stored row (for its expiry)."""
    from ccehub.agencies.models import ApiToken

    lifetime = settings.CCEHUB_API_TOKEN_DAYS if days is None else days
    token = "cceh_" + secrets.token_urlsafe(32)
    stored = ApiToken.objects.create(
        user=user,
        name=name,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=lifetime),
    )
    return token, stored


def user_for_token(token: str, *, origin: str = "") -> Any:
    """The active user a live token acts as, or ``None`` (:func:`live_token`'s user)."""
    found = live_token(token, origin=origin)
    return None if found is None else found.user


def live_token(token: str, *, origin: str = "") -> Any:
    """The stored row of a live token (its ``user`` loaded), or ``None``.

    An unknown token is refused and audited as ``denied`` with no user (and neither the token nor its
    hash). A token that names a user but is revoked, expired or belongs to a deactivated account is
    refused the same way to the client, and audited as ``denied`` against that user: someone, or
    something, is still using it. Each of these counts towards pausing ``origin``.
    """
    from ccehub.agencies.models import ApiToken

    found = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if found is None:
        _audit_anonymous(detail=UNKNOWN_TOKEN_DETAIL, origin=origin)
        return None
    now = timezone.now()
    why = ""
    if found.revoked_at is not None:
        why = "revoked"
    elif token_expired(found.expires_at, now=now):
        why = f"expired at {timezone.localtime(found.expires_at):%Y-%m-%d %H:%M}"
    elif not found.user.is_active:
        why = "account deactivated"
    if why:
        _audit_refused(found, why=why, origin=origin)
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def _audit_refused(found: Any, *, why: str, origin: str) -> None:
    from ccehub.agencies.selectors import active_memberships
    from ccehub.audit.models import Action, Channel
    from ccehub.audit.services import audit_record
    from ccehub.common.access import Actor

    memberships = active_memberships(user=found.user) if found.user.is_active else []
    actor = Actor(
        user=found.user,
        membership=memberships[0] if memberships else None,
        channel=Channel.API,
        purpose="Sign in by API token",
        origin=origin,
    )
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type="api_token",
        object_id=found.pk,
        detail=REFUSAL_DETAIL.format(why=why),
    )


def _audit_anonymous(*, detail: str, origin: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    from ccehub.audit.models import Action, Channel
    from ccehub.audit.services import audit_record
    from ccehub.common.access import Actor

    actor = Actor(
        user=AnonymousUser(),
        membership=None,
        channel=Channel.API,
        purpose="Sign in by API token",
        origin=origin,
    )
    audit_record(actor=actor, action=Action.DENIED, object_type="api_token", detail=detail)


def _bad_token_policy() -> Any:
    from ccehub.common.lockout import LockoutPolicy

    return LockoutPolicy(
        limit=int(getattr(settings, "CCEHUB_API_BAD_TOKEN_LIMIT", 20)),
        window=BAD_TOKEN_WINDOW,
        lock=BAD_TOKEN_PAUSE,
    )


def tokens_paused_until(origin: str, *, now: datetime) -> datetime | None:
    """When requests with a token from ``origin`` are answered again, or ``None``: not paused.

    Counts the refused tokens from ``origin`` (unknown, revoked, expired, deactivated account) with
    :func:`ccehub.common.lockout.locked_until`. The 429s of a pause are not counted (they looked no
    token up), so a client that keeps trying does not extend its pause. An empty origin is no one
    client and is never paused."""
    from django.db.models import Q

    from ccehub.audit.models import Action, AuditEvent, Channel
    from ccehub.common.lockout import locked_until

    if not origin:
        return None
    policy = _bad_token_policy()
    refusals = AuditEvent.objects.filter(
        Q(detail=UNKNOWN_TOKEN_DETAIL) | Q(detail__startswith=REFUSAL_DETAIL.format(why="")),
        origin=origin,
        at__gte=now - policy.window - policy.lock,
        action=Action.DENIED,
        channel=Channel.API,
        object_type="api_token",
    ).values_list("at", flat=True)
    return locked_until(refusals, now=now, policy=policy)


def audit_pause_once(origin: str, *, until: datetime) -> bool:
    """Audit a paused request from ``origin``, but only the first of the pause ending at ``until``:
    a client that keeps sending requests must not be able to fill the append-only log. ``False``:
    this pause was already recorded, and nothing is written.

    The pause began with the last refusal it counted (``until`` less the pause), so a pause row
    written since then is this pause's. (Two requests at the same instant may both write one.)"""
    from ccehub.audit.models import Action, AuditEvent, Channel

    began = until - BAD_TOKEN_PAUSE
    if AuditEvent.objects.filter(
        origin=origin,
        at__gte=began,
        action=Action.DENIED,
        channel=Channel.API,
        detail__startswith=PAUSED_DETAIL_PREFIX,
    ).exists():
        return False
    limit = _bad_token_policy().limit
    _audit_anonymous(
        detail=PAUSED_DETAIL.format(limit=limit, until=f"{timezone.localtime(until):%Y-%m-%d %H:%M:%S}"),
        origin=origin,
    )
    return True
