"""Identifying incidents (E-04) and the triage decisions made on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

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
    first_known_by = models.CharField(
        max_length=16, choices=FirstKnownBy.choices, default=FirstKnownBy.POLICE
    )
    offences = models.JSONField(default=list, blank=True, help_text="Offence codes (ccehub.rules.offences)")
    indicators = models.JSONField(default=list, blank=True, help_text="Indicator codes")
    items_found = models.JSONField(default=list, blank=True, help_text="[{kind, drug, drug_class, amount}]")
    co_present_ages = models.JSONField(default=list, blank=True, help_text="Ages of people present (R-27)")
    plugging = models.CharField(max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED)
    estimated_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The officer's estimate when the date of birth is not known"
    )
    missing_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days missing in the current or most recent episode, as told at the time",
    )
    summary = models.TextField(blank=True)
    source_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The ``Idempotency-Key`` of the API request that recorded it, and a hash of that request's body:
    #: a client retrying the request gets this incident's decision back instead of a second incident.
    request_key = models.CharField(max_length=100, blank=True, default="")
    request_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["child", "occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "request_key"],
                condition=~models.Q(request_key=""),
                name="incident_request_key_once_per_user",
            )
        ]

    def __str__(self) -> str:
        # The London calendar day, written as every page writes a date ("5 June 2024").
        day = (
            timezone.localtime(self.occurred_at) if timezone.is_aware(self.occurred_at) else self.occurred_at
        )
        return f"{self.get_incident_type_display()} on {day.day} {day:%B %Y}"


# --- Triage decisions (issue #3 part 3) -----------------------------------------------------------


class DecisionBasis(models.TextChoices):
    """Why a decision was made. A decision is never edited: a change of facts is a new decision."""

    INITIAL = "initial", "First triage of the incident"
    RE_TRIAGE = "re_triage", "Triaged again with the facts recorded since"
    REBUTTAL_APPROVED = "rebuttal_approved", "Rebuttal of the presumption approved"


class RebuttalStatus(models.TextChoices):
    """R-25: a rebuttal of the presumption needs clear evidence and a supervisor's or specialist's
    approval; until then the presumption stands."""

    NONE = "none", "No rebuttal requested"
    PENDING_APPROVAL = "pending_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    OVERRIDDEN = "overridden", "Overridden"
    DONE = "done", "Done"


#: Statuses in which an action still needs doing (shown on the dashboard).
OUTSTANDING_STATUSES: frozenset[str] = frozenset({ActionStatus.OPEN, ActionStatus.ACCEPTED})

#: What the rules decided. Once saved these never change (a re-triage is a new row).
DECISION_FROZEN_FIELDS: frozenset[str] = frozenset(
    {
        "incident",
        "incident_id",
        "child",
        "child_id",
        "supersedes",
        "supersedes_id",
        "basis",
        "inputs",
        "outputs",
        "policy",
        "rule_version",
        "presumption",
        "priority",
        "panel_eligible",
        "section45",
        "agency",
        "agency_id",
        "decided_by",
        "decided_by_id",
        "decided_by_name",
        "decided_at",
    }
)


class DecisionEditError(RuntimeError):
    """Something tried to change what the rules decided in place."""


class TriageDecision(BaseModel):
    """One run of the triage rules on one identifying incident (W-1, F-01).

    ``inputs`` is the exact triage input object and ``outputs`` the exact ``to_json()`` output, so a
    stored decision can be replayed with ``ccehub triage`` and compared field for field. The rules'
    result is immutable (:data:`DECISION_FROZEN_FIELDS`); only the rebuttal workflow fields change.
    History is a chain: each later decision ``supersedes`` exactly one earlier one.
    """

    incident = models.ForeignKey(
        IdentifyingIncident, on_delete=models.PROTECT, related_name="triage_decisions"
    )
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="triage_decisions")
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    basis = models.CharField(max_length=20, choices=DecisionBasis.choices, default=DecisionBasis.INITIAL)
    inputs = models.JSONField(help_text="The exact triage input (docs/rules-triage.md)")
    outputs = models.JSONField(help_text="The exact triage output (TriageDecision.to_json())")
    policy = models.CharField(max_length=32)
    rule_version = models.CharField(max_length=32)
    presumption = models.CharField(max_length=40, db_index=True)
    priority = models.CharField(max_length=16)
    panel_eligible = models.BooleanField()
    section45 = models.CharField(max_length=32)
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The deciding agency (empty for the system, e.g. the demo loader)",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField()

    rebuttal_status = models.CharField(
        max_length=20, choices=RebuttalStatus.choices, default=RebuttalStatus.NONE
    )
    rebuttal_evidence_note = models.TextField(blank=True)
    rebuttal_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rebuttal_requested_by_name = models.CharField(max_length=150, blank=True)
    rebuttal_requested_at = models.DateTimeField(null=True, blank=True)
    rebuttal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rebuttal_decided_by_name = models.CharField(max_length=150, blank=True)
    rebuttal_decided_at = models.DateTimeField(null=True, blank=True)
    rebuttal_decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["child", "decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rebuttal_status="none")
                | (~models.Q(rebuttal_evidence_note="") & models.Q(rebuttal_requested_at__isnull=False)),
                name="triage_rebuttal_has_evidence",
            ),
            models.CheckConstraint(
                condition=~models.Q(rebuttal_status__in=["approved", "refused"])
                | (~models.Q(rebuttal_decision_reason="") & models.Q(rebuttal_decided_at__isnull=False)),
                name="triage_rebuttal_decision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Triage of {self.incident_id}: {self.presumption}, {self.priority}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Refuse to rewrite what the rules decided: only the rebuttal workflow may change."""
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None:
                raise DecisionEditError("A saved triage decision can only be updated with update_fields")
            frozen = DECISION_FROZEN_FIELDS & set(update_fields)  # type: ignore[call-overload]
            if frozen:
                raise DecisionEditError(
                    f"A triage decision is never edited in place ({', '.join(sorted(frozen))})"
                )
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_current(self) -> bool:
        """No later decision replaces this one."""
        try:
            self.superseded_by  # noqa: B018 - the reverse one-to-one raises when absent
        except TriageDecision.DoesNotExist:
            return True
        return False


class TriageAction(BaseModel):
    """One action the rules proposed, and what people did with it (accepted, overridden, done)."""

    decision = models.ForeignKey(TriageDecision, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField(help_text="Order in the rules' output (most urgent first)")
    code = models.CharField(max_length=40)
    due_within_hours = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Incident time + due_within_hours")
    reason = models.TextField(help_text="The rules' reason, citing its source")
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    status_reason = models.TextField(blank=True, help_text="Why it was overridden (required), or a note")
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_by_name = models.CharField(max_length=150, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The same action on the decision this one replaced, whose status was carried over",
    )

    class Meta:
        ordering = ["decision", "position"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "code"], name="triage_action_unique_code"),
            models.CheckConstraint(
                condition=~models.Q(status="overridden") | ~models.Q(status_reason=""),
                name="triage_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"

    @property
    def is_outstanding(self) -> bool:
        return self.status in OUTSTANDING_STATUSES
