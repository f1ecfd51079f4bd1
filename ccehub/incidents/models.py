"""Identifying incidents (E-04) and the triage decisions made on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ccehub.common.models import BaseModel, DateBasis, TriState


class IncidentType(models.TextChoices):
    """How the child came to notice (G-27, E-04 trigger_type)."""

    ARREST_PWITS = "arrest_pwits", "Arrest for possession with intent to supply (PWITS)"
    CUCKOOED_ADDRESS = "cuckooed_address", "Found at a cuckooed address"
    MISSING_PERSON_ENQUIRY = "missing_person_enquiry", "Found at the end of a missing-person enquiry"
    STOP_SEARCH = "stop_search", "Stop and search"
    DISCLOSURE = "disclosure", "Disclosure to a professional"
    INTELLIGENCE = "intelligence", "Intelligence"
    ARREST_OTHER = "arrest_other", "Arrest for another or unstated offence"


NON_ARREST_TYPES = frozenset({IncidentType.DISCLOSURE, IncidentType.INTELLIGENCE})


class FirstKnownBy(models.TextChoices):
    POLICE = "police", "Police"
    SOCIAL_CARE = "social_care", "Social care"
    UNKNOWN = "unknown", "Not known"


class IdentifyingIncident(BaseModel):
    """The county-lines-linked event that brings a child to notice (E-04)."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="incidents")
    occurred_at = models.DateTimeField()
    occurred_at_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    incident_type = models.CharField(max_length=32, choices=IncidentType.choices)
    is_arrest = models.BooleanField()
    county_lines_linked = models.CharField(max_length=20, choices=TriState.choices, default=TriState.UNKNOWN)
    recording_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="recorded_incidents"
    )
    arresting_force = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="arrest_incidents"
    )
    place = models.CharField(max_length=200, blank=True)
    in_home_area = models.CharField(max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED)
    first_known_by = models.CharField(max_length=16, choices=FirstKnownBy.choices, default=FirstKnownBy.POLICE)
    offences = models.JSONField(default=list, blank=True, help_text="Offence codes (ccehub.rules.offences)")
    indicators = models.JSONField(default=list, blank=True, help_text="Indicator codes")
    items_found = models.JSONField(default=list, blank=True, help_text="[{kind, drug, drug_class, amount}]")
    co_present_ages = models.JSONField(default=list, blank=True, help_text="Ages of people present (R-27)")
    plugging = models.CharField(max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED)
    summary = models.TextField(blank=True)
    source_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["child", "occurred_at"]

    def __str__(self) -> str:
        return f"{self.get_incident_type_display()} on {self.occurred_at:%d %b %Y}"
