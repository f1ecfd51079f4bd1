"""A child (pseudonymous), their restricted identity, and the facts held about them.

The :class:`Child` row carries no identifying data: most screens need only the pseudonymous id and
age. Names, date of birth, addresses and identifiers live in :class:`Identity` and are read only
through :mod:`ccehub.children.selectors`, which checks the role and writes the audit row.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from ccehub.common.models import BaseModel, DateBasis, SourceType, TriState
from ccehub.common.validators import validate_dob, validate_nhs_number, validate_postcode

# Crockford base32 without I, L, O, U: readable over a radio, no accidental words.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_pseudonymous_id() -> str:
    """A random code (DOMAIN §6.3.2: never derived from identity), e.g. ``CH-7F3KQ-9Q2MD``.

    50 random bits: a collision among two million children has odds of about one in a thousand, and
    the unique constraint turns even that into a refused write rather than a merged record.
    """
    body = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"CH-{body[:5]}-{body[5:]}"


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    UNKNOWN = "unknown", "Not known"


class RiskLevel(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Child(BaseModel):
    """A child or young person (E-01), known by a pseudonymous id."""

    pseudonymous_id = models.CharField(
        max_length=16, unique=True, default=new_pseudonymous_id, editable=False
    )
    display_pseudonym = models.CharField(
        max_length=60, blank=True, help_text="Case-study name (e.g. the report's 'Ben'); not the code"
    )
    cohort = models.CharField(max_length=40, blank=True, db_index=True)
    cohort_position = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    home_local_authority = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="home_children"
    )
    home_police_force = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="home_force_children"
    )
    originating_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="originated_children"
    )
    risk_level = models.CharField(max_length=16, choices=RiskLevel.choices, default=RiskLevel.NOT_ASSESSED)
    looked_after = models.CharField(max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED)
    provenance_note = models.TextField(
        blank=True, help_text="Where these facts come from and what is unknown"
    )

    class Meta:
        ordering = ["cohort", "cohort_position", "pseudonymous_id"]
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "cohort_position"],
                condition=Q(cohort_position__isnull=False),
                name="child_unique_cohort_position",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return (
            f"{self.display_pseudonym} ({self.pseudonymous_id})"
            if self.display_pseudonym
            else self.pseudonymous_id
        )


class CaseHoldingQuerySet(models.QuerySet["CaseHolding"]):
    def current(self) -> CaseHoldingQuerySet:
        """Holdings that have not ended: the only ones that are a basis for anything."""
        return self.filter(ended_on__isnull=True)


class CaseHolding(BaseModel):
    """An agency that holds records about a child in its own right (its own records).

    Every other agency needs a recorded basis (panel case, data-sharing agreement) to see the child.
    A holding ends (``ended_on``, by ``holding_end`` in :mod:`ccehub.children.services`) when the
    agency no longer works with the child; the row stays as history, and only a current holding
    (``CaseHolding.objects.current()``) is a basis. Recording again makes the agency a holder again,
    on a new row.
    """

    class Basis(models.TextChoices):
        HOME_LOCAL_AUTHORITY = "home_local_authority", "Home local authority"
        HOME_POLICE_FORCE = "home_police_force", "Home police force"
        ARRESTING_FORCE = "arresting_force", "Arresting or recording police force"
        RECORDING_AGENCY = "recording_agency", "Agency that recorded facts"
        YOUTH_JUSTICE = "youth_justice", "Youth justice supervision"
        HEALTH = "health", "Health care"
        PLACING_AUTHORITY = "placing_authority", "Placing authority"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="holdings")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="holdings")
    basis = models.CharField(max_length=32, choices=Basis.choices)
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    objects = CaseHoldingQuerySet.as_manager()

    class Meta:
        constraints = [
            # One current holding per child, agency and basis; ended ones are history and may repeat.
            models.UniqueConstraint(
                fields=["child", "agency", "basis"],
                condition=Q(ended_on__isnull=True),
                name="holding_unique_current",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | ~Q(end_reason=""), name="holding_ended_with_reason"
            ),
        ]

    def __str__(self) -> str:
        ended = f", ended {self.ended_on:%Y-%m-%d}" if self.ended_on else ""
        return f"{self.child.pseudonymous_id} held by {self.agency.code} ({self.basis}{ended})"


class EthnicityIC(models.TextChoices):
    """Police-assigned *apparent* ethnicity (IC codes), not self-identification (G-134)."""

    IC1 = "IC1", "IC1 White – North European"
    IC2 = "IC2", "IC2 White – South European"
    IC3 = "IC3", "IC3 Black"
    IC4 = "IC4", "IC4 Asian"
    IC5 = "IC5", "IC5 Chinese, Japanese or South East Asian"
    IC6 = "IC6", "IC6 Middle Eastern"
    IC0 = "IC0", "IC0 Not known"


class Identity(BaseModel):
    """Restricted identity (E-35). Read only through selectors that check role and audit the read."""

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="identity")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_dob])
    date_of_birth_estimated = models.BooleanField(default=False)
    ethnicity_ic_code = models.CharField(max_length=3, choices=EthnicityIC.choices, blank=True)
    ethnicity_self_defined = models.CharField(max_length=100, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True, validators=[validate_nhs_number])

    class Meta:
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"Identity of {self.child.pseudonymous_id}"


class Alias(BaseModel):
    class Kind(models.TextChoices):
        ALIAS = "alias", "Alias"
        NICKNAME = "nickname", "Nickname or street name"
        PREVIOUS = "previous", "Previous name"

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="aliases")
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ALIAS)


class Address(BaseModel):
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, validators=[validate_postcode])
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "addresses"


class VulnerabilityFactor(models.TextChoices):
    """The ten Fig 3 factors, in the report's order, with the report's labels (E-09)."""

    DOMESTIC_ABUSE = "domestic_abuse", "Domestic Abuse"
    SEXUAL_ABUSE = "sexual_abuse_assault_concerns", "Sexual abuse / assault concerns"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance Misuse"
    MENTAL_HEALTH = "mental_health_concerns", "Mental health concerns"
    SCHOOL_EXCLUSIONS = "school_exclusions", "School exclusions"
    CARE_EXPERIENCED = "care_experienced", "Care experienced"
    REPORTED_MISSING = "reported_missing", "Reported missing"
    GANG_INVOLVEMENT = "gang_involvement", "Gang involvement"
    OFFENDING_BEHAVIOUR = "offending_behaviour", "Offending behaviour"
    VICTIM_OF_CRIME = "victim_of_crime", "Victim of crime"


FIG3_ORDER: tuple[str, ...] = tuple(VulnerabilityFactor.values)


class RelativeToIncident(models.TextChoices):
    BEFORE = "before", "Before the identifying incident"
    DURING = "during", "During the identifying incident"
    AFTER = "after", "After the identifying incident"


class VulnerabilityFlag(BaseModel):
    """One source's statement about one factor for one child (tri-state, with provenance)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="vulnerabilities")
    factor = models.CharField(max_length=40, choices=VulnerabilityFactor.choices)
    value = models.CharField(max_length=20, choices=TriState.choices)
    relative_to_incident = models.CharField(
        max_length=10, choices=RelativeToIncident.choices, default=RelativeToIncident.BEFORE
    )
    source_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    source_type = models.CharField(max_length=32, choices=SourceType.choices, blank=True)
    recorded_on = models.DateField(null=True, blank=True)
    detail = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["child", "factor", "-recorded_on"]
        indexes = [models.Index(fields=["child", "factor"])]


class MissingEpisode(BaseModel):
    """E-08. Duration feeds the 'weeks rather than days' crisis trigger (R-30)."""

    class ReportedBy(models.TextChoices):
        PARENT = "parent", "Parent"
        CARER = "carer", "Carer"
        PLACEMENT_STAFF = "placement_staff", "Placement staff"
        SCHOOL = "school", "School"
        OTHER = "other", "Other"
        NONE = "none", "Not reported"
        UNKNOWN = "unknown", "Not known"

    class MissingFrom(models.TextChoices):
        FAMILY_HOME = "family_home", "Family home"
        PLACEMENT = "placement", "Placement"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    class ReturnHomeInterview(models.TextChoices):
        """The values of :class:`ccehub.rules.missing.ReturnHomeInterview`."""

        NOT_RECORDED = "not_recorded", "Not recorded"
        OFFERED = "offered", "Offered"
        COMPLETED = "completed", "Held"
        DECLINED = "declined", "Declined by the child"
        NOT_OFFERED = "not_offered", "Not offered"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="missing_episodes")
    started_at = models.DateTimeField(null=True, blank=True)
    #: How the dates are known: the study's episodes are placed by the demo loader (synthetic or
    #: approximate); a gap between such dates is not measured by default (R-34, timeliness).
    started_at_basis = models.CharField(max_length=16, choices=DateBasis.choices, default=DateBasis.RECORDED)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_uncertain = models.BooleanField(default=False)
    approximate_duration_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="When only a duration is known (e.g. 'almost two months')"
    )
    missing_from = models.CharField(max_length=16, choices=MissingFrom.choices, default=MissingFrom.UNKNOWN)
    reported_by = models.CharField(max_length=16, choices=ReportedBy.choices, default=ReportedBy.UNKNOWN)
    reported_to_police_at = models.DateTimeField(null=True, blank=True)
    social_care_notified_at = models.DateTimeField(null=True, blank=True)
    found_location = models.CharField(max_length=200, blank=True)
    found_in_home_area = models.CharField(
        max_length=20, choices=TriState.choices, default=TriState.NOT_RECORDED
    )
    relative_to_incident = models.CharField(
        max_length=10, choices=RelativeToIncident.choices, default=RelativeToIncident.BEFORE
    )
    source_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    notes = models.TextField(blank=True)
    #: Reported missing on ccehub and not yet found: the days keep counting to now. A record without
    #: an end that is not open (the study's, an import's) has an end that is not known, which is not
    #: the same as a child still missing.
    still_missing = models.BooleanField(default=False)
    #: Reported missing on ccehub: what must follow (R-32: tell social care, a strategy discussion, a
    #: return home interview) is tracked and shown until recorded. Historical and imported episodes
    #: are not tracked: nobody is asked now to do what was due years ago.
    follow_up_tracked = models.BooleanField(default=False)
    #: E-08: the R-30 crisis was notified once the episode reached the threshold while still missing
    #: (``ccehub notifications send``, run from cron, checks).
    crisis_trigger_fired = models.BooleanField(default=False)
    strategy_meeting = models.ForeignKey(
        "safeguarding.StrategyMeeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="missing_episodes",
        help_text="The strategy meeting or discussion the episode led to (R-32, J-05)",
    )
    return_home_interview = models.CharField(
        max_length=16, choices=ReturnHomeInterview.choices, default=ReturnHomeInterview.NOT_RECORDED
    )
    return_home_interview_offered_on = models.DateField(null=True, blank=True)
    #: When it was held or declined (the outcome); the day it was offered is kept apart.
    return_home_interview_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["child", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(ended_at__gte=models.F("started_at")),
                name="missing_end_after_start",
            )
        ]


class SettingType(models.TextChoices):
    FAMILY = "family", "Family home"
    RELATIVE = "relative", "Relative or extended family"
    FOSTER = "foster", "Foster care"
    REMAND_FOSTER_LOCAL = "remand_foster_local", "Local remand fostering"
    REGISTERED_RESIDENTIAL = "registered_residential", "Registered residential (children's home)"
    SUPPORTED = "supported", "Supported accommodation"
    SEMI_INDEPENDENT = "semi_independent", "Semi-independent"
    UNREGISTERED = "unregistered", "Unregistered setting"
    HOLIDAY_LET = "holiday_let", "Short-term holiday let"
    SECURE = "secure", "Secure accommodation"
    CUSTODY = "custody", "Custody"


class PoliceIntel(models.TextChoices):
    """R-45: the police intelligence check on a placement's area and people."""

    NOT_CHECKED = "not_checked", "Not checked (or not recorded)"
    SUITABLE = "suitable", "Suitable"
    UNSUITABLE = "unsuitable", "Unsuitable"


class PlacementEnd(models.TextChoices):
    """E-21: why a placement ended (:data:`ccehub.rules.placement.END_REASONS`)."""

    BREAKDOWN = "breakdown", "The placement broke down"
    MOVED_CLOSER = "moved_closer", "Moved closer to home once the risk had subsided"
    CUSTODY = "custody", "Custody (remanded or sentenced)"
    STEP_DOWN = "step_down", "Stepped down"
    OTHER = "other", "Another reason"


class Placement(BaseModel):
    """E-21. Recorded on ccehub through the suitability checker (F-20, ``ccehub.rules.placement``);
    the study's placements and imports carry what their source said."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    setting_type = models.CharField(max_length=32, choices=SettingType.choices)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    distance_from_home_miles = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    commissioning_authority = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relative_to_incident = models.CharField(
        max_length=10, choices=RelativeToIncident.choices, default=RelativeToIncident.BEFORE
    )
    young_person_express_wish = models.BooleanField(default=False)
    #: R-42: the young person's wish in their own words (a placement at distance needs it).
    express_wish_words = models.TextField(blank=True)
    #: Inside the home local authority's area? None: not recorded.
    in_home_area = models.BooleanField(null=True, blank=True)
    police_intel_outcome = models.CharField(
        max_length=16, choices=PoliceIntel.choices, default=PoliceIntel.NOT_CHECKED
    )
    police_intel_findings = models.TextField(blank=True)
    police_intel_by = models.CharField(max_length=150, blank=True)
    police_intel_on = models.DateField(null=True, blank=True)
    #: The child's exploitation risk when the placement was checked (R-41, R-43).
    risk_level_at_decision = models.CharField(max_length=16, blank=True)
    #: R-44: a move into a new area: health support due at once (the start day), and when it started.
    health_support_due_on = models.DateField(null=True, blank=True)
    health_support_started_on = models.DateField(null=True, blank=True)
    checker_warnings = models.JSONField(
        default=list, blank=True, help_text="Warnings confirmed when recorded"
    )
    end_reason = models.CharField(max_length=200, blank=True)
    #: E-21's reason the placement ended (``end_reason`` holds the words); blank: not recorded.
    end_kind = models.CharField(max_length=16, choices=PlacementEnd.choices, blank=True)
    #: J-11: when the home authority kept the placement open for the child's return from custody.
    kept_through_custody_at = models.DateTimeField(null=True, blank=True)
    #: R-47: what is known about the area (drug markets, gangs, "near a bail hostel").
    area_risk_notes = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="placement_end_after_start",
            )
        ]


class PoliceProtection(BaseModel):
    """E-22: an episode of police protection (R-35, at most 72 hours on a risk of significant harm)
    and, when the police used it against the local authority's placement plan, the disagreement and
    the local authority's reassessment (F-32). Rules: :mod:`ccehub.rules.police_protection`; written
    only through :mod:`ccehub.children.police_protection`."""

    class HeldAt(models.TextChoices):
        POLICE_PREMISES = "police_premises", "Police premises"
        OTHER = "other", "Somewhere else (hospital, the child's placement)"

    class ReleasedTo(models.TextChoices):
        HOME = "home", "Returned to their family home"
        LA_ACCOMMODATION = "la_accommodation", "Accommodated by the local authority"
        PLACEMENT = "placement", "Returned to their placement"
        HOSPITAL = "hospital", "Hospital"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        PLAN_CHANGED = "plan_changed", "The plan changed: a different placement"
        PLAN_CONFIRMED = "plan_confirmed", "The plan stands"
        OTHER = "other", "Another outcome"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="police_protections")
    force = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    officer = models.CharField(max_length=150, help_text="The officer who used the power")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    #: The policy profile's limit when it began (R-35), so a later change does not rewrite it.
    max_hours = models.PositiveSmallIntegerField()
    grounds = models.TextField(help_text="Why the officers judged a risk of significant harm")
    held_at = models.CharField(max_length=16, choices=HeldAt.choices, default=HeldAt.POLICE_PREMISES)
    released_to = models.CharField(max_length=20, choices=ReleasedTo.choices, blank=True)
    outcome = models.TextField(blank=True, help_text="What followed, in the police's words")
    #: F-32: the local authority's plan the police used protection against, and why.
    disputed_plan = models.TextField(blank=True)
    dispute_reason = models.TextField(blank=True)
    disputed_placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reassessed_on = models.DateField(null=True, blank=True)
    reassessment_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reassessment_notes = models.TextField(blank=True)
    reassessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The study's episode (Joshua) has no dates in the source: its times are synthetic.
    dates_basis = models.CharField(max_length=12, choices=DateBasis.choices, default=DateBasis.RECORDED)
    source_note = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "started_at"]
        verbose_name_plural = "police protections"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="police_protection_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(ended_at__isnull=True), name="one_open_police_protection"
            ),
        ]

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_plan)


class RecordConflict(BaseModel):
    """Two sources disagree about a fact. Both values are kept; neither overwrites the other (Q-04)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="conflicts")
    subject = models.CharField(max_length=200)
    value_a = models.TextField()
    source_a = models.CharField(max_length=200)
    value_b = models.TextField()
    source_b = models.CharField(max_length=200)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class EmergencyAccess(BaseModel):
    """Break-glass sight of one child's record by one person (DESIGN: "time-limited, reasoned and
    reviewed"): read-only, until ``expires_at``, on the reason they gave, reviewed afterwards.

    Personal to ``user`` (never the agency's), and it does not add the child to any list: it is read
    as the basis ``emergency_access:<id>`` by :func:`ccehub.common.access.access_basis`. Started only
    through :func:`ccehub.children.services.emergency_access_start`.
    """

    class Outcome(models.TextChoices):
        JUSTIFIED = "justified", "Justified"
        NOT_JUSTIFIED = "not_justified", "Not justified"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", help_text="The user's agency then"
    )
    role = models.CharField(max_length=32, help_text="The user's role then")
    reason = models.TextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "emergency access"
        verbose_name_plural = "emergency accesses"
        indexes = [models.Index(fields=["child", "user", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("started_at")),
                name="emergency_access_expires_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Emergency access to {self.child.pseudonymous_id}"


class ErasedChild(models.Model):
    """A child's record erased from ccehub (:func:`ccehub.children.services.child_erase`): the evidence
    that it was erased, when, by whom, why and how much, with no identity and no case facts.

    Its ``pseudonymous_id`` is never given to another child: a database trigger (migration
    ``0005_erasedchild``) refuses to write a :class:`Child` with an erased ID, so the audit rows that
    still carry it can never be read as another child's history. The reason must not name the child
    (the operator is told so); the audit row of the erasure does not copy it.
    """

    id = models.BigAutoField(primary_key=True)
    pseudonymous_id = models.CharField(max_length=16, unique=True)
    erased_at = models.DateTimeField()
    erased_by = models.CharField(max_length=150, help_text="The operator, or the name given with --user")
    origin = models.CharField(max_length=200, blank=True, help_text="The OS account and host that ran it")
    reason = models.TextField(help_text="Why: a request reference or the retention review; never a name")
    counts = models.JSONField(default=dict, help_text="Rows deleted, per kind (model label)")
    open_matters = models.JSONField(
        default=list, blank=True, help_text="Matters still open that the erasure overrode (--even-if-open)"
    )

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = "erased child"

    def __str__(self) -> str:
        return f"{self.pseudonymous_id} erased {self.erased_at:%Y-%m-%d}"


class IdempotencyKey(BaseModel):
    """An ``Idempotency-Key`` sent with ``POST /api/children/``, and the answer its request got.

    A retry with the same key and body, from the same token (or, for a browser session, the same user),
    within ``CCEHUB_IDEMPOTENCY_HOURS`` of ``created_at`` is answered with this stored answer instead of
    a second child (:mod:`ccehub.children.idempotency`). Only a creation that succeeded is kept: the
    row is claimed and answered in the transaction that creates the child, and goes with it when the
    request fails. No identity: the body is a hash keyed with the secret key (it cannot confirm a guess
    of who the child is), and the answer holds only the pseudonymous ID. Expired rows are deleted when
    a new key is stored; the row goes with its child when the child is erased, and with its user.
    """

    #: ``token:<ApiToken id>`` or ``user:<user id>``: whose key it is. Keys are never global.
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255, help_text="As the client sent it: 1 to 255 printable ASCII")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64, help_text="HMAC-SHA-256 of the request body as read")
    # Empty only inside the transaction that is creating the child: never committed empty.
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_scope"),
        ]
        # expired rows are found by age
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
