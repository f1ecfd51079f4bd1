"""Helpers for tests of two-factor sign-in: a known secret, codes for the current time, and the
password step of signing in."""

from __future__ import annotations

import time

from ccehub.common import totp

PASSWORD = "a-long-test-password"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_now(secret: str = SECRET) -> str:
    return totp.code_at(secret, time.time())


def wrong_code(secret: str = SECRET) -> str:
    """A six-digit code that no step in the window accepts."""
    now = time.time()
    near = {totp.code_at(secret, now + offset) for offset in range(-90, 91, 30)}
    return next(f"{n:06d}" for n in range(1000, 10**6) if f"{n:06d}" not in near)


def enrol(user, secret: str = SECRET) -> list[str]:
    """Give ``user`` a confirmed device through the service, as the set-up page does."""
    from ccehub.agencies.two_factor import device_enrol
    from ccehub.common.access import Actor

    actor = Actor(user=user, membership=None, channel="web", purpose="test set-up")
    codes = device_enrol(user=user, secret=secret, typed=code_now(secret), actor=actor)
    assert codes is not None
    # the enrolment used this step's code: sign-in tests need a fresh one
    from ccehub.agencies.models import TwoFactorDevice

    TwoFactorDevice.objects.filter(user=user).update(last_used_step=None)
    return codes


def password_step(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    data = {"username": username, "password": password}
    url = "/accounts/login/" + (f"?next={next_url}" if next_url is not None else "")
    if next_url is not None:
        data["next"] = next_url
    return client.post(url, data)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session
