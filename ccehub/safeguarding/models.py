"""Child protection process (W-3): strategy meetings, plans, care and secure orders."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ccehub.common.models import BaseModel, DateBasis, TriState


class StrategyMeeting(BaseModel):
    class Trigger(models.TextChoices):
        MISSING = "missing", "Missing episode"
        ARREST = "arrest", "Arrest"
        DISCLOSURE = "disclosure", "Disclosure"
        PLACEMENT_CONCERN = "placement_concern", "Placement concern"
        OTHER = "other", "Other"

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="strategy_meetings")
    held_on = models.DateField(null=True, blank=True)
    held_on_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.OTHER)
    convening_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    actions = models.TextField(blank=True)
    source_note = models.TextField(blank=True)


class PlanType(models.TextChoices):
    EARLY_HELP = "early_help", "Early help"
    CHILD_IN_NEED = "child_in_need", "Child in need plan"
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CARE_PLAN = "care_plan", "Care plan"
    YOT_INTERVENTION = "yot_intervention", "Youth justice intervention"
    CCE_JOINT_PLAN = "cce_joint_plan", "CCE joint plan"
    SAFETY_PLAN = "safety_plan", "Safety plan"


class CPCategory(models.TextChoices):
    NEGLECT = "neglect", "Neglect"
    PHYSICAL_ABUSE = "physical_abuse", "Physical abuse"
    SEXUAL_ABUSE = "sexual_abuse", "Sexual abuse"
    EMOTIONAL_ABUSE = "emotional_abuse", "Emotional abuse"
    GANG_CONCERNS = "gang_concerns", "Gang concerns"
    EXPLOITATION = "exploitation", "Exploitation"
    OTHER = "other", "Other"


class ChildPlan(BaseModel):
    """CIN / CP / care plans (E-15), with step-up and step-down links."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="plans")
    plan_type = models.CharField(max_length=24, choices=PlanType.choices)
    category = models.CharField(max_length=20, choices=CPCategory.choices, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    lead_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    dates_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    stepped_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="stepped_to"
    )
    step_reason = models.CharField(max_length=200, blank=True)
    relative_to_incident = models.CharField(max_length=10, blank=True)
    source_note = models.TextField(blank=True)


class CareOrder(BaseModel):
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="care_orders")
    legal_basis = models.CharField(max_length=200, default="Children Act 1989")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    source_note = models.TextField(blank=True)


class SecureAccommodationOrder(BaseModel):
    """E-23. Keeps the source's own label ("DoLS", Q-15) apart from the legal basis."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="secure_orders")
    court = models.CharField(max_length=200, blank=True)
    made_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    label_in_source = models.CharField(max_length=200, blank=True)
    legal_basis = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    source_note = models.TextField(blank=True)


class YotCscCheck(BaseModel):
    """R-53, F-17: the youth offending team asked children's social care whether the young person's
    setting may be harmful, after an offending indicator (gang affiliation, drug offences, offences
    involving adults). Rules: :mod:`ccehub.rules.triggers`; written only through
    :mod:`ccehub.safeguarding.early_warnings`."""

    class SettingHarmful(models.TextChoices):
        YES = "yes", "Yes, the setting may be harmful"
        NO = "no", "No"
        NOT_KNOWN = "not_known", "Not known yet"

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="yot_checks")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    asked_on = models.DateField()
    setting_harmful = models.CharField(max_length=12, choices=SettingHarmful.choices)
    #: The offending indicators on the record when the check was made (codes, R-53).
    indicators = models.JSONField(default=list, blank=True)
    csc_answer = models.TextField(help_text="What children's social care said")
    next_steps = models.TextField(blank=True, help_text="The risk assessment and any referral on")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: ``<user id>:<token>`` of the web form that recorded it (:mod:`ccehub.common.once`): the same
    #: form sent twice records one check.
    request_key = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["child", "asked_on"]
        verbose_name = "YOT-CSC check"
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="yotcsccheck_request_key_once",
            )
        ]


class ContextualRisk(BaseModel):
    """F-16, contextual safeguarding: a risk to the child from outside the family, recorded by an
    agency that may record on the child. An exploitative relationship with an adult raises R-56's
    organised exploitation prompt (:mod:`ccehub.rules.triggers`). Written only through
    :mod:`ccehub.safeguarding.context`."""

    class Kind(models.TextChoices):
        ADULT_RELATIONSHIP = "adult_relationship", "A relationship with an adult"
        ASSOCIATES = "associates", "Associates (peers or older children)"
        PLACE = "place", "A place of concern"
        GROUP = "group", "A gang or group"

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="contextual_risks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recorded_on = models.DateField()
    #: What is known: free text (it can name people and places), for full viewers only.
    description = models.TextField()
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: ``<user id>:<token>`` of the web form that recorded it (:mod:`ccehub.common.once`).
    request_key = models.CharField(max_length=100, blank=True, default="")
    #: No longer a risk (or recorded in error) from this day, and why: an ended risk raises nothing.
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "recorded_on"]
        verbose_name = "contextual risk"
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="contextualrisk_request_key_once",
            )
        ]


class ServiceReferral(BaseModel):
    """E-17: a referral of the child to a service (CAMHS, drug and alcohol, the exploitation team, the
    demand-reduction service of F-19, ...), by an agency that may record on the child, and what became
    of it. Whether the child can be compelled to engage is read, not stored (R-54,
    :mod:`ccehub.rules.service_referrals`). Written only through
    :mod:`ccehub.safeguarding.service_referrals`."""

    class Service(models.TextChoices):
        MASH = "mash", "Multi-agency safeguarding hub (MASH)"
        EARLY_HELP_HUB = "early_help_hub", "Early help hub"
        SOCIAL_CARE = "social_care", "Children's social care"
        EXPLOITATION_TEAM = "exploitation_team", "Exploitation team"
        CAMHS = "camhs", "Child and adolescent mental health services (CAMHS)"
        DRUG_ALCOHOL = "drug_alcohol", "Drug and alcohol service"
        SPECIALIST_EXPLOITATION = "specialist_exploitation_service", "Specialist exploitation service"
        MENTORING = "groundwork_mentoring", "Mentoring (for example Groundwork)"
        YOT = "yot", "Youth offending team"
        YOUNG_PEOPLES_SERVICES = "young_peoples_services", "Young people's services"
        DEMAND_REDUCTION = "demand_reduction", "Demand reduction (cannabis advice, drug debts: F-19)"
        THERAPEUTIC = "therapeutic_support", "Therapeutic support"

    class Outcome(models.TextChoices):
        """The values of :class:`ccehub.rules.service_referrals.Outcome`."""

        AWAITING = "awaiting", "Awaiting an answer"
        ACCEPTED = "accepted", "Accepted"
        BELOW_THRESHOLD = "below_threshold_to_early_help", "Below threshold: passed to early help"
        DECLINED_BY_SERVICE = "declined_by_service", "Declined by the service"
        DECLINED_BY_YOUNG_PERSON = "declined_by_young_person", "Declined by the young person"
        NOT_ENGAGED = "not_engaged", "The young person did not engage"

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="service_referrals")
    service = models.CharField(max_length=40, choices=Service.choices)
    made_on = models.DateField()
    #: Why the referral was made: free text (it can name people), for full viewers only.
    reason = models.TextField(blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=32, choices=Outcome.choices, default=Outcome.AWAITING)
    outcome_on = models.DateField(null=True, blank=True)
    #: The day an accepted service stopped working with the child.
    ended_on = models.DateField(null=True, blank=True)
    #: Answers recorded in error and taken back, one line each (day, the answer, why): free text.
    corrections = models.TextField(blank=True)
    #: ``<user id>:<token>`` of the web form that recorded it (:mod:`ccehub.common.once`).
    request_key = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["child", "made_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=~models.Q(request_key=""),
                name="servicereferral_request_key_once",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="awaiting", outcome_on__isnull=True)
                | (~models.Q(outcome="awaiting") & models.Q(outcome_on__isnull=False)),
                name="servicereferral_outcome_has_a_day",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(outcome="accepted"),
                name="servicereferral_only_accepted_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.get_service_display()} on {self.made_on}"


class DebtRisk(BaseModel):
    """E-25, F-31: a drug debt that puts the child at risk of violence and re-exploitation (R-39): a
    seizure by the police, a robbery, a friend's debt, lost drugs. Recorded by an agency that may
    record on the child; raises the early warning until a safety plan is recorded for it or it is
    cleared. Written only through :mod:`ccehub.safeguarding.debts`."""

    class Cause(models.TextChoices):
        POLICE_SEIZURE = "police_seizure", "Drugs or cash seized by the police"
        ROBBERY = "robbery_of_cash", "Robbed of drugs or cash"
        FRIEND_DEBT = "friend_debt", "A friend's debt"
        LOST_DRUGS = "lost_drugs", "Lost drugs"
        OTHER = "other", "Other"

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="debt_risks")
    cause = models.CharField(max_length=20, choices=Cause.choices)
    known_on = models.DateField()
    #: Often not known (E-25).
    amount_pounds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    threats = models.CharField(max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED)
    arrest = models.ForeignKey(
        "justice.Arrest", null=True, blank=True, on_delete=models.SET_NULL, related_name="debt_risks"
    )
    #: Who is owed and what is known: free text (it can name people), for full viewers only.
    description = models.TextField(blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: ``<user id>:<token>`` of the web form that recorded it (:mod:`ccehub.common.once`).
    request_key = models.CharField(max_length=100, blank=True, default="")
    #: The safety plan made for the debt (R-39): the day, and what it says (free text).
    safety_plan_on = models.DateField(null=True, blank=True)
    safety_plan = models.TextField(blank=True)
    #: No longer a risk (paid, written off, recorded in error) from this day, and why.
    cleared_on = models.DateField(null=True, blank=True)
    cleared_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "known_on"]
        verbose_name = "debt risk"
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"], condition=~models.Q(request_key=""), name="debtrisk_request_key_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_pounds__isnull=True) | models.Q(amount_pounds__gte=0),
                name="debtrisk_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Debt risk ({self.get_cause_display()}) known on {self.known_on}"

    @property
    def amount_text(self) -> str:
        """The amount as people write it (£1,250, £300.50), or "Not known"."""
        if self.amount_pounds is None:
            return "Not known"
        text = f"£{self.amount_pounds:,.2f}"
        return text[:-3] if text.endswith(".00") else text
