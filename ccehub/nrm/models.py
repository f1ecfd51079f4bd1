"""NRM referrals and decisions (E-11, W-2). Workflows and clocks arrive with the panel module."""

from __future__ import annotations

from django.db import models

from ccehub.common.models import BaseModel, DateBasis, TriState


class Route(models.TextChoices):
    NATIONAL = "national", "National (Home Office Single Competent Authority)"
    LOCAL_PANEL = "local_panel", "Local panel (devolved decision-making)"
    UNKNOWN = "unknown", "Not known"


class NRMReferral(BaseModel):
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="nrm_referrals")
    linked_incident = models.ForeignKey(
        "incidents.IdentifyingIncident", null=True, blank=True, on_delete=models.SET_NULL, related_name="nrm_referrals"
    )
    referring_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    referrer_role = models.CharField(max_length=100, blank=True)
    referred_on = models.DateField(null=True, blank=True)
    referred_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    route = models.CharField(max_length=16, choices=Route.choices, default=Route.UNKNOWN)
    exploitation_type = models.CharField(max_length=32, default="criminal_exploitation")
    county_lines_flag = models.CharField(max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED)
    rationale = models.TextField(blank=True)
    outcome_known_to_case_owner = models.BooleanField(default=True)
    considered_relevant_to_later_incidents = models.CharField(
        max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED
    )
    source_note = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "referred_on"]


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
    decision_maker = models.CharField(max_length=20, choices=DecisionMaker.choices, default=DecisionMaker.UNKNOWN)
    decision_maker_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    policy_profile = models.CharField(max_length=20, blank=True)
    rule_version = models.CharField(max_length=20, blank=True)
    rationale = models.TextField(blank=True)
    source_note = models.TextField(blank=True)

    class Meta:
        ordering = ["referral", "decided_on"]
