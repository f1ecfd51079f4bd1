"""CCE panels (E-12): the areas a panel serves and the cases shared with it.

A case shared with a panel is a recorded basis for the panel's members to see the child.
Meetings, decisions, plans and orders arrive with the panel module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ccehub.common.models import BaseModel


class PanelArea(BaseModel):
    panel = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="panel_areas")
    local_authority = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "local_authority"], name="panel_area_unique")]


class PanelCase(BaseModel):
    panel = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="panel_cases")
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="panel_cases")
    shared_by = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    shared_on = models.DateField()
    reason = models.TextField()
    closed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "child"], condition=Q(closed_on__isnull=True), name="panel_case_one_open"
            )
        ]
