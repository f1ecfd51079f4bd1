"""The pages of two-factor sign-in: the second step of signing in (a code, or a recovery code), and a
person's own page for setting it up and turning it off. The rules are in
:mod:`ccehub.agencies.two_factor`; the lock is :mod:`ccehub.common.lockout`'s."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from ccehub.agencies import two_factor
from ccehub.common import lockout, totp
from ccehub.common.web import actor_from_request, client_address


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        error_messages={"required": two_factor.MSG_CODE_MISSING},
        help_text="The 6-digit code your authenticator app shows now, for example 123456",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": "govuk-input--width-5",
            }
        ),
    )

    def clean_code(self) -> str:
        code = totp.normalise_code(self.cleaned_data["code"])
        if len(code) != totp.DIGITS or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(two_factor.MSG_CODE_FORMAT)
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        strip=True,
        error_messages={"required": two_factor.MSG_RECOVERY_MISSING},
        help_text="One of the recovery codes you saved when you set up two-factor sign-in, "
        "for example abcd-efgh-ijkl",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": "govuk-input--width-20",
            }
        ),
    )


# --- the second step of signing in ----------------------------------------------------------------


def start_pending_sign_in(request: HttpRequest, *, user: Any, next_url: str) -> None:
    """Hold ``user``, whose password was right, until they give a code (called by ``LoginView``)."""
    request.session[two_factor.PENDING_KEY] = {
        "user": user.pk,
        "at": time.time(),
        "next": next_url,
        "backend": getattr(user, "backend", "") or settings.AUTHENTICATION_BACKENDS[0],
    }


def _pending(request: HttpRequest) -> tuple[Any, Any, dict[str, Any]] | None:
    """The person waiting to give a code, their device and what was held for them, or ``None``
    (nobody, expired, or the account deactivated or its device reset since). An expired hold is
    forgotten."""
    held = request.session.get(two_factor.PENDING_KEY)
    if not isinstance(held, dict):
        return None
    at = held.get("at")
    if not isinstance(at, (int, float)) or not 0 <= time.time() - at <= two_factor.PENDING_SECONDS:
        del request.session[two_factor.PENDING_KEY]
        return None
    user = get_user_model().objects.filter(pk=held.get("user"), is_active=True).first()
    device = two_factor.device_for(user)
    if user is None or device is None:
        del request.session[two_factor.PENDING_KEY]
        return None
    return user, device, held


def _safe_next(request: HttpRequest, url: Any) -> str:
    if isinstance(url, str) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _finish_sign_in(request: HttpRequest, *, user: Any, held: dict[str, Any], detail: str) -> HttpResponse:
    from ccehub.common.views import audit_sign_in

    backend = held.get("backend")
    if backend not in settings.AUTHENTICATION_BACKENDS:
        backend = settings.AUTHENTICATION_BACKENDS[0]
    next_url = _safe_next(request, held.get("next"))
    del request.session[two_factor.PENDING_KEY]
    login(request, user, backend=backend)
    audit_sign_in(request, user, detail=detail)
    return redirect(next_url)


def _refused_now(request: HttpRequest, user: Any, form: forms.Form) -> bool:
    """Refuse the attempt unchecked, as the password step does, while the address is paused or the
    account locked: audited, not counted, and said on the page."""
    now = timezone.now()
    if (paused := lockout.address_locked_until(client_address(request), now=now)) is not None:
        lockout.record_failed_second_factor(request, user=user, detail=lockout.REFUSED_ADDRESS)
        form.add_error(None, lockout.address_pause_message(paused, now=now))
        return True
    if (until := lockout.account_locked_until(user.get_username())) is not None:
        lockout.record_failed_second_factor(request, user=user, detail=lockout.REFUSED_LOCKED)
        form.add_error(None, lockout.lock_message(until))
        return True
    return False


def _failed(request: HttpRequest, user: Any, form: forms.Form, *, detail: str, message: str) -> None:
    lockout.record_failed_second_factor(request, user=user, detail=detail)
    if (until := lockout.account_locked_until(user.get_username())) is not None:
        form.add_error(None, lockout.lock_message(until))  # that failure was the one that locked it
    else:
        form.add_error("code", message)


def _timed_out(request: HttpRequest) -> HttpResponse:
    messages.error(request, two_factor.MSG_PENDING_EXPIRED)
    return redirect("login")


def login_code(request: HttpRequest) -> HttpResponse:
    """'Enter the 6-digit code from your authenticator app', after the right password."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = _pending(request)
    if pending is None:
        return _timed_out(request) if request.method == "POST" else redirect("login")
    user, device, held = pending
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _refused_now(request, user, form):
        result = two_factor.code_check(device=device, typed=form.cleaned_data["code"])
        if result == "ok":
            return _finish_sign_in(request, user=user, held=held, detail="with a two-factor code")
        if result == "reused":
            _failed(request, user, form, detail=lockout.REUSED_CODE, message=two_factor.MSG_CODE_REUSED)
        else:
            _failed(request, user, form, detail=lockout.WRONG_CODE, message=two_factor.MSG_CODE_WRONG)
    return render(request, "registration/login_code.html", {"form": form})


def login_recovery(request: HttpRequest) -> HttpResponse:
    """'Enter a recovery code': the second step without the phone."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = _pending(request)
    if pending is None:
        return _timed_out(request) if request.method == "POST" else redirect("login")
    user, device, held = pending
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _refused_now(request, user, form):
        left = two_factor.recovery_code_use(device=device, typed=form.cleaned_data["code"])
        if left is not None:
            response = _finish_sign_in(
                request, user=user, held=held, detail=f"with a recovery code ({left} left)"
            )
            messages.warning(
                request,
                f"You signed in with a recovery code. You have {left} left. If you have lost your phone, "
                "turn two-factor sign-in off and set it up again on your new phone.",
            )
            return response
        _failed(
            request, user, form, detail=lockout.WRONG_RECOVERY_CODE, message=two_factor.MSG_RECOVERY_WRONG
        )
    return render(request, "registration/login_recovery.html", {"form": form})


# --- setting it up and turning it off --------------------------------------------------------------


def _setup_context(request: HttpRequest, secret: str) -> dict[str, Any]:
    uri = totp.provisioning_uri(secret, account=request.user.get_username(), issuer=two_factor.ISSUER)
    return {
        "secret_grouped": totp.group_secret(secret),
        "otpauth_uri": uri,
        "qr_svg": mark_safe(two_factor.qr_svg(uri)),  # noqa: S308 - segno's own markup of our URI
        "required": two_factor.two_factor_required(),
    }


@login_required
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """'Set up two-factor sign-in', or, once it is on, what it is and how to turn it off."""
    if two_factor.has_two_factor(request.user):
        return render(
            request,
            "common/two_factor_on.html",
            {"form": CodeForm(), "required": two_factor.two_factor_required()},
        )
    secret = request.session.get(two_factor.SETUP_KEY)
    if not isinstance(secret, str) or not secret:
        secret = totp.new_secret()
        request.session[two_factor.SETUP_KEY] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.device_enrol(
                user=request.user,
                secret=secret,
                typed=form.cleaned_data["code"],
                actor=actor_from_request(request, purpose="Set up two-factor sign-in"),
            )
        except (ValueError, IntegrityError):  # set up meanwhile, in another tab
            return redirect("two-factor")
        if codes is not None:
            del request.session[two_factor.SETUP_KEY]
            return render(request, "common/two_factor_recovery_codes.html", {"codes": codes})
        form.add_error("code", two_factor.MSG_CODE_WRONG)
    return render(request, "common/two_factor_setup.html", {"form": form, **_setup_context(request, secret)})


@require_POST
@login_required
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, with a current code (someone at an unlocked screen cannot)."""
    device = two_factor.device_for(request.user)
    if device is None:
        return redirect("two-factor")
    form = CodeForm(request.POST)
    if form.is_valid():
        until = lockout.account_locked_until(request.user.get_username())
        if until is not None:
            form.add_error(None, lockout.lock_message(until))
        else:
            result = two_factor.code_check(device=device, typed=form.cleaned_data["code"])
            if result == "ok":
                two_factor.device_turn_off(
                    user=request.user,
                    actor=actor_from_request(request, purpose="Turn off two-factor sign-in"),
                )
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("two-factor")
            lockout.record_failed_second_factor(
                request,
                user=request.user,
                detail=lockout.REUSED_CODE if result == "reused" else lockout.WRONG_CODE,
                object_type=two_factor.OBJECT_TYPE,
            )
            form.add_error(
                "code", two_factor.MSG_CODE_REUSED if result == "reused" else two_factor.MSG_CODE_WRONG
            )
    return render(
        request, "common/two_factor_on.html", {"form": form, "required": two_factor.two_factor_required()}
    )
