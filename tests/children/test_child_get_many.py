"""``child_get_many`` is ``child_get`` for many children at once (the panel's meeting papers): for
every reference the same record, or the same refusal, and the same audit row, in the same order.

One actor's references cover every basis (own records, an agreement for the child, a blanket
agreement from an agency holding it, emergency access, an open panel case, none) and every refusal
(no basis, no such child, a name typed as a reference, emergency access outside the screen); each is
read one at a time with ``child_get`` and then all at once, and the two are compared field by field.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ccehub.audit.models import Action, AuditEvent
from ccehub.children.selectors import ALL_SECTIONS, ChildNotFound, child_get, child_get_many
from ccehub.panels.selectors import PAPER_SECTIONS
from tests.children.test_query_counts import add_history

pytestmark = pytest.mark.django_db

AUDIT_FIELDS = (
    "user_id",
    "username",
    "agency_code",
    "role",
    "action",
    "channel",
    "object_type",
    "object_id",
    "child_pid",
    "fields",
    "purpose",
    "basis",
    "detail",
    "origin",
)


@pytest.fixture
def pids(world, child, referral, system_actor):
    """References for the Kent officer, the panel member and the Islington analyst to read: Jamie
    (a panel case, with some history), a child Kent holds, one the Met shares with Kent by name, one
    Camden shares with Kent with all its children, one Kent sees under emergency access, one nobody
    outside Islington sees, an unknown reference, a name, and Jamie again."""
    from ccehub.agencies.services import agreement_create
    from ccehub.children.models import CaseHolding
    from ccehub.children.services import child_create, emergency_access_start

    add_history(world, child, 2)

    def new_child(name: str, home: str):
        return child_create(
            actor=system_actor,
            given_name=name,
            family_name="Manycase",
            sex="female",
            date_of_birth=date(2009, 2, 1),
            home_local_authority=world[home],
            home_police_force=world["met"],
            allow_duplicate=True,
        )

    kent_held = new_child("Ash", "islington")
    CaseHolding.objects.create(child=kent_held, agency=world["kent"], basis="arresting_force")
    met_shared = new_child("Bo", "islington")
    camden_shared = new_child("Cy", "camden")
    emergency = new_child("Di", "islington")
    hidden = new_child("Ed", "islington")
    today = timezone.localdate()
    common = {
        "actor": system_actor,
        "recipient": world["kent"],
        "purpose": "county lines investigation",
        "starts_on": today - timedelta(days=1),
        "expires_on": today + timedelta(days=30),
        "legal_basis": "UK GDPR 6(1)(e)",
    }
    agreement_create(
        title="Met to Kent", provider=world["met"], child=met_shared, includes_identity=True, **common
    )
    agreement_create(title="Camden to Kent", provider=world["camden"], **common)
    emergency_access_start(
        actor=world["as_kent"], pid=emergency.pseudonymous_id, reason="In custody in Maidstone, missing"
    )
    found = [child, kent_held, met_shared, camden_shared, emergency, hidden]
    return [c.pseudonymous_id for c in found] + [
        "CH-NOSUCH",
        "Jamie Testcase",
        f" {child.pseudonymous_id.lower()}",
    ]


def summary(record):
    """Everything a record holds, by primary key."""
    if record is None:
        return None
    return {
        "child": record.child.pk,
        "basis": record.basis,
        "sections": record.sections,
        "pseudonymised": record.pseudonymised,
        "identity": record.identity.pk if record.identity else None,
        "aliases": [a.pk for a in record.identity.aliases.all()] if record.identity else [],
        "addresses": [a.pk for a in record.identity.addresses.all()] if record.identity else [],
        "vulnerabilities": record.vulnerabilities,
        "flags": [f.pk for f in record.vulnerability_flags],
        "related": {key: [row.pk for row in rows] for key, rows in record.related.items()},
        "nrm_decisions": [[d.pk for d in r.decisions.all()] for r in record.related.get("nrm_referrals", [])],
        "triage_current": [d.is_current for d in record.related.get("triage_decisions", [])],
        "triage_actions": [len(d.actions.all()) for d in record.related.get("triage_decisions", [])],
    }


def audit_since(last_id):
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id").values(*AUDIT_FIELDS))


def last_audit_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("sections", [ALL_SECTIONS, PAPER_SECTIONS], ids=["all", "papers"])
@pytest.mark.parametrize(
    ("who", "channel", "action"),
    [
        ("kent", "web", Action.VIEW),
        ("kent", "api", Action.VIEW),
        ("kent", "web", Action.EXPORT),
        ("member", "web", Action.VIEW),
        ("analyst", "web", Action.VIEW),
    ],
)
def test_the_same_records_and_audit_rows_as_one_at_a_time(
    world, actor_for, pids, sections, who, channel, action
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = actor_for(world["users"][who], channel=channel, purpose="Read the panel papers")
    mark = last_audit_id()
    one_at_a_time = []
    for pid in pids:
        try:
            one_at_a_time.append(child_get(actor=actor, pid=pid, sections=sections, action=action))
        except ChildNotFound:
            one_at_a_time.append(None)
    rows_one_at_a_time = audit_since(mark)
    mark = last_audit_id()
    with CaptureQueriesContext(connection) as ctx:
        together = child_get_many(actor=actor, pids=pids, sections=sections, action=action)
    rows_together = audit_since(mark)

    assert [summary(r) for r in together] == [summary(r) for r in one_at_a_time]
    assert rows_together == rows_one_at_a_time
    assert len(rows_together) == len(pids)
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1  # every row in one statement

    bases = [row["basis"] if row["action"] == action else None for row in rows_together]
    if (who, channel, action) == ("kent", "web", Action.VIEW):
        # Every basis is exercised: own, by name, blanket, emergency; the rest refused.
        assert [b.split(":")[0] if b else None for b in bases] == [
            None,
            "own_records",
            "data_sharing_agreement",
            "data_sharing_agreement",
            "emergency_access",
            None,
            None,
            None,
            None,
        ]
        shown = [r is not None and r.identity is not None for r in together]
        assert (
            shown == [False, True, True, False, True, False, False, False, False]
            or sections == PAPER_SECTIONS
        )
    if who == "member":
        assert bases[0] == bases[-1] == "panel_case"
    if channel == "api" or action == Action.EXPORT:
        refused = rows_together[4]
        assert refused["action"] == "denied" and refused["basis"].startswith("emergency_access:")


def test_no_references_read_nothing(world, actor_for):
    mark = last_audit_id()
    assert child_get_many(actor=world["as_kent"], pids=[]) == []
    assert audit_since(mark) == []
