"""Who a CLI command acts as, for access control and the audit log."""

from __future__ import annotations

import getpass
import os
import sys
from typing import NoReturn

MSG_PURPOSE_BLANK = "--purpose: say why you are doing this (it is audited); it cannot be blank"


def cli_actor(user: str | None, purpose: str) -> object:
    """``--user NAME`` acts as that user's current membership when NAME is an account with one;
    otherwise the command runs with the server operator's access and NAME is recorded as the person
    asking (for example a custody officer phoning the operator, who has no account here).

    Either way the audit log records the name given, why, and the operating-system account and host
    that really ran the command (``origin``). In the second case a warning on stderr says so, so that
    a mistyped account name is not mistaken for acting under that account's access rules.

    A blank ``purpose`` is refused (exit 2): every purpose is audited, and an empty one says nothing.
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from ccehub.agencies.selectors import active_memberships
    from ccehub.audit.models import Channel
    from ccehub.commands import fail
    from ccehub.common.access import Actor

    if not (purpose or "").strip():
        fail(MSG_PURPOSE_BLANK)
    purpose = purpose.strip()
    name = user or settings.CCEHUB_CLI_USER
    origin = cli_origin()
    if not name:
        return Actor.for_system(name=origin, channel=Channel.CLI, purpose=purpose, origin=origin)
    account = get_user_model().objects.filter(username=name, is_active=True).first()
    memberships = active_memberships(user=account) if account is not None else []
    if not memberships:
        why = "no account" if account is None else "no active agency membership for"
        sys.stderr.write(
            f"warning: {why} {name!r} here: acting with the operator's access; "
            f"recorded as asked by {name!r}\n"
        )
        return Actor.for_system(name=name, channel=Channel.CLI, purpose=purpose, origin=origin)
    return Actor(user=account, membership=memberships[0], channel=Channel.CLI, purpose=purpose, origin=origin)


def operator_actor(purpose: str) -> object:
    """The operator running an administrative command (import, build, review, generate …): acts with
    the server operator's access and is recorded as the operating-system account and host."""
    from ccehub.audit.models import Channel
    from ccehub.common.access import Actor

    origin = cli_origin()
    return Actor.for_system(name=origin, channel=Channel.CLI, purpose=purpose, origin=origin)


def cli_origin() -> str:
    """``cli:<os account>@<host>``: who really ran the command, whoever ``--user`` names."""
    import socket

    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - containers without a passwd entry
        os_user = str(os.getuid())
    return f"cli:{os_user}@{socket.gethostname()}"


def cli_refused(
    actor: object, *, message: str, code: int, object_type: str, child_pid: str = "", detail: str = ""
) -> NoReturn:
    """Audit a refusal as ``denied`` (committed, as the web and API do) and exit with ``code``."""
    from django.db import transaction

    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record
    from ccehub.commands import fail

    with transaction.atomic():
        audit_record(
            actor=actor,  # type: ignore[arg-type]
            action=Action.DENIED,
            object_type=object_type,
            child_pid=child_pid[:16],
            detail=detail or message,
        )
    fail(message, code)
