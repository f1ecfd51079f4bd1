"""After the decision: joint plans, Safeguarding Orders (§4.5) with breaches, and panel monitoring (F-13)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.panels.models import OrderEvent
from ccehub.panels.rules import MSG_ORDER_TRANSITION
from ccehub.panels.selectors import monitoring_list
from ccehub.panels.services import ActionSpec, ProtectedSpec

pytestmark = pytest.mark.django_db
AGREED = date(2024, 3, 20)


def _plan(world, child, **extra):
    values = {
        "actor": world["as_lead"],
        "panel": world["panel"],
        "child": child,
        "agreed_on": AGREED,
        "review_on": date(2024, 6, 20),
        "summary": "Exit the line safely; education place; health follow-up",
        "actions": [
            ActionSpec("Debt threat assessment", world["met"], date(2024, 3, 27), "DI Pat Police"),
            ActionSpec("School place", world["islington"], date(2024, 4, 15)),
            ActionSpec("CAMHS appointment", world["health"], date(2024, 4, 30)),
        ],
    }
    values.update(extra)
    return panels.joint_plan_create(**values)


def test_joint_plan_recorded_and_mirrored(world, child, referral):
    """A joint plan with owners and due dates; it shows as a CCE joint plan on the safeguarding record."""
    plan = _plan(world, child, referral=referral)
    assert plan.actions.count() == 3
    assert plan.child_plan.plan_type == "cce_joint_plan" and plan.child_plan.started_on == AGREED
    assert child.plans.filter(plan_type="cce_joint_plan").exists()
    assert AuditEvent.objects.filter(object_type="joint_plan", object_id=str(plan.pk)).exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"review_on": AGREED - timedelta(days=1)}, "review_on", panels.MSG_REVIEW_BEFORE_AGREED),
        ({"actions": []}, "actions", panels.MSG_PLAN_NEEDS_ACTION),
        ({"summary": ""}, "summary", None),
    ],
)
def test_joint_plan_refusals(world, child, referral, values, field, message):
    with pytest.raises(ValidationError) as info:
        _plan(world, child, **values)
    if message:
        assert info.value.message_dict[field] == [message]
    else:
        assert field in info.value.message_dict


def test_action_due_before_the_plan_refused(world, child, referral):
    with pytest.raises(ValidationError) as info:
        _plan(world, child, actions=[ActionSpec("x", world["met"], AGREED - timedelta(days=1))])
    assert info.value.message_dict["actions"] == [panels.MSG_ACTION_DUE_BEFORE_PLAN]


def test_plan_needs_the_child_under_the_panel(world, child):
    """No open panel case (no local referral), no panel plan."""
    with pytest.raises(ValidationError) as info:
        _plan(world, child)
    assert info.value.message_dict["__all__"] == [panels.MSG_NOT_UNDER_PANEL]


def test_action_closed_by_its_owner(world, child, referral):
    plan = _plan(world, child)
    police_action = plan.actions.get(owner_agency=world["met"])
    with pytest.raises(PermissionDenied):
        panels.plan_action_complete(actor=world["as_health"], action=police_action, on=date(2024, 3, 25))
    done = panels.plan_action_complete(actor=world["as_officer"], action=police_action, on=date(2024, 3, 25))
    assert done.status == "done"
    with pytest.raises(ValidationError):
        panels.plan_action_complete(actor=world["as_officer"], action=police_action, on=date(2024, 3, 26))


def _order(world, child, **extra):
    values = {
        "actor": world["as_chair"],
        "panel": world["panel"],
        "child": child,
        "legal_basis": "existing_order_adapted",
        "legal_basis_detail": "CCE prevention order (adapted); legal basis under review",
        "conditions": [
            ("no_contact_named_persons", "No contact with the persons referenced"),
            ("curfew", "Home 21:00 to 07:00"),
        ],
        "protected_against": [
            ProtectedSpec("INT-2024-0117", world["met"], "line holder"),
            ProtectedSpec("int-2024-0342", world["met"]),
        ],
    }
    values.update(extra)
    return panels.safeguarding_order_draft(**values)


def test_order_drafted_with_pseudonymous_references(world, child, referral):
    order = _order(world, child)
    assert order.status == "draft"
    assert sorted(p.reference for p in order.protected_against.all()) == ["INT-2024-0117", "INT-2024-0342"]
    assert order.conditions.count() == 2


@pytest.mark.parametrize("reference", ["John Smith", "JOHN-SMITH", "Tyrone", "A1", ""])
def test_protected_against_never_a_name(world, child, referral, reference):
    """Exploiters are referenced by a record code, never by name (DOMAIN §6.3)."""
    with pytest.raises(ValidationError) as info:
        _order(world, child, protected_against=[ProtectedSpec(reference, world["met"])])
    assert info.value.message_dict["protected_against"] == [panels.MSG_REFERENCE_NOT_CODE]


def test_order_needs_a_condition_and_a_known_basis(world, child, referral):
    with pytest.raises(ValidationError) as info:
        _order(world, child, conditions=[])
    assert info.value.message_dict["conditions"] == [panels.MSG_ORDER_NEEDS_CONDITION]
    with pytest.raises(ValidationError):
        _order(world, child, legal_basis="common_law")


def _move(world, order, to_status, on, **extra):
    return panels.safeguarding_order_transition(
        actor=world["as_chair"], order=order, to_status=to_status, on=on, **extra
    )


def _active_order(world, child):
    order = _order(world, child)
    _move(world, order, "applied", date(2024, 3, 25))
    with pytest.raises(ValidationError) as info:
        _move(world, order, "granted", date(2024, 4, 2))
    assert info.value.message_dict["made_on"] == [panels.MSG_GRANT_DATES]
    _move(
        world,
        order,
        "granted",
        date(2024, 4, 2),
        made_on=date(2024, 4, 2),
        starts_on=date(2024, 4, 3),
        expires_on=date(2024, 10, 2),
    )
    with pytest.raises(ValidationError) as info:
        _move(world, order, "active", date(2024, 4, 2))
    assert info.value.message_dict["on"] == [panels.MSG_NOT_ACTIVE_YET]
    return _move(world, order, "active", date(2024, 4, 3))


def _breach(world, order, occurred_on, reported_on, nature, *, by="as_officer"):
    """Report a breach of ``order`` (as the officer unless ``by`` says otherwise) on 1 June 2024."""
    return panels.order_breach_record(
        actor=world[by],
        order=order,
        occurred_on=occurred_on,
        reported_on=reported_on,
        nature=nature,
        today=date(2024, 6, 1),
    )


def test_breach_of_a_granted_order_says_to_record_it_in_force_first(world, child, referral):
    order = _order(world, child)
    _move(world, order, "applied", date(2024, 3, 25))
    grant = {"made_on": date(2024, 4, 2), "starts_on": date(2024, 4, 3), "expires_on": date(2024, 10, 2)}
    _move(world, order, "granted", date(2024, 4, 2), **grant)
    with pytest.raises(ValidationError) as info:
        _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "Seen with referenced person")
    assert info.value.message_dict["occurred_on"] == [panels.MSG_ORDER_GRANTED_NOT_ACTIVE]
    assert "Record that the order is in force" in panels.MSG_ORDER_GRANTED_NOT_ACTIVE
    with pytest.raises(ValidationError) as info:  # outside its term: still simply not in force
        _breach(world, order, date(2024, 4, 1), date(2024, 5, 2), "Seen with referenced person")
    assert info.value.message_dict["occurred_on"] == [panels.MSG_ORDER_NOT_IN_FORCE]


def test_order_lifecycle_and_breach(world, child, referral):
    """§4.5: draft → applied → granted → active → breach reported → court response → active | varied."""
    order = _active_order(world, child)
    with pytest.raises(ValidationError) as info:
        _move(world, order, "applied", date(2024, 4, 5))
    assert info.value.message_dict["to_status"] == [
        MSG_ORDER_TRANSITION.format(from_label="active", to_label="applied for")
    ]
    with pytest.raises(ValidationError) as info:
        _move(world, order, "breach_reported", date(2024, 4, 5))
    assert info.value.message_dict["to_status"] == [panels.MSG_USE_BREACH_SERVICE]
    with pytest.raises(ValidationError) as info:
        _breach(world, order, date(2024, 4, 1), date(2024, 4, 2), "Seen with referenced person")
    assert info.value.message_dict["occurred_on"] == [panels.MSG_ORDER_NOT_IN_FORCE]
    breach = _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "Out after curfew with INT-2024-0117")
    order.refresh_from_db()
    assert order.status == "breach_reported" and breach.reported_by_agency == world["met"]
    panels.order_breach_response_record(
        actor=world["as_chair"],
        breach=breach,
        court_response="electronic_tag",
        response_on=date(2024, 5, 10),
        detail="Tag for 3 months",
    )
    order.refresh_from_db()
    assert order.status == "active"
    with pytest.raises(ValidationError) as info:
        panels.order_breach_response_record(
            actor=world["as_chair"], breach=breach, court_response="warning", response_on=date(2024, 5, 11)
        )
    assert info.value.message_dict["__all__"] == [panels.MSG_BREACH_ANSWERED]
    second = _breach(world, order, date(2024, 6, 1), date(2024, 6, 1), "Contact")
    panels.order_breach_response_record(
        actor=world["as_chair"], breach=second, court_response="variation", response_on=date(2024, 6, 5)
    )
    order.refresh_from_db()
    assert order.status == "varied"
    _move(world, order, "discharged", date(2024, 8, 1), note="Risk reduced")
    order.refresh_from_db()
    assert order.status == "discharged" and order.ended_on == date(2024, 8, 1)
    assert [e.to_status for e in OrderEvent.objects.filter(order=order)] == [
        "applied",
        "granted",
        "active",
        "breach_reported",
        "active",
        "breach_reported",
        "varied",
        "discharged",
    ]


def test_breach_dates_checked(world, child, referral):
    order = _active_order(world, child)
    with pytest.raises(ValidationError) as info:
        _breach(world, order, date(2024, 5, 3), date(2024, 5, 2), "x")
    assert info.value.message_dict["reported_on"] == [panels.MSG_BREACH_DATES]


def test_breach_reporter_needs_a_basis(world, child, referral):
    order = _active_order(world, child)
    with pytest.raises(PermissionDenied):
        _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "x", by="as_kent")


def test_emergency_access_does_not_let_one_report_a_breach(world, child, referral):
    """Emergency access is read-only: a Kent officer who broke the glass reads the order, but records
    no breach on it (the holding agency or the panel does)."""
    from ccehub.children.services import MSG_READ_ONLY_EMERGENCY, emergency_access_start

    order = _active_order(world, child)
    emergency_access_start(
        actor=world["as_kent"], pid=child.pseudonymous_id, reason="Found him in Margate at 2 a.m., no answer"
    )
    with pytest.raises(PermissionDenied, match=MSG_READ_ONLY_EMERGENCY):
        _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "x", by="as_kent")
    assert not order.breaches.exists()


def test_sight_under_a_data_sharing_agreement_does_not_let_one_report_a_breach(world, child, referral):
    """An agreement gives read-only sight (data-protection.md, gap 3): Kent, seeing the child under
    Islington's agreement, reads the order but records no breach on it."""
    from ccehub.agencies.models import DataSharingAgreement
    from ccehub.children.services import MSG_READ_ONLY_BASIS

    order = _active_order(world, child)
    DataSharingAgreement.objects.create(
        title="Islington to Kent",
        provider=child.holdings.first().agency,
        recipient=world["as_kent"].agency,
        purpose="county lines",
        includes_identity=True,
        starts_on=date(2020, 1, 1),
        expires_on=date(2099, 1, 1),
    )
    with pytest.raises(PermissionDenied, match=MSG_READ_ONLY_BASIS):
        _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "x", by="as_kent")
    assert not order.breaches.exists()


def test_monitoring_shows_plan_compliance_missing_and_breaches(world, child, referral, system_actor):
    """F-13: each child under oversight with plan compliance, missing episodes and breaches."""
    from ccehub.children.models import MissingEpisode
    from ccehub.children.services import fact_record

    plan = _plan(world, child)
    panels.plan_action_complete(
        actor=world["as_officer"], action=plan.actions.get(owner_agency=world["met"]), on=date(2024, 3, 26)
    )
    london = ZoneInfo("Europe/London")
    fact_record(
        actor=system_actor,
        child=child,
        model=MissingEpisode,
        started_at=datetime(2024, 4, 20, 18, 0, tzinfo=london),
        ended_at=datetime(2024, 4, 23, 9, 0, tzinfo=london),
    )
    fact_record(
        actor=system_actor,
        child=child,
        model=MissingEpisode,
        started_at=datetime(2024, 1, 5, 18, 0, tzinfo=london),
        ended_at=datetime(2024, 1, 6, 9, 0, tzinfo=london),
    )  # before oversight: not counted
    order = _active_order(world, child)
    _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "Curfew")
    rows = monitoring_list(actor=world["as_member"], panel=world["panel"], as_of=date(2024, 5, 1))
    assert len(rows) == 1
    row = rows[0]
    assert row.child == child and row.plan == plan
    assert (row.actions_total, row.actions_done, row.actions_overdue) == (3, 1, 2)  # school and CAMHS late
    assert row.compliance == 33
    assert row.missing_since_oversight == 1 and row.last_missing == date(2024, 4, 20)
    assert (row.orders_in_force, row.breaches, row.breaches_unanswered) == (1, 1, 1)
    assert row.stage == "info_gathering"
    assert AuditEvent.objects.filter(object_type="panel_monitoring", username="p.member").exists()
    with pytest.raises(PermissionDenied):
        monitoring_list(actor=world["as_officer"], panel=world["panel"], as_of=date(2024, 5, 1))


def test_action_added_to_an_open_plan_by_the_lead_or_chair(world, child, referral):
    """More actions can be agreed later; not before the plan, not on a closed plan, not by others."""
    plan = _plan(world, child)
    spec = ActionSpec("Mentoring referral", world["yot_agency"], date(2024, 5, 1))
    action = panels.plan_action_add(actor=world["as_chair"], plan=plan, spec=spec)
    assert action.status == "open" and plan.actions.count() == 4
    assert AuditEvent.objects.filter(object_type="plan_action", object_id=str(action.pk)).exists()
    with pytest.raises(PermissionDenied):
        panels.plan_action_add(actor=world["as_officer"], plan=plan, spec=spec)
    with pytest.raises(ValidationError) as early:
        panels.plan_action_add(
            actor=world["as_lead"], plan=plan, spec=ActionSpec("x", world["met"], AGREED - timedelta(days=1))
        )
    assert early.value.message_dict["due_on"] == [panels.MSG_ACTION_DUE_BEFORE_PLAN]
    plan.closed_on = date(2024, 6, 1)
    plan.save()
    with pytest.raises(ValidationError) as closed:
        panels.plan_action_add(actor=world["as_lead"], plan=plan, spec=spec)
    assert closed.value.message_dict["__all__"] == [panels.MSG_PLAN_CLOSED]


# --- Dates and repeated plans (black-box test) ---------------------------------------------------


@pytest.mark.parametrize(
    ("agreed_on", "today", "message"),
    [
        (date(2024, 7, 1), date(2024, 6, 30), panels.MSG_PLAN_IN_FUTURE),
        (
            date(2020, 3, 20),
            date(2024, 6, 30),
            panels.MSG_PLAN_BEFORE_REFERRAL.format(referred_on="4 March 2024"),
        ),
    ],
    ids=["in the future", "before the referral"],
)
def test_plan_agreed_date_checked(world, child, referral, agreed_on, today, message):
    """Like the referral and decision dates: not in the future, and not before the panel referral."""
    with pytest.raises(ValidationError) as info:
        _plan(world, child, agreed_on=agreed_on, review_on=agreed_on + timedelta(days=90), today=today)
    assert info.value.message_dict["agreed_on"] == [message]


def test_a_new_plan_replaces_the_current_one_and_monitoring_shows_only_it(world, child, referral):
    """Repeated submissions made duplicate plans and monitoring summed every plan's actions ('0 of 6')
    under one plan. The same plan twice is refused; a new plan closes the old one (kept as history)."""
    first = _plan(world, child)
    with pytest.raises(ValidationError) as info:
        _plan(world, child)
    assert info.value.message_dict["__all__"] == [panels.MSG_PLAN_DUPLICATE.format(agreed_on="20 March 2024")]
    second = _plan(
        world,
        child,
        agreed_on=date(2024, 4, 10),
        summary="Revised after the April review",
        actions=[ActionSpec("Mentoring referral", world["yot_agency"], date(2024, 4, 20))],
    )
    first.refresh_from_db()
    assert first.closed_on == date(2024, 4, 10) and first.actions.count() == 3  # history kept
    assert first.child_plan.ended_on == date(2024, 4, 10)
    assert second.closed_on is None
    with pytest.raises(ValidationError) as early:
        _plan(
            world,
            child,
            agreed_on=date(2024, 4, 1),
            summary="Backdated",
            actions=[ActionSpec("x", world["met"], date(2024, 4, 5))],
        )
    assert early.value.message_dict["agreed_on"] == [
        panels.MSG_PLAN_BEFORE_CURRENT.format(agreed_on="10 April 2024")
    ]
    (row,) = monitoring_list(actor=world["as_member"], panel=world["panel"], as_of=date(2024, 5, 1))
    assert row.plan == second
    assert (row.actions_total, row.actions_done, row.actions_overdue) == (1, 0, 1)


def test_order_granted_dates_checked_and_breaches_before_it_was_made_not_in_force(world, child, referral):
    """A court order cannot start before it was made, be made before the application, or in the future."""
    order = panels.safeguarding_order_draft(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        legal_basis="existing_order_adapted",
        legal_basis_detail="Adapted order",
        conditions=[("curfew", "21:00-07:00")],
        protected_against=[],
    )
    _move(world, order, "applied", date(2024, 3, 25))
    grant = {"made_on": date(2024, 4, 1), "starts_on": date(2024, 4, 1), "expires_on": date(2024, 10, 1)}
    for changes, field, message in [
        ({"starts_on": date(2024, 3, 1)}, "starts_on", panels.MSG_ORDER_STARTS_BEFORE_MADE),
        (
            {"made_on": date(2024, 3, 20), "starts_on": date(2024, 3, 20)},
            "made_on",
            panels.MSG_ORDER_MADE_BEFORE_APPLIED.format(applied_on="25 March 2024"),
        ),
        (
            {"made_on": date(2024, 7, 1), "starts_on": date(2024, 7, 1)},
            "made_on",
            panels.MSG_ORDER_MADE_IN_FUTURE,
        ),
    ]:
        with pytest.raises(ValidationError) as info:
            panels.safeguarding_order_transition(
                actor=world["as_lead"],
                order=order,
                to_status="granted",
                on=date(2024, 4, 1),
                today=date(2024, 6, 30),
                **{**grant, **changes},
            )
        assert info.value.message_dict[field] == [message]
    panels.safeguarding_order_transition(
        actor=world["as_lead"],
        order=order,
        to_status="granted",
        on=date(2024, 4, 1),
        today=date(2024, 6, 30),
        **grant,
    )
    _move(world, order, "active", date(2024, 4, 1))
    with pytest.raises(ValidationError) as info:
        _breach(world, order, date(2024, 3, 30), date(2024, 4, 2), "Before the order was made")
    assert info.value.message_dict["occurred_on"] == [panels.MSG_ORDER_NOT_IN_FORCE]
