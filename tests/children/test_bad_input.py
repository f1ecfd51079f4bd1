"""Bad input is refused with a message naming the field, and nothing is half-saved."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ccehub.children.models import Child, Identity
from ccehub.children.services import child_create
from ccehub.common.validators import MSG_DOB_FUTURE, MSG_INCIDENT_BEFORE_BIRTH, MSG_POSTCODE
from ccehub.incidents.models import IdentifyingIncident
from ccehub.incidents.services import incident_record
from tests.support.scratch import run_ccehub, scratch_database

TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("isw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"date_of_birth": TOMORROW}, "date_of_birth", MSG_DOB_FUTURE),
        ({"postcode": "NOT A POSTCODE"}, "postcode", MSG_POSTCODE),
        ({"sex": "martian"}, "sex", "Unknown value 'martian'"),
        ({"given_name": "  "}, "given_name", "Enter the child's given name"),
        ({"nhs_number": "1234567890"}, "nhs_number", "Enter a valid 10-digit NHS number"),
    ],
)
def test_service_refuses_and_saves_nothing(sw, actor_for, kwargs, field, message):
    """The service names the field; no Child or Identity row is left behind."""
    args = {"given_name": "Jo", **kwargs}
    with pytest.raises(ValidationError) as refused:
        child_create(actor=actor_for(sw), **args)
    assert field in refused.value.message_dict
    assert any(message in m for m in refused.value.message_dict[field])
    assert Child.objects.count() == 0 and Identity.objects.count() == 0


def test_incident_before_birth_is_refused(sw, actor_for, islington_child):
    """An incident dated before the child's birth is refused and not saved."""
    when = timezone.make_aware(datetime(2001, 1, 1, 12))
    with pytest.raises(ValidationError) as refused:
        incident_record(
            actor=actor_for(sw), child=islington_child, occurred_at=when, incident_type="arrest_pwits"
        )
    assert refused.value.message_dict["occurred_at"] == [MSG_INCIDENT_BEFORE_BIRTH]
    assert IdentifyingIncident.objects.count() == 0


def test_unknown_incident_type_and_offence_code(sw, actor_for, islington_child):
    """Unknown categories name their field."""
    when = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        incident_record(
            actor=actor_for(sw),
            child=islington_child,
            occurred_at=when,
            incident_type="teleport",
            offences=["jaywalking"],
        )
    assert set(refused.value.message_dict) == {"incident_type", "offences"}


def test_form_shows_errors_and_saves_nothing(client, sw):
    """The web form answers 400 with a GOV.UK error summary naming each field."""
    client.force_login(sw)
    response = client.post(
        "/children/new/",
        {
            "given_name": "Jo",
            "sex": "male",
            "date_of_birth_day": "1",
            "date_of_birth_month": "1",
            "date_of_birth_year": str(TOMORROW.year + 1),
            "postcode": "XX",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body and MSG_DOB_FUTURE in body and MSG_POSTCODE in body
    assert Child.objects.count() == 0


def test_form_rejects_impossible_date(client, sw):
    """31 February is not a date."""
    client.force_login(sw)
    response = client.post(
        "/children/new/",
        {
            "given_name": "Jo",
            "sex": "male",
            "date_of_birth_day": "31",
            "date_of_birth_month": "2",
            "date_of_birth_year": "2010",
        },
    )
    assert response.status_code == 400 and "Date of birth must be a real date" in response.content.decode()


def test_form_creates_child(client, sw, agencies):
    """Valid input creates the child and the recording agency holds it."""
    client.force_login(sw)
    response = client.post(
        "/children/new/",
        {
            "given_name": "Jo",
            "family_name": "Bloggs",
            "sex": "male",
            "date_of_birth_day": "3",
            "date_of_birth_month": "4",
            "date_of_birth_year": "2010",
            "postcode": "n1 1aa",
            "home_local_authority": str(agencies["islington"].pk),
        },
    )
    assert response.status_code == 302
    child = Child.objects.get()
    assert child.identity.date_of_birth == date(2010, 4, 3)
    assert child.identity.addresses.get().postcode == "N1 1AA"


def test_api_names_the_field(client, sw):
    """The API answers 422 with errors keyed by field."""
    client.force_login(sw)
    response = client.post(
        "/api/children/",
        {"given_name": "Jo", "date_of_birth": "2999-01-01", "postcode": "??"},
        content_type="application/json",
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["date_of_birth"] == [MSG_DOB_FUTURE] and errors["postcode"] == [MSG_POSTCODE]
    assert Child.objects.count() == 0


def test_api_unknown_agency_code(client, sw):
    """An unknown agency code is named."""
    client.force_login(sw)
    response = client.post(
        "/api/children/",
        {"given_name": "Jo", "home_local_authority": "la-atlantis"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "home_local_authority" in response.json()["errors"]


def test_api_refuses_unknown_fields(client, sw):
    """An unknown field (a typo of date_of_birth) is 422 naming it, not silently dropped."""
    client.force_login(sw)
    response = client.post(
        "/api/children/",
        {"given_name": "E", "ethnicity_ic": "IC99", "dob": "2010-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "invalid input",
        "errors": {"ethnicity_ic": ["is not a recognised field"], "dob": ["is not a recognised field"]},
    }
    assert Child.objects.count() == 0


@pytest.mark.slow
def test_cli_names_the_field_and_exits_2(tmp_path):
    """The CLI exits 2 with the field named on stderr and no traceback."""
    with scratch_database(tmp_path, migrated=True) as url:
        result = run_ccehub(
            ["children", "add", "--given-name", "Jo", "--dob", "2999-01-01", "--postcode", "??"], url
        )
        assert result.returncode == 2
        assert "date_of_birth" in result.stderr and "postcode" in result.stderr
        assert "Traceback" not in result.stderr
        flag = run_ccehub(
            ["flags", "set", "--child", "Nobody", "--factor", "Domestic Abuse", "--value", "x"], url
        )
        assert flag.returncode == 2 and "--child" in flag.stderr


def test_oldest_date_of_birth_message_matches_the_bound(sw, actor_for):
    """The earliest date accepted is the one the message names ("on or after", not "after")."""
    from ccehub.children.services import MAX_AGE_YEARS, _years_before

    earliest = _years_before(timezone.localdate(), MAX_AGE_YEARS)
    assert child_create(actor=actor_for(sw), given_name="Old", date_of_birth=earliest)
    with pytest.raises(ValidationError) as refused:
        child_create(actor=actor_for(sw), given_name="Older", date_of_birth=earliest - timedelta(days=1))
    assert refused.value.message_dict["date_of_birth"] == [
        f"Date of birth must be on or after {earliest.day} {earliest:%B %Y}: "
        f"nobody on record is older than {MAX_AGE_YEARS}"
    ]


@pytest.mark.parametrize("written", ["2010-W01-1", "2010-001", "20100104"])
def test_api_date_of_birth_only_as_yyyy_mm_dd(client, sw, written):
    """Python reads ISO week, ordinal and compact dates too ("2010-W01-1" is 4 January 2010): a date of
    birth written any way but YYYY-MM-DD is refused, naming the field, not silently turned into a day."""
    client.force_login(sw)
    response = client.post(
        "/api/children/", {"given_name": "Jo", "date_of_birth": written}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["date_of_birth"] == [
        "Date of birth must be a real date written YYYY-MM-DD"
    ]
    assert Child.objects.count() == 0


@pytest.mark.parametrize("written", ["LA-Testshire", "la-testshire"])
def test_api_home_authority_by_a_code_added_with_capitals(client, sw, system_actor, written):
    """`agencies add` keeps a code's case (unique regardless of case): the child's home local authority
    is found by that code however it is written, not refused as unknown."""
    from ccehub.agencies.services import agency_create

    testshire = agency_create(actor=system_actor, code="LA-Testshire", name="Testshire", kind="la")
    client.force_login(sw)
    response = client.post(
        "/api/children/",
        {"given_name": "Jo", "home_local_authority": written},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert Child.objects.get().home_local_authority == testshire
