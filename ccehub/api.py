"""The JSON API (django-ninja, OpenAPI schema at /api/openapi.json, docs at /api/docs).

Authentication: the browser session, or a personal API token sent as ``Authorization: Bearer``.
Every endpoint goes through the same selectors and services as the web pages, so access control and
audit are identical whichever door a request comes through.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import NinjaAPI, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from ccehub.audit.models import Channel
from ccehub.common.web import actor_from_request, client_address


class SessionAuth(APIKeyCookie):
    """The Django session cookie, with CSRF checked on unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # No signed-in session: not authenticated (401), rather than a CSRF failure (403) for a
        # request that never claimed to be a browser session. A signed-in session is CSRF-checked.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from ccehub.agencies.two_factor import MSG_API_REQUIRED, has_two_factor, two_factor_required

            if two_factor_required() and not has_two_factor(user):
                # A clear 403 (audited by the PermissionDenied handler), not a 401 that would send a
                # client looking for a token it was never told about.
                raise PermissionDenied(MSG_API_REQUIRED)
            return user
        return None


class TokensPaused(Exception):
    """Requests with a token from this address are paused (too many refused tokens): 429."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        import math

        from django.utils import timezone

        from ccehub.agencies.tokens import audit_pause_once, live_token, tokens_paused_until

        origin = client_address(request)
        now = timezone.now()
        # Before the token is looked up: while paused, even a good token is not tried, so guessing
        # from this address learns nothing.
        if (until := tokens_paused_until(origin, now=now)) is not None:
            audit_pause_once(origin, until=until)
            raise TokensPaused(max(1, math.ceil((until - now).total_seconds())))
        # A refused token (unknown, revoked, expired) is audited there, and refused here alike.
        found = live_token(token, origin=origin)
        if found is None:
            return None
        from ccehub.agencies.selectors import current_membership

        user = found.user
        request.user = user
        # which token: an Idempotency-Key is the token's, not the user's (ccehub.children.idempotency)
        request.api_token_id = found.pk  # type: ignore[attr-defined]
        request.membership = current_membership(user=user, session=None)  # type: ignore[attr-defined]
        return user


class JSONParser(Parser):
    """Ninja's parser, keeping *why* a body could not be read: Ninja itself answers only "Cannot parse
    request body" (the reason only with DEBUG on), which leaves a caller guessing."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            text = request.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            request._ccehub_body_problem = "the request body is not UTF-8 text"  # type: ignore[attr-defined]
            raise
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            request._ccehub_body_problem = (  # type: ignore[attr-defined]
                f"the request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            )
            raise
        except RecursionError:
            request._ccehub_body_problem = "the request body is JSON nested too deeply"  # type: ignore[attr-defined]
            raise ValueError("nested too deeply") from None
        except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
            request._ccehub_body_problem = (  # type: ignore[attr-defined]
                "the request body is not valid JSON: a number has more digits than can be read"
            )
            raise


class CcehubAPI(NinjaAPI):
    """Ninja's API, whose schema also says what a 429 carries, and what a replayed request's answer
    carries: Ninja has no way to declare a response header, and a client needs ``Retry-After`` to know
    when to try again, and ``Idempotent-Replayed`` to know that nothing new was recorded."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                    created = responses.get(201, responses.get("201"))
                    if created is not None:
                        created.setdefault("headers", {})["Idempotent-Replayed"] = {
                            "description": (
                                "Present (`true`) when this answers an earlier request with the same "
                                "Idempotency-Key and body: nothing new was recorded"
                            ),
                            "schema": {"type": "string", "enum": ["true"]},
                        }
                paused = responses.get(429, responses.get("429"))
                if paused is not None:
                    paused["description"] = (
                        "Too many refused API tokens from this address: requests with a token are "
                        "paused (none is looked up) until Retry-After seconds have passed"
                    )
                    paused.setdefault("headers", {})["Retry-After"] = {
                        "description": "Seconds until requests with a token are answered again",
                        "schema": {"type": "integer", "minimum": 1},
                    }
        return schema


api = CcehubAPI(
    parser=JSONParser(),
    title="ccehub API",
    version="1",
    description="Multi-agency response to child criminal exploitation in county lines. Synthetic data only.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> Any:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "invalid input", "errors": detail}, status=422)


def _request_error_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return "This field is required"
    if kind == "extra_forbidden":
        return "is not a recognised field"
    if kind.startswith("datetime"):
        return "Enter a real date and time written YYYY-MM-DDTHH:MM (with an offset, or read as UK time)"
    if kind.startswith("date"):
        return "Enter a real date written YYYY-MM-DD"
    return str(error.get("msg", "invalid value"))


def request_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Ninja/pydantic errors as the project's ``{field: [message, ...]}`` (the field named plainly)."""
    out: dict[str, list[str]] = {}
    for error in errors:
        # ("body", <parameter>, field, ...) for a JSON body; ("query", field) for a query string.
        loc = list(error.get("loc", ()))
        names = loc[2:] if loc[:1] == ["body"] else loc[1:]
        field = str(names[0]) if names else "__all__"
        message = _request_error_message(error)
        if message not in out.setdefault(field, []):
            out[field].append(message)
    return out


@api.exception_handler(RequestValidationError)
def request_validation_error(request: HttpRequest, exc: RequestValidationError) -> Any:
    """The request did not match the schema: the same 422 shape as the services' ValidationError."""
    return api.create_response(
        request, {"detail": "invalid input", "errors": request_errors(exc.errors)}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> Any:
    problem = getattr(request, "_ccehub_body_problem", None)
    if exc.status_code == 400 and problem:
        detail = problem[0].upper() + problem[1:]
        return api.create_response(request, {"detail": detail}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(TokensPaused)
def tokens_paused(request: HttpRequest, exc: TokensPaused) -> Any:
    from ccehub.agencies.tokens import MSG_TOKENS_PAUSED

    response = api.create_response(
        request, {"detail": MSG_TOKENS_PAUSED.format(seconds=exc.retry_after)}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> Any:
    """403, audited as refused (the row commits: Ninja answers inside the request's transaction, and
    a service's own atomic block has already rolled its changes back)."""
    from ccehub.common.refusals import RefusalRecorded, audit_raised_refusal

    if not isinstance(exc, RefusalRecorded):
        audit_raised_refusal(request, exc, channel=Channel.API)
    return api.create_response(request, {"detail": str(exc) or "forbidden"}, status=403)


MSG_NO_MEMBERSHIP = "Your account is not a member of an agency"


def api_actor(request: HttpRequest, purpose: str | None = None) -> Any:
    if getattr(request, "membership", None) is None:
        from ccehub.common.access import Actor
        from ccehub.common.refusals import audit_refusal

        actor = Actor(
            user=request.user,
            membership=None,
            channel=Channel.API,
            purpose=purpose or "",
            origin=client_address(request),
        )
        audit_refusal(request, actor=actor, reason=MSG_NO_MEMBERSHIP)
        raise HttpError(403, MSG_NO_MEMBERSHIP)
    return actor_from_request(request, channel=Channel.API, purpose=purpose)


def _register_routers() -> None:
    from ccehub.children.api import router as children_router

    api.add_router("/children", children_router)
    from ccehub.records.api import router as lookup_router

    api.add_router("/", lookup_router)
    try:
        from ccehub.incidents.api import router as triage_router
    except ImportError:  # pragma: no cover
        return
    api.add_router("/", triage_router)


_register_routers()

__all__ = ["Router", "api", "api_actor"]
