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


class RequireTwoFactorMiddleware:
    """With ``CCEHUB_REQUIRE_2FA`` on, a signed-in user who has not set up two-factor sign-in is
    sent to set it up, from every page but that one and signing out (static files are served
    before this, by WhiteNoise). An htmx request is told to load the page instead (``HX-Redirect``):
    a redirect would be swapped into part of a page.

    The API is left to its own session authentication (``ccehub.api.SessionAuth``), which refuses an
    unenrolled session with a JSON 403; a request with an API token is not affected, since a
    personal token is a factor of its own. Here a token would be indistinguishable from a session
    that also sends a token that does not work.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from ccehub.agencies.two_factor import has_two_factor, two_factor_required

        user = getattr(request, "user", None)
        if (
            two_factor_required()
            and user is not None
            and user.is_authenticated
            and not self._exempt(request.path_info)
            and not has_two_factor(user)
        ):
            from django.shortcuts import redirect
            from django.urls import reverse

            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("two-factor")
                return response
            return redirect("two-factor")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        from django.conf import settings
        from django.urls import reverse

        static = str(getattr(settings, "STATIC_URL", "") or "")
        return (
            path.startswith(_API_PREFIX)
            or (bool(static) and static.startswith("/") and path.startswith(static))
            or path in {reverse("two-factor"), reverse("logout")}
        )


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


#: A status the API answers itself in JSON; anything else under /api/ is turned into JSON here.
_API_PREFIX = "/api/"
_API_MESSAGES = {
    400: "Bad request",
    401: "Authentication required: send a personal API token as 'Authorization: Bearer <token>'",
    403: "Forbidden",
    413: "The request body is larger than the limit of {limit} bytes",
    500: "The server failed unexpectedly; the failure has been logged",
}


class ApiJsonErrorsMiddleware:
    """Every answer under ``/api/`` that is an error is JSON ``{"detail": ...}``, as clients parse it.

    Django and Ninja answer some requests before the API's own handlers run, in HTML or text: an
    unknown path (the site's "Page not found" page), a wrong method (``Method not allowed``), a body
    over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (the HTML 400 page) and an unexpected failure (the HTML 500
    page). And ``APPEND_SLASH`` answered ``POST /api/children`` with a 301 that clients follow as a
    GET, so a "create" came back 200 with the list of children and nothing recorded. Here the other
    slash variant of an endpoint is a 308 (clients repeat the method and body), and every other
    error keeps its status (and ``Allow``) with a JSON body. A 401 names the scheme in
    ``WWW-Authenticate`` (RFC 9110). Placed before ``CommonMiddleware`` so it answers first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.startswith(_API_PREFIX):
            return self.get_response(request)
        redirect = self._other_slash(request, path)
        if redirect is not None:
            return redirect
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = self._as_json(request, response)
        if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
            response["WWW-Authenticate"] = 'Bearer realm="ccehub"'
        return response

    @staticmethod
    def _other_slash(request: HttpRequest, path: str) -> HttpResponse | None:
        import json

        from django.http import HttpResponsePermanentRedirect
        from django.urls import is_valid_path

        if is_valid_path(path):
            return None
        other = path[:-1] if path.endswith("/") else path + "/"
        if other == _API_PREFIX.rstrip("/") or not is_valid_path(other):
            return None
        location = request.META.get("SCRIPT_NAME", "") + other
        query = request.META.get("QUERY_STRING", "")
        detail = f"This endpoint is {location}; repeat the request there (308 keeps method and body)"
        response = HttpResponsePermanentRedirect(
            location + (f"?{query}" if query else ""),
            content=json.dumps({"detail": detail}),
            content_type="application/json",
            status=308,
        )
        return response

    @staticmethod
    def _as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        from django.conf import settings
        from django.http import JsonResponse

        status = response.status_code
        if status == 404:
            detail = (
                f"No API endpoint at {request.path} ({request.method}); "
                "the endpoints are listed at /api/openapi.json"
            )
        elif status == 405:
            allowed = response.get("Allow", "")
            detail = f"{request.method} is not allowed here; allowed: {allowed}"
        elif status == 400 and _over_upload_limit(request):
            status = 413
            detail = _API_MESSAGES[413].format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        else:
            detail = _API_MESSAGES.get(status, response.reason_phrase or "Error")
        answer = JsonResponse({"detail": detail}, status=status)
        for header in ("Allow", "WWW-Authenticate", "Cache-Control"):
            if response.has_header(header):
                answer[header] = response[header]
        return answer


def _over_upload_limit(request: HttpRequest) -> bool:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is not None and length > limit
