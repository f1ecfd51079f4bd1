"""Children endpoints."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from ccehub.audit.models import Action
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


@router.post(
    "/",
    response={201: ChildCreated, **AUTH_ERRORS, 422: InvalidInput},
    summary="Record a new child (your agency holds the record)",
)
def create_child(request: HttpRequest, payload: ChildIn) -> tuple[int, dict[str, str]]:
    from ccehub.api import api_actor
    from ccehub.children.services import child_create

    child = child_create(actor=api_actor(request), **parse_child_input(payload.dict()))
    return 201, {"pseudonymous_id": child.pseudonymous_id}
