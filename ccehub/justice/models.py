"""Criminal process (W-4): arrests, bail or RUI, charges, NFA and court outcomes (E-05, E-07)."""

from __future__ import annotations

from django.db import models

from ccehub.common.models import BaseModel, DateBasis, TriState


class ArrestOutcome(models.TextChoices):
    DE_ARRESTED = "de_arrested", "De-arrested"
    RUI = "rui", "Released under investigation"
    BAILED = "bailed", "Bailed"
    CHARGED = "charged", "Charged"
    NFA = "nfa", "No further action"
    REMANDED = "remanded", "Remanded in custody"
    UNKNOWN = "unknown", "Not known"


class OutcomeReason(models.TextChoices):
    EXPLOITATION_RECOGNISED = "exploitation_recognised", "Exploitation recognised"
    EVIDENTIAL_DIFFICULTY = "evidential_difficulty", "Evidential difficulty"
    PUBLIC_INTEREST = "public_interest", "Public interest"
    OTHER = "other", "Other"
    NOT_STATED = "not_stated", "Not stated"


class Arrest(BaseModel):
    """E-05. One identifying incident may lead to several arrests; arrests may precede it."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="arrests")
    incident = models.ForeignKey(
        "incidents.IdentifyingIncident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrests",
    )
    arresting_force = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Blank when the source does not say which force made the arrest",
    )
    arrested_at = models.DateTimeField(null=True, blank=True)
    arrested_at_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    offences = models.JSONField(default=list, blank=True)
    offence_description = models.CharField(max_length=200, blank=True)
    interview_no_comment = models.CharField(
        max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED
    )
    restraint_used = models.BooleanField(default=False)
    restraint_justification = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=ArrestOutcome.choices, default=ArrestOutcome.UNKNOWN)
    outcome_reason = models.CharField(
        max_length=32, choices=OutcomeReason.choices, default=OutcomeReason.NOT_STATED
    )
    bail_yj_consulted = models.BooleanField(null=True, blank=True)
    source_note = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "arrested_at"]


class ChargeStatus(models.TextChoices):
    CHARGED = "charged", "Charged"
    STAYED_PENDING_CG = "stayed_pending_cg", "Stayed pending conclusive grounds decision"
    DISCONTINUED = "discontinued", "Discontinued (charge dropped)"
    COURT_PROCEEDINGS = "court_proceedings", "Court proceedings"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED_S45 = "acquitted_s45", "Acquitted (section 45 defence)"
    ACQUITTED_OTHER = "acquitted_other", "Acquitted"
    UNKNOWN = "unknown", "Not known"


class Charge(BaseModel):
    """E-07. A charge and where it went."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="charges")
    arrest = models.ForeignKey(
        Arrest, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges"
    )
    incident = models.ForeignKey(
        "incidents.IdentifyingIncident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="charges",
    )
    offence = models.CharField(max_length=40)
    offence_description = models.CharField(max_length=200, blank=True)
    charged_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=ChargeStatus.choices, default=ChargeStatus.CHARGED)
    status_reason = models.TextField(blank=True)
    prosecution_justification = models.TextField(
        blank=True,
        help_text="Required to continue a prosecution after a positive conclusive grounds decision",
    )
    source_note = models.TextField(blank=True)
    # --- Stay guard (R-09, J-02, J-03): set only by ccehub.justice.services ----------------------
    stayed_for_referral = models.ForeignKey(
        "nrm.NRMReferral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stayed_charges",
        help_text="The NRM referral whose positive reasonable-grounds decision stayed this charge",
    )
    stayed_on = models.DateField(null=True, blank=True)
    status_before_stay = models.CharField(max_length=24, choices=ChargeStatus.choices, blank=True)
    prosecution_decided_on = models.DateField(
        null=True, blank=True, help_text="When the prosecution was continued or discontinued after the stay"
    )
    prosecution_decided_by_name = models.CharField(max_length=150, blank=True)
    #: ``<user id>:<token>`` of the web form that recorded it (its one-time ``submission`` token): the
    #: same form sent again, even twice at once, finds this charge instead of recording a second one.
    #: The unique constraint decides a race (PostgreSQL makes the second insert wait for the first).
    request_key = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="charge_request_key_once",
            )
        ]

    @property
    def offence_label(self) -> str:
        """The offence as the catalogue names it (the code itself for one the catalogue lacks)."""
        from ccehub.rules.offences import catalogue

        found = catalogue().get(self.offence)
        return found.label if found is not None else self.offence


class SentenceType(models.TextChoices):
    YRO = "yro", "Youth rehabilitation order"
    DTO = "dto", "Detention and training order"
    CUSTODY = "custody", "Custodial sentence"
    OTHER = "other", "Other"


class CourtOutcome(BaseModel):
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="court_outcomes")
    charge = models.ForeignKey(
        Charge, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes"
    )
    decided_on = models.DateField(null=True, blank=True)
    remanded_in_custody = models.BooleanField(default=False)
    sentence_type = models.CharField(max_length=16, choices=SentenceType.choices, blank=True)
    length_months = models.PositiveSmallIntegerField(null=True, blank=True)
    ended_early_after_months = models.PositiveSmallIntegerField(null=True, blank=True)
    ended_early_reason = models.CharField(max_length=200, blank=True)
    source_note = models.TextField(blank=True)
