"""Agencies, people's memberships of them, and the data-sharing agreements between them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ccehub.common.models import BaseModel


class AgencyKind(models.TextChoices):
    POLICE_FORCE = "police_force", "Police force"
    LA_CHILDRENS_SERVICES = "la_childrens_services", "Local authority children's services"
    YOUTH_OFFENDING_TEAM = "youth_offending_team", "Youth offending team"
    HEALTH = "health", "Health"
    CPS = "cps", "Crown Prosecution Service"
    HOME_OFFICE_SCA = "home_office_sca", "Home Office Single Competent Authority"
    CCE_PANEL = "cce_panel", "CCE panel"


class Role(models.TextChoices):
    POLICE_OFFICER = "police_officer", "Police officer"
    POLICE_SPECIALIST = "police_specialist", "Police specialist"
    SOCIAL_WORKER = "social_worker", "Social worker"
    EXPLOITATION_WORKER = "exploitation_worker", "Exploitation worker"
    YOT_WORKER = "yot_worker", "Youth offending team worker"
    HEALTH_PRACTITIONER = "health_practitioner", "Health practitioner"
    PANEL_MEMBER = "panel_member", "Panel member"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"


class Agency(BaseModel):
    """A police force, local authority children's services, YOT, health body, CPS, SCA or CCE panel.

    Police forces and local authorities use their real names and official (ONS) codes.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    ons_code = models.CharField(max_length=9, blank=True, help_text="ONS area code, where one exists")
    police_force = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a local authority, YOT or health body: the police force whose area it is in",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children_agencies",
        help_text="For a YOT or health body: the local authority it serves",
    )
    is_importing_area = models.BooleanField(default=False, help_text="Police force area with dealing bases")
    runs_local_panel = models.BooleanField(default=False)
    out_of_hours_contact = models.CharField(
        max_length=200, blank=True, help_text="Emergency duty team or force control room number"
    )
    duty_email = models.EmailField(
        blank=True,
        help_text=(
            "Secure mailbox of the duty or front-door team: ccehub emails it when a child the agency "
            "is responsible for is reported missing or found (no names in the email, only a link)"
        ),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    """A user's role in an agency. Only another administrator may create or change one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    active = models.BooleanField(default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["user__username", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.agency}"


class DataSharingAgreement(BaseModel):
    """A recorded basis for one agency (recipient) to see children held by another (provider).

    Scoped to one child when ``child`` is set, otherwise to every child the provider holds.
    Valid from ``starts_on`` to ``expires_on`` inclusive unless revoked.
    """

    title = models.CharField(max_length=200)
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="agreements_as_provider")
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="agreements_as_recipient")
    child = models.ForeignKey(
        "children.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="sharing_agreements"
    )
    purpose = models.TextField()
    legal_basis = models.CharField(max_length=200, blank=True)
    dpia_reference = models.CharField(max_length=100, blank=True)
    includes_identity = models.BooleanField(
        default=False, help_text="Whether names, date of birth and addresses are shared"
    )
    starts_on = models.DateField()
    expires_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("starts_on")), name="dsa_dates_ordered"
            ),
            models.CheckConstraint(condition=~Q(provider=models.F("recipient")), name="dsa_distinct_parties"),
        ]

    def __str__(self) -> str:
        return self.title


def default_token_expiry() -> datetime:
    """When a token made now stops working: ``CCEHUB_API_TOKEN_DAYS`` (90 unless set) from now."""
    return timezone.now() + timedelta(days=settings.CCEHUB_API_TOKEN_DAYS)


class ApiToken(BaseModel):
    """A personal API token. Only its hash is stored; it is shown once when created.

    Every token expires (``expires_at``, the first moment it no longer works): a token copied into a
    script or another system outlives the reason it was made, and nobody notices it still works.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        default=default_token_expiry, help_text="The token stops working at this moment"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class TwoFactorDevice(BaseModel):
    """A person's authenticator app for two-factor sign-in (RFC 6238 time-based codes): one a person.

    ``secret`` is the shared secret the app also holds, stored as it is (base32), as Django stores
    session keys: the server must read it to check a code, so it cannot be hashed. Anyone who can read
    this table can make codes; protect it like the sessions table. A device is saved only once a code
    from the app has confirmed it (``confirmed_at``); until then the secret waits in the session.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor_device"
    )
    secret = models.CharField(max_length=64, help_text="Base32 shared secret (RFC 6238)")
    confirmed_at = models.DateTimeField(help_text="When a code from the app confirmed it")
    last_used_step = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The 30-second step of the last code accepted: it and earlier steps are refused",
    )

    def __str__(self) -> str:
        return f"Two-factor device of {self.user}"


class RecoveryCode(BaseModel):
    """A one-time code for signing in without the app. Only its SHA-256 hash is stored; the codes
    are shown once, when the device is confirmed, and each works once (``used_at``)."""

    device = models.ForeignKey(TwoFactorDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["device", "code_hash"])]

    def __str__(self) -> str:
        return f"Recovery code of {self.device.user}"
