"""The append-only access and change log.

Rows are written by services in the same transaction as the data they describe (never by signals).
The database itself refuses UPDATE and DELETE on this table (see migration 0002), so not even a
compromised application account can rewrite history. Rows refer to children by pseudonymous id, not
by foreign key, so they outlive the records they describe.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    LOOKUP = "lookup", "Looked up"
    DENIED = "denied", "Access refused"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOGOUT = "logout", "Signed out"


class Channel(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    CLI = "cli", "Command line"
    ADMIN = "admin", "Admin"
    EXPORT = "export", "Export"
    SYSTEM = "system", "System"


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    agency_code = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    child_pid = models.CharField(max_length=16, blank=True, db_index=True)
    fields = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    basis = models.CharField(
        max_length=64, blank=True, help_text="Why access was allowed (own, panel, agreement)"
    )
    detail = models.CharField(max_length=500, blank=True)
    origin = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the request came from: IP address, or the CLI's OS account",
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["child_pid", "at"]),
            models.Index(fields=["username", "at"]),
            # the address limits count one address's recent refusals (ccehub.common.lockout, agencies.tokens)
            models.Index(fields=["origin", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.child_pid}"
