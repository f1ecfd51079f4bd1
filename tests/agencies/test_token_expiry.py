"""API tokens expire (known gap 13): a lifetime set when the token is made, an expired token refused
by the API exactly like an unknown one, and the refusal audited. Time is fixed by the stored expiry
(as the idle-timeout tests store a last-seen time) or by a fixed ``timezone.now`` where the token is
made, never by waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from ccehub.agencies.models import ApiToken
from ccehub.agencies.tokens import token_create, token_expired
from ccehub.audit.models import AuditEvent

T0 = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("tok.sw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def frozen(monkeypatch):
    """``timezone.now`` fixed at T0, for the moment a token is made (auto_now_add reads it too)."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: T0)
    return T0


def _get(client, token: str, url: str = "/api/children/"):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        (T0 - timedelta(days=1), False),
        (T0 - timedelta(microseconds=1), False),
        (T0, True),  # the expiry is the first moment the token no longer works
        (T0 + timedelta(days=400), True),
    ],
)
def test_token_expired(now: datetime, expired: bool) -> None:
    assert token_expired(T0, now=now) is expired


def test_a_new_token_expires_after_the_configured_days(sw, settings, frozen):
    """CCEHUB_API_TOKEN_DAYS (90 unless set) from the moment it is made."""
    token_create(user=sw, name="default")
    assert ApiToken.objects.get(name="default").expires_at == T0 + timedelta(days=90)
    settings.CCEHUB_API_TOKEN_DAYS = 30
    token_create(user=sw, name="thirty")
    assert ApiToken.objects.get(name="thirty").expires_at == T0 + timedelta(days=30)
    token_create(user=sw, name="seven", days=7)
    assert ApiToken.objects.get(name="seven").expires_at == T0 + timedelta(days=7)


def test_an_unexpired_token_works(client, sw):
    token = token_create(user=sw, name="live")
    ApiToken.objects.update(expires_at=datetime.now(UTC) + timedelta(days=1))
    assert _get(client, token).status_code == 200


def test_an_expired_token_is_refused_like_an_unknown_one_and_audited(client, sw):
    token = token_create(user=sw, name="old")
    ApiToken.objects.update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    expired = _get(client, token)
    unknown = _get(client, "cceh_not-a-token-at-all")
    assert expired.status_code == unknown.status_code == 401
    assert expired.json() == unknown.json()
    assert expired["WWW-Authenticate"] == unknown["WWW-Authenticate"]
    # the expired token's refusal is audited against its user; an unknown token's names nobody
    row = AuditEvent.objects.get(action="denied", object_id__gt="")
    assert AuditEvent.objects.get(action="denied", object_id="").user_id is None
    stored = ApiToken.objects.get()
    assert (row.username, row.user_id, row.channel) == ("tok.sw", sw.pk, "api")
    assert (row.object_type, row.object_id) == ("api_token", str(stored.pk))
    assert row.detail.startswith("refused sign-in by API token: expired")
    # the row names the token and the user, never the token itself or its hash
    assert token not in str(row.__dict__) and stored.token_hash not in str(row.__dict__)
    assert not ApiToken.objects.filter(last_used_at__isnull=False).exists()


def test_a_revoked_token_is_refused_and_audited_too(client, sw):
    token = token_create(user=sw, name="revoked")
    ApiToken.objects.update(revoked_at=datetime.now(UTC))
    assert _get(client, token).status_code == 401
    assert AuditEvent.objects.get(action="denied").detail == "refused sign-in by API token: revoked"


def test_the_admin_shows_the_expiry_read_only(client, agencies, make_user, roles, sw, frozen):
    boss = make_user("tok.boss", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=True)
    token_create(user=sw, name="shown")
    stored = ApiToken.objects.get()
    client.force_login(boss)
    listing = client.get("/admin/agencies/apitoken/").content.decode()
    assert "Expires at" in listing and "2027" in listing
    page = client.get(f"/admin/agencies/apitoken/{stored.pk}/change/").content.decode()
    assert "Expires at" in page and 'name="expires_at"' not in page


# --- ccehub tokens create -----------------------------------------------------------------------


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


def test_tokens_create_prints_the_token_alone_and_the_expiry_on_stderr(sw, frozen):
    result = run("tokens", "create", "--user", "tok.sw", "--name", "custody system")
    assert result.exit_code == 0, result.stderr
    stored = ApiToken.objects.get()
    assert result.stdout.strip().startswith("cceh_") and len(result.stdout.strip().splitlines()) == 1
    assert stored.expires_at == T0 + timedelta(days=90)
    assert "Store this token now" in result.stderr
    assert "It expires on 2027-02-24" in result.stderr  # 90 days after 26 November 2026
    created = AuditEvent.objects.get(action="create", object_type="api_token")
    assert "2027-02-24" in created.detail


def test_tokens_create_days(sw, frozen):
    result = run("tokens", "create", "--user", "tok.sw", "--name", "short", "--days", "7")
    assert result.exit_code == 0, result.stderr
    assert ApiToken.objects.get().expires_at == T0 + timedelta(days=7)
    assert "It expires on 2026-12-03" in result.stderr


@pytest.mark.parametrize("days", ["0", "-1", "367", "seven"])
def test_tokens_create_refuses_days_out_of_range(sw, days):
    result = run("tokens", "create", "--user", "tok.sw", "--name", "bad", "--days", days)
    assert result.exit_code == 2
    assert "--days" in result.stderr and result.stdout == ""
    assert not ApiToken.objects.exists()
