"""Pausing sign-in from one address after many failed sign-ins under any usernames (known gap 13).

The account lock (test_lockout.py) stops guessing one account's password; it does nothing against
one address trying a few passwords against many accounts. The count is again the audit log's own
``login_failed`` rows, by ``origin``. Rows are written with chosen times (the log is append-only)
rather than by waiting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.common.lockout import (
    REFUSED_ADDRESS,
    REFUSED_LOCKED,
    WRONG_CREDENTIALS,
    address_locked_until,
    address_pause_message,
)

ADDRESS = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
PASSWORD = "a-long-test-password"


@pytest.fixture
def limit(settings):
    settings.CCEHUB_SIGNIN_ADDRESS_LIMIT = 3
    return 3


def _failures(count: int, *, at: datetime, origin: str = ADDRESS, detail: str = WRONG_CREDENTIALS) -> None:
    for n in range(count):
        AuditEvent.objects.create(
            at=at,
            action="login_failed",
            channel="web",
            username=f"guess.{n}",
            role="system",
            object_type="session",
            detail=detail,
            origin=origin,
        )


def _sign_in(client, username: str, password: str, origin: str = ADDRESS):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=origin)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_under_many_usernames_pause_sign_in_from_that_address(
    client, agencies, make_user, roles, limit
):
    """Three wrong passwords under three usernames (none locked: one failure each) pause the address;
    the right password of a real account is then refused without being checked, and audited once,
    uncounted. Another address is not affected."""
    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    for name in ("pc.real", "pc.nobody", "sw.nobody"):
        _sign_in(client, name, "wrong")
    response = _sign_in(client, "pc.real", PASSWORD)
    assert not _signed_in(client)
    page = response.content.decode()
    assert "Sign-in from your network is paused" in page
    assert "This account is locked" not in page
    details = list(
        AuditEvent.objects.filter(action="login_failed").order_by("id").values_list("detail", flat=True)
    )
    assert details == [WRONG_CREDENTIALS] * 3 + [REFUSED_ADDRESS]
    refused = AuditEvent.objects.get(detail=REFUSED_ADDRESS)
    assert (refused.username, refused.origin, refused.channel) == ("pc.real", ADDRESS, "web")
    # the account itself is not locked: from another address it signs in
    _sign_in(client, "pc.real", PASSWORD, origin=ELSEWHERE)
    assert _signed_in(client)


def test_the_pause_says_nothing_about_whether_the_username_exists(client, agencies, make_user, roles, limit):
    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    _failures(limit, at=timezone.now() - timedelta(minutes=1))
    real = _sign_in(client, "pc.real", PASSWORD)
    unknown = _sign_in(client, "no.such.person", PASSWORD)
    until = address_locked_until(ADDRESS)
    assert until is not None

    def errors(response) -> list[str]:
        # (how many minutes are left depends on when the page was drawn; the rest must not differ)
        return [re.sub(r"\d+ minutes?", "N minutes", e) for e in response.context["form"].non_field_errors()]

    assert errors(real) == errors(unknown)
    assert len(errors(real)) == 1 and f"Try again after {timezone.localtime(until):%H:%M}." in errors(real)[0]
    assert "Sign-in from your network is paused for N minutes" in errors(real)[0]
    assert "Try again after" in real.content.decode()


def test_the_pause_ends_the_lock_time_after_the_last_counted_failure(
    client, agencies, make_user, roles, limit
):
    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    now = timezone.now()
    # three failures whose last was 16 minutes ago: the 15-minute pause is over
    _failures(limit, at=now - timedelta(minutes=16))
    _sign_in(client, "pc.real", PASSWORD)
    assert _signed_in(client)
    client.logout()
    # one more, 14 minutes ago, with the two before it within the window: paused again
    _failures(1, at=now - timedelta(minutes=14))
    _failures(limit - 1, at=now - timedelta(minutes=20))
    _sign_in(client, "pc.real", PASSWORD)
    assert not _signed_in(client)
    last = AuditEvent.objects.filter(origin=ADDRESS, detail=WRONG_CREDENTIALS).latest("at").at
    assert address_locked_until(ADDRESS) == last + timedelta(minutes=15)


def test_refusals_are_not_counted(client, agencies, make_user, roles, limit):
    """Only a password checked and found wrong counts: attempts refused for a locked account or a
    paused address did not check one (and counting them would let a flood extend a pause for ever)."""
    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    at = timezone.now() - timedelta(minutes=1)
    _failures(limit - 1, at=at)
    _failures(10, at=at, detail=REFUSED_LOCKED)
    _failures(10, at=at, detail=REFUSED_ADDRESS)
    _sign_in(client, "pc.real", PASSWORD)
    assert _signed_in(client)


def test_failures_from_other_addresses_are_not_counted(client, agencies, make_user, roles, limit):
    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    _failures(limit * 2, at=timezone.now() - timedelta(minutes=1), origin=ELSEWHERE)
    _sign_in(client, "pc.real", PASSWORD)
    assert _signed_in(client)


def test_the_admin_site_is_paused_too(client, agencies, make_user, roles, limit):
    """The admin's sign-in sends people to the same page (and the same backend)."""
    boss = make_user("kent.admin", agencies["kent"], roles.ADMIN, is_staff=True, is_superuser=True)
    assert boss.is_staff
    _failures(limit, at=timezone.now() - timedelta(minutes=1))
    response = client.post(
        "/admin/login/", {"username": "kent.admin", "password": PASSWORD}, REMOTE_ADDR=ADDRESS, follow=True
    )
    assert not _signed_in(client)
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    _sign_in(client, "kent.admin", PASSWORD)
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(detail=REFUSED_ADDRESS, username="kent.admin").count() == 1


def test_the_default_limit_is_twenty(client, agencies, make_user, roles):
    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    _failures(19, at=timezone.now() - timedelta(minutes=1))
    _sign_in(client, "pc.real", PASSWORD)
    assert _signed_in(client)
    client.logout()
    _failures(1, at=timezone.now() - timedelta(minutes=1))
    _sign_in(client, "pc.real", PASSWORD)
    assert not _signed_in(client)


def test_the_pause_message_says_for_how_long() -> None:
    now = datetime(2026, 11, 26, 21, 0, 30, tzinfo=UTC)
    until = datetime(2026, 11, 26, 21, 14, 0, tzinfo=UTC)
    message = address_pause_message(until, now=now)
    assert message == (
        "Sign-in from your network is paused for 14 minutes, after too many failed sign-ins from it. "
        "Try again after 21:14."
    )
    assert address_pause_message(until, now=until - timedelta(seconds=20)).startswith(
        "Sign-in from your network is paused for 1 minute,"
    )
