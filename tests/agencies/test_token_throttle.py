"""Unknown API tokens are audited, and an address that keeps sending bad tokens is paused (known gaps
13 and 16). Refusals are written with chosen times (the audit log is append-only), never waited for."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from ccehub.agencies.models import ApiToken
from ccehub.agencies.tokens import (
    MSG_TOKENS_PAUSED,
    PAUSED_DETAIL_PREFIX,
    REFUSAL_DETAIL,
    UNKNOWN_TOKEN_DETAIL,
    hash_token,
    token_create,
)
from ccehub.audit.models import AuditEvent

ADDRESS = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("tok.sw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def limit(settings):
    settings.CCEHUB_API_BAD_TOKEN_LIMIT = 3
    return 3


def _get(client, token: str | None, origin: str = ADDRESS, url: str = "/api/children/"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(url, headers=headers, REMOTE_ADDR=origin)


def _refusals(count: int, *, minutes_ago: float, origin: str = ADDRESS, detail: str = UNKNOWN_TOKEN_DETAIL):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    for _ in range(count):
        AuditEvent.objects.create(
            at=at, action="denied", channel="api", object_type="api_token", detail=detail, origin=origin
        )


# --- an unknown token is audited -----------------------------------------------------------------


def test_an_unknown_token_is_refused_and_audited_without_the_token(client, db):
    token = "cceh_not-a-token-at-all"
    response = _get(client, token)
    assert response.status_code == 401
    row = AuditEvent.objects.get()
    assert (row.action, row.channel, row.user_id, row.username) == ("denied", "api", None, "")
    assert (row.object_type, row.origin, row.detail) == ("api_token", ADDRESS, UNKNOWN_TOKEN_DETAIL)
    assert row.detail == "unknown API token"
    everything = str(row.__dict__)
    assert token not in everything and hash_token(token) not in everything


def test_a_request_without_a_token_leaves_no_row(client, db):
    assert _get(client, None).status_code == 401
    assert not AuditEvent.objects.exists()


# --- the pause -----------------------------------------------------------------------------------


def test_bad_tokens_from_one_address_pause_its_token_requests(client, sw, limit):
    """Three refused tokens (unknown, revoked, expired alike) and the next request from that address
    carrying a token is answered 429 before the token is looked up, even a good one."""
    good = token_create(user=sw, name="good")
    revoked = token_create(user=sw, name="revoked")
    ApiToken.objects.filter(name="revoked").update(revoked_at=timezone.now())
    for token in ("cceh_guess-1", revoked, "cceh_guess-2"):
        assert _get(client, token).status_code == 401
    before = timezone.now()
    response = _get(client, good)
    after = timezone.now()
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}
    retry = int(response["Retry-After"])
    until = AuditEvent.objects.filter(origin=ADDRESS).order_by("id")[2].at + timedelta(minutes=15)
    assert math.ceil((until - after).total_seconds()) <= retry <= math.ceil((until - before).total_seconds())
    assert body["detail"] == MSG_TOKENS_PAUSED.format(seconds=retry)
    # the good token was never looked up
    assert ApiToken.objects.get(name="good").last_used_at is None
    # from another address it works; from this one without a token, the usual 401
    assert _get(client, good, origin=ELSEWHERE).status_code == 200
    assert _get(client, None).status_code == 401


def test_only_the_first_answer_429_of_a_pause_is_audited(client, db, limit):
    """A flood of requests during a pause must not fill the append-only log: one row per pause."""
    _refusals(limit, minutes_ago=1)
    for _ in range(5):
        assert _get(client, "cceh_guess").status_code == 429
    paused = AuditEvent.objects.filter(detail__startswith=PAUSED_DETAIL_PREFIX)
    assert paused.count() == 1
    row = paused.get()
    assert (row.action, row.channel, row.user_id, row.origin) == ("denied", "api", None, ADDRESS)
    assert row.object_type == "api_token"
    assert "cceh_guess" not in str(row.__dict__)
    # refusals after that row (once the pause had ended) start another pause, audited once again
    _refusals(limit, minutes_ago=0)
    assert _get(client, "cceh_guess").status_code == 429
    assert AuditEvent.objects.filter(detail__startswith=PAUSED_DETAIL_PREFIX).count() == 2


def test_the_429s_are_not_counted(client, sw, limit):
    token = token_create(user=sw, name="good")
    _refusals(limit - 1, minutes_ago=1)
    AuditEvent.objects.create(
        at=timezone.now() - timedelta(minutes=1),
        action="denied",
        channel="api",
        object_type="api_token",
        detail=f"{PAUSED_DETAIL_PREFIX} 21:00",
        origin=ADDRESS,
    )
    assert _get(client, token).status_code == 200


def test_expired_and_revoked_refusals_count(client, sw, limit):
    token = token_create(user=sw, name="good")
    _refusals(limit, minutes_ago=1, detail=REFUSAL_DETAIL.format(why="revoked"))
    assert _get(client, token).status_code == 429


def test_the_pause_lasts_fifteen_minutes_after_the_last_refusal(client, sw, limit):
    token = token_create(user=sw, name="good")
    _refusals(limit, minutes_ago=16)
    assert _get(client, token).status_code == 200
    _refusals(1, minutes_ago=14)
    assert _get(client, token).status_code == 429


def test_other_refusals_and_other_addresses_are_not_counted(client, sw, limit):
    token = token_create(user=sw, name="good")
    _refusals(limit, minutes_ago=1, origin=ELSEWHERE)
    _refusals(limit, minutes_ago=1, detail="refused view: no recorded basis")
    assert _get(client, token).status_code == 200


def test_the_default_limit_is_twenty(client, sw):
    token = token_create(user=sw, name="good")
    _refusals(19, minutes_ago=1)
    assert _get(client, token).status_code == 200
    _refusals(1, minutes_ago=1)
    assert _get(client, token).status_code == 429
