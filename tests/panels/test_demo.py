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
