"""Response schemas shared by the API's routers: the error answers, as ``ccehub.api`` gives them."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class Problem(Schema):
    """Every error but 422: what went wrong, in words."""

    detail: str


class InvalidInput(Schema):
    """422: ``{"detail": "invalid input", "errors": {field: [messages]}}``."""

    detail: str
    errors: dict[str, list[str]]


#: The answers every endpoint may give besides its own: no credentials, no agency membership, and
#: (with ``Retry-After``, added to the schema by ``ccehub.api``) an address paused for bad tokens.
AUTH_ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 429: Problem}
