"""``Idempotency-Key`` on POST /api/children/ (IETF draft "The Idempotency-Key HTTP Header Field").

A client that timed out and sent the request again recorded the child twice: two pseudonymous IDs for
one child, which is what the linkage work exists to prevent. The duplicate check (same names, date of
birth and home local authority) does not catch it for the child who will not give a name or a date
of birth, which is the custody suite's child. With a key, a retry answers the first creation again.

Time is fixed by a controlled ``timezone.now`` (as the emergency-access tests do), never by waiting;
the race is made by putting the other request's row in place first, never by timing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from ccehub.agencies.tokens import token_issue
from ccehub.audit.models import AuditEvent
from ccehub.children.api import ChildIn
from ccehub.children.idempotency import (
    MAX_KEY_LENGTH,
    MSG_KEY_IN_PROGRESS,
    MSG_KEY_INVALID,
    MSG_KEY_REUSED,
    REPLAY_DETAIL,
    request_fingerprint,
    token_scope,
    user_scope,
)
from ccehub.children.models import Child, IdempotencyKey

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
#: The custody suite's child: no name given, no date of birth. The duplicate check cannot catch a
#: second one, so only the key stops a retry recording the child twice.
UNNAMED = {"given_name": "Unknown", "sex": "male", "home_local_authority": "la-islington"}
NAMED = {
    "given_name": "Kai",
    "family_name": "Retry",
    "sex": "male",
    "date_of_birth": "2010-03-04",
    "home_local_authority": "la-islington",
}
KEY = "7f3a9c1e-5b2d-4e8f-a6c0-1d2e3f4a5b6c"


class Clock:
    now = T0


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now`` under the test's control (starts at T0)."""
    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


@pytest.fixture
def officer(agencies, make_user, roles):
    return make_user("custody.pc", agencies["met"], roles.POLICE_OFFICER)


@pytest.fixture
def token(officer):
    """The officer's token, and its stored row."""
    return token_issue(user=officer, name="custody suite")


def post(client, body, *, token=None, key=None):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/children/", json.dumps(body), content_type="application/json", headers=headers)


def fingerprint_of(body):
    """The fingerprint the endpoint stores for ``body`` (the body as the API reads it)."""
    return request_fingerprint(ChildIn(**body).dict())


# --- without a key: as before ---------------------------------------------------------------------


def test_without_a_key_every_post_records_a_child(client, clock, token):
    first = post(client, UNNAMED, token=token[0])
    second = post(client, UNNAMED, token=token[0])
    assert first.status_code == second.status_code == 201
    assert first.json()["pseudonymous_id"] != second.json()["pseudonymous_id"]
    assert "Idempotent-Replayed" not in first and "Idempotent-Replayed" not in second
    assert Child.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_without_a_key_the_duplicate_check_still_answers(client, clock, token):
    assert post(client, NAMED, token=token[0]).status_code == 201
    again = post(client, NAMED, token=token[0])
    assert again.status_code == 422 and "__all__" in again.json()["errors"]
    assert Child.objects.count() == 1


# --- with a key: once -----------------------------------------------------------------------------


def test_the_same_key_and_body_twice_records_one_child(client, clock, token):
    first = post(client, UNNAMED, token=token[0], key=KEY)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    clock.now = T0 + timedelta(minutes=3)  # the client timed out, and tries again
    again = post(client, UNNAMED, token=token[0], key=KEY)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Child.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", object_type="child").count() == 1


def test_a_replay_is_audited_as_a_read_of_the_childs_id(client, clock, token, officer):
    pid = post(client, UNNAMED, token=token[0], key=KEY).json()["pseudonymous_id"]
    post(client, UNNAMED, token=token[0], key=KEY)
    child = Child.objects.get(pseudonymous_id=pid)
    row = AuditEvent.objects.get(action="view", object_type="child", child_pid=pid)
    assert (row.username, row.agency_code, row.role, row.channel) == (
        "custody.pc",
        "met",
        "police_officer",
        "api",
    )
    assert row.object_id == str(child.pk)
    assert row.fields == ["pseudonymous_id"]
    assert row.basis == "own_records"
    assert row.detail == REPLAY_DETAIL
    assert KEY not in row.detail and "Unknown" not in row.detail


def test_a_replay_answers_a_named_child_again_rather_than_refusing_it_as_a_duplicate(client, clock, token):
    first = post(client, NAMED, token=token[0], key=KEY)
    again = post(client, NAMED, token=token[0], key=KEY)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_different_body_with_the_same_key_is_422(client, clock, token):
    assert post(client, UNNAMED, token=token[0], key=KEY).status_code == 201
    changed = post(client, {**UNNAMED, "sex": "female"}, token=token[0], key=KEY)
    assert changed.status_code == 422
    assert changed.json() == {"detail": "invalid input", "errors": {"Idempotency-Key": [MSG_KEY_REUSED]}}
    assert "Idempotent-Replayed" not in changed
    assert Child.objects.count() == 1
    assert MSG_KEY_REUSED.startswith("This Idempotency-Key was used with a different request")


def test_the_body_is_compared_as_the_api_reads_it(client, clock, token):
    """Field order, spacing and a field left at its default do not make another request."""
    assert post(client, UNNAMED, token=token[0], key=KEY).status_code == 201
    reordered = {"home_local_authority": "la-islington", "sex": "male", "given_name": "Unknown"}
    again = post(client, {**reordered, "allow_duplicate": False, "postcode": ""}, token=token[0], key=KEY)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Child.objects.count() == 1


# --- a bad key ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * (MAX_KEY_LENGTH + 1), "clé-1", "tab\there", "line\nbreak", "nul\x00", "del\x7f"],
    ids=["empty", "blank", "too-long", "non-ascii", "tab", "newline", "nul", "del"],
)
def test_a_bad_key_is_400_and_records_nothing(client, clock, token, key):
    response = post(client, UNNAMED, token=token[0], key=key)
    assert response.status_code == 400
    assert response.json() == {"detail": MSG_KEY_INVALID}
    assert not Child.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["a", "x" * MAX_KEY_LENGTH, KEY, '"sf-string with spaces ~!"'])
def test_printable_ascii_keys_up_to_255_are_taken(client, clock, token, key):
    response = post(client, UNNAMED, token=token[0], key=key)
    assert response.status_code == 201, response.content
    assert IdempotencyKey.objects.get().key == key


# --- an error is not stored: the client fixes the request and retries with the same key -------------


def test_an_invalid_body_is_not_stored_and_the_corrected_retry_succeeds(client, clock, token):
    wrong = post(client, {**UNNAMED, "date_of_birth": "2010-02-30"}, token=token[0], key=KEY)
    assert wrong.status_code == 422 and "date_of_birth" in wrong.json()["errors"]
    assert not IdempotencyKey.objects.exists() and not Child.objects.exists()
    fixed = post(client, {**UNNAMED, "date_of_birth": "2010-02-28"}, token=token[0], key=KEY)
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed
    assert Child.objects.count() == 1
    again = post(client, {**UNNAMED, "date_of_birth": "2010-02-28"}, token=token[0], key=KEY)
    assert again["Idempotent-Replayed"] == "true" and again.json() == fixed.json()


def test_a_body_that_does_not_match_the_schema_is_not_stored(client, clock, token):
    missing = post(client, {"sex": "male"}, token=token[0], key=KEY)
    assert missing.status_code == 422 and "given_name" in missing.json()["errors"]
    assert post(client, UNNAMED, token=token[0], key=KEY).status_code == 201
    assert Child.objects.count() == 1


def test_a_refused_duplicate_is_not_stored(client, clock, token):
    assert post(client, NAMED, token=token[0]).status_code == 201
    refused = post(client, NAMED, token=token[0], key=KEY)
    assert refused.status_code == 422 and "__all__" in refused.json()["errors"]
    assert not IdempotencyKey.objects.exists()
    allowed = post(client, {**NAMED, "allow_duplicate": True}, token=token[0], key=KEY)
    assert allowed.status_code == 201 and Child.objects.count() == 2


def test_a_refused_write_is_not_stored(client, clock, agencies, make_user, roles):
    analyst = make_user("met.analyst", agencies["met"], roles.ANALYST)
    token, _ = token_issue(user=analyst, name="t")
    assert post(client, UNNAMED, token=token, key=KEY).status_code == 403
    assert not IdempotencyKey.objects.exists() and not Child.objects.exists()


# --- scope: the token, or the signed-in user --------------------------------------------------------


def test_the_same_key_from_two_tokens_records_two_children(client, clock, officer, token):
    other, _ = token_issue(user=officer, name="second integration")
    first = post(client, UNNAMED, token=token[0], key=KEY)
    second = post(client, UNNAMED, token=other, key=KEY)
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert first.json() != second.json() and Child.objects.count() == 2


def test_the_same_key_from_two_people_records_two_children(client, clock, agencies, make_user, roles, token):
    colleague = make_user("custody.pc2", agencies["met"], roles.POLICE_OFFICER)
    theirs, _ = token_issue(user=colleague, name="t")
    assert post(client, UNNAMED, token=token[0], key=KEY).status_code == 201
    assert "Idempotent-Replayed" not in post(client, UNNAMED, token=theirs, key=KEY)
    assert Child.objects.count() == 2


def test_a_browser_session_keys_by_its_user(client, clock, officer, token):
    client.force_login(officer)
    first = post(client, UNNAMED, key=KEY)
    again = post(client, UNNAMED, key=KEY)
    assert first.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().scope == user_scope(officer.pk)
    # the user's token is another scope
    client.logout()
    assert "Idempotent-Replayed" not in post(client, UNNAMED, token=token[0], key=KEY)
    assert Child.objects.count() == 2


# --- what is stored ---------------------------------------------------------------------------------


def test_the_stored_row_holds_the_answer_and_no_identity(client, clock, token, officer):
    response = post(client, NAMED, token=token[0], key=KEY)
    row = IdempotencyKey.objects.get()
    assert (row.scope, row.key, row.user) == (token_scope(token[1].pk), KEY, officer)
    assert row.child.pseudonymous_id == response.json()["pseudonymous_id"]
    assert (row.response_status, row.response_body) == (201, response.json())
    assert set(row.response_body) == {"pseudonymous_id"}
    assert row.created_at == T0
    # the fingerprint is keyed (HMAC): it cannot be used to confirm a guess of who the child is
    canonical = json.dumps(ChildIn(**NAMED).dict(), sort_keys=True, separators=(",", ":"))
    assert row.fingerprint == fingerprint_of(NAMED)
    assert row.fingerprint != hashlib.sha256(canonical.encode()).hexdigest()
    assert len(row.fingerprint) == 64
    stored = json.dumps([row.scope, row.key, row.fingerprint, row.response_body])
    for typed in ("Kai", "Retry", "2010-03-04"):
        assert typed not in stored


# --- two requests at once ----------------------------------------------------------------------------


def test_one_key_once_per_scope_in_the_database(clock, officer):
    IdempotencyKey.objects.create(scope=user_scope(officer.pk), key=KEY, user=officer, fingerprint="0" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(
            scope=user_scope(officer.pk), key=KEY, user=officer, fingerprint="1" * 64
        )


def test_the_request_that_loses_the_race_answers_the_winners_child(
    client, clock, token, officer, system_actor
):
    """The other request with the key committed first: this one's claim hits the unique constraint,
    creates nothing and answers the child the other created."""
    from ccehub.children.services import child_create

    winner = child_create(actor=system_actor, given_name="Unknown")
    IdempotencyKey.objects.create(
        scope=token_scope(token[1].pk),
        key=KEY,
        user=officer,
        fingerprint=fingerprint_of(UNNAMED),
        child=winner,
        response_status=201,
        response_body={"pseudonymous_id": winner.pseudonymous_id},
    )
    response = post(client, UNNAMED, token=token[0], key=KEY)
    assert response.status_code == 201 and response["Idempotent-Replayed"] == "true"
    assert response.json() == {"pseudonymous_id": winner.pseudonymous_id}
    assert Child.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_a_key_whose_first_request_has_not_answered_yet_is_409(client, clock, token, officer):
    """A row without an answer is never committed (the claim and the answer are one transaction),
    so a competing request waits for the first and answers its child; were one ever seen, the
    client is told to try again rather than given a second child."""
    IdempotencyKey.objects.create(
        scope=token_scope(token[1].pk), key=KEY, user=officer, fingerprint=fingerprint_of(UNNAMED)
    )
    response = post(client, UNNAMED, token=token[0], key=KEY)
    assert response.status_code == 409
    assert response.json() == {"detail": MSG_KEY_IN_PROGRESS}
    assert not Child.objects.exists()


# --- expiry ---------------------------------------------------------------------------------------


def test_a_key_lasts_24_hours(client, clock, token):
    first = post(client, UNNAMED, token=token[0], key=KEY).json()
    clock.now = T0 + timedelta(hours=24) - timedelta(seconds=1)
    assert post(client, UNNAMED, token=token[0], key=KEY).json() == first
    clock.now = T0 + timedelta(hours=24)
    later = post(client, UNNAMED, token=token[0], key=KEY)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert later.json() != first and Child.objects.count() == 2
    # the expired row made way for the new one
    row = IdempotencyKey.objects.get()
    assert row.created_at == T0 + timedelta(hours=24)
    assert row.response_body == later.json()


def test_the_lifetime_is_the_setting(client, clock, token, settings):
    settings.CCEHUB_IDEMPOTENCY_HOURS = 2
    first = post(client, UNNAMED, token=token[0], key=KEY).json()
    clock.now = T0 + timedelta(hours=2)
    assert post(client, UNNAMED, token=token[0], key=KEY).json() != first


def test_a_request_with_a_key_purges_every_expired_one(
    client, clock, token, officer, agencies, make_user, roles
):
    colleague = make_user("custody.pc2", agencies["met"], roles.POLICE_OFFICER)
    theirs, _ = token_issue(user=colleague, name="t")
    assert post(client, UNNAMED, token=theirs, key="theirs-old").status_code == 201
    assert post(client, UNNAMED, token=token[0], key="mine-old").status_code == 201
    clock.now = T0 + timedelta(hours=23)
    assert post(client, UNNAMED, token=theirs, key="theirs-recent").status_code == 201
    clock.now = T0 + timedelta(hours=25)
    assert IdempotencyKey.objects.count() == 3
    assert post(client, UNNAMED, token=token[0], key="mine-new").status_code == 201
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"theirs-recent", "mine-new"}


def test_a_failed_request_with_a_key_still_purges(client, clock, token):
    assert post(client, UNNAMED, token=token[0], key="old").status_code == 201
    clock.now = T0 + timedelta(hours=24)
    wrong = post(client, {**UNNAMED, "date_of_birth": "2010-02-30"}, token=token[0], key="new")
    assert wrong.status_code == 422
    assert not IdempotencyKey.objects.exists()


def test_an_erased_child_takes_its_key_with_it(client, clock, token, system_actor):
    from ccehub.children.services import child_erase

    pid = post(client, UNNAMED, token=token[0], key=KEY).json()["pseudonymous_id"]
    child_erase(
        actor=system_actor, pid=pid, reason="Erasure request ER-2031-0042, upheld by the DPO", dry_run=False
    )
    assert not IdempotencyKey.objects.exists()


# --- the setting ------------------------------------------------------------------------------------


def _load_setting(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CCEHUB_IDEMPOTENCY_HOURS"}
    if value is not None:
        env["CCEHUB_IDEMPOTENCY_HOURS"] = value
    code = "import config.settings.base as s; print(s.CCEHUB_IDEMPOTENCY_HOURS)"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(("value", "read"), [(None, "24"), ("1", "1"), (" 168 ", "168")])
def test_the_lifetime_setting_is_read(value, read):
    result = _load_setting(value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == read


@pytest.mark.parametrize("value", ["0", "169", "-1", "x", "1.5", ""])
def test_a_bad_lifetime_stops_the_settings_loading(value):
    result = _load_setting(value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"CCEHUB_IDEMPOTENCY_HOURS must be a whole number of hours from 1 to 168, not {value!r}" in (
        result.stderr
    )


# --- the schema ---------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_header_and_its_answers(client, db):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/children/"]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and not header.get("required")
    assert "24 hours" in header["description"] or "CCEHUB_IDEMPOTENCY_HOURS" in header["description"]
    assert {"400", "409", "422"} <= set(operation["responses"])
    created = operation["responses"]["201"]
    assert created["headers"]["Idempotent-Replayed"]["schema"] == {"type": "string", "enum": ["true"]}
