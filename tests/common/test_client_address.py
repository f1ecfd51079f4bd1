"""The client's address, behind a reverse proxy or not (known gap 13): the pure rule, the setting that
names the trusted proxies, and the audit rows that record it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccehub.common.addresses import client_address_from, parse_trusted_proxies

ROOT = Path(__file__).resolve().parents[2]

PROXY = "10.0.0.1"
CLIENT = "198.51.100.7"


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        # no proxy is trusted: the connection's address, whatever the header says
        (CLIENT, "", "", CLIENT),
        (CLIENT, "203.0.113.9", "", CLIENT),
        # the connection is not from a trusted proxy: a client must not choose its own address
        (CLIENT, "203.0.113.9", PROXY, CLIENT),
        ("10.0.0.2", "203.0.113.9", PROXY, "10.0.0.2"),
        # from the trusted proxy: the address it appended
        (PROXY, CLIENT, PROXY, CLIENT),
        (PROXY, f" {CLIENT} ", PROXY, CLIENT),
        # what the client sent itself is to the left of it, and ignored
        (PROXY, f"203.0.113.9, {CLIENT}", PROXY, CLIENT),
        (PROXY, f"203.0.113.9,{CLIENT}", PROXY, CLIENT),
        # a chain of trusted proxies is walked from the right; a network names many
        (PROXY, f"203.0.113.9, {CLIENT}, 10.0.0.2", "10.0.0.1, 10.0.0.2", CLIENT),
        ("10.0.0.9", f"203.0.113.9, {CLIENT}, 10.0.0.2", "10.0.0.0/8", CLIENT),
        # a proxy that is not trusted, in the chain, is as far as the trust goes
        (PROXY, f"{CLIENT}, 192.0.2.50", PROXY, "192.0.2.50"),
        # from the trusted proxy, with no header: the proxy itself (a health check)
        (PROXY, "", PROXY, PROXY),
        # every hop trusted: the furthest one named
        (PROXY, "10.0.0.3, 10.0.0.2", "10.0.0.0/8", "10.0.0.3"),
        # an entry that is not an address is never used: the proxy that reported it is the address
        (PROXY, f"{CLIENT}, unknown", PROXY, PROXY),
        (PROXY, f"{CLIENT}, not an address, 10.0.0.2", "10.0.0.0/8", "10.0.0.2"),
        (PROXY, "'; DROP TABLE x; --", PROXY, PROXY),
        # ports some proxies add, and IPv6 (written in its one canonical form)
        (PROXY, f"{CLIENT}:51234", PROXY, CLIENT),
        (PROXY, "[2001:DB8::7]:443", PROXY, "2001:db8::7"),
        ("::1", "2001:DB8:0:0::7", "::1", "2001:db8::7"),
        ("2001:db8::1", CLIENT, "2001:db8::/32", CLIENT),
        # a connection address that is not an address (a Unix socket) is kept as it is
        ("", CLIENT, PROXY, ""),
    ],
)
def test_client_address_from(remote: str, forwarded: str, trusted: str, expected: str) -> None:
    assert client_address_from(remote, forwarded, parse_trusted_proxies(trusted)) == expected


def test_a_long_connection_address_is_cut_to_the_audit_column() -> None:
    assert len(client_address_from("x" * 500, "", ())) == 200


@pytest.mark.parametrize(
    ("text", "count"),
    [("", 0), ("  ", 0), ("10.0.0.1", 1), ("10.0.0.1, 10.0.0.0/8 ,::1,", 3), ("10.1.2.3/8", 1)],
)
def test_parse_trusted_proxies(text: str, count: int) -> None:
    assert len(parse_trusted_proxies(text)) == count


@pytest.mark.parametrize("text", ["10.0.0.300", "proxy.example.org", "10.0.0.1;10.0.0.2", "10.0.0.0/33"])
def test_parse_trusted_proxies_names_the_bad_entry(text: str) -> None:
    with pytest.raises(ValueError, match="not an IP address or network"):
        parse_trusted_proxies(text)


# --- the setting ---------------------------------------------------------------------------------


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    names = ("CCEHUB_TRUSTED_PROXIES", "CCEHUB_SIGNIN_ADDRESS_LIMIT", "CCEHUB_API_BAD_TOKEN_LIMIT")
    environ = {k: v for k, v in os.environ.items() if k not in names} | env
    code = (
        "import config.settings.base as s; print(s.CCEHUB_TRUSTED_PROXIES); "
        "print(s.CCEHUB_SIGNIN_ADDRESS_LIMIT, s.CCEHUB_API_BAD_TOKEN_LIMIT)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, cwd=ROOT, timeout=120
    )


def test_the_settings_default_to_no_proxy_and_twenty_failures() -> None:
    result = _load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["()", "20 20"]


def test_the_settings_are_read_from_the_environment() -> None:
    result = _load_settings(
        CCEHUB_TRUSTED_PROXIES="10.0.0.1, 10.1.0.0/16",
        CCEHUB_SIGNIN_ADDRESS_LIMIT="50",
        CCEHUB_API_BAD_TOKEN_LIMIT="5",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["('10.0.0.1/32', '10.1.0.0/16')", "50 5"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CCEHUB_TRUSTED_PROXIES", "10.0.0.1, proxy.local", "CCEHUB_TRUSTED_PROXIES: 'proxy.local' is not"),
        ("CCEHUB_SIGNIN_ADDRESS_LIMIT", "0", "CCEHUB_SIGNIN_ADDRESS_LIMIT must be a whole number, 1 or more"),
        ("CCEHUB_SIGNIN_ADDRESS_LIMIT", "x", "CCEHUB_SIGNIN_ADDRESS_LIMIT must be a whole number, 1 or more"),
        ("CCEHUB_API_BAD_TOKEN_LIMIT", "-3", "CCEHUB_API_BAD_TOKEN_LIMIT must be a whole number, 1 or more"),
    ],
)
def test_a_bad_setting_stops_the_settings_loading(name: str, value: str, message: str) -> None:
    result = _load_settings(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


# --- requests and the audit rows they leave ------------------------------------------------------


def test_client_address_reads_the_setting(rf, settings) -> None:
    from ccehub.common.web import client_address

    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.9, {CLIENT}")
    settings.CCEHUB_TRUSTED_PROXIES = ()
    assert client_address(request) == PROXY
    settings.CCEHUB_TRUSTED_PROXIES = (PROXY,)
    assert client_address(request) == CLIENT


def _sign_in(client, username: str, **extra: str):
    return client.post("/accounts/login/", {"username": username, "password": "wrong"}, **extra)


def test_a_failed_sign_in_through_a_trusted_proxy_records_the_client(client, settings, db) -> None:
    from ccehub.audit.models import AuditEvent

    settings.CCEHUB_TRUSTED_PROXIES = (PROXY,)
    _sign_in(client, "someone", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.9, {CLIENT}")
    # straight to the server, the header is the client's own and is ignored
    _sign_in(client, "someone", REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR=CLIENT)
    origins = list(
        AuditEvent.objects.filter(action="login_failed").order_by("id").values_list("origin", flat=True)
    )
    assert origins == [CLIENT, "192.0.2.8"]


def test_sign_in_and_a_web_page_record_the_client_behind_the_proxy(
    client, settings, agencies, make_user, roles
) -> None:
    """The successful sign-in's row had no origin at all; it, and every page's, now name the client."""
    from ccehub.audit.models import AuditEvent

    settings.CCEHUB_TRUSTED_PROXIES = (PROXY,)
    make_user("sw.proxy", agencies["islington"], roles.SOCIAL_WORKER)
    via_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT}
    client.post("/accounts/login/", {"username": "sw.proxy", "password": "a-long-test-password"}, **via_proxy)
    assert AuditEvent.objects.get(action="login", username="sw.proxy").origin == CLIENT
    client.get("/children/", **via_proxy)
    assert AuditEvent.objects.filter(username="sw.proxy", action="view").latest("id").origin == CLIENT


def test_an_api_request_through_the_proxy_records_the_client(client, settings, agencies, make_user, roles):
    from ccehub.agencies.tokens import token_create
    from ccehub.audit.models import AuditEvent

    settings.CCEHUB_TRUSTED_PROXIES = (PROXY,)
    user = make_user("sw.api", agencies["islington"], roles.SOCIAL_WORKER)
    token = token_create(user=user, name="proxy")
    response = client.get(
        "/api/children/",
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CLIENT,
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(username="sw.api", channel="api").latest("id").origin == CLIENT


def test_an_admin_action_through_the_proxy_records_the_client(client, settings, agencies, make_user, roles):
    """Admin rows had no origin either (lifting a sign-in lock here)."""
    from ccehub.audit.models import AuditEvent
    from ccehub.common.lockout import LOCK_LIFTED

    settings.CCEHUB_TRUSTED_PROXIES = (PROXY,)
    locked = make_user("pc.locked", agencies["kent"], roles.POLICE_OFFICER)
    boss = make_user("kent.admin", agencies["kent"], roles.ADMIN, is_staff=True, is_superuser=True)
    for _ in range(5):
        _sign_in(client, "pc.locked", REMOTE_ADDR="192.0.2.8")
    client.force_login(boss)
    client.post(
        "/admin/auth/user/",
        {"action": "lift_sign_in_lock", "_selected_action": [str(locked.pk)]},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CLIENT,
    )
    assert AuditEvent.objects.get(object_type=LOCK_LIFTED).origin == CLIENT
