"""Two-factor sign-in with time-based codes: the sign-in flow, setting it up and turning it off,
against the real database and the audit log.

Codes are computed for the current time; the one-step window either side makes that robust without
freezing time (a code computed a moment before a step ends is still accepted in the next).
"""

from __future__ import annotations

import re

import pytest

from ccehub.common.lockout import REFUSED_LOCKED, REUSED_CODE, WRONG_CODE, WRONG_RECOVERY_CODE
from tests.support.two_factor import (
    PASSWORD,
    code_now,
    enrol,
    password_step,
    signed_in,
    wrong_code,
)


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("sw.two", agencies["islington"], roles.SOCIAL_WORKER)


# --- signing in ---------------------------------------------------------------------------------


def test_without_a_device_the_password_signs_in_as_before(client, sw):
    """Nothing changes for someone who has not set up two-factor sign-in (and it is not required)."""
    response = password_step(client, "sw.two")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)


def test_with_a_device_the_password_alone_does_not_sign_in(client, sw):
    """After the right password the person is asked for a code, and is not signed in yet."""
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    response = password_step(client, "sw.two")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert not signed_in(client)
    assert not AuditEvent.objects.filter(action="login", username="sw.two").exists()
    # the page that asks for the code still sends anyone signed out to sign in
    assert client.get("/").status_code == 302 and not signed_in(client)

    page = client.get("/accounts/login/code/").content.decode()
    assert "Enter the 6-digit code from your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "Use a recovery code instead" in page


def test_the_right_code_signs_in_and_is_audited(client, sw):
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    password_step(client, "sw.two")
    response = client.post("/accounts/login/code/", {"code": code_now()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client) and int(client.session["_auth_user_id"]) == sw.pk
    event = AuditEvent.objects.get(action="login", username="sw.two")
    assert event.detail == "with a two-factor code" and event.agency_code == "la-islington"
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_refused_counted_and_audited(client, sw):
    from ccehub.agencies.two_factor import MSG_CODE_WRONG
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    password_step(client, "sw.two")
    response = client.post("/accounts/login/code/", {"code": wrong_code()})
    assert response.status_code == 200 and not signed_in(client)
    assert MSG_CODE_WRONG in response.content.decode()
    event = AuditEvent.objects.get(action="login_failed", username="sw.two")
    assert event.detail == WRONG_CODE and event.user_id == sw.pk and event.origin == "127.0.0.1"


def test_a_malformed_code_is_an_error_on_the_page_and_not_counted(client, sw):
    from ccehub.agencies.two_factor import MSG_CODE_FORMAT, MSG_CODE_MISSING
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    password_step(client, "sw.two")
    assert MSG_CODE_MISSING in client.post("/accounts/login/code/", {"code": ""}).content.decode()
    assert MSG_CODE_FORMAT in client.post("/accounts/login/code/", {"code": "12ab"}).content.decode()
    assert not AuditEvent.objects.filter(action="login_failed").exists()


def test_five_wrong_codes_lock_the_account_like_five_wrong_passwords(client, sw):
    """Wrong codes count towards the existing lock: after five, even the right code (and the right
    password) are refused, and the refusal is audited but not counted."""
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    password_step(client, "sw.two")
    for _ in range(5):
        client.post("/accounts/login/code/", {"code": wrong_code()})
    response = client.post("/accounts/login/code/", {"code": code_now()})
    assert not signed_in(client)
    assert "This account is locked after 5 failed sign-ins" in response.content.decode()
    details = list(
        AuditEvent.objects.filter(action="login_failed", username="sw.two")
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details == [WRONG_CODE] * 5 + [REFUSED_LOCKED]
    response = password_step(client, "sw.two")
    assert response.status_code == 200 and "This account is locked" in response.content.decode()


def test_wrong_passwords_and_wrong_codes_add_up_to_one_lock(client, sw):
    enrol(sw)
    for _ in range(3):
        password_step(client, "sw.two", password="wrong")
    password_step(client, "sw.two")
    for _ in range(2):
        client.post("/accounts/login/code/", {"code": wrong_code()})
    response = client.post("/accounts/login/code/", {"code": code_now()})
    assert not signed_in(client) and "This account is locked" in response.content.decode()


def test_a_code_already_used_is_refused(client, sw):
    """Replay: the code that signed someone in cannot sign in again, even within its 30 seconds."""
    from ccehub.agencies.two_factor import MSG_CODE_REUSED
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    password_step(client, "sw.two")
    code = code_now()
    client.post("/accounts/login/code/", {"code": code})
    assert signed_in(client)
    client.post("/accounts/logout/")
    password_step(client, "sw.two")
    response = client.post("/accounts/login/code/", {"code": code})
    assert not signed_in(client) and MSG_CODE_REUSED in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", username="sw.two", detail=REUSED_CODE).exists()


def test_a_recovery_code_signs_in_once(client, sw):
    from ccehub.agencies.two_factor import MSG_RECOVERY_WRONG
    from ccehub.audit.models import AuditEvent

    codes = enrol(sw)
    password_step(client, "sw.two")
    page = client.get("/accounts/login/recovery/").content.decode()
    assert "Enter a recovery code" in page
    response = client.post("/accounts/login/recovery/", {"code": codes[3].upper()})
    assert response.status_code == 302 and signed_in(client)
    event = AuditEvent.objects.get(action="login", username="sw.two")
    assert event.detail == "with a recovery code (9 left)"
    client.post("/accounts/logout/")

    password_step(client, "sw.two")
    response = client.post("/accounts/login/recovery/", {"code": codes[3]})
    assert not signed_in(client) and MSG_RECOVERY_WRONG in response.content.decode()
    assert AuditEvent.objects.filter(
        action="login_failed", username="sw.two", detail=WRONG_RECOVERY_CODE
    ).exists()
    # another unused code still works, typed without its hyphens and with O for 0 and I for 1
    typed = codes[4].replace("-", "").replace("0", "O").replace("1", "I")
    client.post("/accounts/login/recovery/", {"code": typed})
    assert signed_in(client)


def test_the_second_step_expires_after_five_minutes(client, sw):
    """The password step is held for five minutes only; after that, sign in again from the start."""
    from ccehub.agencies.two_factor import MSG_PENDING_EXPIRED, PENDING_KEY

    enrol(sw)
    password_step(client, "sw.two")
    session = client.session
    session[PENDING_KEY]["at"] -= 301
    session.save()
    response = client.post("/accounts/login/code/", {"code": code_now()}, follow=True)
    assert not signed_in(client)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert MSG_PENDING_EXPIRED in response.content.decode()
    assert PENDING_KEY not in client.session


def test_the_code_page_without_a_password_step_sends_to_sign_in(client, sw):
    enrol(sw)
    response = client.get("/accounts/login/code/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    response = client.post("/accounts/login/recovery/", {"code": "aaaa-bbbb-cccc"})
    assert response.status_code == 302 and not signed_in(client)


def test_next_is_kept_through_the_second_step(client, sw):
    enrol(sw)
    password_step(client, "sw.two", next_url="/children/")
    response = client.post("/accounts/login/code/", {"code": code_now()})
    assert response.status_code == 302 and response["Location"] == "/children/"


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_an_unsafe_next_is_ignored(client, sw, unsafe):
    enrol(sw)
    password_step(client, "sw.two", next_url=unsafe)
    response = client.post("/accounts/login/code/", {"code": code_now()})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_admin_site_signs_in_through_the_same_two_steps(client, agencies, make_user, roles):
    boss = make_user("boss.two", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=True)
    from urllib.parse import parse_qs, urlsplit

    enrol(boss)
    login_url = client.get("/admin/", follow=True).redirect_chain[-1][0]
    assert login_url.startswith("/accounts/login/?next=")
    next_url = parse_qs(urlsplit(login_url).query)["next"][0]
    response = client.post(login_url, {"username": "boss.two", "password": PASSWORD, "next": next_url})
    assert response["Location"] == "/accounts/login/code/" and not signed_in(client)
    response = client.post("/accounts/login/code/", {"code": code_now()}, follow=True)
    assert signed_in(client) and response.status_code == 200
    assert response.redirect_chain[0][0] == next_url and response.redirect_chain[-1][0] == "/admin/"


# --- setting it up and turning it off ----------------------------------------------------------


def _setup_secret(page: str) -> str:
    match = re.search(r'data-secret="([A-Z2-7 ]+)"', page)
    assert match, "the set-up page shows the secret"
    return match.group(1).replace(" ", "")


def test_setting_up_confirms_with_a_code_and_shows_recovery_codes_once(client, sw):
    """The set-up page shows the secret as text and a QR code; a valid code confirms it; the ten
    recovery codes are shown once and stored only as hashes; it is audited."""
    from ccehub.agencies.models import TwoFactorDevice
    from ccehub.agencies.two_factor import hash_recovery_code
    from ccehub.audit.models import AuditEvent

    client.force_login(sw)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Set up two-factor sign-in" in page
    secret = _setup_secret(page)
    assert len(secret) == 32
    assert "<svg" in page and "otpauth://totp/ccehub:sw.two?secret=" + secret in page
    # the page shows the same secret until it is confirmed
    assert _setup_secret(client.get("/accounts/two-factor/").content.decode()) == secret
    assert not TwoFactorDevice.objects.filter(user=sw).exists()

    response = client.post("/accounts/two-factor/", {"code": wrong_code(secret)})
    assert response.status_code == 200 and not TwoFactorDevice.objects.filter(user=sw).exists()

    response = client.post("/accounts/two-factor/", {"code": code_now(secret)})
    page = response.content.decode()
    assert response.status_code == 200 and "Save your recovery codes" in page
    shown = re.findall(
        r"<code>([0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4})</code>", page
    )
    assert len(shown) == 10 and len(set(shown)) == 10
    device = TwoFactorDevice.objects.get(user=sw)
    assert device.secret == secret and device.confirmed_at is not None
    stored = set(device.recovery_codes.values_list("code_hash", flat=True))
    assert stored == {hash_recovery_code(code) for code in shown}
    assert not any(code in stored for code in shown)
    event = AuditEvent.objects.get(object_type="two_factor_device", action="create")
    assert event.username == "sw.two" and event.object_id == str(sw.pk)

    # shown once: the page now says it is on, and names no recovery code
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Two-factor sign-in is on" in page and not any(code in page for code in shown)
    # the code that confirmed it cannot be used again to sign in
    assert device.last_used_step is not None


def test_turning_it_off_needs_a_current_code_and_is_audited(client, sw):
    from ccehub.agencies.models import RecoveryCode, TwoFactorDevice
    from ccehub.agencies.two_factor import MSG_CODE_WRONG
    from ccehub.audit.models import AuditEvent

    enrol(sw)
    client.force_login(sw)
    response = client.post("/accounts/two-factor/turn-off/", {"code": wrong_code()})
    assert response.status_code == 200 and MSG_CODE_WRONG in response.content.decode()
    assert TwoFactorDevice.objects.filter(user=sw).exists()
    assert AuditEvent.objects.filter(
        action="login_failed", username="sw.two", detail=WRONG_CODE, object_type="two_factor_device"
    ).exists()

    response = client.post("/accounts/two-factor/turn-off/", {"code": code_now()})
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=sw).exists() and not RecoveryCode.objects.exists()
    event = AuditEvent.objects.get(object_type="two_factor_device", action="delete")
    assert event.username == "sw.two" and event.detail == "turned off by the user"
    # and the password alone signs in again
    client.post("/accounts/logout/")
    password_step(client, "sw.two")
    assert signed_in(client)


def test_the_dashboard_links_to_two_factor_sign_in(client, sw):
    client.force_login(sw)
    page = client.get("/").content.decode()
    assert 'href="/accounts/two-factor/"' in page and "Set up two-factor sign-in" in page
    enrol(sw)
    assert "Two-factor sign-in is on" in client.get("/").content.decode()
