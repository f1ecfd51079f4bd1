"""POST /api/lookup: the same look-up as the CLI and the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from ccehub.records.services import person_lookup, public_result

router = Router(tags=["look-up"])


class LookupIn(Schema):
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    sex: str = ""
    postcode: str = ""
    purpose: str
    threshold: float | None = None


@router.post("/lookup", summary="Is this child already known? (audited with your purpose)")
def lookup(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    from ccehub.api import api_actor

    data = payload.dict()
    purpose = data.pop("purpose")
    threshold = data.pop("threshold")
    if threshold is not None and not 0 <= threshold <= 1:
        raise HttpError(422, "threshold must be between 0 and 1")
    try:
        result = person_lookup(
            actor=api_actor(request, purpose=purpose), query=data, purpose=purpose, threshold=threshold
        )
    except LookupError as exc:
        raise HttpError(503, str(exc)) from None
    return public_result(result)
