"""One-time form tokens: the same web form sent twice records once.

A form that creates a row carries a hidden ``submission`` token, new each time the form is shown.
The row keeps ``<user id>:<token>`` (its ``request_key``, unique where not blank), so the same form
sent again (Back then send, a second click without JavaScript, two clicks at once) finds the row
already recorded instead of making a second one. GOV.UK Frontend's ``data-prevent-double-click``
stops a double click in the browser; this is the server's half. Used by charges, the YOT-CSC check
(and, with a key of the incident's own shape, incidents).
"""

from __future__ import annotations

import secrets
from typing import Any, Final

#: The longest token read from a form (tokens made here are 22 characters).
MAX_TOKEN_LENGTH: Final = 64


def new_token() -> str:
    """A token for a form about to be shown."""
    return secrets.token_urlsafe(16)


def submission_key(request: Any) -> str:
    """The posted form's key, scoped to the signed-in user; blank when the form carried no token."""
    token = str(request.POST.get("submission") or "")[:MAX_TOKEN_LENGTH]
    return f"{request.user.pk}:{token}" if token else ""


def posted_with_token(request: Any) -> Any:
    """The posted data, given a fresh token when it came without one (a client that dropped it gets
    one for its next send); None for a GET."""
    if request.method != "POST":
        return None
    posted = request.POST.copy()
    if not posted.get("submission"):
        posted["submission"] = new_token()
    return posted
