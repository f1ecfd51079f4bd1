"""``Idempotency-Key`` on ``POST /api/children/`` (IETF draft "The Idempotency-Key HTTP Header Field").

A client that times out and sends the request again would otherwise record the child twice: two
pseudonymous IDs for one child, which is what the linkage work exists to prevent. The duplicate check
in ``child_create`` does not catch it for a child with no name or date of birth given, the custody
suite's usual child. The web form has its one-time ``submission`` token for the same reason.

- The key is the client's: 1 to :data:`MAX_KEY_LENGTH` printable ASCII characters (a UUID is a good
  one), kept as sent. It is scoped to the API token that sent it (:func:`token_scope`), or to the user
  of a browser session (:func:`user_scope`): never global, so one client cannot replay, or block,
  another's.
- The first request with a key *claims* it (a row, unique on scope and key) and creates the child in
  one transaction, then stores the answer on the row. A request that fails (422, 403) rolls the claim
  back with everything else, so the client can correct the request and retry with the same key.
- A later request with the key finds the row through the unique constraint (the claim fails):
  the same body gets the stored answer again (:class:`KeyTaken`; the caller answers it with
  ``Idempotent-Replayed: true`` and audits it as a read of the child's ID), another body is refused.
  Two requests at once: the database makes the second claim wait for the first transaction and then
  fail, so it answers the first one's child; neither request can create a second.
- A key lasts ``CCEHUB_IDEMPOTENCY_HOURS`` (24) hours from its first request. Storing a new key first
  deletes expired rows (every scope's), and an expired row of the same key makes way for the new one.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from ccehub.children.models import Child, IdempotencyKey

#: The longest key taken (the draft sets no limit; a UUID is 36 characters).
MAX_KEY_LENGTH: Final = 255
#: Printable ASCII, space included (a structured-field string's quotes are kept as sent).
_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")

MSG_KEY_INVALID: Final = (
    f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, not only spaces "
    "(a UUID is a good key)"
)
MSG_KEY_REUSED: Final = (
    "This Idempotency-Key was used with a different request: a retry must send the same body, and a "
    "new child needs a new key"
)
MSG_KEY_IN_PROGRESS: Final = (
    "A request with this Idempotency-Key is still being processed: try again in a few seconds"
)
#: The detail of the audit row of a replay (as for a replayed incident: never the key, nor the body).
REPLAY_DETAIL: Final = "answered again for a repeated Idempotency-Key"
#: Expired rows deleted at most per stored key (the rest go with the next).
PURGE_BATCH: Final = 1000
_SALT: Final = "ccehub.children.idempotency"


def parse_key(value: str) -> str:
    """The key as sent; ``ValueError`` (:data:`MSG_KEY_INVALID`) when it is not one."""
    if not _KEY.fullmatch(value) or not value.strip():
        raise ValueError(MSG_KEY_INVALID)
    return value


def token_scope(token_id: Any) -> str:
    return f"token:{token_id}"


def user_scope(user_id: Any) -> str:
    return f"user:{user_id}"


def scope_of(request: Any) -> str:
    """The token that authenticated ``request`` (``ccehub.api.TokenAuth``), else its signed-in user."""
    token_id = getattr(request, "api_token_id", None)
    return token_scope(token_id) if token_id is not None else user_scope(request.user.pk)


def _canonical(values: dict[str, Any]) -> bytes:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


def request_fingerprint(values: dict[str, Any], *, secret: str | None = None) -> str:
    """HMAC-SHA-256 of the body as the API read it (every field, defaults filled in), keyed with the
    secret key: field order, spacing and a field left at its default do not make another request, and
    the stored value cannot be used to test a guess of the child's name and date of birth."""
    return salted_hmac(_SALT, _canonical(values), secret=secret, algorithm="sha256").hexdigest()


def fingerprint_matches(stored: str, values: dict[str, Any]) -> bool:
    """Whether ``values`` is the request ``stored`` was made from, under the secret key or one of its
    fallbacks (a key rotated within a key's lifetime does not turn a retry into a 422)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(request_fingerprint(values, secret=secret) == stored for secret in keys)


def lifetime() -> timedelta:
    return timedelta(hours=int(settings.CCEHUB_IDEMPOTENCY_HOURS))


def expired(row: IdempotencyKey, *, now: datetime) -> bool:
    """Whether ``row`` no longer counts at ``now`` (the end of its lifetime itself is out)."""
    return now >= row.created_at + lifetime()


def purge_expired(*, now: datetime) -> int:
    """Delete up to :data:`PURGE_BATCH` expired keys of every scope; how many were deleted.

    Rows another request is deleting are skipped (``SKIP LOCKED`` on PostgreSQL), so concurrent
    requests never wait on each other's housekeeping."""
    with transaction.atomic():
        stale = list(
            IdempotencyKey.objects.filter(created_at__lte=now - lifetime())
            .select_for_update(skip_locked=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not stale:
            return 0
        return IdempotencyKey.objects.filter(pk__in=stale).delete()[0]


class KeyTaken(Exception):
    """The key already has a live row in this scope: the request is a retry (or a reuse)."""

    def __init__(self, stored: IdempotencyKey) -> None:
        super().__init__(stored.key)
        self.stored = stored


def claim(*, scope: str, key: str, user: Any, fingerprint: str, now: datetime) -> IdempotencyKey:
    """Claim ``key`` in ``scope`` for this request, or raise :class:`KeyTaken` with its live row.

    Call inside the transaction that then creates the child and :func:`answer`\\ s the claim, so that
    the claim is committed with its answer or not at all. The unique constraint decides: a row
    committed by another request makes this insert fail (on PostgreSQL, after waiting for that
    request's transaction), and the row is then read. An expired row not yet purged is deleted and the
    key claimed again.
    """
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(scope=scope, key=key, user=user, fingerprint=fingerprint)
        except IntegrityError:
            stored = IdempotencyKey.objects.select_related("child").filter(scope=scope, key=key).first()
            if stored is None:  # deleted (purged, or its child erased) in between: try again
                continue
            if not expired(stored, now=now):
                raise KeyTaken(stored) from None
            stored.delete()
    raise IntegrityError(f"Idempotency-Key could not be claimed in {scope}")  # pragma: no cover


def answer(claimed: IdempotencyKey, *, child: Child, status: int, body: dict[str, Any]) -> None:
    """Store the answer given to the request that claimed the key (only a success is ever stored)."""
    claimed.child = child
    claimed.response_status = status
    claimed.response_body = body
    claimed.save(update_fields=["child", "response_status", "response_body", "updated_at"])
