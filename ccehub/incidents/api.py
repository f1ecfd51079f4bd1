"""Triage over JSON: the CLI's contract as ``POST /api/triage``, and a child's incidents and decisions.

``POST /api/triage`` is stateless: the same input objects and output objects as ``ccehub triage``
(one object or a list), validated by the same :func:`ccehub.rules.triage.parse_triage_input`. Invalid
input gives 422 with ``{"detail": ..., "field": ...}`` naming the field, as the CLI does on stderr.
Nothing about the child is stored, but the call is audited (a ``triage`` look-up with no child).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import ConfigDict

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.selectors import ChildNotFound, child_get
from ccehub.children.services import as_local_aware
from ccehub.common.api_schemas import AUTH_ERRORS, InvalidInput
from ccehub.common.models import TriState
from ccehub.incidents import presenters
from ccehub.incidents.models import IdentifyingIncident, IncidentType, TriageDecision
from ccehub.incidents.selectors import CHILD_DECISIONS_SECTIONS, child_decisions
from ccehub.incidents.services import incident_record_and_triage
from ccehub.rules.triage import TriageInputError, TriageJSON
from ccehub.rules.triage_io import decide, object_pairs

router = Router(tags=["triage"])

MSG_BAD_JSON = "invalid JSON: {problem} (line {line}, column {column})"
MSG_EMPTY = "empty body (expected a JSON object or a list of objects)"
MSG_TOP_LEVEL = "must be a JSON object or a list of objects"
MSG_BAD_CONSTANT = "invalid JSON: {constant} is not a number JSON allows"
MSG_BAD_VALUE = "invalid JSON: a number has more digits than can be read"
MSG_TOO_MANY = "at most {limit} incidents per request"

#: A batch bigger than this belongs on the command line (``ccehub triage``), not in one request.
MAX_BATCH = 1000


# --- Schemas (documentation of the contract; validation is the rules' own) ----------------------


class TriageIn(Schema):
    """One identifying incident (docs/rules-triage.md, "Input"). Unknown fields are rejected."""

    incident_date: str = Field(..., description="ISO date or date-time", examples=["2022-09-23"])
    date_of_birth: str | None = Field(None, description="ISO date, or null when not known")
    estimated_age: int | None = Field(None, ge=0, le=120, description="Used only without a date of birth")
    county_lines_linked: bool = False
    arrested: bool = False
    out_of_area: bool = False
    offences: list[str] = Field(default_factory=list, description="Offence codes, e.g. pwits_class_a")
    indicators: list[str] = Field(default_factory=list, description="Indicator codes, e.g. cash, plugging")
    missing_days: int | None = Field(None, ge=0)
    clear_evidence_not_exploited: bool = False
    evidence_note: str | None = None
    policy: Literal["current", "report-2022"] = "current"


class ActionOut(Schema):
    code: str
    due_within_hours: int | None
    reason: str


class TriageOut(Schema):
    """The decision (docs/rules-triage.md, "Output"), field for field as ``ccehub triage`` prints it."""

    age_years: int | None
    days_until_18: int | None
    presumption: str
    priority: str
    panel_eligible: bool
    section45: str
    actions: list[ActionOut]
    policy: str
    rule_version: str
    reasons: list[str]


class StoredTriageOut(TriageOut):
    """A stored decision's output as one reader may see it: for a pseudonymised reader (who may not
    see the date of birth) ``days_until_18`` is ``"withheld"`` rather than a number, which with the
    incident date would give the date of birth away. ``null`` keeps its contract meaning: 18 or over,
    or no date of birth."""

    days_until_18: int | Literal["withheld"] | None  # type: ignore[assignment]


class TriageError(Schema):
    detail: str
    field: str
    errors: list[dict[str, str]] = Field(default_factory=list, description="Every problem, for a list")


class ProblemOut(Schema):
    detail: str


def _request_body_schema() -> dict[str, Any]:
    one = TriageIn.json_schema()
    one["additionalProperties"] = False
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"oneOf": [one, {"type": "array", "items": one}]},
                }
            },
        }
    }


class _BadInput(Exception):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


def _reject_constant(constant: str) -> float:
    raise _BadInput("", MSG_BAD_CONSTANT.format(constant=constant))


def _decode(body: bytes) -> object:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _BadInput("", "body is not UTF-8 text") from None
    if not text.strip():
        raise _BadInput("", MSG_EMPTY)
    try:
        return json.loads(text, object_pairs_hook=object_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _BadInput("", MSG_BAD_JSON.format(problem=exc.msg, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise _BadInput("", "JSON nested too deeply") from None
    except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
        raise _BadInput("", MSG_BAD_VALUE) from None


def _unprocessable(request: HttpRequest, errors: list[TriageInputError | _BadInput]) -> HttpResponse:
    """422 naming the first problem in ``detail``/``field`` and every problem in ``errors``."""
    from ccehub.api import api

    listed: list[dict[str, str]] = []
    for error in errors:
        if isinstance(error, TriageInputError):
            listed.extend({"field": p.field, "detail": p.message} for p in error.problems)
        else:
            listed.append({"field": error.field, "detail": error.detail})
    first = listed[0]
    return api.create_response(
        request, {"detail": first["detail"], "field": first["field"], "errors": listed}, status=422
    )


@router.post(
    "/triage",
    response={200: TriageOut | list[TriageOut], 422: TriageError, **AUTH_ERRORS},
    summary="Triage identifying incidents (same contract as `ccehub triage`)",
    description=(
        "One incident object in, one decision object out; a list in, a list out in the same order. "
        "Stateless: nothing is stored, but the call is audited. Invalid input gives 422 with "
        "`detail` and `field` (prefixed `[i].` for a list item)."
    ),
    openapi_extra=_request_body_schema(),
)
def triage_stateless(request: HttpRequest) -> Any:
    from ccehub.api import api_actor

    actor = api_actor(request, purpose="Triage (stateless)")
    try:
        document = _decode(request.body)
    except _BadInput as exc:
        return _unprocessable(request, [exc])
    if isinstance(document, dict):
        try:
            result: TriageJSON | list[TriageJSON] = decide(document)
        except TriageInputError as exc:
            return _unprocessable(request, [exc])
        count = 1
    elif isinstance(document, list):
        if len(document) > MAX_BATCH:
            return _unprocessable(request, [_BadInput("", MSG_TOO_MANY.format(limit=MAX_BATCH))])
        results: list[TriageJSON] = []
        errors: list[TriageInputError | _BadInput] = []
        for index, item in enumerate(document):
            try:
                results.append(decide(item))
            except TriageInputError as exc:
                errors.append(exc.at(f"[{index}]"))
        if errors:
            return _unprocessable(request, errors)
        result, count = results, len(results)
    else:
        return _unprocessable(request, [_BadInput("", MSG_TOP_LEVEL)])
    # Audited without the input: it may hold a date of birth, and no child is named.
    audit_record(
        actor=actor,
        action=Action.LOOKUP,
        object_type="triage",
        detail=f"{count} incident{'s' if count != 1 else ''} triaged (stateless, nothing stored)",
    )
    return result


# --- A child's incidents and decisions ----------------------------------------------------------


class IncidentIn(Schema):
    """An identifying incident for a child already recorded; it is triaged at once."""

    model_config = ConfigDict(extra="forbid")

    occurred_at: datetime = Field(
        ...,
        description="When it happened: an ISO date-time (YYYY-MM-DDTHH:MM), with an offset or read as UK "
        "local time (Europe/London); a bare date YYYY-MM-DD is read as midnight UK time",
    )
    incident_type: str = Field(..., description=f"One of: {', '.join(IncidentType.values)}")
    county_lines_linked: bool | None = Field(None, description="null when not known")
    arrested: bool
    out_of_area: bool | None = Field(None, description="null when not known")
    place: str = ""
    offences: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    co_present_ages: list[Annotated[int, Field(ge=0, le=120)]] = Field(
        default_factory=list, description="Ages (0-120) of others present"
    )
    estimated_age: int | None = Field(None, ge=0, le=120)
    missing_days: int | None = Field(None, ge=0)
    summary: str = ""
    policy: Literal["current", "report-2022"] = "current"


class StoredActionOut(Schema):
    id: str
    code: str
    label: str
    due_within_hours: int | None
    due_at: str | None
    status: str
    status_reason: str


class DecisionOut(Schema):
    id: str
    incident_id: str
    child: str
    basis: str
    decided_at: str
    decided_by: str
    current: bool
    supersedes: str | None
    rebuttal_status: str
    inputs: dict[str, Any]
    outputs: StoredTriageOut
    actions: list[StoredActionOut]


def _decision_out(decision: TriageDecision, *, current: bool, pseudonymised: bool) -> dict[str, Any]:
    actions = list(decision.actions.all())
    record = presenters.decision_record(decision, actions, pseudonymised=pseudonymised)
    # As the downloadable record: a pseudonymised reader gets "withheld" for a child's days to 18 (a
    # number would give the date of birth away with the incident date); null would read "already 18".
    outputs = dict(record["outputs"])
    return {
        "id": str(decision.pk),
        "incident_id": str(decision.incident_id),
        "child": decision.child.pseudonymous_id,
        "basis": decision.basis,
        "decided_at": record["decided_at"],
        "decided_by": decision.decided_by_name,
        "current": current,
        "supersedes": str(decision.supersedes_id) if decision.supersedes_id else None,
        "rebuttal_status": decision.rebuttal_status,
        "inputs": record["inputs"],
        "outputs": outputs,
        "actions": [{"id": str(a.pk), **item} for a, item in zip(actions, record["actions"], strict=True)],
    }


def _tri(value: bool | None, *, yes: str, no: str) -> str:
    return TriState.UNKNOWN if value is None else (yes if value else no)


MSG_KEY_LENGTH = "Must be 1 to {limit} characters"
MSG_KEY_REUSED = (
    "This key was already used for a different request; a retry must repeat the same child and body, "
    "and a new incident needs a new key"
)
#: The longest ``Idempotency-Key`` kept (a UUID is 36 characters).
MAX_KEY = 100


def _request_hash(pid: str, payload: IncidentIn) -> str:
    import hashlib

    body = json.dumps({"child": pid, **payload.dict()}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _replayed(response: HttpResponse, actor: Any, incident: IdentifyingIncident, pseudonymised: bool) -> Any:
    """The decision first made for ``incident``, answered again (and audited as a view of it)."""
    decision = (
        TriageDecision.objects.select_related("child")
        .filter(incident=incident)
        .order_by("decided_at", "pk")
        .first()
    )
    if decision is None:  # pragma: no cover - an incident is triaged in the same transaction
        raise HttpError(409, "The incident recorded with this key has no triage decision")
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="triage_decision",
        object_id=str(decision.pk),
        child_pid=decision.child.pseudonymous_id,
        detail="answered again for a repeated Idempotency-Key",
    )
    current = not TriageDecision.objects.filter(supersedes=decision).exists()
    response["Idempotent-Replayed"] = "true"
    return Status(201, _decision_out(decision, current=current, pseudonymised=pseudonymised))


@router.post(
    "/children/{pid}/incidents",
    response={201: DecisionOut, **AUTH_ERRORS, 404: ProblemOut, 422: InvalidInput},
    summary="Record an identifying incident for a child and triage it",
    description=(
        "Send an `Idempotency-Key` header (e.g. a UUID) to make a retry safe: the same key with the "
        "same child and body answers the decision already made (header `Idempotent-Replayed: true`) "
        "instead of recording the incident again; the same key with a different body is 422."
    ),
)
def child_incident_create(
    request: HttpRequest,
    pid: str,
    payload: IncidentIn,
    response: HttpResponse,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    from ccehub.api import api_actor

    actor = api_actor(request, purpose="Record an identifying incident and triage it")
    key = (idempotency_key or "").strip()
    if idempotency_key is not None and not 0 < len(key) <= MAX_KEY:
        raise ValidationError({"Idempotency-Key": [MSG_KEY_LENGTH.format(limit=MAX_KEY)]})
    try:
        # the identity as the decision list asks for it: a user who may see the date of birth gets
        # the days to 18 in the response; child_get withholds it from anyone who may not
        record = child_get(actor=actor, pid=pid, sections=CHILD_DECISIONS_SECTIONS)
    except ChildNotFound as exc:
        raise HttpError(404, str(exc)) from None
    fingerprint = _request_hash(record.child.pseudonymous_id, payload) if key else ""

    def earlier() -> Any:
        found = IdentifyingIncident.objects.filter(recorded_by=request.user, request_key=key).first()
        if found is None:
            return None
        if found.request_hash != fingerprint:
            raise ValidationError({"Idempotency-Key": [MSG_KEY_REUSED]})
        return _replayed(response, actor, found, record.pseudonymised)

    if key and (replay := earlier()) is not None:
        return replay
    indicators = list(payload.indicators)
    # ValidationError and PermissionDenied become 422 and 403 in ccehub.api's handlers.
    try:
        with transaction.atomic():
            decision = _record(actor, record, payload, indicators, key, fingerprint)
    except IntegrityError:
        # the same key sent twice at once: the other request recorded it
        if key and (replay := earlier()) is not None:
            return replay
        raise
    return Status(201, _decision_out(decision, current=True, pseudonymised=record.pseudonymised))


def _record(
    actor: Any, record: Any, payload: IncidentIn, indicators: list[str], key: str, fingerprint: str
) -> TriageDecision:
    return incident_record_and_triage(
        actor=actor,
        child=record.child,
        occurred_at=as_local_aware(payload.occurred_at),
        incident_type=payload.incident_type,
        policy=payload.policy,
        is_arrest=payload.arrested,
        county_lines_linked=_tri(
            payload.county_lines_linked, yes=TriState.RECORDED_PRESENT, no=TriState.RECORDED_ABSENT
        ),
        in_home_area=_tri(payload.out_of_area, yes=TriState.RECORDED_ABSENT, no=TriState.RECORDED_PRESENT),
        place=payload.place,
        offences=list(payload.offences),
        indicators=indicators,
        plugging=TriState.RECORDED_PRESENT if "plugging" in indicators else TriState.NOT_RECORDED,
        co_present_ages=list(payload.co_present_ages),
        estimated_age=payload.estimated_age,
        missing_days=payload.missing_days,
        summary=payload.summary,
        request_key=key,
        request_hash=fingerprint,
    )


@router.get(
    "/children/{pid}/triage",
    response={200: list[DecisionOut], **AUTH_ERRORS, 404: ProblemOut},
    summary="A child's triage decisions, newest first (the history included)",
)
def child_triage_list(request: HttpRequest, pid: str) -> Any:
    from ccehub.api import api_actor

    actor = api_actor(request)
    try:
        record, decisions = child_decisions(actor=actor, pid=pid)
    except ChildNotFound as exc:
        raise HttpError(404, str(exc)) from None
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    return [
        _decision_out(d, current=d.pk not in superseded, pseudonymised=record.pseudonymised)
        for d in decisions
    ]
