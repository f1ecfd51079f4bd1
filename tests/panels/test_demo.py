"""The panel demo: members by sector, a Home Office QA sign-in, eligible synthetic children, one referral."""

from __future__ import annotations

import pytest

from ccehub.children.models import Child
from ccehub.demo.load import demo_load
from ccehub.nrm.models import NRMReferral
from ccehub.panels.models import PanelMember

pytestmark = pytest.mark.django_db


def test_panel_demo_loads_once():
    summary = demo_load()
    assert ("homeoffice", "Home Office Single Competent Authority", "Analyst") in summary.users
    sectors = set(PanelMember.objects.values_list("sector", flat=True))
    assert {"social_care", "police", "health", "yot"} <= sectors
    assert PanelMember.objects.get(name="Morgan Panel-Chair").user.username == "panelchair"
    kids = Child.objects.filter(cohort="panel-demo")
    assert kids.count() == 3
    referral = NRMReferral.objects.get(child__cohort="panel-demo")
    assert referral.route == "local_panel" and referral.panel.code == "islington-camden-panel"
    demo_load()
    assert Child.objects.filter(cohort="panel-demo").count() == 3
    assert PanelMember.objects.count() == 5


def test_demo_history_gives_the_timeliness_report_numbers_on_both_routes():
    """Decided synthetic referrals in the last five quarters: at least one quarter shows unsuppressed
    medians on both routes for both measures, the oldest is suppressed, and none of it is panel work
    (no agenda candidate, escalation, QA item or monitored child)."""
    from django.utils import timezone

    from ccehub.common.access import Actor
    from ccehub.panels.demo import HISTORY_COHORT
    from ccehub.panels.models import PanelCase, PanelDecision
    from ccehub.panels.selectors import escalations_due
    from ccehub.reports.timeliness import LOCAL_PANEL, NATIONAL, SUPPRESSED, timeliness_report

    demo_load()
    today = timezone.localdate()
    history = NRMReferral.objects.filter(child__cohort=HISTORY_COHORT)
    assert (
        history.filter(route="local_panel").count() >= 25 and history.filter(route="national").count() >= 25
    )
    report = timeliness_report(actor=Actor.for_system(name="test", channel="system", purpose="test"))
    for measure in ("referral_to_rg", "rg_to_cg"):
        both = [
            q
            for q in report.quarters
            if report.cell(q, LOCAL_PANEL).measure(measure).median is not None
            and report.cell(q, NATIONAL).measure(measure).median is not None
        ]
        assert both, measure
    assert report.cell(report.quarters[0], LOCAL_PANEL).referrals_shown == SUPPRESSED
    assert report.escalated >= 1
    assert not escalations_due(as_of=today)
    assert not PanelCase.objects.filter(child__cohort=HISTORY_COHORT, closed_on__isnull=True).exists()
    assert not history.filter(route="local_panel", panel_case__isnull=True).exists()
    assert (
        not PanelDecision.objects.filter(referral__child__cohort=HISTORY_COHORT)
        .exclude(decision_type="referred_to_sca")
        .exists()
    )
    before = history.count()
    demo_load()
    assert history.count() == before


def test_the_demo_shows_a_plan_in_phase_2_and_a_child_missing_now(client):
    """Ash has a joint plan in intensive support; Kai is missing, reported by his social worker, so
    Islington's dashboard asks for the strategy discussion and the Met (his home force) was told."""
    import html

    from django.contrib.auth import get_user_model

    from ccehub.children.models import MissingEpisode
    from ccehub.notifications.models import Notification
    from ccehub.panels.models import JointPlan

    demo_load()
    plan = JointPlan.objects.get(child__display_pseudonym="Ash", closed_on__isnull=True)
    assert plan.phase == "intensive" and plan.actions.count() == 2
    episode = MissingEpisode.objects.get(child__display_pseudonym="Kai", still_missing=True)
    assert episode.follow_up_tracked and episode.social_care_notified_at is not None
    assert Notification.objects.filter(
        child=episode.child, agency__code="met", kind="missing_reported"
    ).exists()
    client.force_login(get_user_model().objects.get(username="socialworker"))
    response = client.get("/")
    board = html.unescape(response.content.decode())
    assert response.status_code == 200, board[:300]
    title = board.split("<title>")[1].split("</title>")[0]
    import re

    # went missing at 22:00 two days ago: one day missing before 22:00 today, two after
    assert "Hold a strategy discussion" in board and re.search(r"Missing for [12] days? \(since", board), (
        title
    )
    demo_load()  # idempotent
    assert JointPlan.objects.filter(child__display_pseudonym="Ash").count() == 1
    assert MissingEpisode.objects.filter(child__display_pseudonym="Kai").count() == 1
