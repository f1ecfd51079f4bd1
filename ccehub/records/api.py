"""POST /api/lookup: the same look-up as the CLI and the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import AliasChoices, ConfigDict, StrictFloat, StrictInt, model_validator

from ccehub.common.api_schemas import AUTH_ERRORS, InvalidInput, Problem
from ccehub.records.services import check_can_lookup, person_lookup, public_result

router = Router(tags=["look-up"])

MSG_THRESHOLD_RANGE = "Must be a number between 0 and 1"


class LookupIn(Schema):
    # An unknown field (a "birth_date" or "threshhold" typo) is refused, never dropped: the look-up
    # would run on less than the caller typed and could answer "not known". ``null`` means not given.
    # ``dob`` is read as ``date_of_birth`` (it is the command line's name for it, ``--dob``).
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _one_date_of_birth(cls, data: Any) -> Any:
        raw = getattr(data, "_obj", data)  # django-ninja wraps the body in a DjangoGetter
        if (
            isinstance(raw, dict)
            and raw.get("dob") not in (None, "")
            and raw.get("date_of_birth")
            not in (
                None,
                "",
                raw.get("dob"),
            )
        ):
            raise ValueError("give the date of birth once, as date_of_birth (or dob), not both")
        return data

    given_name: str | None = ""
    family_name: str | None = ""
    date_of_birth: str | None = Field(
        "",
        validation_alias=AliasChoices("date_of_birth", "dob"),
        description="YYYY-MM-DD (also read from `dob`)",
    )
    sex: str | None = ""
    postcode: str | None = ""
    purpose: str = Field(..., description="Why you are looking this child up (audited)")
    # strict: ``true`` is not a threshold of 1.0, nor "0.9" a number
    threshold: StrictFloat | StrictInt | None = Field(
        None, description="0 to 1; below the configured minimum is refused (default: the minimum)"
    )


class RecordRef(Schema):
    agency: str
    record_id: str


class Candidate(Schema):
    """One person (docs/linkage.md): only these fields cross the agency boundary."""

    person_id: str
    match_probability: float
    records: list[RecordRef]
    home_local_authority: str | None
    flags: dict[str, bool | str | None] = Field(
        ...,
        description="open_nrm, nrm_decision, cp_plan, cin_plan, looked_after, missing_now (null: not known)",
    )
    contact: str | None


class LookupOut(Schema):
    candidates: list[Candidate] = Field(..., description="At or above the threshold, best first (at most 10)")
    query_ms: float


@router.post(
    "/lookup",
    response={200: LookupOut, **AUTH_ERRORS, 422: InvalidInput, 503: Problem},
    summary="Is this child already known? (audited with your purpose)",
)
def lookup(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    from ccehub.api import api_actor

    data = payload.dict()
    purpose = data.pop("purpose")
    threshold = data.pop("threshold")
    actor = api_actor(request, purpose=purpose)
    # The role is the first refusal (403, audited) whatever else is wrong with the request.
    check_can_lookup(actor, purpose)
    if threshold is not None and not 0 <= threshold <= 1:
        raise ValidationError({"threshold": [MSG_THRESHOLD_RANGE]})
    try:
        result = person_lookup(actor=actor, query=data, purpose=purpose, threshold=threshold)
    except LookupError as exc:
        raise HttpError(503, str(exc)) from None
    return public_result(result)
