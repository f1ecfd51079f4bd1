"""Which CCE panel covers a local authority (R-14: the pilot's panel areas)."""

from __future__ import annotations

from typing import Any


def panel_covering(local_authority: Any) -> Any:
    """The active CCE panel whose area includes ``local_authority`` (the first by name), or None."""
    from ccehub.agencies.models import AgencyKind
    from ccehub.panels.models import PanelArea

    if local_authority is None:
        return None
    area = (
        PanelArea.objects.filter(
            local_authority=local_authority, panel__active=True, panel__kind=AgencyKind.CCE_PANEL
        )
        .select_related("panel")
        .order_by("panel__name")
        .first()
    )
    return area.panel if area is not None else None
