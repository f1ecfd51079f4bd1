"""Locking an account after repeated failed sign-ins: the pure rule, then the sign-in page and the
admin site against the real database (the count is the audit log's own failed sign-ins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ccehub.common.lockout import REFUSED_LOCKED, WRONG_CREDENTIALS, LockoutPolicy, locked_until

T0 = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
POLICY = LockoutPolicy(limit=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))


def at(*minutes: float) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in minutes]


@pytest.mark.parametrize(
    ("failures", "now", "until"),
    [
        (at(), 0, None),
        (at(0, 1, 2, 3), 4, None),  # four are not enough
        (at(0, 1, 2, 3, 4), 4, 19),  # the fifth locks, for 15 minutes after it
        (at(0, 1, 2, 3, 4), 18.9, 19),
        (at(0, 1, 2, 3, 4), 19, None),  # the lock has ended
        (at(0, 4, 8, 12, 15), 16, 30),  # five within exactly the window
        (at(0, 4, 8, 12, 15.5), 16, None),  # spread over more than the window
        (at(0, 1, 2, 3, 4, 20), 21, None),  # one more failure after a lock does not lock again
        (at(0, 1, 2, 3, 4, 5), 6, 20),  # the latest run of five sets the end
        (at(0, 1, 2, 3, 40), 4, None),  # a failure after now is not counted
    ],
)
def test_locked_until(failures: list[datetime], now: float, until: float | None) -> None:
    expected = None if until is None else T0 + timedelta(minutes=until)
    assert locked_until(failures, now=T0 + timedelta(minutes=now), policy=POLICY) == expected


def test_a_limit_below_one_never_locks() -> None:
    assert locked_until(at(0, 1), now=T0, policy=LockoutPolicy(limit=0)) is None


def _sign_in(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    client, agencies, make_user, roles, settings
):
    from ccehub.audit.models import AuditEvent

    make_user("pc.lock", agencies["kent"], roles.POLICE_OFFICER)
    make_user("pc.other", agencies["kent"], roles.POLICE_OFFICER)
    for _ in range(5):
        response = _sign_in(client, "pc.lock", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = _sign_in(client, "pc.lock", "a-long-test-password")
    assert "_auth_user_id" not in client.session
    assert "This account is locked after 5 failed sign-ins" in response.content.decode()
    details = list(
        AuditEvent.objects.filter(action="login_failed", username="pc.lock")
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details == [WRONG_CREDENTIALS] * 5 + [REFUSED_LOCKED]
    # the admin site has no sign-in of its own: it sends people to this page
    response = client.post("/admin/login/", {"username": "pc.lock", "password": "a-long-test-password"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    # another account is not affected
    _sign_in(client, "pc.other", "a-long-test-password")
    assert "_auth_user_id" in client.session
    client.logout()
    # once the lock has run out (here: a lock of no time), the right password works again
    settings.CCEHUB_SIGNIN_LOCK_MINUTES = 0
    _sign_in(client, "pc.lock", "a-long-test-password")
    assert "_auth_user_id" in client.session


def test_a_failed_sign_in_is_audited_with_where_it_came_from(client, agencies, make_user, roles):
    from ccehub.audit.models import AuditEvent

    make_user("sw.one", agencies["islington"], roles.SOCIAL_WORKER)
    _sign_in(client, "sw.one", "wrong")
    event = AuditEvent.objects.get(action="login_failed", username="sw.one")
    assert event.detail == WRONG_CREDENTIALS and event.origin == "127.0.0.1"


def test_an_administrator_lifts_a_lock_early_and_it_is_audited(client, agencies, make_user, roles):
    from ccehub.audit.models import AuditEvent
    from ccehub.common.lockout import LOCK_LIFTED

    locked = make_user("pc.locked", agencies["kent"], roles.POLICE_OFFICER)
    admin_user = make_user("kent.admin", agencies["kent"], roles.ADMIN)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    for _ in range(5):
        _sign_in(client, "pc.locked", "wrong")
    _sign_in(client, "pc.locked", "a-long-test-password")
    assert "_auth_user_id" not in client.session

    _sign_in(client, "kent.admin", "a-long-test-password")
    listing = client.get("/admin/auth/user/").content.decode()
    assert "Sign-in locked until" in listing
    response = client.post(
        "/admin/auth/user/",
        {"action": "lift_sign_in_lock", "_selected_action": [str(locked.pk), str(admin_user.pk)]},
        follow=True,
    )
    assert "Sign-in lock lifted for pc.locked." in response.content.decode()
    lift = AuditEvent.objects.get(object_type=LOCK_LIFTED)
    assert lift.username == "kent.admin" and lift.object_id == str(locked.pk) and lift.action == "update"
    # lifting again writes nothing: the account is no longer locked
    response = client.post(
        "/admin/auth/user/",
        {"action": "lift_sign_in_lock", "_selected_action": [str(locked.pk)]},
        follow=True,
    )
    assert "None of the selected accounts was locked." in response.content.decode()
    assert AuditEvent.objects.filter(object_type=LOCK_LIFTED).count() == 1
    client.logout()

    _sign_in(client, "pc.locked", "a-long-test-password")
    assert "_auth_user_id" in client.session
    client.logout()
    # the failures before the lift no longer count: four new ones do not lock again, a fifth does
    for _ in range(4):
        _sign_in(client, "pc.locked", "wrong")
    _sign_in(client, "pc.locked", "a-long-test-password")
    assert "_auth_user_id" in client.session
    client.logout()
    _sign_in(client, "pc.locked", "wrong")
    response = _sign_in(client, "pc.locked", "a-long-test-password")
    assert "This account is locked" in response.content.decode()


def test_the_admin_user_list_reads_every_account_lock_at_once(client, agencies, make_user, roles):
    """The "Sign-in locked until" column asked three queries for each account on the page (up to a
    hundred); the page's locks are now read together, and the column still shows each one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_user = make_user("kent.admin", agencies["kent"], roles.ADMIN)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    make_user("pc.locked", agencies["kent"], roles.POLICE_OFFICER)
    for _ in range(5):
        _sign_in(client, "pc.locked", "wrong")
    _sign_in(client, "kent.admin", "a-long-test-password")

    def listing() -> tuple[int, str]:
        client.get("/admin/auth/user/")  # warm: sessions, content types
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/admin/auth/user/").content.decode()
        return len(queries), page

    few, page = listing()
    assert page.count('class="field-sign_in_locked_until">') == 2
    locked_row = page.split(">pc.locked<", 1)[1].split("</tr>", 1)[0]
    assert ":" in locked_row.split('class="field-sign_in_locked_until">', 1)[1].split("<", 1)[0]
    for n in range(6):
        make_user(f"pc.extra{n}", agencies["kent"], roles.POLICE_OFFICER)
    many, page = listing()
    assert page.count('class="field-sign_in_locked_until">') == 8
    assert many == few


def test_a_password_typed_as_the_username_is_not_kept_in_the_audit_log(client, agencies, make_user, roles):
    """The audit log is append-only: a password typed into the username box by mistake would stay
    there for good. A failed sign-in names the account only when it is one; any other text is kept
    as a keyed digest, which still counts towards a lock (so a lock never says whether an account
    exists)."""
    from ccehub.audit.models import AuditEvent

    make_user("pc.real", agencies["kent"], roles.POLICE_OFFICER)
    typed = "Tr0ub4dor&3-my-password"
    for _ in range(5):
        _sign_in(client, typed, "whatever")
    rows = AuditEvent.objects.filter(action="login_failed")
    assert rows.count() == 5
    assert not AuditEvent.objects.filter(username__contains="Tr0ub4dor").exists()
    assert not AuditEvent.objects.filter(detail__contains="Tr0ub4dor").exists()
    marker = rows.first().username
    assert marker.startswith("unknown account ") and {r.username for r in rows} == {marker}
    # another unknown text has another digest; the same text the same one
    _sign_in(client, "someone.else", "x")
    assert AuditEvent.objects.filter(action="login_failed").exclude(username=marker).count() == 1
    # the sixth attempt with the same text is refused as locked, as a real account's would be
    response = _sign_in(client, typed, "whatever")
    assert "This account is locked after 5 failed sign-ins" in response.content.decode()
    # a real account's failures still name it
    _sign_in(client, "pc.real", "wrong")
    assert AuditEvent.objects.filter(action="login_failed", username="pc.real").count() == 1
