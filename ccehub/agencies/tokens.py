"""Personal API tokens: random, shown once, stored only as a SHA-256 hash, and expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

#: Why a token that names a user was refused (the audit row's detail; the client is told nothing more).
REFUSAL_DETAIL = "refused sign-in by API token: {why}"


def _hash(token: str) -> str:
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
        token_hash=_hash(token),
        expires_at=timezone.now() + timedelta(days=lifetime),
    )
    return token, stored


def user_for_token(token: str, *, origin: str = "") -> Any:
    """The active user a live token acts as, or ``None``.

    An unknown token is refused without a trace (it names nobody). A token that names a user but is
    revoked, expired or belongs to a deactivated account is refused the same way to the client, and
    audited as ``denied`` against that user: someone, or something, is still using it.
    """
    from ccehub.agencies.models import ApiToken

    found = ApiToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if found is None:
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
    return found.user


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
