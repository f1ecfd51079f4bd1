"""Demo data for the CCE panel: members by sector, a Home Office QA account, and three synthetic
children in the panel's area who are young enough for the local route *today* (the report's boys are
adults now). One already has a referral in flight and a joint plan (W-5 phase 2); another is missing
now, reported by his social worker (R-32's strategy discussion to hold). Idempotent; everything goes through services,
except the decided history for the timeliness report (:func:`timeliness_history_load`), which is
written as stored rows.

None of this is from the report: the children are labelled synthetic (cohort ``panel-demo``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from ccehub.agencies.models import Agency, Role
from ccehub.agencies.services import membership_grant
from ccehub.children.models import Child, Sex
from ccehub.children.services import child_create
from ccehub.common.access import Actor
from ccehub.common.models import DateBasis, TriState
from ccehub.incidents.services import incident_record, triage_from_incident
from ccehub.panels.models import PanelConfig, PanelMember, Sector

PANEL_CODE = "islington-camden-panel"
COHORT = "panel-demo"
QA_USER = ("homeoffice", "home-office-sca", Role.ANALYST, "Hana Home-Office-QA")

#: (name, sector, username of the linked account or None, may chair, seniority)
MEMBERS: tuple[tuple[str, str, str | None, bool, str], ...] = (
    ("Morgan Panel-Chair", Sector.SOCIAL_CARE, "panelchair", True, "Head of safeguarding"),
    (
        "Chris Panel-Member",
        Sector.POLICE,
        "panelmember",
        False,
        "Specialist lead, modern slavery and exploitation",
    ),
    ("Dr Ade Health-Lead", Sector.HEALTH, None, False, "Named nurse for safeguarding"),
    ("Lee Youth-Justice", Sector.YOT, "yot", False, "Head of youth justice"),
    ("DI Sam Vice-Chair", Sector.POLICE, None, True, "Detective inspector, exploitation"),
)

#: (given name, family name, home LA, age in years today, has a referral already)
CHILDREN: tuple[tuple[str, str, str, int, bool], ...] = (
    ("Kai", "Demo-Panel", "la-islington", 15, False),
    ("Remi", "Demo-Panel", "la-camden", 15, False),
    ("Ash", "Demo-Panel", "la-islington", 16, True),
)


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def panel_demo_load(*, actor: Actor, today: date, password: str) -> list[tuple[str, str, str]]:
    """Load the panel demo; returns the extra sign-ins (username, agency, role) to print."""
    panel = Agency.objects.get(code=PANEL_CODE)
    PanelConfig.objects.get_or_create(panel=panel)
    users = get_user_model().objects
    for name, sector, username, may_chair, seniority in MEMBERS:
        user = users.filter(username=username).first() if username else None
        PanelMember.objects.get_or_create(
            panel=panel,
            name=name,
            defaults={"sector": sector, "user": user, "may_chair": may_chair, "seniority": seniority},
        )
    username, agency_code, role, full_name = QA_USER
    first, _, last = full_name.partition(" ")
    qa, created = users.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
    if created:
        qa.set_password(password)
        qa.save()
    agency = Agency.objects.get(code=agency_code)
    membership_grant(actor=actor, user=qa, agency=agency, role=role)
    if not Child.objects.filter(cohort=COHORT).exists():
        made = {}
        for position, (given, family, la_code, age, referred) in enumerate(CHILDREN, start=1):
            made[given] = _child(actor, position, given, family, la_code, age, referred, today)
        _plan_and_missing(actor, panel, made, today)
    timeliness_history_load(actor=actor, today=today)
    return [(username, agency.name, Role(role).label)]


def _child(
    actor: Actor, position: int, given: str, family: str, la_code: str, age: int, referred: bool, today: date
) -> Any:
    from ccehub.nrm.services import nrm_referral_create

    la = Agency.objects.get(code=la_code)
    dob = date(today.year - age, today.month, min(today.day, 28)) - timedelta(days=40 * position)
    child = child_create(
        actor=actor,
        given_name=given,
        family_name=family,
        sex=Sex.MALE,
        date_of_birth=dob,
        home_local_authority=la,
        home_police_force=la.police_force,
        display_pseudonym=given,
        cohort=COHORT,
        cohort_position=position,
        provenance_note="Synthetic child for the CCE panel demonstration (not from the report).",
    )
    force = la.police_force
    assert force is not None
    incident = incident_record(
        actor=actor,
        child=child,
        occurred_at=_aware(today - timedelta(days=12), 21),
        occurred_at_basis=DateBasis.SYNTHETIC,
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency=force,
        arresting_force=force,
        offences=["pwits_class_a"],
        indicators=["cash", "multiple_phones"],
        county_lines_linked=TriState.RECORDED_PRESENT,
        in_home_area=TriState.RECORDED_PRESENT,
        summary="Synthetic: found in a dealing base in his home borough with cash and two phones.",
    )
    triage_from_incident(actor=actor, incident=incident)
    if referred:
        nrm_referral_create(
            actor=actor,
            child=child,
            referred_on=today - timedelta(days=10),
            linked_incident=incident,
            county_lines_flag=True,
            rationale="Synthetic demo referral: arrested in a dealing base, presumed a potential victim",
            today=today,
        )
    return child


def _plan_and_missing(actor: Actor, panel: Agency, children: dict[str, Any], today: date) -> None:
    """Ash's joint plan (W-5 phase 2: intensive support); Remi's crisis response, opened by Camden for
    a concern before any arrest and convened, listed at the panel in phase 1 (the exit window); and
    Kai reported missing two days ago by his Islington social worker (R-32: a strategy discussion to
    hold; the Met, his home force, told)."""
    from ccehub.agencies.selectors import active_memberships
    from ccehub.children.missing import missing_episode_record
    from ccehub.panels.crisis import crisis_open, crisis_step
    from ccehub.panels.services import ActionSpec, joint_plan_create

    islington, met = Agency.objects.get(code="la-islington"), Agency.objects.get(code="met")
    joint_plan_create(
        actor=actor,
        panel=panel,
        child=children["Ash"],
        agreed_on=today - timedelta(days=8),
        review_on=today + timedelta(days=34),
        summary="Synthetic: keep Ash safe from the line's debt while he returns to college; mentoring.",
        actions=[
            ActionSpec("Debt threat assessment", met, today + timedelta(days=5), "Exploitation team"),
            ActionSpec(
                "Mentoring referral", islington, today + timedelta(days=14), "Allocated social worker"
            ),
        ],
        today=today,
    )
    remi = crisis_open(
        actor=actor, child=children["Remi"], trigger="pre_arrest_concern", on=today - timedelta(days=6)
    )
    crisis_step(actor=actor, response=remi, step="returned", on=today - timedelta(days=6))
    crisis_step(actor=actor, response=remi, step="convened", on=today - timedelta(days=3))
    social_worker = get_user_model().objects.filter(username="socialworker").first()
    memberships = active_memberships(user=social_worker) if social_worker is not None else []
    if not memberships:
        return
    as_social_worker = Actor(
        user=social_worker,
        membership=memberships[0],
        channel="system",
        purpose="Demo data: a synthetic missing episode loaded for the demonstration",
        origin="demo-loader",
    )
    _drift_demo(actor, children["Kai"], today)
    went = _aware(today - timedelta(days=2), 22)
    missing_episode_record(
        actor=as_social_worker,
        child=children["Kai"],
        started_at=went,
        missing_from="family_home",
        reported_by="parent",
        reported_to_police_at=went + timedelta(hours=11),
        notes="Synthetic: did not come home after college; seen at a station with older boys.",
    )


def _drift_demo(actor: Actor, kai: Any, today: date) -> None:
    """Drift between the processes (rules/drift.py): five weeks ago the Met arrested Kai carrying a
    knife and released him under investigation; no decision and no strategy meeting since (J-01,
    R-36). Synthetic, dated relative to the demo day so the alerts stand."""
    from ccehub.children.services import fact_record
    from ccehub.justice.models import Arrest

    met = Agency.objects.get(code="met")
    fact_record(
        actor=actor,
        child=kai,
        model=Arrest,
        arrested_at=_aware(today - timedelta(days=35), 19),
        arresting_force=met,
        offences=["possession_weapon"],
        offence_description="Synthetic: stopped near a station carrying a knife",
        outcome="rui",
        source_note="Synthetic demo arrest (not from the report).",
    )


# --- Decided referrals from earlier quarters, for the timeliness report ----------------------------

HISTORY_COHORT = "panel-history"
#: Referrals per complete quarter before the current one, oldest first: (local panel, national).
#: The oldest quarter is small on purpose, so the report shows its "fewer than 5" suppression.
HISTORY_PER_QUARTER: tuple[tuple[int, int], ...] = ((3, 2), (6, 7), (8, 6), (7, 8), (6, 6))
#: Home local authorities of the national-route children (Islington and Camden children go national
#: when not flagged county lines); only those present are used.
NATIONAL_LAS = ("la-islington", "la-camden", "la-hackney", "la-haringey", "la-enfield", "la-barnet")
HISTORY_NOTE = (
    "Synthetic decided referral for the timeliness report demonstration (not from the report; no "
    "identity is held)."
)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _previous_quarter(start: date) -> date:
    return _quarter_start(start - timedelta(days=1))


def timeliness_history_load(*, actor: Actor, today: date) -> int:
    """Decided referrals on both routes in the last five complete quarters (idempotent, bulk rows).

    Written as stored history (like ``ccehub generate``), not through the intake and decision
    services: the panel decided these at sittings that are not part of the demo, so there are no
    meetings, panel decision records or QA items for them, only the NRM referral and decisions, a
    closed panel case for the local route, and the home local authority's holding. Every date is
    checked against the clocks (:func:`ccehub.rules.clocks.check_decisions`) and ``late`` is set as
    the services would. Returns the number of referrals created.
    """
    import random

    from ccehub.audit.models import Action, AuditEvent
    from ccehub.children.models import CaseHolding, new_pseudonymous_id
    from ccehub.nrm.models import (
        NOT_EXPERT_EVIDENCE,
        DecisionMaker,
        DecisionOutcome,
        DecisionStage,
        NRMDecision,
        NRMReferral,
        Route,
    )
    from ccehub.panels.models import PanelCase, PanelDecision, PanelDecisionType
    from ccehub.rules.clocks import Decision, check_decisions, rg_due_date
    from ccehub.rules.policy import profile_in_force

    if Child.objects.filter(cohort=HISTORY_COHORT).exists():
        return 0
    panel = Agency.objects.get(code=PANEL_CODE)
    sca = Agency.objects.filter(code=QA_USER[1]).first()
    panel_las = [Agency.objects.get(code=code) for code in ("la-islington", "la-camden")]
    national_las = list(Agency.objects.filter(code__in=NATIONAL_LAS).order_by("code"))
    rng = random.Random("panel-history")  # same history on every load, relative to today
    starts = [_previous_quarter(_quarter_start(today))]
    while len(starts) < len(HISTORY_PER_QUARTER):
        starts.insert(0, _previous_quarter(starts[0]))
    last_day = today - timedelta(days=1)
    children: list[Child] = []
    referrals: list[NRMReferral] = []
    decisions: list[NRMDecision] = []
    cases: list[PanelCase] = []
    escalations: list[PanelDecision] = []
    holdings: list[CaseHolding] = []
    escalate_next = True
    for start, (n_panel, n_national) in zip(starts, HISTORY_PER_QUARTER, strict=True):
        end = _quarter_start(start + timedelta(days=100)) - timedelta(days=1)
        for route in [Route.LOCAL_PANEL] * n_panel + [Route.NATIONAL] * n_national:
            la = rng.choice(panel_las if route == Route.LOCAL_PANEL else national_las)
            referred = start + timedelta(days=rng.randint(0, (end - start).days))
            profile = profile_in_force(referred)
            local = route == Route.LOCAL_PANEL
            escalated = local and escalate_next and start != starts[-1] and rng.random() < 0.3
            if escalated:
                escalate_next = False  # one escalation is enough to show the count (suppressed)
            rg_days = rng.randint(14, 44) if local and not escalated else rng.randint(2, 40)
            if escalated:
                rg_days += profile.panel_rg_limit_days_from_referral
            rg_positive = rng.random() > 0.15
            if local and not escalated:
                cg_days = rng.choice([0, 0, 0, rng.randint(21, 40)])
            else:
                cg_days = rng.randint(profile.recovery_period_days + 1, profile.recovery_period_days + 120)
            referred = max(start, min(referred, last_day - timedelta(days=rg_days)))
            rg_on = referred + timedelta(days=rg_days)
            if rg_on > last_day:
                continue
            cg_on = rg_on + timedelta(days=cg_days) if rg_positive else None
            if cg_on is not None and cg_on > last_day:
                cg_on = None  # the CG is still awaited
            clock_route = "local_panel" if local and not escalated else "national"
            rg = Decision(rg_on, "positive" if rg_positive else "negative")
            cg = Decision(cg_on, "positive") if cg_on else None
            check_decisions(clock_route, profile, referred, rg, cg, last_day)  # type: ignore[arg-type]
            child = Child(
                pseudonymous_id=new_pseudonymous_id(),
                sex=rng.choice(["male", "male", "male", "female"]),
                home_local_authority=la,
                home_police_force=la.police_force,
                originating_agency=la,
                cohort=HISTORY_COHORT,
                provenance_note=HISTORY_NOTE,
            )
            children.append(child)
            holdings.append(CaseHolding(child=child, agency=la, basis=CaseHolding.Basis.HOME_LOCAL_AUTHORITY))
            reasons = [
                "Synthetic history: in the pilot's age scope on the referral date.",
                f"Home local authority {la.name} is "
                + (
                    f"in the area of {panel.name} (R-14)."
                    if la in panel_las
                    else "not in a panel area (R-14)."
                ),
                "Route: " + (f"local panel ({panel.name})." if local else "national (Home Office SCA)."),
            ]
            referral = NRMReferral(
                child=child,
                referring_agency=la,
                referrer_role="Social worker",
                referred_on=referred,
                route=route,
                county_lines_flag=TriState.RECORDED_PRESENT if local else TriState.NOT_RECORDED,
                rationale="Synthetic history referral",
                rationale_code="suspicion",
                source_note=HISTORY_NOTE,
                panel=panel if local else None,
                route_reasons=reasons,
                policy_profile=profile.code,
                rule_version=profile.rule_version,
                escalated_on=referred + timedelta(days=profile.panel_rg_limit_days_from_referral + 1)
                if escalated
                else None,
                escalation_reason="Panel time limit: no reasonable-grounds decision within 45 days"
                if escalated
                else "",
            )
            referrals.append(referral)
            by_panel = local and not escalated
            maker = DecisionMaker.LOCAL_PANEL if by_panel else DecisionMaker.HOME_OFFICE_SCA
            maker_agency = panel if by_panel else sca
            decisions.append(
                NRMDecision(
                    referral=referral,
                    stage=DecisionStage.REASONABLE_GROUNDS,
                    outcome=DecisionOutcome.POSITIVE if rg_positive else DecisionOutcome.NEGATIVE,
                    decided_on=rg_on,
                    decision_maker=maker,
                    decision_maker_agency=maker_agency,
                    policy_profile=profile.code,
                    rule_version=profile.rule_version,
                    caveat=NOT_EXPERT_EVIDENCE,
                    late=rg_on > rg_due_date(clock_route, profile, referred),  # type: ignore[arg-type]
                    source_note=HISTORY_NOTE,
                )
            )
            if cg_on is not None:
                decisions.append(
                    NRMDecision(
                        referral=referral,
                        stage=DecisionStage.CONCLUSIVE_GROUNDS,
                        outcome=DecisionOutcome.POSITIVE,
                        decided_on=cg_on,
                        decision_maker=maker,
                        decision_maker_agency=maker_agency,
                        policy_profile=profile.code,
                        rule_version=profile.rule_version,
                        caveat=NOT_EXPERT_EVIDENCE,
                        source_note=HISTORY_NOTE,
                    )
                )
            if local:
                settled = cg_on or (rg_on if not rg_positive else None)
                referral.panel_case = PanelCase(
                    panel=panel,
                    child=child,
                    shared_by=la,
                    shared_on=referred,
                    reason="NRM referral on the local panel route (synthetic history)",
                    closed_on=min(last_day, (settled or rg_on) + timedelta(days=90)),
                )
                cases.append(referral.panel_case)
            if escalated:
                assert referral.escalated_on is not None
                escalations.append(
                    PanelDecision(
                        referral=referral,
                        decision_type=PanelDecisionType.REFERRED_TO_SCA,
                        decided_on=referral.escalated_on,
                        rationale=referral.escalation_reason,
                        policy_profile=profile.code,
                        rule_version=profile.rule_version,
                        caveat=NOT_EXPERT_EVIDENCE,
                        recorded_by_name=actor.username[:150],
                    )
                )
    Child.objects.bulk_create(children)
    CaseHolding.objects.bulk_create(holdings, ignore_conflicts=True)
    PanelCase.objects.bulk_create(cases)
    NRMReferral.objects.bulk_create(referrals)
    NRMDecision.objects.bulk_create(decisions)
    PanelDecision.objects.bulk_create(escalations)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            username=actor.username[:150],
            role="system" if actor.system else actor.role,
            agency_code=actor.agency.code if actor.agency else "",
            action=Action.CREATE,
            channel=actor.channel,
            object_type="nrm_referral",
            object_id=str(referral.pk),
            child_pid=referral.child.pseudonymous_id,
            fields=["child", "nrm_referrals", "nrm_referrals.decisions"],
            purpose=actor.purpose,
            detail="synthetic decided referral (timeliness demonstration)",
        )
        for referral in referrals
    )
    return len(referrals)
