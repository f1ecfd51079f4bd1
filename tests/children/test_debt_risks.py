"""E-25, F-31, the debt-risk register: recording a drug debt, R-39's early warning until a safety plan
is recorded or the debt cleared, the page, the chronology, and what a pseudonymised viewer sees."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.rules.triggers import EarlyWarning
from ccehub.safeguarding.debts import (
    MSG_AMOUNT,
    MSG_ARREST,
    MSG_BEFORE_KNOWN,
    MSG_FUTURE,
    MSG_PLAN,
    debt_clear,
    debt_record,
    debt_safety_plan,
)
from ccehub.safeguarding.early_warnings import warnings_for
from ccehub.safeguarding.models import DebtRisk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
OWED = "Owes £800 to the line's runner known as 'K'"


@pytest.fixture
def young(agencies, system_actor):
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Ethan",
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("debt.sw", agencies["islington"], roles.SOCIAL_WORKER)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _codes(child):
    return [w.code for w in warnings_for([child])[child.pk]]


def test_a_debt_raises_the_warning_until_a_safety_plan_and_stays_as_history(young, sw, actor_for):
    actor = actor_for(sw)
    known = TODAY - timedelta(days=3)
    debt = debt_record(
        actor=actor,
        child=young,
        cause="police_seizure",
        known_on=known,
        amount_pounds=Decimal("800"),
        description=OWED,
    )
    assert _codes(young) == [EarlyWarning.DEBT_NO_SAFETY_PLAN]
    (warning,) = warnings_for([young])[young.pk]
    assert "drugs or cash seized by the police" in warning.text and warning.since == known
    with pytest.raises(ValidationError) as bad:
        debt_safety_plan(actor=actor, debt=debt, on=known - timedelta(days=1), plan=" ")
    assert bad.value.message_dict == {"safety_plan_on": [MSG_BEFORE_KNOWN], "safety_plan": [MSG_PLAN]}
    debt_safety_plan(
        actor=actor, debt=debt, on=TODAY, plan="Moves to his aunt's; school transport; weekly check-in"
    )
    assert _codes(young) == []
    with pytest.raises(ValidationError):
        debt_safety_plan(actor=actor, debt=debt, on=TODAY, plan="again")  # one plan per debt
    debt_clear(actor=actor, debt=debt, on=TODAY, reason="Written off: the line was closed down")
    debt.refresh_from_db()
    assert debt.description == OWED and debt.cleared_on == TODAY  # kept, as history
    # the audit log names the cause, never who is owed
    details = list(AuditEvent.objects.filter(object_type="debtrisk").values_list("detail", flat=True))
    assert len(details) == 3 and not any("runner" in d or "£800" in d for d in details)


def test_a_cleared_debt_with_no_plan_raises_nothing(young, sw, actor_for):
    debt = debt_record(actor=actor_for(sw), child=young, cause="lost_drugs", known_on=TODAY)
    debt_clear(actor=actor_for(sw), debt=debt, on=TODAY, reason="Recorded in error: another child")
    assert _codes(young) == []


def test_bad_input_is_refused_and_nothing_is_recorded(
    young, sw, actor_for, agencies, make_user, roles, system_actor
):
    from ccehub.justice.models import Arrest

    actor = actor_for(sw)
    with pytest.raises(ValidationError) as bad:
        debt_record(
            actor=actor,
            child=young,
            cause="gambling",
            known_on=TODAY + timedelta(days=1),
            amount_pounds=Decimal("-5"),
            arrest_id="00000000-0000-0000-0000-000000000000",
        )
    assert bad.value.message_dict == {
        "cause": ["Choose what the debt came from"],
        "known_on": [MSG_FUTURE],
        "amount_pounds": [MSG_AMOUNT],
        "arrest": [MSG_ARREST],
    }
    analyst = actor_for(make_user("debt.analyst", agencies["islington"], roles.ANALYST))
    with pytest.raises(PermissionDenied):
        debt_record(actor=analyst, child=young, cause="lost_drugs", known_on=TODAY)
    assert not DebtRisk.objects.exists()
    # an arrest of another child cannot be named
    from ccehub.children.services import child_create

    other = child_create(
        actor=system_actor,
        given_name="Other",
        family_name="Testcase",
        home_local_authority=agencies["islington"],
    )
    arrest = Arrest.objects.create(child=other, arrested_at=timezone.now(), arresting_force=agencies["met"])
    with pytest.raises(ValidationError) as wrong:
        debt_record(
            actor=actor, child=young, cause="police_seizure", known_on=TODAY, arrest_id=str(arrest.pk)
        )
    assert wrong.value.message_dict == {"arrest": [MSG_ARREST]}


def test_the_page_the_form_sent_twice_and_the_chronology(client, young, sw, agencies):
    from ccehub.justice.models import Arrest

    arrest = Arrest.objects.create(
        child=young,
        arrested_at=timezone.make_aware(datetime.combine(TODAY - timedelta(days=2), datetime.min.time())),
        arresting_force=agencies["met"],
    )
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/debts/"
    page = _text(client.get(url))
    assert "No drug debt is recorded" in page and "Record a drug debt" in page
    assert f"{TODAY - timedelta(days=2):%-d %B %Y}, by" in page  # the arrest to choose
    refused = client.post(url, {"amount_pounds": "lots"})
    text = _text(refused)
    assert refused.status_code == 400 and "Choose what the debt came from" in text
    assert "Enter the amount as a number of pounds" in text
    token = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    data = {
        "cause": "police_seizure",
        "known_on_day": TODAY.day,
        "known_on_month": TODAY.month,
        "known_on_year": TODAY.year,
        "amount_pounds": "800",
        "threats": "recorded_present",
        "arrest": str(arrest.pk),
        "description": OWED,
        "submission": token,
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "That debt was already recorded" in _text(again)
    debt = DebtRisk.objects.get(child=young)
    assert (
        debt.arrest == arrest and debt.amount_pounds == Decimal("800") and debt.threats == "recorded_present"
    )
    page = _text(client.get(url))
    assert "No safety plan" in page and OWED in page and "£800" in page
    detail = _text(client.get(f"/children/{young.pseudonymous_id}/"))
    assert "Drug debts</a> (1 recorded)" in detail
    assert "Drug debt recorded by Islington (R-39): drugs or cash seized by the police" in detail
    assert "A drug debt is recorded (drugs or cash seized by the police) with no safety plan" in detail
    plan = f"{url}{debt.pk}/plan/"
    assert client.post(plan, {}).status_code == 400
    day = {
        "safety_plan_on_day": TODAY.day,
        "safety_plan_on_month": TODAY.month,
        "safety_plan_on_year": TODAY.year,
    }
    assert client.post(plan, {**day, "safety_plan": "Moves to his aunt's"}).status_code == 302
    assert client.get(plan).status_code == 302  # planned: nothing more to do here
    assert "Made " in _text(client.get(url))
    assert client.get(f"{url}999999/plan/").status_code == 404


def test_a_pseudonymised_viewer_sees_no_free_text_and_cannot_record(
    client, young, sw, actor_for, make_user, agencies, roles
):
    debt = debt_record(
        actor=actor_for(sw), child=young, cause="friend_debt", known_on=TODAY, description=OWED
    )
    client.force_login(make_user("debt.analyst2", agencies["islington"], roles.ANALYST))
    url = f"/children/{young.pseudonymous_id}/debts/"
    page = _text(client.get(url))
    assert "Withheld on a pseudonymised view" in page and "runner" not in page
    assert "Record a drug debt" not in page and "Record the safety plan" not in page
    assert client.post(url, {"cause": "lost_drugs"}).status_code == 403
    assert client.post(f"{url}{debt.pk}/clear/", {"cleared_reason": "x"}).status_code == 403
    assert AuditEvent.objects.filter(object_type="debtrisk", action="denied").count() == 2
    assert "runner" not in _text(client.get(f"/children/{young.pseudonymous_id}/"))


def test_a_seizure_at_an_incident_warns_until_the_debt_is_in_the_register(
    young, sw, actor_for, agencies, system_actor
):
    """R-39, J-06: the triage asked for a safety plan for a seizure; until the debt is entered in the
    register, the early warning names the incident's seizure."""
    from ccehub.incidents.services import incident_record, triage_decide
    from ccehub.safeguarding.early_warnings import INCIDENT_DEBT

    at = timezone.now() - timedelta(days=2)
    incident = incident_record(
        actor=system_actor,
        child=young,
        occurred_at=at,
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency=agencies["met"],
        arresting_force=agencies["met"],
        county_lines_linked="recorded_present",
        offences=["pwits_class_a"],
        indicators=["drugs_seized", "cash"],
    )
    triage_decide(actor=system_actor, incident=incident, policy=None)
    (warning,) = [w for w in warnings_for([young])[young.pk] if w.code is EarlyWarning.DEBT_NO_SAFETY_PLAN]
    assert INCIDENT_DEBT in warning.text
    debt = debt_record(actor=actor_for(sw), child=young, cause="police_seizure", known_on=TODAY)
    (warning,) = [w for w in warnings_for([young])[young.pk] if w.code is EarlyWarning.DEBT_NO_SAFETY_PLAN]
    assert INCIDENT_DEBT not in warning.text and "seized by the police" in warning.text
    debt_safety_plan(actor=actor_for(sw), debt=debt, on=TODAY, plan="Moves to his aunt's")
    assert EarlyWarning.DEBT_NO_SAFETY_PLAN not in _codes(young)


def test_a_cleared_debt_takes_no_plan_and_not_known_is_not_not_recorded(client, young, sw, actor_for):
    from ccehub.safeguarding.debts import MSG_CLEARED

    debt = debt_record(
        actor=actor_for(sw), child=young, cause="robbery_of_cash", known_on=TODAY, threats="unknown"
    )
    debt_clear(actor=actor_for(sw), debt=debt, on=TODAY, reason="Recorded in error")
    with pytest.raises(ValidationError) as cleared:
        debt_safety_plan(actor=actor_for(sw), debt=debt, on=TODAY, plan="x")
    assert cleared.value.message_dict == {"safety_plan_on": [MSG_CLEARED.format(day=f"{TODAY:%-d %B %Y}")]}
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/debts/"
    assert client.get(f"{url}{debt.pk}/plan/").status_code == 302
    page = _text(client.get(url))
    assert '<td class="govuk-table__cell">Not known</td>' in page  # threats: the answer "not known"
    unanswered = debt_record(actor=actor_for(sw), child=young, cause="lost_drugs", known_on=TODAY)
    assert unanswered.threats == "not_recorded"
    assert "Not recorded" in _text(client.get(url))


def test_the_amount_is_written_as_people_write_it_and_withheld_from_pseudonymised_readers(
    client, young, sw, actor_for, make_user, agencies, roles
):
    from ccehub.children.export import child_export

    debt = debt_record(
        actor=actor_for(sw), child=young, cause="friend_debt", known_on=TODAY, amount_pounds=Decimal("1250")
    )
    assert debt.amount_text == "£1,250"
    debt.amount_pounds = Decimal("300.5")
    assert debt.amount_text == "£300.50"
    client.force_login(sw)
    assert "£1,250" in _text(client.get(f"/children/{young.pseudonymous_id}/debts/"))
    analyst = make_user("debt.analyst3", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    assert "£1,250" not in _text(client.get(f"/children/{young.pseudonymous_id}/debts/"))
    exported = child_export(actor=actor_for(analyst), pid=young.pseudonymous_id)
    assert "1250" not in str(exported)
