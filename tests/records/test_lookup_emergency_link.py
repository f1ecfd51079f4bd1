"""The look-up page's way into a child's record: a candidate whose records include one linked to a
ccehub child offers "Open this child's record" to an officer who may already see it, and "Emergency
access" to one who may not. The JSON contract does not change: the links are the page's only."""

from __future__ import annotations

from ccehub.records.models import AgencyRecord
from ccehub.records.services import person_lookup, public_result

ROWS = "CS1,Harry,Jones,2010-04-02,M,NW1 8NH\nCS3,Amira,Khan,2009-07-12,F,N7 6PA\n"
HARRY = {"given_name": "Harry", "family_name": "Jones", "purpose": "custody check"}
HARRY |= {"date_of_birth_day": "2", "date_of_birth_month": "4", "date_of_birth_year": "2010"}
AMIRA = {"given_name": "Amira", "family_name": "Khan", "purpose": "custody check"}
AMIRA |= {"date_of_birth_day": "12", "date_of_birth_month": "7", "date_of_birth_year": "2009"}


def _link_harry(linked, child):
    linked(ROWS)
    AgencyRecord.objects.filter(record_id="CS1").update(child=child)
    return child.pseudonymous_id


def test_an_officer_with_no_basis_is_offered_emergency_access(
    linked,
    islington_child,
    agencies,
    make_user,
    roles,
    client,
):
    pid = _link_harry(linked, islington_child)
    client.force_login(make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER))
    page = client.post("/lookup/", HARRY).content.decode()
    assert "1 possible match" in page
    assert f'href="/children/{pid}/emergency-access/"' in page and "Emergency access" in page
    assert "Open this child&#x27;s record" not in page and "Open this child's record" not in page


def test_an_officer_who_can_see_the_child_is_offered_the_record(
    linked,
    islington_child,
    agencies,
    make_user,
    roles,
    client,
):
    pid = _link_harry(linked, islington_child)
    client.force_login(make_user("met.pc", agencies["met"], roles.POLICE_OFFICER))
    page = client.post("/lookup/", HARRY).content.decode()
    assert f'href="/children/{pid}/"' in page and "Open this child" in page
    assert "emergency-access" not in page


def test_a_candidate_with_no_linked_child_has_no_link(
    linked,
    islington_child,
    agencies,
    make_user,
    roles,
    client,
    system_actor,
):
    _link_harry(linked, islington_child)
    client.force_login(make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER))
    page = client.post("/lookup/", AMIRA).content.decode()
    assert "1 possible match" in page
    assert "emergency-access" not in page and "Open this child" not in page
    # the JSON contract is unchanged
    query = {"given_name": "Harry", "family_name": "Jones", "date_of_birth": "2010-04-02"}
    result = public_result(person_lookup(actor=system_actor, purpose="t", query=query))
    assert set(result["candidates"][0]) == {
        "person_id",
        "match_probability",
        "records",
        "home_local_authority",
        "flags",
        "contact",
    }
    assert islington_child.pseudonymous_id not in str(result)
