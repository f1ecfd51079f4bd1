"""Base model and shared field types."""

from __future__ import annotations

import uuid

from django.db import models


class BaseModel(models.Model):
    """UUID primary key (never guessable, never a row count) and timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TriState(models.TextChoices):
    """DOMAIN §3.1: an unmarked fact is *not recorded*, which is not the same as *absent*."""

    RECORDED_PRESENT = "recorded_present", "Recorded present"
    RECORDED_ABSENT = "recorded_absent", "Recorded absent"
    NOT_RECORDED = "not_recorded", "Not recorded"
    UNKNOWN = "unknown", "Unknown"


class SourceType(models.TextChoices):
    """DOMAIN §3.1 multi-source provenance."""

    POLICE_RECORD = "police_record", "Police record"
    LA_RECORD = "la_record", "Local authority record"
    EDUCATION_RECORD = "education_record", "Education record"
    HEALTH_RECORD = "health_record", "Health record"
    PRACTITIONER_INTERVIEW = "practitioner_interview", "Practitioner interview"
    DISCLOSURE = "disclosure", "Disclosure"
    RESEARCH_RETURN = "research_return", "Research data return (Crest case audit)"


class DateBasis(models.TextChoices):
    """How sure a stored date is. The report withholds most dates; the demo says so."""

    RECORDED = "recorded", "Recorded"
    APPROXIMATE = "approximate", "Approximate"
    SYNTHETIC = "synthetic", "Synthetic (source gives no date)"
