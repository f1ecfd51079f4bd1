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

from django.http import HttpResponse

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


def shown_if_recorded(request: Any, model: Any, key: str, message: str, url: str) -> HttpResponse | None:
    """The answer to a form already recorded under ``key`` (the message, then ``url``), or None.
    The key is unique across children: a token sent again for another child is the same form."""
    from django.contrib import messages
    from django.shortcuts import redirect

    if not key or not model.objects.filter(request_key=key).exists():
        return None
    messages.info(request, message)
    return redirect(url)
