"""Logging in to the back office: passwords, lockout, sessions, TOTP, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import redis as redis_lib
from click.testing import CliRunner

from decant.cli import main as cli
from decant.errors import Unauthorized
from decant.staff import accounts, login_throttle, sessions
from functions.admin.guard import LOGIN_COOKIE
from tests.plugins.admin import OWNER_EMAIL, PASSWORD, STAFF_EMAIL, AdminClient


@pytest.fixture
def redis(redis_url: str) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(redis_url)


def test_password_is_stored_as_argon2id_with_owasp_parameters(conn, owner_account):
    stored = conn.execute("SELECT password_hash FROM admin_users").fetchone()["password_hash"]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_create_user_command_makes_an_account_that_can_log_in(
    database_url, redis_url, tmp_path, admin_app
):
    result = CliRunner().invoke(
        cli,
        ["admin", "create-user", "boss@decant.test", "--role", "owner"],
        env={
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DECANT_DATA_DIR": str(tmp_path / "var"),
            "DECANT_ADMIN_PASSWORD": "a long enough password",
        },
    )
    assert result.exit_code == 0, result.output
    assert "created owner boss@decant.test" in result.output
    assert (
        AdminClient(admin_app).login("boss@decant.test", "a long enough password").status_code
        == 200
    )


def test_wrong_password_is_refused_without_a_session(anonymous, owner_account):
    response = anonymous.login(OWNER_EMAIL, "not the password")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert anonymous.session_id is None
    assert anonymous.get("/api/admin/products").status_code == 401


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(anonymous, owner_account):
    unknown = anonymous.login("ghost@decant.test", "not the password").get_json()
    wrong = anonymous.login(OWNER_EMAIL, "not the password").get_json()
    assert unknown["error"] == wrong["error"]


def test_session_cookie_is_host_only_secure_httponly_lax(anonymous, owner_account):
    response = anonymous.login(OWNER_EMAIL)
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-decant_admin=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "SameSite=Lax" in cookie and "Path=/" in cookie


def test_login_form_without_its_csrf_token_is_refused(anonymous, owner_account):
    response = anonymous.client.post(
        "/admin/login", json={"email": OWNER_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert anonymous.session_id is None


def fail_logins(conn, redis, email: str, times: int, *, at: datetime, client="10.0.0.1"):
    for _ in range(times):
        with pytest.raises(Unauthorized):
            accounts.authenticate(conn, redis, email, "wrong", client=client, now=at)


def test_five_failures_lock_the_e_mail_even_for_the_right_password(conn, redis, owner_account):
    start = datetime.now(UTC)
    fail_logins(conn, redis, OWNER_EMAIL, login_throttle.FAILURES_PER_EMAIL.limit, at=start)
    # from another address too: the lock is the e-mail's
    with pytest.raises(accounts.LoginLocked) as locked:
        accounts.authenticate(conn, redis, OWNER_EMAIL, PASSWORD, client="10.0.0.2", now=start)
    assert locked.value.retry_after == 15 * 60


def test_failures_age_out_so_the_right_password_works_after_the_window(conn, redis, owner_account):
    start = datetime.now(UTC) - timedelta(hours=1)
    fail_logins(conn, redis, OWNER_EMAIL, 4, at=start)
    fail_logins(conn, redis, OWNER_EMAIL, 1, at=start + timedelta(minutes=10))
    with pytest.raises(accounts.LoginLocked) as locked:
        accounts.authenticate(
            conn, redis, OWNER_EMAIL, PASSWORD, client="10.0.0.2", now=start + timedelta(minutes=14)
        )
    assert locked.value.retry_after == 60  # until the four oldest are 15 minutes old
    user = accounts.authenticate(
        conn, redis, OWNER_EMAIL, PASSWORD, client="10.0.0.2", now=start + timedelta(minutes=15)
    )
    assert user["email"] == OWNER_EMAIL


def test_one_wrong_try_every_few_minutes_never_locks_the_owner_out(conn, redis, owner_account):
    at = datetime.now(UTC) - timedelta(hours=3)
    for _ in range(30):  # an attacker's drip: one wrong password every 4 minutes
        fail_logins(conn, redis, OWNER_EMAIL, 1, at=at, client="198.51.100.7")
        at += timedelta(minutes=4)
    user = accounts.authenticate(conn, redis, OWNER_EMAIL, PASSWORD, client="10.0.0.2", now=at)
    assert user["email"] == OWNER_EMAIL


def test_one_client_failing_on_many_accounts_gets_locked_out(conn, redis):
    for n in range(login_throttle.FAILURES_PER_CLIENT.limit):
        with pytest.raises(Unauthorized):
            accounts.authenticate(conn, redis, f"guess{n}@decant.test", "x", client="203.0.113.9")
    accounts.create(conn, OWNER_EMAIL, PASSWORD, "owner")
    with pytest.raises(accounts.LoginLocked):
        accounts.authenticate(conn, redis, OWNER_EMAIL, PASSWORD, client="203.0.113.9")
    assert accounts.authenticate(conn, redis, OWNER_EMAIL, PASSWORD, client="203.0.113.10")


def _same_answer(a, b, email_a: str, email_b: str) -> None:
    """Status, body (but for the e-mail typed and the form's own token) and headers."""

    def body(response, email: str, browser_token: str | None) -> str:
        return response.get_data(as_text=True).replace(email, "E").replace(browser_token or "", "T")

    assert a.status_code == b.status_code
    assert body(a, email_a, a.token) == body(b, email_b, b.token)
    skip = {"x-request-id", "set-cookie"}
    assert [h for h in a.headers if h[0].lower() not in skip] == [
        h for h in b.headers if h[0].lower() not in skip
    ]


def _form_login(browser: AdminClient, email: str, password: str):
    browser.get("/admin/login")
    return browser.client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": browser.cookie(LOGIN_COOKIE)},
    )


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_unknown_and_known_e_mails_get_identical_failures_and_locks(
    admin_app, owner_account, as_json
):
    fixed = datetime.now(UTC)
    admin_app.extensions["decant"].extras["clock"] = lambda: fixed
    known, unknown = AdminClient(admin_app), AdminClient(admin_app, remote_addr="127.0.0.9")

    def attempt(browser: AdminClient, email: str, password: str):
        response = (
            browser.login(email, password) if as_json else _form_login(browser, email, password)
        )
        response.token = browser.cookie(LOGIN_COOKIE)
        return response

    for n in range(login_throttle.FAILURES_PER_EMAIL.limit):
        a = attempt(known, OWNER_EMAIL, "wrong password")
        b = attempt(unknown, "ghost@decant.test", "wrong password")
        assert a.status_code == 401, n
        _same_answer(a, b, OWNER_EMAIL, "ghost@decant.test")
    a = attempt(known, OWNER_EMAIL, PASSWORD)
    b = attempt(unknown, "ghost@decant.test", PASSWORD)
    assert a.status_code == 429
    assert a.headers["Retry-After"] == "900"  # until the first failure is 15 minutes old
    _same_answer(a, b, OWNER_EMAIL, "ghost@decant.test")
    assert known.session_id is None


def test_lock_over_http_lifts_when_the_window_has_passed(admin_app, conn, redis, owner_account):
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    for email in (OWNER_EMAIL, "ghost@decant.test"):
        fail_logins(conn, redis, email, 5, at=long_ago, client="192.0.2.1")
    known, unknown = AdminClient(admin_app), AdminClient(admin_app, remote_addr="127.0.0.9")
    fixed = long_ago + timedelta(minutes=10)
    admin_app.extensions["decant"].extras["clock"] = lambda: fixed
    a, b = known.login(OWNER_EMAIL), unknown.login("ghost@decant.test", PASSWORD)
    a.token, b.token = known.cookie(LOGIN_COOKIE), unknown.cookie(LOGIN_COOKIE)
    assert a.status_code == 429 and a.get_json()["error"]["code"] == "rate_limited"
    assert int(a.headers["Retry-After"]) == 300
    _same_answer(a, b, OWNER_EMAIL, "ghost@decant.test")
    admin_app.extensions["decant"].extras["clock"] = lambda: fixed + timedelta(minutes=5)
    assert known.login(OWNER_EMAIL).status_code == 200


def test_repeated_failures_over_http_end_in_too_many_requests(anonymous, owner_account):
    for _ in range(5):
        assert anonymous.login(OWNER_EMAIL, "wrong password").status_code == 401
    response = anonymous.login(OWNER_EMAIL)
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert anonymous.session_id is None


def test_login_rotates_the_session_id_and_ends_the_old_one(admin_app, owner_account):
    browser = AdminClient(admin_app)
    assert browser.login(OWNER_EMAIL).status_code == 200
    first = browser.session_id
    assert browser.login(OWNER_EMAIL).status_code == 200
    second = browser.session_id
    assert first and second and first != second
    stale = AdminClient(admin_app)
    stale.client.set_cookie("__Host-decant_admin", first, domain="localhost", secure=True)
    assert stale.get("/api/admin/products").status_code == 401
    assert browser.get("/api/admin/products").status_code == 200


def test_idle_session_expires_after_thirty_minutes(conn, redis, owner_account):
    user = accounts.get(conn, owner_account["id"])
    t0 = datetime.now(UTC)
    session = sessions.start(redis, user, now=t0)
    assert sessions.load(redis, conn, session.sid, now=t0 + timedelta(minutes=29))
    assert sessions.load(redis, conn, session.sid, now=t0 + timedelta(minutes=58))
    assert sessions.load(redis, conn, session.sid, now=t0 + timedelta(minutes=89)) is None


def test_busy_session_still_ends_twelve_hours_after_login(conn, redis, owner_account):
    user = accounts.get(conn, owner_account["id"])
    t0 = datetime.now(UTC)
    session = sessions.start(redis, user, now=t0)
    at = t0
    while at < t0 + timedelta(hours=11, minutes=50):
        at += timedelta(minutes=20)
        assert sessions.load(redis, conn, session.sid, now=at) is not None
    assert sessions.load(redis, conn, session.sid, now=t0 + timedelta(hours=12, minutes=1)) is None


def test_totp_code_works_once(conn, redis, admin_app, owner_account, settings):
    secret = accounts.new_totp_secret()
    now = datetime.now(UTC)
    earlier = now - timedelta(seconds=30)
    accounts.enable_totp(
        conn,
        owner_account["id"],
        secret,
        pyotp.TOTP(secret).at(earlier),
        secret_key=settings.secret_key,
        now=earlier,
    )
    browser = AdminClient(admin_app)
    assert browser.login(OWNER_EMAIL).status_code == 401  # the password alone is not enough
    code = pyotp.TOTP(secret).now()
    assert browser.login(OWNER_EMAIL, totp=code).status_code == 200
    replay = AdminClient(admin_app, remote_addr="127.0.0.3")
    assert replay.login(OWNER_EMAIL, totp=code).status_code == 401


def test_totp_enrolment_page_shows_a_qr_code(owner, conn):
    owner.post("/admin/account/totp/start")
    page = owner.get("/admin/account").get_data(as_text=True)
    assert "<svg" in page and "Scan this" in page


def test_logout_everywhere_ends_every_session_of_the_account(admin_app, owner_account):
    laptop, phone = AdminClient(admin_app), AdminClient(admin_app, remote_addr="127.0.0.4")
    assert laptop.login(OWNER_EMAIL).status_code == 200
    assert phone.login(OWNER_EMAIL).status_code == 200
    assert laptop.session_id and phone.session_id and laptop.session_id != phone.session_id
    # both sessions work before, so the 401s below are the logout's doing
    assert laptop.get("/api/admin/products").status_code == 200
    assert phone.get("/api/admin/products").status_code == 200
    assert phone.post("/admin/logout-everywhere").status_code == 302
    assert laptop.get("/api/admin/products").status_code == 401
    assert phone.get("/api/admin/products").status_code == 401


def test_logout_ends_the_session(owner):
    assert owner.post("/admin/logout").status_code == 302
    assert owner.get("/api/admin/orders").status_code == 401


def test_deactivated_account_loses_its_session(owner, staff, conn, staff_account):
    response = owner.post(f"/admin/users/{staff_account['id']}/active", {"active": "false"})
    assert response.status_code == 302
    assert staff.get("/api/admin/orders").status_code == 401
    assert AdminClient(owner.client.application).login(STAFF_EMAIL).status_code == 401


def test_pages_redirect_to_login_and_back(anonymous, owner_account):
    response = anonymous.get("/admin/orders")
    assert response.status_code == 302
    assert "/admin/login?next=/admin/orders" in response.headers["Location"]


def test_login_form_sends_the_owner_on_to_the_page_asked_for(anonymous, owner_account):
    page = anonymous.get("/admin/login?next=/admin/orders").get_data(as_text=True)
    token = anonymous.cookie("__Host-decant_login")
    assert token in page
    response = anonymous.client.post(
        "/admin/login",
        data={
            "email": OWNER_EMAIL,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/admin/orders",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/orders"
    assert anonymous.get("/admin/orders").status_code == 200


def test_login_never_redirects_off_site(anonymous, owner_account):
    anonymous.get("/admin/login")
    token = anonymous.cookie("__Host-decant_login")
    response = anonymous.client.post(
        "/admin/login",
        data={
            "email": OWNER_EMAIL,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/admin",
        },
    )
    assert response.headers["Location"] == "/admin/dashboard"


def test_login_page_never_echoes_notice_text_from_the_link(anonymous):
    phish = "Your account is suspended; call +1 555 0100 now"
    page = anonymous.get("/admin/login", query_string={"notice": phish}).get_data(as_text=True)
    assert "suspended" not in page and "555 0100" not in page
    assert 'class="notice"' not in anonymous.get("/admin/login?notice=nonexistent_code").get_data(
        as_text=True
    )


def test_notice_codes_show_their_fixed_text(anonymous, owner):
    page = anonymous.get("/admin/login?notice=logged_out").get_data(as_text=True)
    assert '<p class="notice">Logged out.</p>' in page
    response = owner.post("/admin/logout")
    assert response.headers["Location"].endswith("/admin/login?notice=logged_out")


def _cli_env(database_url, redis_url, tmp_path, **extra):
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DECANT_DATA_DIR": str(tmp_path / "var"),
        **extra,
    }


def test_unlock_command_lets_a_locked_owner_in_at_once(
    conn, redis, admin_app, owner_account, database_url, redis_url, tmp_path
):
    fail_logins(conn, redis, OWNER_EMAIL, 5, at=datetime.now(UTC), client="198.51.100.7")
    assert AdminClient(admin_app).login(OWNER_EMAIL).status_code == 429
    result = CliRunner().invoke(
        cli,
        ["admin", "unlock", OWNER_EMAIL.upper()],
        env=_cli_env(database_url, redis_url, tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert AdminClient(admin_app).login(OWNER_EMAIL).status_code == 200


def test_set_password_command_sets_it_unlocks_and_ends_the_sessions(
    conn, redis, admin_app, owner, database_url, redis_url, tmp_path
):
    old_session = owner.session_id
    for _ in range(5):  # the owner was locked out by someone else's guessing
        login_throttle.failed(redis, OWNER_EMAIL, "198.51.100.7", datetime.now(UTC).timestamp())
    new_password = "a fresh recovery passphrase"
    result = CliRunner().invoke(
        cli,
        ["admin", "set-password", OWNER_EMAIL],
        env=_cli_env(database_url, redis_url, tmp_path, DECANT_ADMIN_PASSWORD=new_password),
    )
    assert result.exit_code == 0, result.output
    stale = AdminClient(admin_app)
    stale.client.set_cookie("__Host-decant_admin", old_session, domain="localhost", secure=True)
    assert stale.get("/api/admin/products").status_code == 401
    assert owner.get("/api/admin/products").status_code == 401
    assert AdminClient(admin_app).login(OWNER_EMAIL).status_code == 401
    assert AdminClient(admin_app, "127.0.0.3").login(OWNER_EMAIL, new_password).status_code == 200
    audit = conn.execute("SELECT actor, after::text AS after FROM audit_log").fetchone()
    assert audit["actor"] == "decant admin set-password" and new_password not in audit["after"]


@pytest.mark.parametrize("command", ["unlock", "set-password"])
def test_recovery_commands_refuse_an_unknown_e_mail_in_one_line(
    command, owner_account, database_url, redis_url, tmp_path
):
    result = CliRunner().invoke(
        cli,
        ["admin", command, "ghost@decant.test"],
        env=_cli_env(
            database_url, redis_url, tmp_path, DECANT_ADMIN_PASSWORD="whatever long enough"
        ),
    )
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "decant: no admin account has the e-mail ghost@decant.test"
    ]
