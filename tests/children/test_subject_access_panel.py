"""The CCE panel's records about a child in a subject-access response (``panel.json``).

Jamie (the panel world's Islington child) has a panel case with a referral heard at a sitting, a
decision with Home Office QA, an information request and its answer, a joint plan with an action done
and a review, and a Safeguarding Order in force with its conditions, references, history and a breach.
Remi, a Camden child of the same panel, was heard at the same sitting, decided on and asked about: none
of it may reach Jamie's response. Built through the services, real database, no mocks.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.subject_access import (
    PANEL_MODELS,
    PANEL_MODELS_LEFT_OUT,
    STAFF_NAME_WITHHELD,
)
from tests.children.test_erasure import models_about_a_child, rows_about
from tests.panels.conftest import decide, make_incident, refer

pytestmark = pytest.mark.django_db
MEETING_ON = date(2024, 3, 20)
#: Typed in the panel's free text: a member's name, and the username of the officer who answered.
RATIONALE = "Consistent account confirmed by DI Pat Police. p.officer attended the arrest"
REMI_RATIONALE = "REMI-ONLY: recruited at the Camden hostel"
REMI_QUESTION = "REMI-ONLY: is the hostel known to you?"
#: Staff names and usernames the panel's rows hold for Jamie.
STAFF = ("Morgan Chair", "DI Pat Police", "Dr Sam Health", "p.chair", "p.lead", "p.officer", "p.ho")


def sar(pid, out, *extra):
    from ccehub.cli import app

    return CliRunner().invoke(app, ["children", "subject-access", pid, "--out", str(out), *extra])


def panel_json(pid, out, *extra):
    result = sar(pid, out, *extra)
    assert result.exit_code == 0, result.output
    return json.loads((out / "panel.json").read_text()), (out / "panel.json").read_text()


@pytest.fixture
def panel_jamie(world, child, incident, referral, system_actor):
    """Jamie with one of everything the panel records about a child, and Remi beside him."""
    from ccehub.children.services import child_create
    from ccehub.panels import services as panels
    from tests.panels.test_plans_orders import _active_order, _breach, _plan

    remi = child_create(
        actor=system_actor,
        given_name="Remi",
        family_name="Other",
        date_of_birth=date(2008, 9, 9),
        postcode="NW1 1AA",
        home_local_authority=world["camden"],
        home_police_force=world["met"],
    )
    remi_referral = refer(
        world, remi, incident=make_incident(remi, system_actor, world["met"]), actor=world["as_camden_lead"]
    )
    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=MEETING_ON, extraordinary=True, reason="test"
    )
    panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=remi_referral)
    members = world["members"]
    meeting = panels.meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"], members["health"]],
        chair=members["chair"],
        today=MEETING_ON,
    )
    decision = decide(world, meeting, referral, "rg_positive", rationale=RATIONALE)
    panels.qa_confirm(actor=world["as_ho"], decision=decision, note="Sound")
    decide(world, meeting, remi_referral, "rg_positive", rationale=REMI_RATIONALE)
    request = panels.information_request_create(
        actor=world["as_lead"],
        referral=referral,
        recipient_role="police",
        recipient_agency=world["met"],
        recipient_name="DI Pat Police",
        question="Any intelligence on the address?",
        due_on=date(2024, 3, 28),
        today=date(2024, 3, 21),
    )
    panels.information_request_respond(
        actor=world["as_officer"],
        request=request,
        response="Known to the line; seen with INT-2024-0117",
        today=date(2024, 3, 25),
    )
    panels.information_request_create(
        actor=world["as_lead"],
        referral=remi_referral,
        recipient_role="police",
        recipient_agency=world["met"],
        recipient_name="DI Pat Police",
        question=REMI_QUESTION,
        due_on=date(2024, 3, 28),
        today=date(2024, 3, 21),
    )
    plan = _plan(world, child, referral=referral, decision=decision)
    first = plan.actions.order_by("due_on").first()
    panels.plan_action_complete(
        actor=world["as_officer"], action=first, on=date(2024, 3, 26), note="Done with Morgan Chair"
    )
    panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=date(2024, 4, 2),
        risk_level="high",
        note="Still going missing",
        next_review_on=date(2024, 5, 2),
        today=date(2024, 4, 2),
    )
    order = _active_order(world, child)
    _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "Out after curfew with INT-2024-0117")
    # a sitting's discussion of his case, as a loader writes it (the service lists only cases
    # with no referral)
    from ccehub.panels.models import CaseDiscussion, PanelCase

    CaseDiscussion.objects.create(
        meeting=meeting,
        case=PanelCase.objects.get(child=child),
        outcome="monitor",
        notes="Seen with INT-2024-0117 again",
        discussed_on=MEETING_ON,
    )
    return {"jamie": child, "remi": remi, "meeting": meeting, "referral": referral}


def _walk(panel):
    """Every case of ``panel``, then the rows outside a case, as one list of containers."""
    return [*panel["panel_cases"], panel["outside_panel_cases"]]


def counts(panel) -> Counter:
    """How many rows of each panels model ``panel.json`` holds."""
    found: Counter = Counter()
    found["panels.PanelCase"] = len(panel["panel_cases"])
    found["panels.CaseDiscussion"] = sum(len(case["discussions"]) for case in panel["panel_cases"])
    for part in _walk(panel):
        for referral in part["referrals"]:
            found["panels.AgendaItem"] += sum(1 for m in referral["meetings"] if m["listed"])
            found["panels.InformationRequest"] += len(referral["information_requests"])
            for decision in referral["decisions"]:
                found["panels.PanelDecision"] += 1
                found["panels.QAEvent"] += len(decision["qa_events"])
        for plan in part["joint_plans"]:
            found["panels.JointPlan"] += 1
            found["panels.PlanAction"] += len(plan["actions"])
            found["panels.JointPlanReview"] += len(plan["reviews"])
        for order in part["safeguarding_orders"]:
            found["panels.SafeguardingOrder"] += 1
            found["panels.OrderCondition"] += len(order["conditions"])
            found["panels.ProtectedAgainst"] += len(order["protected_against"])
            found["panels.OrderEvent"] += len(order["events"])
            found["panels.OrderBreach"] += len(order["breaches"])
    return +found


# --- what is covered ------------------------------------------------------------------------------


def test_every_panels_model_about_a_child_is_in_the_response_or_left_out_with_a_reason():
    """If a model about a child is added to ``panels``, this fails until the subject-access response
    gives its rows (``PANEL_MODELS``) or says why not (``PANEL_MODELS_LEFT_OUT``)."""
    about = {label for label in models_about_a_child() if label.startswith("panels.")}
    assert about == set(PANEL_MODELS) | set(PANEL_MODELS_LEFT_OUT)
    assert not set(PANEL_MODELS) & set(PANEL_MODELS_LEFT_OUT)
    assert all(reason.strip() for reason in PANEL_MODELS_LEFT_OUT.values())


def test_every_panel_row_about_the_child_is_in_panel_json(panel_jamie, tmp_path):
    """Row for row: what the schema says is about Jamie in ``panels`` is what panel.json holds."""
    jamie = panel_jamie["jamie"]
    about = Counter(label for label, _ in rows_about(jamie) if label.startswith("panels."))
    assert set(about) == set(PANEL_MODELS)  # the fixture has a row in each
    panel, _text = panel_json(jamie.pseudonymous_id, tmp_path / "sar")
    assert counts(panel) == about


# --- what panel.json says -------------------------------------------------------------------------


def test_panel_json_holds_the_case_with_its_decisions_requests_plans_and_orders(panel_jamie, tmp_path):
    jamie = panel_jamie["jamie"]
    panel, _text = panel_json(jamie.pseudonymous_id, tmp_path / "sar", "--with-staff-names")
    assert panel["pseudonymous_id"] == jamie.pseudonymous_id and panel["staff_names"] == "included"
    assert panel["agencies"]["islington-camden-panel"] == "Islington and Camden CCE Panel"
    assert panel["agencies"]["met"] == "Metropolitan Police Service"
    assert panel["outside_panel_cases"] == {"referrals": [], "joint_plans": [], "safeguarding_orders": []}
    (case,) = panel["panel_cases"]
    assert (case["panel"], case["panel_name"]) == ("islington-camden-panel", "Islington and Camden CCE Panel")
    assert case["shared_on"] == "2024-06-30" and case["closed_on"] is None and case["reason"]
    assert case["shared_by"] == "la-islington"

    (referral,) = case["referrals"]
    assert referral["referred_on"] == "2024-03-04" and referral["route"] == "local_panel"
    (meeting,) = referral["meetings"]
    assert meeting["held_on"] == "2024-03-20" and meeting["status"] == "held" and meeting["listed"]
    assert meeting["outcome"] == ["rg_positive"] and meeting["chair"] == "Morgan Chair"
    assert {(a["name"], a["sector"], a["present"]) for a in meeting["attendance"]} == {
        ("Morgan Chair", "social_care", True),
        ("DI Pat Police", "police", True),
        ("Dr Sam Health", "health", True),
    }
    assert "deadline" in meeting["urgency"]

    (decision,) = referral["decisions"]
    assert decision["decision_type"] == "rg_positive" and decision["decided_on"] == "2024-03-20"
    assert decision["meeting_on"] == "2024-03-20" and decision["rationale"] == RATIONALE
    assert decision["evidence_considered"][0] == "Police arrest record"
    assert decision["ho_qa_status"] == "confirmed" and decision["chaired_by_name"] == "Morgan Chair"
    assert {m["name"] for m in decision["members_present"]} == {
        "Morgan Chair",
        "DI Pat Police",
        "Dr Sam Health",
    }
    assert decision["recorded_by_name"] == "p.chair"
    assert [(e["kind"], e["by_name"]) for e in decision["qa_events"]] == [
        ("submitted", "p.chair"),
        ("confirmed", "p.ho"),
    ]
    assert (
        decision["qa_events"][1]["note"] == "Sound"
        and decision["qa_events"][1]["by_agency"] == "home-office-sca"
    )
    assert decision["qa_events"][0]["at"].startswith("20")  # an ISO date and time
    for internal in ("id", "referral", "meeting", "nrm_decision", "recorded_by"):
        assert internal not in decision, internal

    (request,) = referral["information_requests"]
    assert request["question"] == "Any intelligence on the address?"
    assert request["response"] == "Known to the line; seen with INT-2024-0117"
    assert (request["requested_on"], request["due_on"], request["responded_on"]) == (
        "2024-03-21",
        "2024-03-28",
        "2024-03-25",
    )
    assert (request["recipient_role"], request["recipient_agency"], request["status"]) == (
        "police",
        "met",
        "responded",
    )
    assert (request["recipient_name"], request["requested_by_name"], request["responded_by_name"]) == (
        "DI Pat Police",
        "p.lead",
        "p.officer",
    )

    (plan,) = case["joint_plans"]
    assert plan["summary"] == "Exit the line safely; education place; health follow-up"
    assert (plan["agreed_on"], plan["review_on"], plan["review_trigger"]) == ("2024-03-20", "2024-05-02", "")
    assert plan["referral_referred_on"] == "2024-03-04"
    assert plan["decision"] == {"decision_type": "rg_positive", "decided_on": "2024-03-20"}
    assert "child_plan" not in plan and "child" not in plan
    actions = plan["actions"]
    assert [a["description"] for a in actions] == [
        "Debt threat assessment",
        "School place",
        "CAMHS appointment",
    ]
    assert (actions[0]["status"], actions[0]["completed_on"], actions[0]["owner_agency"]) == (
        "done",
        "2024-03-26",
        "met",
    )
    assert actions[0]["owner_name"] == "DI Pat Police" and actions[0]["note"] == "Done with Morgan Chair"
    (review,) = plan["reviews"]
    assert (review["reviewed_on"], review["risk_level"], review["next_review_on"]) == (
        "2024-04-02",
        "high",
        "2024-05-02",
    )
    assert review["note"] == "Still going missing" and review["reviewed_by_name"] == "p.lead"

    (order,) = case["safeguarding_orders"]
    assert (order["legal_basis"], order["status"]) == ("existing_order_adapted", "breach_reported")
    assert (order["made_on"], order["starts_on"], order["expires_on"]) == (
        "2024-04-02",
        "2024-04-03",
        "2024-10-02",
    )
    assert {(c["condition_type"], c["detail"]) for c in order["conditions"]} == {
        ("no_contact_named_persons", "No contact with the persons referenced"),
        ("curfew", "Home 21:00 to 07:00"),
    }
    assert [(p["reference"], p["held_by"], p["relationship"]) for p in order["protected_against"]] == [
        ("INT-2024-0117", "met", "line holder"),
        ("INT-2024-0342", "met", ""),
    ]
    assert [(e["from_status"], e["to_status"]) for e in order["events"]][:3] == [
        ("draft", "applied"),
        ("applied", "granted"),
        ("granted", "active"),
    ]
    assert order["events"][-1]["to_status"] == "breach_reported"
    (breach,) = order["breaches"]
    assert (breach["occurred_on"], breach["reported_on"], breach["reported_by_agency"]) == (
        "2024-05-01",
        "2024-05-02",
        "met",
    )
    assert (
        breach["nature"] == "Out after curfew with INT-2024-0117"
        and breach["reported_by_name"] == "p.officer"
    )


def test_staff_names_are_withheld_in_panel_json_by_default(panel_jamie, tmp_path):
    """Members' names, the people asked or owning an action, and usernames: replaced in the name
    fields, and taken out of the panel's free text (as the access history does)."""
    panel, text = panel_json(panel_jamie["jamie"].pseudonymous_id, tmp_path / "sar")
    for name in STAFF:
        assert name not in text, name
    assert panel["staff_names"] == "withheld"
    (case,) = panel["panel_cases"]
    (referral,) = case["referrals"]
    (meeting,) = referral["meetings"]
    assert meeting["chair"] == STAFF_NAME_WITHHELD
    assert {(a["name"], a["sector"]) for a in meeting["attendance"]} == {
        (STAFF_NAME_WITHHELD, "social_care"),
        (STAFF_NAME_WITHHELD, "police"),
        (STAFF_NAME_WITHHELD, "health"),
    }
    (decision,) = referral["decisions"]
    assert decision["rationale"] == (
        f"Consistent account confirmed by {STAFF_NAME_WITHHELD}. {STAFF_NAME_WITHHELD} attended the arrest"
    )
    assert decision["chaired_by_name"] == decision["recorded_by_name"] == STAFF_NAME_WITHHELD
    assert {m["name"] for m in decision["members_present"]} == {STAFF_NAME_WITHHELD}
    assert {e["by_name"] for e in decision["qa_events"]} == {STAFF_NAME_WITHHELD}
    (request,) = referral["information_requests"]
    assert request["recipient_name"] == request["responded_by_name"] == STAFF_NAME_WITHHELD
    (plan,) = case["joint_plans"]
    assert plan["actions"][0]["owner_name"] == STAFF_NAME_WITHHELD
    assert plan["actions"][0]["note"] == f"Done with {STAFF_NAME_WITHHELD}"
    assert plan["actions"][1]["owner_name"] == ""  # nobody named: nothing withheld
    assert plan["reviews"][0]["reviewed_by"] == STAFF_NAME_WITHHELD
    # what is not a name stays
    assert request["response"] == "Known to the line; seen with INT-2024-0117"
    assert case["safeguarding_orders"][0]["protected_against"][0]["reference"] == "INT-2024-0117"


def test_staff_names_are_given_in_panel_json_with_the_flag(panel_jamie, tmp_path):
    _panel, text = panel_json(panel_jamie["jamie"].pseudonymous_id, tmp_path / "sar", "--with-staff-names")
    for name in STAFF:
        assert name in text, name
    assert STAFF_NAME_WITHHELD not in text


def test_another_child_heard_at_the_same_sitting_is_not_in_panel_json(panel_jamie, tmp_path):
    remi = panel_jamie["remi"]
    assert panel_jamie["meeting"].agenda.count() == 2 and panel_jamie["meeting"].decisions.count() == 2
    panel, text = panel_json(panel_jamie["jamie"].pseudonymous_id, tmp_path / "sar")
    for other in (remi.pseudonymous_id, "Remi", "REMI-ONLY", "la-camden", str(remi.pk)):
        assert other not in text, other
    (case,) = panel["panel_cases"]
    (referral,) = case["referrals"]
    (meeting,) = referral["meetings"]
    assert meeting["outcome"] == ["rg_positive"]
    assert "position" not in meeting and "minutes" not in meeting
    assert len(referral["decisions"]) == 1 and len(referral["information_requests"]) == 1
    # and Remi's own response holds his decision, not Jamie's
    remi_panel, remi_text = panel_json(remi.pseudonymous_id, tmp_path / "remi")
    assert "REMI-ONLY" in remi_text and RATIONALE not in remi_text
    assert "Consistent account" not in remi_text and "Any intelligence" not in remi_text
    assert remi_panel["panel_cases"][0]["joint_plans"] == []


def test_a_closed_case_gives_its_closure_and_cases_come_in_date_order(panel_jamie, tmp_path, world):
    """An earlier case, closed with the risk reassessed and the panel's approval at a sitting."""
    from ccehub.panels.models import PanelCase

    jamie = panel_jamie["jamie"]
    PanelCase.objects.create(
        panel=world["panel"],
        child=jamie,
        shared_by=world["islington"],
        shared_on=date(2023, 1, 10),
        reason="First concern: missing from school",
        closed_on=date(2023, 6, 1),
        close_reason="risk_reduced",
        close_note="Back in school; Morgan Chair agreed",
        risk_at_close="low",
        risk_reduced_at_close=True,
        closure_meeting=panel_jamie["meeting"],
        closure_warnings=["The risk is still high"],
        closed_by=world["users"]["chair"],
        closed_by_name="p.chair",
    )
    panel, _text = panel_json(jamie.pseudonymous_id, tmp_path / "sar")
    first, second = panel["panel_cases"]
    assert (first["shared_on"], second["shared_on"]) == ("2023-01-10", "2024-06-30")
    assert (first["closed_on"], first["close_reason"], first["risk_at_close"]) == (
        "2023-06-01",
        "risk_reduced",
        "low",
    )
    assert first["risk_reduced_at_close"] is True and first["closure_meeting_on"] == "2024-03-20"
    assert first["closure_warnings"] == ["The risk is still high"]
    assert first["close_note"] == f"Back in school; {STAFF_NAME_WITHHELD} agreed"
    assert first["closed_by"] == first["closed_by_name"] == STAFF_NAME_WITHHELD
    # the referral records its case: it stays with the 2024 one, as do the plan and the order
    assert (first["referrals"], first["joint_plans"], first["safeguarding_orders"]) == ([], [], [])
    assert len(second["referrals"]) == len(second["joint_plans"]) == len(second["safeguarding_orders"]) == 1


def test_a_plan_of_a_panel_with_no_case_for_the_child_is_listed_outside_the_cases(panel_jamie, tmp_path):
    """A row written another way (a loader, the admin) is never dropped for want of a case."""
    from ccehub.agencies.models import Agency, AgencyKind
    from ccehub.panels.models import JointPlan

    other = Agency.objects.create(code="kent-panel", name="Kent CCE Panel", kind=AgencyKind.CCE_PANEL)
    JointPlan.objects.create(
        panel=other,
        child=panel_jamie["jamie"],
        agreed_on=date(2024, 7, 1),
        review_on=date(2024, 8, 1),
        summary="Kent's plan",
    )
    panel, _text = panel_json(panel_jamie["jamie"].pseudonymous_id, tmp_path / "sar")
    (plan,) = panel["outside_panel_cases"]["joint_plans"]
    assert (plan["panel"], plan["summary"]) == ("kent-panel", "Kent's plan")
    assert panel["agencies"]["kent-panel"] == "Kent CCE Panel"
    assert counts(panel)["panels.JointPlan"] == 2


# --- the folder, the cover note and the audit row ---------------------------------------------------


def test_the_compile_is_still_one_export_row_and_counts_the_panel_part(panel_jamie, tmp_path):
    pid = panel_jamie["jamie"].pseudonymous_id
    last = AuditEvent.objects.order_by("-id").first().id
    panel_json(pid, tmp_path / "sar")
    (event,) = AuditEvent.objects.filter(id__gt=last)
    assert (event.action, event.object_type, event.child_pid) == ("export", "subject_access", pid)
    assert {
        "panel_cases",
        "panel_meetings",
        "panel_decisions",
        "information_requests",
        "joint_plans",
        "safeguarding_orders",
    } <= set(event.fields)
    assert (
        "1 panel case (1 decision, 1 information request, 1 joint plan, 1 Safeguarding Order)" in event.detail
    )


def test_the_readme_describes_panel_json(panel_jamie, tmp_path):
    out = tmp_path / "sar"
    panel_json(panel_jamie["jamie"].pseudonymous_id, out)
    text = (out / "README.txt").read_text()
    assert "panel.json" in text and "1 panel case" in text
    assert "protected_against" in text  # the controller decides on other people's references
    assert "minutes" in text  # what is left out, and why


def test_a_name_ending_a_sentence_is_withheld_but_not_a_longer_username():
    from ccehub.children.subject_access import _withhold

    pattern = _withhold(["met.pc", "DI Pat Police"])
    assert pattern.sub("X", "Asked DI Pat Police. Then met.pc.") == "Asked X. Then X."
    assert pattern.sub("X", "met.pc.old, met.pc@example.invalid, met.pc-2") == (
        "met.pc.old, met.pc@example.invalid, met.pc-2"
    )
