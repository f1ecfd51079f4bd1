"""Time-based one-time codes for two-factor sign-in: RFC 6238 (TOTP) over RFC 4226 (HOTP).

Pure: no Django, no clock. Every function that depends on the time takes it as an argument, so the
RFC's test vectors and the window rules are tested without freezing time. What authenticator apps
expect (Google Authenticator's Key Uri Format, which Microsoft Authenticator, FreeOTP and others
follow): SHA-1, six digits, 30-second steps, a base32 secret without padding. The secret is 160 bits,
the length RFC 4226 section 4 recommends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Final
from urllib.parse import quote

#: Digits in a code, and seconds in a time step (RFC 6238 section 4.1, X).
DIGITS: Final = 6
STEP_SECONDS: Final = 30
#: Bytes of a new secret: 160 bits (RFC 4226 section 4, R6).
SECRET_BYTES: Final = 20
#: Steps either side of the current one whose code is still accepted (RFC 6238 section 5.2
#: recommends at most one step of network delay; a phone's clock a little out also needs it).
WINDOW: Final = 1

_SEPARATORS = re.compile(r"[\s-]+")


def new_secret() -> str:
    """A new random secret, base32 without padding (32 characters for 160 bits)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_bytes(secret: str) -> bytes:
    """The key a base32 secret stands for, however it was typed (case, spaces, padding)."""
    text = _SEPARATORS.sub("", secret).upper().rstrip("=")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def group_secret(secret: str) -> str:
    """The secret in groups of four, as it is shown for people to type into an app."""
    text = _SEPARATORS.sub("", secret).upper()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS) -> str:
    """RFC 4226 section 5.3: HMAC-SHA-1 of the counter, dynamically truncated, as ``digits`` digits."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    binary = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def step_at(now: float | datetime, *, step: int = STEP_SECONDS) -> int:
    """The RFC 6238 time step ``T`` holding ``now`` (seconds since the Unix epoch, or an aware
    datetime), counted from ``T0 = 0``."""
    seconds = now.timestamp() if isinstance(now, datetime) else now
    return int(seconds // step)


def code_at(secret: str, now: float | datetime, *, digits: int = DIGITS, step: int = STEP_SECONDS) -> str:
    """The code an authenticator app shows at ``now`` for ``secret`` (base32)."""
    return hotp(secret_bytes(secret), step_at(now, step=step), digits=digits)


def normalise_code(typed: str) -> str:
    """A typed code without the spaces or hyphens people put in it."""
    return _SEPARATORS.sub("", typed)


def verify(
    secret: str,
    typed: str,
    *,
    now: float | datetime,
    window: int = WINDOW,
    last_used_step: int | None = None,
    digits: int = DIGITS,
    step: int = STEP_SECONDS,
) -> int | None:
    """The step whose code ``typed`` is, within ``window`` steps of ``now``, or ``None``.

    A step at or before ``last_used_step`` is refused (RFC 6238 section 5.2: a code must not be
    accepted twice), so the caller stores the step returned and passes it back next time. Every
    candidate step is compared in constant time, and all of them are always compared, so how long
    this takes says nothing about which part of a code was right.
    """
    code = normalise_code(typed)
    if len(code) != digits or not code.isascii() or not code.isdigit():
        return None
    key = secret_bytes(secret)
    current = step_at(now, step=step)
    matched: int | None = None
    for candidate in range(current - window, current + window + 1):
        same = hmac.compare_digest(hotp(key, candidate, digits=digits), code)
        fresh = last_used_step is None or candidate > last_used_step
        if same and fresh and matched is None:
            matched = candidate
    return matched


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/`` URI an app reads from a QR code (Google's Key Uri Format)."""
    label = f"{quote(issuer, safe='')}:{quote(account, safe='')}"
    return (
        f"otpauth://totp/{label}?secret={_SEPARATORS.sub('', secret).upper()}"
        f"&issuer={quote(issuer, safe='')}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
