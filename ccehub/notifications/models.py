"""A notification to an agency (R-32: the police tell the home children's social care), kept as a
record of what was sent, when and to which mailbox, and as the outbox its email is sent from."""

from __future__ import annotations

from django.db import models

from ccehub.common.models import BaseModel


class Notification(BaseModel):
    class Kind(models.TextChoices):
        MISSING_REPORTED = "missing_reported", "Child reported missing"
        MISSING_FOUND = "missing_found", "Child found"
        INCIDENT_RECORDED = "incident_recorded", "Child arrested or stopped"
        MISSING_CRISIS = "missing_crisis", "Child missing for weeks: crisis"
        CRISIS_LISTED = "crisis_listed", "Crisis response listed at the panel"
        POLICE_PROTECTION = "police_protection", "Child taken into police protection"
        POLICE_PROTECTION_ENDED = "police_protection_ended", "Police protection ended"

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="notifications")
    from_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The child's record is erased with everything on it (``children erase``), its notifications too.
    child = models.ForeignKey(
        "children.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    #: What it is about (e.g. ``missingepisode`` and the episode's id), as in the audit log.
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    #: What happened, by pseudonymous ID only: the text goes by email, which may not carry identity.
    text = models.CharField(max_length=500)
    #: Path of the page to act on (the email prefixes the site's address).
    link = models.CharField(max_length=300)
    #: The mailbox at the time (the agency's ``duty_email``); blank: no email, the dashboard only.
    email_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.agency}"

    @property
    def pending(self) -> bool:
        """An email to send that has not gone yet."""
        return bool(self.email_to) and self.emailed_at is None
