"""R-22: cases with no NRM referral discussed at a panel sitting.

"Because senior specialists sit on it, the panel went beyond SCA decisions. It began identifying
potential victims before any arrest, so enforcement or prevention could follow." A panel case opened
for a concern before any arrest, or for a crisis response (W-5), has no referral, so it cannot go on
the agenda of referrals (which the panel decides, with a quorum). It is listed for **discussion**
instead: the panel's lead or chair lists it at a scheduled sitting, and after the sitting (attendance
recorded) the chair records what the sitting made of it: keep it under review, agree a joint plan,
share intelligence with the police for disruption or enforcement, refer the child to the NRM, or
propose closing the case. A discussion decides nothing statutory, so it needs no quorum; what
follows is done through the usual steps (the joint plan, the referral, the closure), each with its
own rules.

* Listed: an open panel case of the sitting's panel with no referral open for the panel (none, or
  only ones concluded or sent to the SCA), once per sitting; the sitting still scheduled. Counts
  towards the soft "about five cases" warning (R-16) with the referrals. A case that gains a
  referral listed at the sitting, or closes, is taken off the sittings still to be held (audited).
* Recorded: by a chair of the panel, once the sitting has been held, unless the case closed before
  it; again to correct it.
* Every listing and record is audited (``case_discussion``); the notes are free text, shown to those
  who see the record in full.
"""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.nrm.models import NRMReferral
from ccehub.nrm.selectors import referral_concluded
from ccehub.panels.models import (
    AgendaItem,
    CaseDiscussion,
    DiscussionOutcome,
    MeetingStatus,
    PanelCase,
    PanelMeeting,
)
from ccehub.panels.permissions import check_panel_chair, check_panel_lead, is_panel_chair, is_panel_lead
from ccehub.panels.rules import agenda_warning
from ccehub.rules.policy import profile_in_force

MSG_NOT_SCHEDULED: Final = "This meeting is {status}: cases can be listed only before it is held"
MSG_OTHER_PANEL: Final = "This case is not one of this panel's cases"
MSG_CASE_CLOSED: Final = "This panel case was closed on {day}"
MSG_HAS_REFERRAL: Final = (
    "This case has an NRM referral open for the panel: list the referral on the agenda, where the "
    "panel decides it"
)
MSG_ALREADY: Final = "This case is already listed for discussion at this meeting"
MSG_NOT_HELD: Final = "Record who attended the meeting before recording what it made of a case"
MSG_OUTCOME: Final = "Choose what the meeting made of the case"
MSG_CLOSED_BEFORE: Final = "This panel case was closed on {day}, before the meeting"


def has_open_referral(case: PanelCase) -> bool:
    """A referral of the case still open for the panel to decide (not concluded, not sent to the
    SCA): the case is heard through it, on the agenda."""
    return any(
        r.escalated_on is None and not referral_concluded(r)
        for r in NRMReferral.objects.filter(panel_case=case).prefetch_related("decisions")
    )


def discussion_candidates(*, meeting: PanelMeeting) -> list[PanelCase]:
    """Open cases of the meeting's panel with no referral open for the panel, not yet listed at this
    meeting."""
    listed = CaseDiscussion.objects.filter(meeting=meeting).values("case_id")
    cases = list(
        PanelCase.objects.filter(panel_id=meeting.panel_id, closed_on__isnull=True)
        .exclude(pk__in=listed)
        .select_related("child", "shared_by")
        .prefetch_related("referrals__decisions")
        .order_by("shared_on", "created_at")
    )
    return [
        case
        for case in cases
        if not any(r.escalated_on is None and not referral_concluded(r) for r in case.referrals.all())
    ]


def unlist(*, actor: Actor, case: PanelCase, why: str, meeting: PanelMeeting | None = None) -> int:
    """Take the case off the sittings still to be held (or off ``meeting``): it gained a referral
    open for the panel, or it closed. Audited; returns how many listings went."""
    rows = CaseDiscussion.objects.filter(case=case, meeting__status=MeetingStatus.SCHEDULED)
    if meeting is not None:
        rows = rows.filter(meeting=meeting)
    gone = 0
    for discussion in rows.select_related("meeting"):
        audit_record(
            actor=actor,
            action=Action.DELETE,
            object_type="case_discussion",
            object_id=discussion.pk,
            child_pid=case.child.pseudonymous_id,
            fields=["meeting", "case"],
            detail=f"taken off the sitting of {discussion.meeting.held_on}: {why} (R-22)",
        )
        discussion.delete()
        gone += 1
    return gone


def listed_count(meeting: PanelMeeting) -> int:
    """Referrals on the agenda and cases listed for discussion: what the R-16 warning counts."""
    return (
        AgendaItem.objects.filter(meeting=meeting).count()
        + CaseDiscussion.objects.filter(meeting=meeting).count()
    )


@transaction.atomic
def discussion_add(
    *, actor: Actor, meeting: PanelMeeting, case: PanelCase
) -> tuple[CaseDiscussion, str | None]:
    """List ``case`` for discussion at ``meeting`` (lead or chair). Returns the listing and the R-16
    soft warning when the sitting now holds well over the usual number of cases."""
    meeting = PanelMeeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if not (is_panel_lead(actor, meeting.panel) or is_panel_chair(actor, meeting.panel)):
        check_panel_lead(actor, meeting.panel)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(
            {NON_FIELD_ERRORS: [MSG_NOT_SCHEDULED.format(status=meeting.get_status_display().lower())]}
        )
    if case.panel_id != meeting.panel_id:
        raise ValidationError({"case": [MSG_OTHER_PANEL]})
    if case.closed_on is not None:
        raise ValidationError({"case": [MSG_CASE_CLOSED.format(day=f"{case.closed_on:%-d %B %Y}")]})
    if has_open_referral(case):
        raise ValidationError({"case": [MSG_HAS_REFERRAL]})
    if CaseDiscussion.objects.filter(meeting=meeting, case=case).exists():
        raise ValidationError({"case": [MSG_ALREADY]})
    discussion = CaseDiscussion.objects.create(
        meeting=meeting, case=case, listed_by=actor.user if getattr(actor.user, "pk", None) else None
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="case_discussion",
        object_id=discussion.pk,
        child_pid=case.child.pseudonymous_id,
        fields=["meeting", "case"],
        detail=f"listed for discussion at the sitting of {meeting.held_on} (R-22)",
    )
    warning = agenda_warning(listed_count(meeting), profile_in_force(meeting.held_on).panel_cases_per_meeting)
    return discussion, warning


@transaction.atomic
def discussion_record(
    *, actor: Actor, discussion: CaseDiscussion, outcome: str, notes: str = ""
) -> CaseDiscussion:
    """Record what the sitting made of the case (a chair of the panel, after the sitting)."""
    discussion = (
        CaseDiscussion.objects.select_for_update(of=("self",))
        .select_related("meeting", "case__child")
        .get(pk=discussion.pk)
    )
    meeting = discussion.meeting
    check_panel_chair(actor, meeting.panel)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NOT_HELD]})
    closed = discussion.case.closed_on
    if closed is not None and closed < meeting.held_on:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_CLOSED_BEFORE.format(day=f"{closed:%-d %B %Y}")]})
    if outcome not in DiscussionOutcome.values:
        raise ValidationError({"outcome": [MSG_OUTCOME]})
    corrected = bool(discussion.outcome)
    discussion.outcome = outcome
    discussion.notes = notes.strip()
    discussion.discussed_on = meeting.held_on
    discussion.recorded_by = actor.user if getattr(actor.user, "pk", None) else None
    discussion.full_clean()
    discussion.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="case_discussion",
        object_id=discussion.pk,
        child_pid=discussion.case.child.pseudonymous_id,
        fields=["outcome", "notes"],
        detail=("corrected: " if corrected else "") + f"{outcome} at the sitting of {meeting.held_on} (R-22)",
    )
    return discussion


def discussions_of(case: PanelCase) -> list[CaseDiscussion]:
    """The sittings that listed the case, latest first."""
    return list(case.discussions.select_related("meeting").order_by("-meeting__held_on", "-created_at"))


def outcome_label(code: str) -> str:
    return str(DiscussionOutcome(code).label) if code in DiscussionOutcome.values else "Not recorded yet"


def discussion_for(*, meeting: PanelMeeting, discussion_id: Any) -> CaseDiscussion | None:
    try:
        return (
            CaseDiscussion.objects.select_related("case__child", "meeting")
            .filter(meeting=meeting, pk=discussion_id)
            .first()
        )
    except (ValueError, ValidationError):
        return None
