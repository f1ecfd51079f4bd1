"""Sign a web session out after a spell without activity (data-protection.md, "Authentication").

A custody suite or an office terminal left signed in is the risk: sessions already end eight hours
after sign-in (one shift); this ends them sooner when nobody is using them. API tokens carry no
session and are not affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN: Final = "ccehub_last_seen"
#: How often the last-seen time is written (not on every request: a session write each time).
RESOLUTION_SECONDS: Final = 60
MSG_SIGNED_OUT_IDLE: Final = "You were signed out after {minutes} minutes without activity. Sign in again."


def idle_minutes() -> int:
    return int(getattr(settings, "CCEHUB_IDLE_TIMEOUT_MINUTES", 30))


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        minutes = idle_minutes()
        if minutes > 0 and user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if isinstance(last, (int, float)) and now - last > minutes * 60:
                self._sign_out(request, minutes)
            elif not isinstance(last, (int, float)) or now - last >= RESOLUTION_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _sign_out(request: HttpRequest, minutes: int) -> None:
        from ccehub.audit.models import Action
        from ccehub.audit.services import audit_record
        from ccehub.common.web import actor_from_request

        audit_record(
            actor=actor_from_request(request, purpose="Sign out"),
            action=Action.LOGOUT,
            object_type="session",
            detail=f"signed out after {minutes} minutes without activity",
        )
        logout(request)  # the request goes on as anonymous: pages send it to sign in, the API answers 401
        messages.info(request, MSG_SIGNED_OUT_IDLE.format(minutes=minutes))
