"""What a signed-in user sees first: their agency's children and what is open on them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.missing import crisis_threshold_days
from ccehub.children.selectors import child_list
from ccehub.common.access import Actor
from ccehub.rules.missing import episode_days, is_crisis

#: A missing episode with no end counts as "missing now" only if it started this recently; older
#: open-ended records are historical entries whose end was never recorded.
MISSING_NOW_WINDOW = timedelta(days=30)
#: Children listed on the dashboard (after them, a link to the children list, which has pages).
DASHBOARD_CHILDREN = 25


def dashboard_for(*, actor: Actor) -> dict[str, Any]:
    recent = timezone.now() - MISSING_NOW_WINDOW
    children = list(
        child_list(actor=actor).annotate(
            open_referrals=Count(
                "nrm_referrals", filter=Q(nrm_referrals__decisions__isnull=True), distinct=True
            ),
            open_missing=Count(
                "missing_episodes",
                filter=Q(missing_episodes__ended_at__isnull=True, missing_episodes__started_at__gte=recent)
                | Q(missing_episodes__still_missing=True),
                distinct=True,
            ),
            # reported missing on ccehub and not yet found: since when (the days keep counting)
            missing_since=Min("missing_episodes__started_at", filter=Q(missing_episodes__still_missing=True)),
            # episodes begun within the profile's window ("often")
            recent_missing=Count(
                "missing_episodes",
                filter=Q(missing_episodes__started_at__gte=timezone.now() - _frequent_window()),
                distinct=True,
            ),
        )
    )
    threshold = crisis_threshold_days()
    open_actions: list[dict[str, Any]] = []
    for child in children:
        if child.open_referrals:
            open_actions.append(
                {
                    "child": child,
                    "text": (
                        f"{child.open_referrals} NRM referral{'s' if child.open_referrals != 1 else ''} "
                        "with no recorded decision"
                    ),
                    "kind": "NRM",
                }
            )
        if child.open_missing:
            open_actions.append(_missing_now(child, threshold=threshold))
    if hasattr(actor, "membership") and actor.membership is not None:
        try:
            from ccehub.incidents.selectors import open_triage_actions

            open_actions = open_triage_actions(actor=actor, children=children) + open_actions
        except ImportError:
            pass
    open_actions += _crisis_responses(actor, children)
    open_actions += _crisis_listed(actor, children)
    open_actions += _placement_health(actor, children)
    open_actions += _placement_custody(actor, children)
    open_actions += _police_protection(actor, children)
    open_actions += _yot_checks(actor, children)
    open_actions += _drift(actor, children)
    open_actions += _notifications(actor, children)
    open_actions += _missing_often_and_long(children)
    open_actions += _missing_follow_ups(actor, children)
    open_actions += _prosecution_decisions(actor)
    open_actions += _information_requests(actor)
    open_actions += _emergency_reviews(actor)
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="dashboard",
        fields=["pseudonymous_id", "open_actions"],
        detail=f"{len(children)} children",
    )
    return {
        "children": children,
        "open_actions": open_actions,
        "membership": actor.membership,
        "dashboard_children": f":{DASHBOARD_CHILDREN}",
        "dashboard_children_count": DASHBOARD_CHILDREN,
    }


def _missing_now(child: Any, *, threshold: int) -> dict[str, Any]:
    """A child missing now: reported on ccehub and not found (days missing, a crisis at the R-30
    threshold), or an imported record of a recent episode with no end."""
    from django.urls import reverse

    item: dict[str, Any] = {"child": child, "kind": "Missing"}
    item["href"] = reverse("children:missing", args=[child.pseudonymous_id])
    if child.missing_since is None:
        item["text"] = "Missing now (no recorded end)"
        return item
    days = episode_days(child.missing_since, None, now=timezone.now()) or 0
    since = timezone.localtime(child.missing_since)
    item["text"] = (
        f"Missing for {days} day{'s' if days != 1 else ''} (since {since:%-d %B %Y}), not yet found"
    )
    if is_crisis(days, threshold_days=threshold):
        item["text"] += f": {threshold} days or more is a trigger for crisis intervention (R-30)"
    return item


def _crisis_responses(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """W-5: for the home local authority (the convenor), each open crisis response not yet convened."""
    from django.urls import reverse

    from ccehub.panels.models import CrisisResponse
    from ccehub.rules.crisis import TRIGGER_LABELS, Trigger

    agency = actor.agency
    if actor.system or agency is None or not actor.can_write_cases or not children:
        return []
    by_pk = {c.pk: c for c in children}
    items = []
    waiting = CrisisResponse.objects.filter(closed_on__isnull=True, convened_on__isnull=True).filter(
        Q(convenor=agency) | Q(convenor__isnull=True, child__home_local_authority=agency)
    )
    for response in waiting.order_by("triggered_on"):
        child = by_pk.get(response.child_id)
        if child is None:
            continue
        why = f"{TRIGGER_LABELS[Trigger(response.trigger)]}, {response.triggered_on:%-d %B %Y}"
        todo = (
            "the child is back in the home area: convene the response"
            if response.returned_home_on
            else "bring the child back to the home area and convene the response"
        )
        items.append(
            {
                "child": child,
                "kind": "Crisis",
                "due_now": True,
                "text": f"Crisis response triggered ({why}): {todo} (W-5)",
                "href": reverse("children:crisis", args=[child.pseudonymous_id]),
            }
        )
    return items


def _crisis_listed(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """W-5: for whoever runs a CCE panel, each crisis response listed at it with no joint plan yet
    (phase 1, the exit window)."""
    from django.urls import reverse

    from ccehub.panels.permissions import lead_panels
    from ccehub.panels.selectors import listed_crisis_responses

    if actor.system or not children:
        return []
    by_pk = {c.pk: c for c in children}
    items = []
    for panel in lead_panels(actor):
        for listed in listed_crisis_responses(panel=panel):
            child = by_pk.get(listed.response.child_id)
            if listed.plan is not None or child is None:
                continue
            items.append(
                {
                    "child": child,
                    "kind": "Crisis",
                    "due_now": True,
                    "text": (
                        f"Crisis response listed at {panel.name} on {listed.response.convened_on:%-d %B %Y}: "
                        "phase 1, the exit window: agree a joint plan (W-5)"
                    ),
                    "href": reverse("panels:case", args=[listed.response.panel_case_id]),
                }
            )
    return items


def _placement_health(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """R-44: for the home local authority, each move into a new area whose health support has not
    been recorded as started (due at once: red from the day after the move)."""
    from django.urls import reverse

    from ccehub.children.models import Placement

    agency = actor.agency
    if actor.system or agency is None or actor.is_analyst or not children:
        return []
    by_pk = {c.pk: c for c in children}
    today = timezone.localdate()
    due = Placement.objects.filter(
        child__in=list(by_pk),
        child__home_local_authority=agency,
        health_support_due_on__isnull=False,
        health_support_started_on__isnull=True,
        ended_on__isnull=True,  # a placement that ended is no longer where support starts
    ).order_by("health_support_due_on")
    return [
        {
            "child": by_pk[p.child_id],
            "kind": "Health",
            "due_now": True,
            "overdue": p.health_support_due_on < today,
            "text": (
                f"Moved to a new area on {p.health_support_due_on:%-d %B %Y}: physical and mental health "
                "support starts at once (R-44)"
            ),
            "href": reverse("children:placements", args=[by_pk[p.child_id].pseudonymous_id]),
        }
        for p in due
        if p.child_id in by_pk
    ]


def _placement_custody(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """J-11: for the home local authority, each open placement of a child since remanded in custody or
    given a custodial sentence, until it is ended or kept for the child's return."""
    from django.urls import reverse

    from ccehub.children.models import Placement
    from ccehub.children.placements import CUSTODIAL_SENTENCES
    from ccehub.justice.models import CourtOutcome
    from ccehub.rules.placement import custody_check_due

    agency = actor.agency
    if actor.system or agency is None or actor.is_analyst or not children:
        return []
    by_pk = {c.pk: c for c in children if c.home_local_authority_id == agency.pk}
    if not by_pk:
        return []
    days: dict[Any, list[Any]] = {}
    for child_id, day, recorded_at in (
        CourtOutcome.objects.filter(child__in=list(by_pk), decided_on__isnull=False)
        .filter(Q(remanded_in_custody=True) | Q(sentence_type__in=CUSTODIAL_SENTENCES))
        .order_by()
        .values_list("child_id", "decided_on", "created_at")
    ):
        days.setdefault(child_id, []).append((day, recorded_at))
    # the current placement of each: the latest open one, as the placements page answers it
    current: dict[Any, Placement] = {}
    for placement in Placement.objects.filter(
        child__in=[pk for pk in by_pk if pk in days], ended_on__isnull=True, started_on__isnull=False
    ).order_by("started_on"):
        current[placement.child_id] = placement
    today = timezone.localdate()
    items = []
    for placement in current.values():
        due = custody_check_due(
            setting_type=placement.setting_type,
            started_on=placement.started_on,
            ended=False,
            kept_at=placement.kept_through_custody_at,
            custody=tuple(days[placement.child_id]),
            today=today,
        )
        if due is None:
            continue
        child = by_pk[placement.child_id]
        items.append(
            {
                "child": child,
                "kind": "Placement",
                "due_now": True,
                "text": (
                    f"Remanded or sentenced to custody on {due:%-d %B %Y} with the placement "
                    f"({placement.get_setting_type_display()}) still open: end it or keep it for "
                    "the child's return (J-11)"
                ),
                "href": reverse("children:placements", args=[child.pseudonymous_id]),
            }
        )
    return items


def _police_protection(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """R-35, F-32: for the force that used it and the child's home local authority, each open police
    protection (the time left to its limit; red once past it), and for the home local authority each
    placement plan the police disputed and it has not yet reassessed."""
    from django.urls import reverse

    from ccehub.children.models import PoliceProtection
    from ccehub.children.police_protection import protection_view
    from ccehub.rules.police_protection import ProtectionState

    agency = actor.agency
    if actor.system or agency is None or actor.is_analyst or not children:
        return []
    by_pk = {c.pk: c for c in children}
    rows = PoliceProtection.objects.filter(child__in=list(by_pk)).filter(
        Q(ended_at__isnull=True, force=agency)
        | Q(ended_at__isnull=True, child__home_local_authority=agency)
        | Q(child__home_local_authority=agency, reassessed_on__isnull=True) & ~Q(disputed_plan="")
    )
    now = timezone.now()
    items = []
    for protection in rows.order_by("started_at"):
        child = by_pk[protection.child_id]
        view = protection_view(protection, now=now)
        href = reverse("children:police_protection", args=[child.pseudonymous_id])
        since = timezone.localtime(protection.started_at)
        limit = timezone.localtime(view.limit)
        if view.state is not ProtectionState.ENDED:
            if view.state is ProtectionState.PAST_LIMIT:
                text = (
                    f"In police protection since {since:%H:%M on %-d %B %Y}: past its {protection.max_hours}-hour "
                    f"limit at {limit:%H:%M on %-d %B %Y}. Record when it ended (R-35)"
                )
            else:
                text = (
                    f"In police protection since {since:%H:%M on %-d %B %Y}: it ends by "
                    f"{limit:%H:%M on %-d %B %Y}, {view.hours_left} hour{'s' if view.hours_left != 1 else ''} "
                    "from now (R-35)"
                )
            items.append(
                {
                    "child": child,
                    "kind": "Police protection",
                    "due_now": view.state is not ProtectionState.IN_PROTECTION,
                    "overdue": view.state is ProtectionState.PAST_LIMIT,
                    "text": text,
                    "href": href,
                }
            )
        home = child.home_local_authority_id == agency.pk
        if home and view.reassessment_owed and view.reassessment_due is not None:
            due = timezone.localtime(view.reassessment_due)
            items.append(
                {
                    "child": child,
                    "kind": "Placement plan",
                    "due_now": True,
                    "overdue": view.reassessment_overdue,
                    "text": (
                        "The police used protection against your placement plan: reassess the plan by "
                        f"{due:%H:%M on %-d %B %Y} and record the outcome (F-32)"
                    ),
                    "href": href,
                }
            )
    return items


def _writable(actor: Actor, children: list[Any]) -> dict[Any, Any]:
    """The children (by primary key) the actor's agency may record on."""
    from ccehub.children.models import Child
    from ccehub.common.access import writable_children_q

    if actor.agency is None:
        return {}
    writable = set(
        Child.objects.filter(writable_children_q(actor.agency), pk__in=[c.pk for c in children])
        .order_by()
        .values_list("pk", flat=True)
    )
    return {c.pk: c for c in children if c.pk in writable}


def _yot_checks(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """R-53, F-17: for a youth offending team, each child it sees whose offending indicators call
    for the YOT-CSC check, until one is recorded."""
    from django.urls import reverse

    from ccehub.rules.triggers import EarlyWarning
    from ccehub.safeguarding.early_warnings import is_yot, warnings_for

    if actor.system or not is_yot(actor) or actor.is_analyst or not children:
        return []
    # only the children it may record the check on (not those it reads under an agreement)
    by_pk = _writable(actor, children)
    items = []
    for pk, warnings in warnings_for(list(by_pk.values())).items():
        for warning in warnings:
            if warning.code is EarlyWarning.YOT_CSC_CHECK:
                items.append(
                    {
                        "child": by_pk[pk],
                        "kind": "YOT check",
                        "due_now": True,
                        "text": warning.text,
                        "href": reverse("children:early_warnings", args=[by_pk[pk].pseudonymous_id]),
                    }
                )
    return items


def _drift(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """Drift between the three processes (rules/drift.py), for the agencies that may record on the
    child (those holding it and a panel with an open case; not those reading it under an agreement):
    one line per alert."""
    from django.urls import reverse

    from ccehub.safeguarding.drift import drift_for

    if actor.system or actor.is_analyst or not children:
        return []
    by_pk = _writable(actor, children)
    if not by_pk:
        return []
    items = []
    for pk, alerts in drift_for(list(by_pk.values())).items():
        for alert in alerts:
            items.append(
                {
                    "child": by_pk[pk],
                    "kind": "Drift",
                    "text": alert.text,
                    "href": reverse("children:early_warnings", args=[by_pk[pk].pseudonymous_id]) + "#drift",
                }
            )
    return items


#: How long a notification to the agency stays on its dashboard.
NOTIFICATIONS_SHOWN_DAYS = 7


def _notifications(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """What ccehub told the agency in the last week (J-01 arrests elsewhere; J-05 missing reports to
    the home force; R-30 crises). A home authority's missing reports and returns are not repeated:
    its follow-ups say more."""
    from ccehub.children.models import Child
    from ccehub.common.access import visible_children_q
    from ccehub.notifications.models import Notification
    from ccehub.panels.permissions import lead_panels

    # analysts see no operational notes (their dates are the incidents' dates, which they do not see)
    if actor.system or actor.agency is None or actor.is_analyst or not children:
        return []
    agency = actor.agency
    by_pk = {c.pk: c for c in children}
    since = timezone.now() - timedelta(days=NOTIFICATIONS_SHOWN_DAYS)
    told = (
        Notification.objects.filter(
            agency=agency,
            created_at__gte=since,
            child__in=Child.objects.filter(visible_children_q(agency)).values("pk"),
        )
        # a home authority's missing reports are on its dashboard as follow-ups already
        .exclude(kind__in=("missing_reported", "missing_found"), child__home_local_authority=agency)
    )
    if lead_panels(actor).filter(pk=agency.pk).exists():
        # whoever runs the panel has the listed crisis response as a task ("agree a joint plan")
        told = told.exclude(kind="crisis_listed")
    told = told.order_by("-created_at")[:50]
    items = []
    for note in told:
        child = by_pk.get(note.child_id)
        if child is None:
            continue
        items.append({"child": child, "kind": "Told", "text": note.text, "href": note.link})
    return items


def _frequent_window() -> timedelta:
    from ccehub.rules.policy import profile_in_force

    return timedelta(days=profile_in_force(timezone.localdate()).missing_frequent_window_days)


def _missing_often_and_long(children: list[Any]) -> list[dict[str, Any]]:
    """R-31: children who went missing often and for long, by the profile's [D] thresholds (only the
    children with enough recent episodes are looked at further)."""
    from django.urls import reverse

    from ccehub.children.missing import missing_risk
    from ccehub.children.models import MissingEpisode
    from ccehub.rules.policy import profile_in_force

    enough = profile_in_force(timezone.localdate()).missing_frequent_episodes
    often = {c.pk: c for c in children if c.recent_missing >= enough}
    if not often:
        return []
    episodes: dict[Any, list[Any]] = {}
    since = timezone.now() - _frequent_window()
    for episode in MissingEpisode.objects.filter(child__in=list(often), started_at__gte=since):
        episodes.setdefault(episode.child_id, []).append(episode)
    items = []
    for pk, child in often.items():
        risk = missing_risk(episodes.get(pk, []))
        if risk.flagged:
            items.append(
                {
                    "child": child,
                    "kind": "Missing",
                    "text": f"Heightened risk: {risk.reason}",
                    "href": reverse("children:missing", args=[child.pseudonymous_id]),
                }
            )
    return items


def _missing_follow_ups(actor: Actor, children: list[Any]) -> list[dict[str, Any]]:
    """R-32: what must follow a missing episode reported on ccehub, for the child's home local
    authority (every follow-up) and for the agency that reported it (telling social care)."""
    from django.urls import reverse

    from ccehub.children.missing import episode_state
    from ccehub.children.models import MissingEpisode
    from ccehub.rules.missing import FollowUpCode, follow_ups

    agency = actor.agency
    # follow-ups are for those who record them (an analyst records nothing on a child)
    if actor.system or agency is None or not actor.can_write_cases or not children:
        return []
    episodes = (
        MissingEpisode.objects.filter(follow_up_tracked=True)
        .filter(Q(child__home_local_authority=agency) | Q(source_agency=agency))
        # only those with something still to do (the rules below decide what)
        .filter(
            Q(social_care_notified_at__isnull=True)
            | Q(strategy_meeting__isnull=True)
            | Q(
                still_missing=False,
                ended_at__isnull=False,
                return_home_interview__in=["not_recorded", "offered"],
            )
        )
        .select_related("child", "child__home_local_authority", "source_agency", "strategy_meeting")
        .order_by("started_at")
    )
    by_pk = {c.pk: c for c in children}
    now = timezone.now()
    items: list[dict[str, Any]] = []
    for episode in episodes:
        if episode.child_id not in by_pk:
            continue  # a child the agency no longer sees (its holding ended, the panel case closed)
        home = episode.child.home_local_authority
        is_home = home is not None and home.pk == agency.pk
        state = episode_state(episode, days=None, threshold_days=crisis_threshold_days())
        since = (
            f"missing since {timezone.localtime(episode.started_at):%-d %B %Y %H:%M}"
            if episode.started_at
            else ""
        )
        for follow_up in follow_ups(state):
            late = False
            if follow_up.code == FollowUpCode.TELL_SOCIAL_CARE:
                if is_home:
                    reporter = episode.source_agency.name if episode.source_agency else "Another agency"
                    text = f"{reporter} reported the child missing ({since}): record when children's social care was told (R-32)"
                elif episode.source_agency_id == agency.pk:
                    where = home.name if home is not None else "the home local authority"
                    text = f"Tell children's social care at {where} that the child is missing ({since}) and record when (R-32)"
                else:
                    continue
            elif not is_home:
                continue
            elif follow_up.code == FollowUpCode.STRATEGY_DISCUSSION:
                text = f"Hold a strategy discussion: the child was reported missing ({since}) (R-32)"
            else:
                due = timezone.localtime(follow_up.due_at) if follow_up.due_at else None
                late = due is not None and due < now
                text = (
                    f"{follow_up.label}: {'overdue since' if late else 'due by'} {due:%-d %B %Y %H:%M}"
                    if due
                    else follow_up.label
                )
            items.append(
                {
                    "child": by_pk.get(episode.child_id, episode.child),
                    "text": text,
                    "kind": "Missing",
                    "overdue": late,
                    "due_now": follow_up.code == FollowUpCode.TELL_SOCIAL_CARE,
                    "href": reverse(
                        "children:missing-follow-up", args=[episode.child.pseudonymous_id, episode.pk]
                    ),
                }
            )
    return items


def _prosecution_decisions(actor: Actor) -> list[dict[str, Any]]:
    """For the police: charges still stayed although the referral's conclusive-grounds decision has been
    made (J-03): the stay ends only when someone records the prosecution decision, so say so."""
    from django.urls import reverse

    from ccehub.justice.models import Charge, ChargeStatus
    from ccehub.justice.services import is_police

    if actor.system or actor.membership is None or not is_police(actor):
        return []
    from ccehub.children.models import Child
    from ccehub.common.access import writable_children_q

    # Only children the agency may record on: sight under an agreement is read-only, so a reminder
    # there would lead to a refusal.
    writable = Child.objects.filter(writable_children_q(actor.membership.agency)).values("pk")
    waiting = (
        Charge.objects.filter(
            child__in=writable,
            status=ChargeStatus.STAYED_PENDING_CG,
            stayed_for_referral__decisions__stage="cg",
        )
        .select_related("child")
        .distinct()
        .order_by("stayed_on", "pk")
    )
    return [
        {
            "child": charge.child,
            "text": (
                f"the conclusive-grounds decision has been made and the charge ({charge.offence_label.lower()}) "
                "is still stayed: record the prosecution decision"
            ),
            "kind": "Charge",
            "href": reverse("children:charge", args=[charge.child.pseudonymous_id, charge.pk]),
        }
        for charge in waiting
    ]


def _information_requests(actor: Actor) -> list[dict[str, Any]]:
    """The CCE panel's open information requests this user may answer, each linking to its form (the
    recipient often holds no record of the child, so the child is shown by pseudonym only)."""
    from django.urls import reverse

    from ccehub.panels.selectors import requests_for_recipient

    today = timezone.localdate()
    return [
        {
            "child": request.referral.child,
            "text": "the CCE panel asks you for information",
            "kind": "Panel",
            "href": reverse("panels:request-respond", args=[request.pk]),
            "due": f"{request.due_on:%-d %B %Y}",
            "overdue": request.due_on < today,
        }
        for request in requests_for_recipient(actor=actor)
    ]


def _emergency_reviews(actor: Actor) -> list[dict[str, Any]]:
    """One reminder for the emergency accesses this user may review and nobody has (linking to the
    admin's "Not yet reviewed" list), due :data:`EMERGENCY_REVIEW_DAYS` after the oldest one ended."""
    from django.urls import reverse

    from ccehub.children.selectors import EMERGENCY_REVIEW_DAYS, emergency_accesses_to_review

    if actor.system or not getattr(actor.user, "is_authenticated", False) or actor.membership is None:
        return []
    waiting = list(
        emergency_accesses_to_review(user=actor.user, agency=actor.membership.agency).values_list(
            "expires_at", flat=True
        )
    )
    if not waiting:
        return []
    due = timezone.localtime(waiting[0] + timedelta(days=EMERGENCY_REVIEW_DAYS))
    text = (
        "1 emergency access to a child your agency holds is waiting for review"
        if len(waiting) == 1
        else f"{len(waiting)} emergency accesses to children your agency holds are waiting for review"
    )
    return [
        {
            "child": None,
            "text": text,
            "kind": "Review",
            "href": reverse("admin:children_emergencyaccess_changelist") + "?reviewed=no",
            "due": f"{due:%-d %B %Y}",
            "overdue": due < timezone.now(),
        }
    ]
