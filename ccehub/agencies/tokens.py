"""Personal API tokens: random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.utils import timezone


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: Any, name: str) -> str:
    from ccehub.agencies.models import ApiToken

    token = "cceh_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, token_hash=_hash(token))
    return token


def user_for_token(token: str) -> Any:
    from ccehub.agencies.models import ApiToken

    found = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user
