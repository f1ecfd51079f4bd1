"""Attach the signed-in user's current membership (agency and role) to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "ccehub_membership_id"


class CurrentMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from ccehub.agencies.selectors import current_membership

            request.membership = current_membership(user=user, session=request.session)  # type: ignore[attr-defined]
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and API answer the application itself renders.

    Pages and JSON show children's identities and case facts; a browser's disk cache or back
    button, or a proxy, must not keep a copy once the user has signed out (a shared office
    computer). Static files are served before this by WhiteNoise and stay cacheable. A view that
    sets its own ``Cache-Control`` keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
