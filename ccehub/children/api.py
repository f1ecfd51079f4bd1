"""Children endpoints."""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import ConfigDict

from ccehub.audit.models import Action
from ccehub.children import idempotency
from ccehub.children.export import record_to_dict
from ccehub.children.selectors import ChildNotFound, child_get, child_page_audited
from ccehub.common.api_schemas import AUTH_ERRORS, InvalidInput, Problem

router = Router(tags=["children"])

#: A date exactly as YYYY-MM-DD.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ChildSummary(Schema):
    pseudonymous_id: str
    display_pseudonym: str
    sex: str
    home_local_authority: str | None
    home_police_force: str | None


#: Children per page of ``GET /api/children/`` unless ``limit`` says otherwise, and the most it may say.
LIST_LIMIT_DEFAULT = 500
LIST_LIMIT_MAX = 1000


@router.get(
    "/",
    response={200: list[ChildSummary], **AUTH_ERRORS, 422: InvalidInput},
    summary="Children your agency can see",
    description=(
        "One page, in a stable order (cohort, then pseudonymous ID). `X-Total-Count` gives the number "
        "of children in all pages; `Link` gives the `next` and `prev` pages (RFC 8288) when there are."
    ),
)
def list_children(
    request: HttpRequest,
    response: HttpResponse,
    q: str = "",
    limit: int = Query(LIST_LIMIT_DEFAULT, ge=1, le=LIST_LIMIT_MAX),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    from ccehub.api import api_actor

    children, total = child_page_audited(actor=api_actor(request), search=q[:40], offset=offset, limit=limit)
    response["X-Total-Count"] = str(total)
    links = []
    if offset + limit < total:
        links.append(f'<{_page_url(request, q, offset + limit, limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{_page_url(request, q, max(0, offset - limit), limit)}>; rel="prev"')
    if links:
        response["Link"] = ", ".join(links)
    return [
        {
            "pseudonymous_id": c.pseudonymous_id,
            "display_pseudonym": c.display_pseudonym,
            "sex": c.sex,
            "home_local_authority": c.home_local_authority.code if c.home_local_authority else None,
            "home_police_force": c.home_police_force.code if c.home_police_force else None,
        }
        for c in children
    ]


def _page_url(request: HttpRequest, q: str, offset: int, limit: int) -> str:
    from urllib.parse import urlencode

    params = {"q": q, "limit": limit, "offset": offset} if q else {"limit": limit, "offset": offset}
    return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")


@router.get(
    "/{pid}",
    response={200: dict[str, Any], **AUTH_ERRORS, 404: Problem},
    summary="One child's record, as you may see it",
)
def get_child(request: HttpRequest, pid: str) -> dict[str, Any]:
    from ccehub.api import api_actor

    try:
        return record_to_dict(child_get(actor=api_actor(request), pid=pid))
    except ChildNotFound as exc:
        raise HttpError(404, str(exc)) from None


@router.get(
    "/{pid}/export",
    response={200: dict[str, Any], **AUTH_ERRORS, 404: Problem},
    summary="Export one child's record (audited as an export)",
)
def export_child(request: HttpRequest, pid: str) -> dict[str, Any]:
    from ccehub.api import api_actor

    try:
        return record_to_dict(child_get(actor=api_actor(request), pid=pid, action=Action.EXPORT))
    except ChildNotFound as exc:
        raise HttpError(404, str(exc)) from None


class ChildIn(Schema):
    # An unknown field (a "dob" typo) is refused, never dropped: it would record a child without it.
    model_config = ConfigDict(extra="forbid")

    given_name: str
    family_name: str = ""
    sex: str = "unknown"
    date_of_birth: str | None = None
    postcode: str = ""
    home_local_authority: str | None = None
    home_police_force: str | None = None
    ethnicity_ic_code: str = ""
    nhs_number: str = ""
    allow_duplicate: bool = False


class ChildCreated(Schema):
    pseudonymous_id: str


def parse_child_input(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn API/CLI input into service arguments, naming the field on every error."""
    from datetime import date

    from django.core.exceptions import ValidationError

    from ccehub.agencies.models import Agency

    errors: dict[str, list[str]] = {}
    values = dict(payload)
    dob = values.get("date_of_birth")
    if dob:
        try:
            # fromisoformat alone also reads "2010-W01-1" and "20100104" as days
            if not _ISO_DATE.fullmatch(str(dob).strip()):
                raise ValueError(dob)
            values["date_of_birth"] = date.fromisoformat(str(dob).strip())
        except ValueError:
            errors["date_of_birth"] = ["Date of birth must be a real date written YYYY-MM-DD"]
    else:
        values["date_of_birth"] = None
    for field in ("home_local_authority", "home_police_force"):
        code = values.get(field)
        if code:
            # codes keep their case and are unique regardless of it (agency_create)
            agency = Agency.objects.filter(code__iexact=str(code).strip()).first()
            if agency is None:
                errors[field] = [f"Unknown agency code {code!r}"]
            values[field] = agency
        else:
            values[field] = None
    if errors:
        raise ValidationError(errors)
    return values


_KEY_DESCRIPTION = (
    "Optional. 1 to 255 printable ASCII characters, e.g. a UUID, new for each child. A retry with the "
    "same key and body, from the same API token (or signed-in user), within `CCEHUB_IDEMPOTENCY_HOURS` "
    "(24) hours of the first request answers the child that request created (header "
    "`Idempotent-Replayed: true`) instead of recording it again. The same key with a different body is "
    "422. A request that failed is not remembered: correct it and retry with the same key."
)


@router.post(
    "/",
    response={201: ChildCreated, 400: Problem, **AUTH_ERRORS, 409: Problem, 422: InvalidInput},
    summary="Record a new child (your agency holds the record)",
    description=(
        "Send an `Idempotency-Key` header to make a retry safe: a client that timed out and sends the "
        "request again gets the same pseudonymous ID, not a second child. A malformed key is 400; a "
        "key whose first request has not answered yet is 409."
    ),
)
def create_child(
    request: HttpRequest,
    payload: ChildIn,
    response: HttpResponse,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description=_KEY_DESCRIPTION)
    ] = None,
) -> Any:
    from ccehub.api import api_actor
    from ccehub.children.services import child_create

    key = None
    if idempotency_key is not None:
        try:
            key = idempotency.parse_key(idempotency_key)
        except ValueError as exc:
            raise HttpError(400, str(exc)) from None
    actor = api_actor(request)
    values = payload.dict()
    if key is None:
        child = child_create(actor=actor, **parse_child_input(values))
        return Status(201, _created(child))
    now = timezone.now()
    idempotency.purge_expired(now=now)
    try:
        # the claim, the child and the stored answer commit together, or not at all (a 422 or 403)
        with transaction.atomic():
            claimed = idempotency.claim(
                scope=idempotency.scope_of(request),
                key=key,
                user=request.user,
                fingerprint=idempotency.request_fingerprint(values),
                now=now,
            )
            child = child_create(actor=actor, **parse_child_input(values))
            body = _created(child)
            idempotency.answer(claimed, child=child, status=201, body=body)
    except idempotency.KeyTaken as taken:
        return _replay(response, actor, taken.stored, values)
    return Status(201, body)


def _created(child: Any) -> dict[str, str]:
    """The answer to a creation: the pseudonymous ID, nothing that identifies the child."""
    return {"pseudonymous_id": child.pseudonymous_id}


def _replay(response: HttpResponse, actor: Any, stored: Any, values: dict[str, Any]) -> Any:
    """The answer stored for a key, given again: a read of the child's pseudonymous ID, audited as one."""
    from django.core.exceptions import ValidationError

    from ccehub.audit.services import audit_record
    from ccehub.common.access import access_basis

    if not idempotency.fingerprint_matches(stored.fingerprint, values):
        raise ValidationError({"Idempotency-Key": [idempotency.MSG_KEY_REUSED]})
    if stored.response_status is None or stored.child is None:
        raise HttpError(409, idempotency.MSG_KEY_IN_PROGRESS)
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="child",
        object_id=stored.child.pk,
        child_pid=stored.child.pseudonymous_id,
        fields=["pseudonymous_id"],
        basis=access_basis(actor, stored.child) or "",
        detail=idempotency.REPLAY_DETAIL,
    )
    response["Idempotent-Replayed"] = "true"
    return Status(stored.response_status, stored.response_body)
