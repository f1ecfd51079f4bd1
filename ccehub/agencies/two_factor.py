"""Two-factor sign-in: a code from an authenticator app after the password (known gap 13).

The codes are RFC 6238 time-based codes (:mod:`ccehub.common.totp`). A person sets it up on their
own page (``/accounts/two-factor/``): the secret is held in their session until a code from the app
confirms it, then saved as their :class:`~ccehub.agencies.models.TwoFactorDevice` with ten one-time
recovery codes, shown once and stored as SHA-256 hashes like API tokens. After that, the right
password alone does not sign them in: the sign-in page holds them for :data:`PENDING_SECONDS` while
they give a code (``ccehub.common.two_factor_views``). Wrong codes are audited as failed sign-ins
and count towards the account's lock (``ccehub.common.lockout``).

``CCEHUB_REQUIRE_2FA`` makes it compulsory for web users (``RequireTwoFactorMiddleware``); API
tokens are a factor of their own and are not affected.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, Final, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ccehub.common import totp

#: The name authenticator apps show next to the account.
ISSUER: Final = "ccehub"
#: How many recovery codes a device gets, and their shape: three groups of four characters of
#: Crockford's base32 (60 bits), lower case so they are not mistaken for the secret. It has no i, l,
#: o or u, so a code read off paper cannot be mistyped as 1 or 0; those are read as 1 and 0.
RECOVERY_CODE_COUNT: Final = 10
_RECOVERY_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_READ_AS: Final = str.maketrans("ilo", "110")
#: The audit ``object_type`` of setting up, turning off and resetting (``object_id``: the user's id).
OBJECT_TYPE: Final = "two_factor_device"
#: Where the sign-in page holds a person whose password was right until they give a code.
PENDING_KEY: Final = "ccehub_2fa_pending"
#: How long that lasts: long enough to find a phone, short enough that a half-finished sign-in on a
#: shared computer does not wait for the next person.
PENDING_SECONDS: Final = 5 * 60
#: Where the set-up page holds a new secret until a code confirms it.
SETUP_KEY: Final = "ccehub_2fa_setup_secret"

MSG_CODE_MISSING: Final = "Enter the 6-digit code from your authenticator app"
MSG_CODE_FORMAT: Final = "The code must be 6 digits"
MSG_CODE_WRONG: Final = (
    "The code is not right. Check the time on your phone is correct and enter the code your "
    "authenticator app shows now"
)
MSG_CODE_REUSED: Final = (
    "That code has already been used. Wait for your app to show a new code and enter that"
)
MSG_RECOVERY_MISSING: Final = "Enter a recovery code"
MSG_RECOVERY_WRONG: Final = "The recovery code is not right, or has already been used"
MSG_PENDING_EXPIRED: Final = (
    "Your sign-in timed out before a code was entered. Enter your username and password again."
)
MSG_API_REQUIRED: Final = (
    "Two-factor sign-in is required: set it up at /accounts/two-factor/ in a browser, "
    "or use a personal API token"
)
MSG_SELF_RESET: Final = (
    "You cannot reset your own two-factor sign-in here: turn it off on your own two-factor page, "
    "which asks for a code"
)


def two_factor_required() -> bool:
    """Whether every web user must sign in with a code (``CCEHUB_REQUIRE_2FA``)."""
    return bool(getattr(settings, "CCEHUB_REQUIRE_2FA", False))


def device_for(user: Any) -> Any:
    """``user``'s confirmed device, or ``None``."""
    from ccehub.agencies.models import TwoFactorDevice

    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return TwoFactorDevice.objects.filter(user_id=user.pk).first()


def has_two_factor(user: Any) -> bool:
    from ccehub.agencies.models import TwoFactorDevice

    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return TwoFactorDevice.objects.filter(user_id=user.pk).exists()


def new_recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{letters[:4]}-{letters[4:8]}-{letters[8:]}"


def hash_recovery_code(typed: str) -> str:
    """The stored form of a recovery code: SHA-256 of the code without case, spaces or hyphens (and
    an i, l or o typed for 1 or 0 read as meant)."""
    code = totp.normalise_code(typed).lower().translate(_RECOVERY_READ_AS)
    return hashlib.sha256(code.encode()).hexdigest()


def device_enrol(
    *, user: Any, secret: str, typed: str, actor: Any, now: datetime | None = None
) -> list[str] | None:
    """Confirm ``secret`` with a code ``typed`` from the app and save it as ``user``'s device.

    Returns the recovery codes, to be shown once, or ``None`` when the code is not right for the
    secret. The confirming code's step is recorded as used, so it cannot then sign anyone in.
    Audited as ``create`` of :data:`OBJECT_TYPE`. Refused (``ValueError``) when ``user`` already has
    a device: they turn it off first."""
    from ccehub.agencies.models import RecoveryCode, TwoFactorDevice
    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record

    now = now or timezone.now()
    step = totp.verify(secret, typed, now=now)
    if step is None:
        return None
    with transaction.atomic():
        if TwoFactorDevice.objects.filter(user_id=user.pk).exists():
            raise ValueError("two-factor sign-in is already set up for this account")
        device = TwoFactorDevice.objects.create(
            user=user, secret=secret, confirmed_at=now, last_used_step=step
        )
        codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, code_hash=hash_recovery_code(code)) for code in codes
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            object_type=OBJECT_TYPE,
            object_id=user.pk,
            detail=f"set up by the user, with {RECOVERY_CODE_COUNT} recovery codes",
        )
    return codes


CodeResult = Literal["ok", "wrong", "reused"]


def code_check(*, device: Any, typed: str, now: datetime | None = None) -> CodeResult:
    """Whether ``typed`` is a current code of ``device`` not used before, and if so spend its step.

    ``reused``: the code is right for a step already spent (replay, or the same code sent twice).
    The step is spent by a conditional update, so two requests racing with one code cannot both
    succeed."""
    from ccehub.agencies.models import TwoFactorDevice

    now = now or timezone.now()
    step = totp.verify(device.secret, typed, now=now, last_used_step=device.last_used_step)
    if step is None:
        any_step = totp.verify(device.secret, typed, now=now)
        return "wrong" if any_step is None else "reused"
    spent = (
        TwoFactorDevice.objects.filter(pk=device.pk)
        .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
        .update(last_used_step=step)
    )
    if not spent:
        return "reused"
    device.last_used_step = step
    return "ok"


def recovery_code_use(*, device: Any, typed: str, now: datetime | None = None) -> int | None:
    """Spend the recovery code ``typed`` of ``device``: how many are left, or ``None`` when it is
    not one of its unused codes."""
    from ccehub.agencies.models import RecoveryCode

    if not totp.normalise_code(typed):
        return None
    now = now or timezone.now()
    found = RecoveryCode.objects.filter(
        device=device, code_hash=hash_recovery_code(typed), used_at__isnull=True
    ).first()
    if found is None:
        return None
    if not RecoveryCode.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=now):
        return None
    return RecoveryCode.objects.filter(device=device, used_at__isnull=True).count()


def device_turn_off(*, user: Any, actor: Any) -> None:
    """Delete ``user``'s device and its recovery codes, after they gave a current code (the caller
    checks it). Audited as ``delete`` of :data:`OBJECT_TYPE`."""
    _device_delete(user=user, actor=actor, detail="turned off by the user")


def device_reset(*, user: Any, actor: Any) -> bool:
    """An administrator's reset of ``user``'s device (a lost or replaced phone): they then sign in
    with their password alone, and set it up again (straight away when it is required). ``False``:
    there was no device, and nothing is written."""
    if not has_two_factor(user):
        return False
    ended = end_sessions(user=user)
    _device_delete(
        user=user,
        actor=actor,
        detail=f"reset by an administrator for {user.get_username()}"
        + (f"; {ended} open session{'s' if ended != 1 else ''} ended" if ended else ""),
    )
    return True


def end_sessions(*, user: Any) -> int:
    """Sign ``user`` out everywhere: delete their unexpired database sessions (a reset is for a lost
    or stolen phone, and a session opened with it must not outlive the reset). The number ended."""
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0  # another engine keeps its sessions where this cannot reach; documented
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)


def _device_delete(*, user: Any, actor: Any, detail: str) -> None:
    from ccehub.agencies.models import TwoFactorDevice
    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record

    with transaction.atomic():
        TwoFactorDevice.objects.filter(user_id=user.pk).delete()
        audit_record(
            actor=actor, action=Action.DELETE, object_type=OBJECT_TYPE, object_id=user.pk, detail=detail[:500]
        )


def qr_svg(uri: str) -> str:
    """An inline SVG QR code of ``uri`` for an app to scan (``segno``: pure Python). Attributes only,
    no ``style``, so it passes the CSP; labelled for screen readers, which are pointed to the text."""
    import segno

    svg: str = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code", lineclass=None
    )
    return svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code for your authenticator app (the key is also given as text)" ',
        1,
    )
