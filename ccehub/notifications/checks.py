"""``ccehub manage check --deploy``: a deployment that cannot email the home authority says so."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def mail_configured_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    from ccehub.notifications.services import mail_configured

    warnings = []
    if not mail_configured():
        warnings.append(
            Warning(
                "No mail server is configured (CCEHUB_EMAIL_HOST): a child reported missing is shown "
                "on the home authority's dashboard but not emailed to its duty mailbox (R-32).",
                id="ccehub.W001",
            )
        )
    base = str(getattr(settings, "CCEHUB_BASE_URL", ""))
    if "127.0.0.1" in base or "localhost" in base:
        warnings.append(
            Warning(
                f"CCEHUB_BASE_URL is {base}: links in notification emails will not reach anyone.",
                id="ccehub.W002",
            )
        )
    return warnings
