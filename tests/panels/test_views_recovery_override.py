"""The N-02 override on the page that records a Home Office decision, through the Django test client:
a CG dated inside the recovery period is refused with a message that offers the override, then
recorded with a reason; the override shows wherever the decision does, the reason not to analysts."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse

from ccehub.audit.models import AuditEvent
from ccehub.nrm import services as nrm
from ccehub.nrm.models import NRMDecision
from tests.panels.conftest import TODAY_2024, refer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
REASON = "The child asked the Home Office to decide before the recovery period ended"
RG_ON = date(2024, 3, 8)  # current profile: earliest CG 7 April 2024
EARLY = date(2024, 4, 6)


def _client(client, world, who):
    client.logout()
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _date(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def national(world, child, incident):
    referral = refer(world, child, incident=incident, flag=False)
    nrm.nrm_decision_record(
        actor=world["as_sw"],
        referral=referral,
        stage="rg",
        outcome="positive",
        decided_on=RG_ON,
        today=TODAY_2024,
    )
    return referral


def test_an_early_cg_is_refused_with_the_override_offered_then_recorded_with_a_reason(
    client, world, national
):
    c = _client(client, world, "sw")
    url = reverse("panels:sca-decision", args=[national.pk])
    form = _text(c.get(url))
    assert nrm.OVERRIDE_QUESTION in form
    assert f"{nrm.OVERRIDE_QUESTION} (optional)" not in form
    assert "before 7 April 2024" in form  # the hint names the day the recovery period allows a CG
    cg = {"stage": "cg", "outcome": "positive", **_date("decided_on", EARLY)}

    early = c.post(url, {**cg, "recovery_override_reason": "  "})
    page = _text(early)
    assert early.status_code == 400
    assert nrm.MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest="7 April 2024") in page
    assert "govuk-error-summary" in page and "#id_decided_on-day" in page
    assert not NRMDecision.objects.filter(referral=national, stage="cg").exists()

    done = c.post(url, {**cg, "recovery_override_reason": REASON})
    assert done.status_code == 302 and done.url == reverse("panels:referral", args=[national.pk])
    decision = NRMDecision.objects.get(referral=national, stage="cg")
    assert (decision.decided_on, decision.recovery_override_reason) == (EARLY, REASON)
    audit = AuditEvent.objects.get(object_type="nrm_decision", object_id=str(decision.pk))
    assert "by override" in audit.detail and REASON not in audit.detail

    referral_page = _text(c.get(reverse("panels:referral", args=[national.pk])))
    assert "Made inside the recovery period by override" in referral_page
    assert REASON in referral_page
    assert "Yes, by override" in referral_page  # the clocks say the CG came inside the period
    child_page = _text(c.get(reverse("children:detail", args=[national.child.pseudonymous_id])))
    assert "made inside the recovery period by override" in child_page and REASON in child_page


def test_an_analyst_sees_the_override_but_not_the_reason(client, world, national):
    nrm.nrm_decision_record(
        actor=world["as_sw"],
        referral=national,
        stage="cg",
        outcome="positive",
        decided_on=EARLY,
        recovery_override_reason=REASON,
        today=TODAY_2024,
    )
    c = _client(client, world, "analyst")
    referral_page = _text(c.get(reverse("panels:referral", args=[national.pk])))
    assert "Made inside the recovery period by override" in referral_page
    assert REASON not in referral_page
    child_page = c.get(reverse("children:detail", args=[national.child.pseudonymous_id]))
    assert child_page.status_code == 200
    assert "made inside the recovery period by override" in _text(child_page)
    assert REASON not in _text(child_page)


def test_a_reason_on_a_cg_after_the_recovery_period_is_refused_on_the_reason(client, world, national):
    c = _client(client, world, "sw")
    url = reverse("panels:sca-decision", args=[national.pk])
    late = c.post(
        url,
        {
            "stage": "cg",
            "outcome": "positive",
            **_date("decided_on", date(2024, 4, 7)),
            "recovery_override_reason": REASON,
        },
    )
    page = _text(late)
    assert late.status_code == 400
    assert nrm.MSG_OVERRIDE_REASON_NOT_NEEDED.format(earliest="7 April 2024") in page
    assert "#id_recovery_override_reason" in page
    assert not NRMDecision.objects.filter(referral=national, stage="cg").exists()
    on_time = c.post(url, {"stage": "cg", "outcome": "positive", **_date("decided_on", date(2024, 4, 7))})
    assert on_time.status_code == 302
    page = _text(c.get(reverse("panels:referral", args=[national.pk])))
    assert "by override" not in page
