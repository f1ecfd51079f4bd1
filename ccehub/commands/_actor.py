"""Who a CLI command acts as, for access control and the audit log."""

from __future__ import annotations

import getpass
import os


def cli_actor(user: str | None, purpose: str) -> object:
    """``--user NAME`` acts as that user's current membership when NAME is an account with one;
    otherwise the command runs with the server operator's access and NAME is recorded as the person
    asking (for example a custody officer phoning the operator, who has no account here).

    Either way the audit log records the name given, why, and the operating-system account and host
    that really ran the command (``origin``).
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from ccehub.agencies.selectors import active_memberships
    from ccehub.audit.models import Channel
    from ccehub.common.access import Actor

    name = user or settings.CCEHUB_CLI_USER
    origin = cli_origin()
    if not name:
        return Actor.for_system(name=origin, channel=Channel.CLI, purpose=purpose, origin=origin)
    account = get_user_model().objects.filter(username=name, is_active=True).first()
    memberships = active_memberships(user=account) if account is not None else []
    if not memberships:
        return Actor.for_system(name=name, channel=Channel.CLI, purpose=purpose, origin=origin)
    return Actor(user=account, membership=memberships[0], channel=Channel.CLI, purpose=purpose, origin=origin)


def cli_origin() -> str:
    """``cli:<os account>@<host>``: who really ran the command, whoever ``--user`` names."""
    import socket

    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - containers without a passwd entry
        os_user = str(os.getuid())
    return f"cli:{os_user}@{socket.gethostname()}"
