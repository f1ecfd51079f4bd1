"""Helpers for views: who is acting, and the guard every case page uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ccehub.audit.models import Channel
from ccehub.common.access import Actor
from ccehub.common.addresses import Network, client_address_from, parse_trusted_proxies

DEFAULT_PURPOSE = "Case work"
PURPOSE_SESSION_KEY = "ccehub_purpose"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_trusted_proxies(",".join(entries))


def client_address(request: HttpRequest) -> str:
    """Where ``request`` came from, for the audit row's ``origin`` and the address limits: the
    connection's address, or behind a proxy named in ``CCEHUB_TRUSTED_PROXIES`` the client's
    (:func:`ccehub.common.addresses.client_address_from`)."""
    from django.conf import settings

    trusted = _networks(tuple(str(n) for n in getattr(settings, "CCEHUB_TRUSTED_PROXIES", ())))
    return client_address_from(
        str(request.META.get("REMOTE_ADDR", "")), str(request.META.get("HTTP_X_FORWARDED_FOR", "")), trusted
    )


def actor_from_request(
    request: HttpRequest, *, channel: str = Channel.WEB, purpose: str | None = None
) -> Actor:
    membership = getattr(request, "membership", None)
    chosen = purpose or request.session.get(PURPOSE_SESSION_KEY) or DEFAULT_PURPOSE
    if membership is not None and purpose is None and chosen == DEFAULT_PURPOSE:
        chosen = f"{DEFAULT_PURPOSE} ({membership.get_role_display().lower()})"
    return Actor(
        user=request.user,
        membership=membership,
        channel=channel,
        purpose=chosen,
        origin=client_address(request),
    )


def membership_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with an active membership of an agency (no membership: no case data at all)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            from ccehub.common.refusals import audit_no_membership

            audit_no_membership(request)
            return render(request, "common/no_membership.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
