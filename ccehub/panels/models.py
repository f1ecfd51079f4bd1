"""CCE panels (E-12 to E-14, E-19, E-20): areas, members, meetings, decisions, plans and orders.

A case shared with a panel (:class:`PanelCase`) is a recorded basis for the panel's members to see the
child. Everything that changes these rows goes through :mod:`ccehub.panels.services`, which checks,
changes and audits in one transaction; the rules that decide (quorum, clocks, order transitions) are
pure functions in :mod:`ccehub.panels.rules` and :mod:`ccehub.rules.clocks`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ccehub.children.models import RiskLevel
from ccehub.common.models import BaseModel
from ccehub.rules.closure import CLOSURE_REASON_LABELS, ClosureReason


class PanelArea(BaseModel):
    panel = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="panel_areas")
    local_authority = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "local_authority"], name="panel_area_unique")]


class CloseReason(models.TextChoices):
    """Why a panel case or joint plan closed (E-15 ``closure_reason``; :mod:`ccehub.rules.closure`)."""

    RISK_REDUCED = ClosureReason.RISK_REDUCED.value, CLOSURE_REASON_LABELS[ClosureReason.RISK_REDUCED]
    DIRECT_WORK_COMPLETED = (
        ClosureReason.DIRECT_WORK_COMPLETED.value,
        CLOSURE_REASON_LABELS[ClosureReason.DIRECT_WORK_COMPLETED],
    )
    TURNED_18 = ClosureReason.TURNED_18.value, CLOSURE_REASON_LABELS[ClosureReason.TURNED_18]
    MOVED_AREA = ClosureReason.MOVED_AREA.value, CLOSURE_REASON_LABELS[ClosureReason.MOVED_AREA]
    DISENGAGED = ClosureReason.DISENGAGED.value, CLOSURE_REASON_LABELS[ClosureReason.DISENGAGED]
    CUSTODY = ClosureReason.CUSTODY.value, CLOSURE_REASON_LABELS[ClosureReason.CUSTODY]
    #: A joint plan only: closed on the day a later plan was agreed (never offered on the form).
    REPLACED = "replaced", "Replaced by a later joint plan"


class ClosureRecord(models.Model):
    """What closing a panel case or a joint plan records (R-50): the reason, the reassessed risk,
    the panel's approval when there was one, the warnings confirmed, and who closed it. Empty while
    open. ``closed_on`` is on each model."""

    close_reason = models.CharField(max_length=24, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(blank=True, help_text="The reasons for closing, in the chair's words")
    risk_at_close = models.CharField(
        max_length=16, choices=RiskLevel.choices, blank=True, help_text="The exploitation risk reassessed"
    )
    risk_reduced_at_close = models.BooleanField(null=True, blank=True)
    closure_meeting = models.ForeignKey(
        "PanelMeeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The quorate sitting that approved the closure (R-50 panel sign-off), if any",
    )
    closure_warnings = models.JSONField(
        default=list, blank=True, help_text="The warnings the chair confirmed when closing"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        abstract = True


class PanelCase(ClosureRecord, BaseModel):
    """A child's case shared with a panel: the basis for its members to see the child while open.

    Closed by the panel's chair (:func:`ccehub.panels.services.panel_case_close`); a later referral
    opens a new one (one open case per panel and child).
    """

    panel = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="panel_cases")
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="panel_cases")
    shared_by = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    shared_on = models.DateField()
    reason = models.TextField()
    closed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "child"], condition=Q(closed_on__isnull=True), name="panel_case_one_open"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("shared_on")),
                name="panel_case_closed_after_shared",
            ),
        ]

    def __str__(self) -> str:
        state = f"closed {self.closed_on}" if self.closed_on else "open"
        return f"Panel case shared on {self.shared_on} ({state})"


# --- Configuration (F-05, Q-27) -------------------------------------------------------------------


class Sector(models.TextChoices):
    """A member's sector (E-12). Social care, police and health are the 'three-legged stool' (R-21)."""

    SOCIAL_CARE = "social_care", "Social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    YOT = "yot", "Youth offending team"
    EDUCATION = "education", "Education"
    OTHER = "other", "Other"


#: R-21: a panel decides only with all three present [D, "should include"; Q-27 enforces by default].
DEFAULT_QUORUM_SECTORS: tuple[str, ...] = (Sector.SOCIAL_CARE, Sector.POLICE, Sector.HEALTH)


def _default_quorum_sectors() -> list[str]:
    return list(DEFAULT_QUORUM_SECTORS)


class PanelConfig(BaseModel):
    """Per-panel switches for the points the report leaves open. A panel without a row uses defaults."""

    panel = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="panel_config")
    require_county_lines_flag = models.BooleanField(
        default=True,
        help_text="F-05: only county-lines-flagged referrals take the local panel route",
    )
    quorum_enforced = models.BooleanField(
        default=True, help_text="Q-27: refuse decisions without the quorum sectors (the default)"
    )
    quorum_sectors = models.JSONField(default=_default_quorum_sectors)
    policy_profile = models.CharField(
        max_length=20,
        blank=True,
        help_text="Policy profile for new referrals; blank means the profile in force on the referral date",
    )


class PanelMember(BaseModel):
    """A standing member of a panel, with the sector they speak for (E-12 members)."""

    panel = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="panel_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=150)
    sector = models.CharField(max_length=16, choices=Sector.choices)
    home_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seniority = models.CharField(max_length=100, blank=True, help_text="e.g. head of safeguarding")
    may_chair = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["panel", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_sector_display()})"


# --- Meetings, agenda, attendance (E-13) ----------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class PanelMeeting(BaseModel):
    """One sitting of a panel. Monthly (R-16); an extra sitting needs a reason."""

    panel = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="panel_meetings")
    held_on = models.DateField()
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    extraordinary = models.BooleanField(default=False)
    extraordinary_reason = models.TextField(blank=True)
    chair = models.ForeignKey(PanelMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    minutes = models.TextField(blank=True)
    scheduled_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["panel", "held_on"]
        indexes = [models.Index(fields=["panel", "held_on"])]

    def __str__(self) -> str:
        return f"{self.panel} meeting on {self.held_on:%-d %B %Y}"


class AgendaItem(BaseModel):
    """A referral listed at a meeting, in urgency order, with why it is urgent."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="agenda")
    referral = models.ForeignKey("nrm.NRMReferral", on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    urgency = models.JSONField(
        default=dict, blank=True, help_text="Deadline, priority and reasons when listed"
    )
    acting_chair = models.ForeignKey(
        PanelMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Chairs this case instead of the meeting chair (when that chair is the lead social worker)",
    )

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "referral"], name="agenda_item_unique_referral"),
        ]


class DiscussionOutcome(models.TextChoices):
    """What a sitting made of a case with no NRM referral (R-22)."""

    MONITOR = "monitor", "Keep under review at the next sitting"
    JOINT_PLAN = "joint_plan", "Agree a joint plan"
    INTELLIGENCE = "intelligence", "Share intelligence with the police for disruption or enforcement"
    REFER_NRM = "refer_nrm", "Refer to the NRM"
    CLOSE = "close", "Propose closing the case"


class CaseDiscussion(BaseModel):
    """R-22: a panel case with no NRM referral (a concern before any arrest, a crisis response) listed
    for discussion at a sitting, and what the sitting made of it. Referrals are listed as
    :class:`AgendaItem` and decided; a discussion decides nothing statutory, so it needs no quorum.
    Written only through :mod:`ccehub.panels.discussions`."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="discussions")
    case = models.ForeignKey(PanelCase, on_delete=models.CASCADE, related_name="discussions")
    outcome = models.CharField(max_length=16, choices=DiscussionOutcome.choices, blank=True)
    #: What was said and who does what: free text (it can name people), for full viewers only.
    notes = models.TextField(blank=True)
    discussed_on = models.DateField(null=True, blank=True)
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="case_discussion_once_per_sitting"),
        ]


class Attendance(BaseModel):
    """Who sat at a meeting, and the sector each spoke for then (a member's sector may change)."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="attendances")
    name = models.CharField(max_length=150)
    sector = models.CharField(max_length=16, choices=Sector.choices)
    present = models.BooleanField(default=True)

    class Meta:
        ordering = ["meeting", "sector", "name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique_member")]


# --- Decisions and Home Office quality assurance (E-14, R-20) -------------------------------------


class PanelDecisionType(models.TextChoices):
    RG_POSITIVE = "rg_positive", "Reasonable grounds: positive"
    RG_NEGATIVE = "rg_negative", "Reasonable grounds: negative"
    CG_POSITIVE = "cg_positive", "Conclusive grounds: positive"
    CG_NEGATIVE = "cg_negative", "Conclusive grounds: negative"
    DEFER = "defer", "Deferred for more information"
    REFERRED_TO_SCA = "referred_to_sca", "Referred to the Home Office Single Competent Authority"


#: Decision types that are NRM decisions (and so go to Home Office quality assurance).
NRM_DECISION_TYPES: dict[str, tuple[str, str]] = {
    PanelDecisionType.RG_POSITIVE: ("rg", "positive"),
    PanelDecisionType.RG_NEGATIVE: ("rg", "negative"),
    PanelDecisionType.CG_POSITIVE: ("cg", "positive"),
    PanelDecisionType.CG_NEGATIVE: ("cg", "negative"),
}


class QAStatus(models.TextChoices):
    NOT_APPLICABLE = "n/a", "Not applicable"
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    RETURNED = "returned", "Returned to the panel"


class PanelDecision(BaseModel):
    """What a panel decided about one referral at one meeting, with everything F-07 asks for.

    Never edited: a Home Office return is answered by a response (and, if the panel thinks again, a
    new decision), so the record a court or inspector sees is the one that was made.
    """

    meeting = models.ForeignKey(
        PanelMeeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        help_text="Empty only for a referral to the SCA made outside a meeting (the day-45 escalation)",
    )
    referral = models.ForeignKey("nrm.NRMReferral", on_delete=models.PROTECT, related_name="panel_decisions")
    decision_type = models.CharField(max_length=20, choices=PanelDecisionType.choices)
    decided_on = models.DateField()
    nrm_decision = models.OneToOneField(
        "nrm.NRMDecision", null=True, blank=True, on_delete=models.PROTECT, related_name="panel_decision"
    )
    rationale = models.TextField()
    evidence_considered = models.JSONField(default=list, help_text="What the panel read and heard (F-07)")
    members_present = models.JSONField(default=list, help_text="[{name, sector}] when the decision was made")
    chaired_by_name = models.CharField(max_length=150, blank=True)
    unanimous = models.BooleanField(default=True)
    dissent = models.TextField(blank=True)
    quorum_note = models.TextField(blank=True, help_text="How the quorum was met (or the override in force)")
    deferral_reason = models.TextField(blank=True)
    defer_until = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True, help_text="The clock's deadline when decided")
    policy_profile = models.CharField(max_length=20)
    rule_version = models.CharField(max_length=20)
    caveat = models.CharField(max_length=120, blank=True)
    ho_qa_status = models.CharField(max_length=12, choices=QAStatus.choices, default=QAStatus.NOT_APPLICABLE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["referral", "decided_on", "created_at"]
        indexes = [models.Index(fields=["ho_qa_status", "decided_on"])]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="panel_decision_has_rationale"),
            models.CheckConstraint(
                condition=~Q(decision_type="defer") | ~Q(deferral_reason=""),
                name="panel_deferral_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(unanimous=True) | ~Q(dissent=""), name="panel_dissent_recorded"
            ),
            models.CheckConstraint(
                condition=Q(meeting__isnull=False) | Q(decision_type="referred_to_sca"),
                name="panel_decision_at_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_type_display()} on {self.decided_on}"


class QAEventKind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for quality assurance"
    CONFIRMED = "confirmed", "Confirmed by the Home Office"
    RETURNED = "returned", "Returned by the Home Office"
    PANEL_RESPONSE = "panel_response", "Panel's response to a return"


class QAEvent(BaseModel):
    """The quality-assurance history of one panel decision (R-20)."""

    decision = models.ForeignKey(PanelDecision, on_delete=models.CASCADE, related_name="qa_events")
    kind = models.CharField(max_length=16, choices=QAEventKind.choices)
    note = models.TextField(blank=True)
    by_name = models.CharField(max_length=150, blank=True)
    by_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField()

    class Meta:
        ordering = ["decision", "at"]


# --- Information requests (R-15) ------------------------------------------------------------------


class RecipientRole(models.TextChoices):
    """R-15: who the local authority asks (Islington and Camden practice)."""

    SOCIAL_WORKER = "social_worker", "Social worker"
    SOCIAL_WORK_MANAGER = "social_work_manager", "Social work manager"
    YOT = "yot", "Youth offending team"
    GANGS_TEAM = "gangs_team", "Integrated gangs team"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Awaiting a response"
    RESPONDED = "responded", "Responded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class InformationRequest(BaseModel):
    """A question to a named professional about a referred child, with a due date (R-15)."""

    referral = models.ForeignKey(
        "nrm.NRMReferral", on_delete=models.CASCADE, related_name="information_requests"
    )
    recipient_role = models.CharField(max_length=24, choices=RecipientRole.choices)
    recipient_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_name = models.CharField(max_length=150)
    question = models.TextField()
    requested_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    requested_by_name = models.CharField(max_length=150, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    response = models.TextField(blank=True)
    responded_on = models.DateField(null=True, blank=True)
    responded_by_name = models.CharField(max_length=150, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True, help_text="Why the panel withdrew it (free text)")
    response_recorded_on_behalf = models.BooleanField(
        default=False, help_text="The panel lead recorded a reply received another way"
    )

    class Meta:
        ordering = ["referral", "due_on", "recipient_role"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("requested_on")), name="info_request_due_after"
            ),
            models.CheckConstraint(
                condition=~Q(status="responded") | (~Q(response="") & Q(responded_on__isnull=False)),
                name="info_request_response_recorded",
            ),
        ]


# --- After the decision: joint plan (E-15) and safeguarding orders (E-19, E-20) --------------------


class JointPlan(ClosureRecord, BaseModel):
    """The panel's joint plan for a child (F-06, W-5 phases 2 and 3). Mirrored as a CCE joint ChildPlan.

    Closed by the panel's chair (:func:`ccehub.panels.services.joint_plan_close`), with the panel case
    (:func:`~ccehub.panels.services.panel_case_close`), or when a later plan replaces it.
    """

    panel = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="joint_plans")
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="joint_plans")
    referral = models.ForeignKey(
        "nrm.NRMReferral", null=True, blank=True, on_delete=models.SET_NULL, related_name="joint_plans"
    )
    decision = models.ForeignKey(
        PanelDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="joint_plans"
    )
    child_plan = models.OneToOneField(
        "safeguarding.ChildPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="joint_plan"
    )
    agreed_on = models.DateField()
    review_on = models.DateField()
    review_trigger = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the review was brought forward (a trigger event, R-50); cleared by the next review",
    )
    review_trigger_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day of the trigger event; a review dated before it leaves it standing",
    )
    summary = models.TextField()
    closed_on = models.DateField(null=True, blank=True)
    #: W-5 (``ccehub.rules.phases``): phase 2 from agreement; phase 3 when a review finds the risk
    #: reduced; back to phase 2 on a re-exploitation indicator.
    phase = models.CharField(
        max_length=16,
        choices=[
            ("intensive", "Phase 2: intensive support"),
            ("longer_term", "Phase 3: longer-term support"),
        ],
        default="intensive",
    )
    phase_since = models.DateField(null=True, blank=True, help_text="The day the plan entered its phase")
    phase_reason = models.CharField(max_length=200, blank=True, help_text="Why it is in its phase")

    class Meta:
        ordering = ["child", "agreed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__gte=models.F("agreed_on")), name="joint_plan_review_after"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("agreed_on")),
                name="joint_plan_closed_after_agreed",
            ),
        ]

    def __str__(self) -> str:
        state = f"closed {self.closed_on}" if self.closed_on else "open"
        return f"Joint plan agreed on {self.agreed_on} ({state})"


class JointPlanReview(BaseModel):
    """A review of a joint plan (R-50, F-22): the risk reassessed, what it found, the next review date.

    Recorded by the panel lead or chair (:func:`ccehub.panels.services.joint_plan_review`).
    """

    plan = models.ForeignKey(JointPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    risk_level = models.CharField(max_length=16, choices=RiskLevel.choices)
    note = models.TextField()
    next_review_on = models.DateField()
    trigger = models.CharField(
        max_length=200, blank=True, help_text="The trigger event that brought this review forward, if one did"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["plan", "reviewed_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__gt=models.F("reviewed_on")), name="plan_review_next_after"
            )
        ]


class PlanActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "No longer needed"


class PlanAction(BaseModel):
    plan = models.ForeignKey(JointPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(max_length=150, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=PlanActionStatus.choices, default=PlanActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "due_on"]


class LegalBasis(models.TextChoices):
    """E-19: the report leaves the instrument undecided, so the basis is configurable (Q-03)."""

    EXISTING_ORDER_ADAPTED = "existing_order_adapted", "An existing order, adapted"
    NEW_STATUTORY_ORDER = "new_statutory_order", "A new statutory order"


class OrderStatus(models.TextChoices):
    """DOMAIN §4.5 Safeguarding Order sub-machine."""

    DRAFT = "draft", "Draft"
    APPLIED = "applied", "Applied for"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"
    ACTIVE = "active", "Active"
    BREACH_REPORTED = "breach_reported", "Breach reported"
    VARIED = "varied", "Varied"
    DISCHARGED = "discharged", "Discharged"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SafeguardingOrder(BaseModel):
    """A Safeguarding Order applied for by the panel (E-19, F-12). The report's proposed instrument."""

    panel = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="safeguarding_orders")
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="safeguarding_orders")
    referral = models.ForeignKey(
        "nrm.NRMReferral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="safeguarding_orders",
    )
    legal_basis = models.CharField(max_length=24, choices=LegalBasis.choices)
    legal_basis_detail = models.CharField(max_length=300)
    court = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    applied_on = models.DateField(null=True, blank=True)
    made_on = models.DateField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    monitoring_note = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(expires_on__gte=models.F("starts_on")),
                name="order_expires_after_start",
            )
        ]


class ConditionType(models.TextChoices):
    """E-19 condition types [D]; the report names only 'control and protect / prevent contact' (Q-03)."""

    NO_CONTACT = "no_contact_named_persons", "No contact with named persons"
    RESIDENCE = "residence", "Residence"
    CURFEW = "curfew", "Curfew"
    EXCLUSION_ZONE = "exclusion_zone", "Exclusion zone"
    ELECTRONIC_MONITORING = "electronic_monitoring", "Electronic monitoring"
    ENGAGE_WITH_PLAN = "engage_with_plan", "Engage with the plan"
    OTHER = "other", "Other"


class OrderCondition(BaseModel):
    order = models.ForeignKey(SafeguardingOrder, on_delete=models.CASCADE, related_name="conditions")
    condition_type = models.CharField(max_length=32, choices=ConditionType.choices)
    detail = models.TextField()


class ProtectedAgainst(BaseModel):
    """A person the order protects the child against, by pseudonymous reference only, never by name.

    The reference is the intelligence or associate record's code held by the agency named, so the
    identity stays with its controller (DOMAIN §6.3).
    """

    order = models.ForeignKey(SafeguardingOrder, on_delete=models.CASCADE, related_name="protected_against")
    reference = models.CharField(max_length=40)
    held_by = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(max_length=100, blank=True, help_text="e.g. line holder, older associate")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "reference", "held_by"], name="protected_against_unique")
        ]


class CourtResponse(models.TextChoices):
    """E-20; ankle tags and secure accommodation are named in the report."""

    NO_ACTION = "no_action", "No action"
    WARNING = "warning", "Warning"
    VARIATION = "variation", "Variation of the order"
    ELECTRONIC_TAG = "electronic_tag", "Electronic tag"
    SECURE_ACCOMMODATION = "secure_accommodation", "Secure accommodation"
    OTHER = "other", "Other"


class OrderBreach(BaseModel):
    order = models.ForeignKey(SafeguardingOrder, on_delete=models.CASCADE, related_name="breaches")
    occurred_on = models.DateField()
    reported_on = models.DateField()
    reported_by_name = models.CharField(max_length=150, blank=True)
    reported_by_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT)
    nature = models.TextField()
    court_response = models.CharField(max_length=24, choices=CourtResponse.choices, blank=True)
    response_on = models.DateField(null=True, blank=True)
    response_detail = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "occurred_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_on__gte=models.F("occurred_on")), name="breach_reported_after_occurred"
            )
        ]


class OrderEvent(BaseModel):
    """Each status change of an order, so its history survives later changes."""

    order = models.ForeignKey(SafeguardingOrder, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=OrderStatus.choices)
    to_status = models.CharField(max_length=16, choices=OrderStatus.choices)
    on = models.DateField()
    note = models.TextField(blank=True)
    by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["order", "on", "created_at"]


class CrisisResponse(BaseModel):
    """W-5's start (``ccehub.rules.crisis``): triggered by a presumption arrest, a missing crisis, a
    concern before any arrest or a placement in a new area; the child back in the home area; the home
    local authority (the convenor) convenes; closed. One open at a time per child."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="crisis_responses")
    convenor = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The child's home local authority, which convenes the response (R-49)",
    )
    trigger = models.CharField(
        max_length=24,
        choices=[
            ("presumption_arrest", "Arrest within the 100-day presumption (F-01)"),
            ("missing_crisis", "Missing for weeks (R-30)"),
            ("pre_arrest_concern", "Concern before any arrest (R-22)"),
            ("new_area_placement", "Placed in a new area (R-44)"),
        ],
    )
    triggered_on = models.DateField()
    #: What triggered it (``identifying_incident`` or ``missingepisode`` and its id), as in the audit log.
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    returned_home_on = models.DateField(null=True, blank=True)
    convened_on = models.DateField(null=True, blank=True)
    #: Where the convened response is listed (W-5: "listed at the CCE panel"): the panel case that
    #: convening opened, or the one already open; it closes the response when it closes.
    panel_case = models.ForeignKey(
        PanelCase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crisis_responses",
        help_text="The panel case it is listed at, once convened (W-5)",
    )
    closed_on = models.DateField(null=True, blank=True)
    close_note = models.TextField(blank=True)
    opened_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["child", "-triggered_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(closed_on__isnull=True), name="crisis_response_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"Crisis response triggered on {self.triggered_on} ({'closed' if self.closed_on else 'open'})"
