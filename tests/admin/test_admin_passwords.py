"""Admin passwords (own change, owner reset of staff) and TOTP secrets sealed at rest."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import redis as redis_lib

from decant.errors import Unauthorized
from decant.staff import accounts
from tests.plugins.admin import OWNER_EMAIL, PASSWORD, STAFF_EMAIL, AdminClient

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def redis(redis_url: str) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(redis_url)


def stored_hash(conn, email: str) -> str:
    return conn.execute(
        "SELECT password_hash FROM admin_users WHERE email = %s", (email,)
    ).fetchone()["password_hash"]


def owner_login_with_code(conn, redis, secret: str, at: datetime, secret_key: str | None):
    """The owner's password plus the authenticator code for `at`, as the login form sends."""
    return accounts.authenticate(
        conn,
        redis,
        OWNER_EMAIL,
        PASSWORD,
        client="10.0.0.1",
        totp_code=pyotp.TOTP(secret).at(at),
        secret_key=secret_key,
        now=at,
    )


def change(browser: AdminClient, current: str, new: str, again: str | None = None):
    return browser.post(
        "/admin/account/password",
        {
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
    )


def test_wrong_current_password_is_refused_and_nothing_changes(admin_app, owner, conn):
    phone = AdminClient(admin_app, remote_addr="127.0.0.5")
    assert phone.login(OWNER_EMAIL).status_code == 200
    before = stored_hash(conn, OWNER_EMAIL)
    sid = owner.session_id
    response = change(owner, "not my password at all", NEW_PASSWORD)
    assert response.status_code == 422
    assert "current password is wrong" in response.get_data(as_text=True)
    assert stored_hash(conn, OWNER_EMAIL) == before
    assert owner.session_id == sid
    assert owner.get("/api/admin/products").status_code == 200
    assert phone.get("/api/admin/products").status_code == 200
    assert AdminClient(admin_app, "127.0.0.6").login(OWNER_EMAIL).status_code == 200


def test_a_too_short_or_mistyped_new_password_is_refused(owner, conn):
    before = stored_hash(conn, OWNER_EMAIL)
    assert change(owner, PASSWORD, "short").status_code == 422
    assert change(owner, PASSWORD, NEW_PASSWORD, "a different passphrase").status_code == 422
    assert stored_hash(conn, OWNER_EMAIL) == before


def test_changing_the_password_ends_other_sessions_and_rotates_this_one(admin_app, owner, conn):
    phone = AdminClient(admin_app, remote_addr="127.0.0.5")
    assert phone.login(OWNER_EMAIL).status_code == 200
    assert "/admin/account/password" in owner.get("/admin/account").get_data(as_text=True)
    old_sid = owner.session_id
    response = change(owner, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert owner.session_id and owner.session_id != old_sid
    assert owner.get("/admin/account").status_code == 200  # still logged in, on a new id
    assert phone.get("/api/admin/products").status_code == 401
    stale = AdminClient(admin_app)
    stale.client.set_cookie("__Host-decant_admin", old_sid, domain="localhost", secure=True)
    assert stale.get("/api/admin/products").status_code == 401
    assert stored_hash(conn, OWNER_EMAIL).startswith("$argon2id$")
    assert AdminClient(admin_app, "127.0.0.6").login(OWNER_EMAIL).status_code == 401
    assert AdminClient(admin_app, "127.0.0.7").login(OWNER_EMAIL, NEW_PASSWORD).status_code == 200
    entry = conn.execute(
        "SELECT actor, entity_id, after::text AS after FROM audit_log"
        " WHERE action = 'change_password'"
    ).fetchone()
    assert entry["actor"] == OWNER_EMAIL and OWNER_EMAIL in entry["after"]
    logged = conn.execute("SELECT string_agg(after::text, ' ') AS t FROM audit_log").fetchone()
    assert NEW_PASSWORD not in logged["t"] and PASSWORD not in logged["t"]


def test_owner_sets_a_staff_password_and_its_sessions_end(admin_app, owner, staff, conn):
    staff_id = conn.execute(
        "SELECT id FROM admin_users WHERE email = %s", (STAFF_EMAIL,)
    ).fetchone()["id"]
    page = owner.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{staff_id}/password" in page  # the form is offered for staff
    response = owner.post(f"/admin/users/{staff_id}/password", {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert staff.get("/api/admin/orders").status_code == 401
    assert AdminClient(admin_app, "127.0.0.8").login(STAFF_EMAIL).status_code == 401
    assert AdminClient(admin_app, "127.0.0.9").login(STAFF_EMAIL, NEW_PASSWORD).status_code == 200
    assert owner.get("/api/admin/products").status_code == 200  # the owner's own session stays
    audit = conn.execute(
        "SELECT after::text AS after FROM audit_log WHERE action = 'reset_password'"
    ).fetchone()
    assert STAFF_EMAIL in audit["after"] and NEW_PASSWORD not in audit["after"]


def test_staff_cannot_set_anyone_elses_password(admin_app, owner, staff, conn, owner_account):
    before = stored_hash(conn, OWNER_EMAIL)
    response = staff.post(
        f"/admin/users/{owner_account['id']}/password", {"password": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert stored_hash(conn, OWNER_EMAIL) == before
    assert owner.get("/api/admin/products").status_code == 200
    assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"] == 0


def test_enrolled_totp_secret_is_stored_sealed_and_still_verifies(owner, conn, redis, settings):
    owner.post("/admin/account/totp/start")
    page = owner.get("/admin/account").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    now = datetime.now(UTC)
    response = owner.post(
        "/admin/account/totp/confirm",
        {"code": pyotp.TOTP(secret).at(now), "current_password": PASSWORD},
    )
    assert response.status_code == 302
    stored = conn.execute("SELECT totp_secret FROM admin_users").fetchone()["totp_secret"]
    assert stored.startswith("fernet:") and secret not in stored
    later = now + timedelta(seconds=30)
    user = owner_login_with_code(conn, redis, secret, later, settings.secret_key)
    assert user["totp_enabled"]


def test_a_legacy_plain_totp_secret_still_verifies_and_gets_sealed(
    admin_app, conn, redis, settings, owner_account
):
    secret = accounts.new_totp_secret()
    conn.execute("UPDATE admin_users SET totp_secret = %s", (secret,))
    browser = AdminClient(admin_app)
    assert browser.login(OWNER_EMAIL, totp=pyotp.TOTP(secret).now()).status_code == 200
    stored = conn.execute("SELECT totp_secret FROM admin_users").fetchone()["totp_secret"]
    assert stored.startswith("fernet:") and secret not in stored
    later = datetime.now(UTC) + timedelta(seconds=60)
    assert owner_login_with_code(conn, redis, secret, later, settings.secret_key)


def test_a_secret_sealed_under_another_key_fails_the_login_without_an_error(
    conn, redis, owner_account
):
    secret = accounts.new_totp_secret()
    now = datetime.now(UTC)
    accounts.enable_totp(
        conn,
        owner_account["id"],
        secret,
        pyotp.TOTP(secret).at(now),
        secret_key="the-old-key-that-is-long-enough-0123456",
        now=now,
    )
    later = now + timedelta(seconds=30)
    with pytest.raises(Unauthorized):
        owner_login_with_code(conn, redis, secret, later, "the-new-key-that-is-long-enough-0123456")


def totp_state(conn) -> bool:
    return conn.execute("SELECT totp_secret IS NOT NULL AS on FROM admin_users").fetchone()["on"]


def audit_actions(conn) -> list[str]:
    return [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]


def test_turning_codes_on_needs_the_current_password(admin_app, owner, conn):
    phone = AdminClient(admin_app, remote_addr="127.0.0.5")
    assert phone.login(OWNER_EMAIL).status_code == 200
    owner.post("/admin/account/totp/start")
    page = owner.get("/admin/account").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    code = pyotp.TOTP(secret).now()
    for password in ("", "not my password at all"):
        response = owner.post(
            "/admin/account/totp/confirm", {"code": code, "current_password": password}
        )
        assert response.status_code == 422
        assert "current password is wrong" in response.get_data(as_text=True)
    assert not totp_state(conn) and audit_actions(conn) == []
    assert phone.get("/api/admin/products").status_code == 200

    old_sid = owner.session_id
    response = owner.post(
        "/admin/account/totp/confirm", {"code": code, "current_password": PASSWORD}
    )
    assert response.status_code == 302
    assert totp_state(conn)
    assert audit_actions(conn) == ["enable_totp"]
    assert phone.get("/api/admin/products").status_code == 401  # other sessions end
    assert owner.session_id != old_sid
    assert owner.get("/api/admin/products").status_code == 200  # this one goes on


def test_turning_codes_off_needs_the_password_and_a_current_code(
    admin_app, owner, conn, settings, owner_account
):
    secret = accounts.new_totp_secret()
    earlier = datetime.now(UTC) - timedelta(seconds=60)
    accounts.enable_totp(
        conn,
        owner_account["id"],
        secret,
        pyotp.TOTP(secret).at(earlier),
        secret_key=settings.secret_key,
        now=earlier,
    )
    phone = AdminClient(admin_app, remote_addr="127.0.0.5")
    assert (
        phone.login(
            OWNER_EMAIL, totp=pyotp.TOTP(secret).at(earlier + timedelta(seconds=30))
        ).status_code
        == 200
    )
    refused = [
        {"current_password": PASSWORD},  # no code
        {"current_password": PASSWORD, "code": "000000"},  # a wrong code
        {"code": pyotp.TOTP(secret).now()},  # no password
        {"current_password": "not my password at all", "code": pyotp.TOTP(secret).now()},
    ]
    for form in refused:
        response = owner.post("/admin/account/totp/disable", form)
        assert response.status_code == 422, form
        assert totp_state(conn), form
    assert audit_actions(conn) == []
    assert phone.get("/api/admin/products").status_code == 200

    response = owner.post(
        "/admin/account/totp/disable",
        {"current_password": PASSWORD, "code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 302
    assert not totp_state(conn)
    assert audit_actions(conn) == ["disable_totp"]
    assert phone.get("/api/admin/products").status_code == 401
    assert owner.get("/api/admin/products").status_code == 200
