"""NRM referrals and decisions (E-11, W-2).

Referrals are opened through :func:`ccehub.nrm.services.nrm_referral_create`, which chooses the route
(local panel or national) and records why; decisions through the NRM and panel services, which check
them against the pure clocks (:mod:`ccehub.rules.clocks`) and record the policy profile and rule
version that produced them. Rows loaded from the report (the demo) keep their blanks.
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from django.db import models

from ccehub.common.models import BaseModel, DateBasis, TriState


class Route(models.TextChoices):
    NATIONAL = "national", "National (Home Office Single Competent Authority)"
    LOCAL_PANEL = "local_panel", "Local panel (devolved decision-making)"
    UNKNOWN = "unknown", "Not known"


class ExploitationType(models.TextChoices):
    CRIMINAL = "criminal_exploitation", "Criminal exploitation"
    SEXUAL = "sexual", "Sexual exploitation"
    LABOUR = "labour", "Labour exploitation"
    OTHER = "other", "Other"


class ReferralRationale(models.TextChoices):
    """R-55: why the referral was made."""

    SUSPICION = "suspicion", "Suspicion of exploitation"
    CLEAR_EVIDENCE = "clear_evidence", "Clear evidence of exploitation"
    CHECKLIST_STEP = "checklist_step", "A step on a checklist"
    LIKELY_CHARGE = "likely_charge", "A charge is likely"
    OTHER = "other", "Other"


#: R-11: a conclusive-grounds decision is reached on the balance of probabilities (E-11's constant).
STANDARD_OF_PROOF: Final = "balance_of_probabilities"

#: R-07: every NRM decision (and a CG above all) carries this label wherever it is shown or exported.
NOT_EXPERT_EVIDENCE: Final = "Not expert evidence; not binding on a court (R v Breani)"


class NRMReferral(BaseModel):
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="nrm_referrals")
    linked_incident = models.ForeignKey(
        "incidents.IdentifyingIncident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nrm_referrals",
    )
    referring_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    referrer_role = models.CharField(max_length=100, blank=True)
    referred_on = models.DateField(null=True, blank=True)
    referred_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    route = models.CharField(max_length=16, choices=Route.choices, default=Route.UNKNOWN)
    exploitation_type = models.CharField(
        max_length=32, choices=ExploitationType.choices, default=ExploitationType.CRIMINAL
    )
    county_lines_flag = models.CharField(
        max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED
    )
    rationale = models.TextField(blank=True)
    outcome_known_to_case_owner = models.BooleanField(default=True)
    considered_relevant_to_later_incidents = models.CharField(
        max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED
    )
    source_note = models.TextField(blank=True)

    # --- Intake (issue 5): set by nrm_referral_create; blank on rows loaded from the report ------
    rationale_code = models.CharField(max_length=20, choices=ReferralRationale.choices, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referred_by_name = models.CharField(max_length=150, blank=True)
    panel = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_referrals",
        help_text="The CCE panel deciding a local-panel referral",
    )
    # RESTRICT, not PROTECT: a case with referrals is never deleted on its own, but erasing the child
    # deletes the case and its referrals together (PROTECT would refuse that). Not SET_NULL: a lost
    # link would silently fall back to the dates (``case_by_dates``).
    panel_case = models.ForeignKey(
        "panels.PanelCase",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="referrals",
        help_text="The panel case the referral was recorded in (set at intake, local panel route)",
    )
    route_reasons = models.JSONField(default=list, blank=True, help_text="Why this route was chosen")
    policy_profile = models.CharField(
        max_length=20, blank=True, help_text="Policy profile for this referral's clocks and decisions"
    )
    rule_version = models.CharField(max_length=20, blank=True)
    re_referral_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="re_referrals",
        help_text="An earlier, concluded referral for the same child and incident",
    )
    lead_social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The child's lead social worker: may not chair the panel that decides (quorum)",
    )
    lead_social_worker_name = models.CharField(max_length=150, blank=True)
    escalated_on = models.DateField(
        null=True, blank=True, help_text="When a local-panel referral went to the Home Office SCA"
    )
    escalation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "referred_on"]
        indexes = [models.Index(fields=["panel", "route"])]

    def __str__(self) -> str:
        return f"NRM referral {self.child.pseudonymous_id} ({self.referred_on or 'date not known'})"

    @property
    def escalated(self) -> bool:
        return self.escalated_on is not None


class DecisionStage(models.TextChoices):
    REASONABLE_GROUNDS = "rg", "Reasonable grounds"
    CONCLUSIVE_GROUNDS = "cg", "Conclusive grounds"
    UNSTATED = "unstated", "Stage not stated"


class DecisionOutcome(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"


class DecisionMaker(models.TextChoices):
    HOME_OFFICE_SCA = "home_office_sca", "Home Office Single Competent Authority"
    LOCAL_PANEL = "local_panel", "Local panel"
    UNKNOWN = "unknown", "Not known"


class NRMDecision(BaseModel):
    """A reasonable- or conclusive-grounds decision. A CG is 'not expert evidence' (R-07)."""

    referral = models.ForeignKey(NRMReferral, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=10, choices=DecisionStage.choices)
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    decided_on = models.DateField(null=True, blank=True)
    decided_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    decision_maker = models.CharField(
        max_length=20, choices=DecisionMaker.choices, default=DecisionMaker.UNKNOWN
    )
    decision_maker_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT
    )
    policy_profile = models.CharField(max_length=20, blank=True)
    rule_version = models.CharField(max_length=20, blank=True)
    rationale = models.TextField(blank=True)
    source_note = models.TextField(blank=True)
    caveat = models.CharField(
        max_length=120, blank=True, help_text="R-07 label, set on every decision recorded"
    )
    late = models.BooleanField(default=False, help_text="Made after the clock's deadline (a timeliness fact)")
    recovery_override_reason = models.TextField(
        blank=True,
        help_text="Why a national conclusive-grounds decision was made inside the recovery period (the N-02 "
        "override); blank for every other decision",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["referral", "decided_on"]
