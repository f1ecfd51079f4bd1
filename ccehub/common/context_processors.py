from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    from ccehub.common.navigation import nav_items_for

    return {
        "nav_items": nav_items_for(request),
        "current_membership": getattr(request, "membership", None),
    }
