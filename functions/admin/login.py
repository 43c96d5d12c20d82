"""Logging in and out, the account page (TOTP, password), and the owner's user list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from flask import Response, make_response, redirect, render_template, request, url_for

from decant.errors import Forbidden, Unauthorized, ValidationError
from decant.staff import accounts, audit, sessions
from functions.admin import guard
from functions.admin.blueprints import pages
from functions.admin.errors import wants_json, with_retry_after
from functions.admin.guard import owner_only, public
from functions.web.client_address import client_address
from functions.web.envelope import ok
from functions.web.runtime import redis_client, runtime, settings


def now() -> datetime:
    """The time logins are counted at; a test may set `extras["clock"]` to pin it."""
    clock = runtime().extras.get("clock")
    return clock() if clock else datetime.now(UTC)


@pages.context_processor
def _templates() -> dict[str, Any]:
    return {"admin_session": guard.current_session()}


@pages.get("/login")
@public
def login() -> Response:
    response = make_response(
        render_template(
            "admin/login.html", login_token=guard.login_token(), next=request.args.get("next")
        )
    )
    guard.set_login_cookie(response)
    return response


@pages.post("/login")
@public
def login_post() -> Any:
    """Rotates the session: whatever id the browser had is ended, a new one is made.
    Tries are throttled per e-mail and per address in the domain (login_throttle), which
    answers an unknown e-mail exactly like a known one, lock included."""
    data = (request.get_json(silent=True) or {}) if request.is_json else request.form
    if not guard.login_token_matches():
        raise Forbidden("the login form's CSRF token is missing or wrong; reload the page")
    email = str(data.get("email", ""))[:254]
    password = str(data.get("password", ""))
    code = str(data.get("totp", "") or "")
    try:
        with guard.connection() as conn:
            user = accounts.authenticate(
                conn,
                redis_client(),
                email,
                password,
                client=client_address(),
                totp_code=code,
                secret_key=settings().secret_key,
                now=now(),
            )
    except (Unauthorized, accounts.LoginLocked) as exc:
        if wants_json():
            raise
        status = 429 if isinstance(exc, accounts.LoginLocked) else 401
        response = make_response(
            render_template(
                "admin/login.html",
                login_token=guard.login_token(),
                error=exc.message,
                email=email,
                next=data.get("next"),
            ),
            status,
        )
        guard.set_login_cookie(response)
        return with_retry_after(response, exc)
    session = sessions.start(
        redis_client(), user, previous_sid=request.cookies.get(guard.SESSION_COOKIE)
    )
    if wants_json():
        response = ok(
            {
                "user": {"id": user["id"], "email": user["email"], "role": user["role"]},
                "csrf_token": session.csrf_token,
            }
        )
    else:
        response = redirect(guard.safe_next(data.get("next")))
    guard.set_session_cookie(response, session.sid)
    response.delete_cookie(
        guard.LOGIN_COOKIE, secure=True, httponly=True, samesite="Strict", path="/"
    )
    return response


def _logged_out(notice: str) -> Response:
    response = (
        ok({"logged_out": True})
        if wants_json()
        else redirect(url_for("admin.login", notice=notice))
    )
    guard.clear_session_cookie(response)
    return response


@pages.post("/logout")
def logout() -> Response:
    sessions.end(redis_client(), request.cookies.get(guard.SESSION_COOKIE))
    return _logged_out("logged_out")


@pages.post("/logout-everywhere")
def logout_everywhere() -> Response:
    with guard.connection() as conn:
        accounts.end_all_sessions(conn, guard.actor().id)  # type: ignore[arg-type]
    sessions.end(redis_client(), request.cookies.get(guard.SESSION_COOKIE))
    return _logged_out("logged_out_everywhere")


@pages.get("/account")
def account() -> str:
    session = guard.current_session()
    assert session is not None
    with guard.connection() as conn:
        user = accounts.get(conn, session.user_id)
    pending = session.data.get("totp_pending")
    qr = accounts.totp_qr_svg(user["email"], pending) if pending else None
    return render_template("admin/account.html", user=user, pending=pending, qr=qr)


@pages.post("/account/totp/start")
def totp_start() -> Response:
    session = guard.current_session()
    assert session is not None
    sessions.put(redis_client(), session, totp_pending=accounts.new_totp_secret())
    return redirect(url_for("admin.account"))


def _check_current_password(user_id: int) -> None:
    with guard.connection() as conn:
        accounts.check_current_password(
            conn,
            redis_client(),
            user_id,
            request.form.get("current_password", ""),
            client=client_address(),
            now=now(),
        )


def _two_factor_changed(conn: psycopg.Connection, user_id: int, action: str) -> dict[str, Any]:
    """Audit the change and end every other session of the account (epoch bump), in the
    transaction of the change itself."""
    accounts.end_all_sessions(conn, user_id)
    user = accounts.get(conn, user_id)
    audit.record(
        conn,
        guard.actor(),
        action,
        "admin_user",
        user["id"],
        after={"email": user["email"], "totp_enabled": user["totp_enabled"]},
    )
    return user


def _in_a_fresh_session(session: sessions.Session, user: dict[str, Any], notice: str) -> Response:
    """This browser goes on in a new session made under the account's new epoch."""
    fresh = sessions.start(redis_client(), user, previous_sid=session.sid)
    response = redirect(url_for("admin.account", notice=notice))
    guard.set_session_cookie(response, fresh.sid)
    return response


@pages.post("/account/totp/confirm")
def totp_confirm() -> Response:
    """Turning codes on needs the current password as well as a code from the new secret."""
    session = guard.current_session()
    assert session is not None
    secret = session.data.get("totp_pending")
    if not secret:
        raise ValidationError("start the set-up first", {"code": "no set-up in progress"})
    _check_current_password(session.user_id)
    with guard.connection() as conn, conn.transaction():
        accounts.enable_totp(
            conn,
            session.user_id,
            secret,
            request.form.get("code", ""),
            secret_key=settings().secret_key,
            now=now(),
        )
        user = _two_factor_changed(conn, session.user_id, "enable_totp")
    return _in_a_fresh_session(session, user, "totp_on")


@pages.post("/account/totp/disable")
def totp_disable() -> Response:
    """Turning codes off needs the current password and a current code."""
    session = guard.current_session()
    assert session is not None
    _check_current_password(session.user_id)
    with guard.connection() as conn, conn.transaction():
        accounts.disable_totp(
            conn,
            session.user_id,
            request.form.get("code", ""),
            secret_key=settings().secret_key,
            now=now(),
        )
        user = _two_factor_changed(conn, session.user_id, "disable_totp")
    return _in_a_fresh_session(session, user, "totp_off")


@pages.post("/account/password")
def account_password() -> Response:
    """Own password: the current one first; then every other session ends (epoch bump)
    and this one is rotated, so a thief holding an old session id is out too."""
    session = guard.current_session()
    assert session is not None
    form = request.form
    new = form.get("new_password", "")
    if new != form.get("new_password_again", ""):
        raise ValidationError(
            "the two new passwords differ", {"new_password_again": "type the same password"}
        )
    _check_current_password(session.user_id)
    with guard.connection() as conn, conn.transaction():
        user = accounts.set_password(conn, session.user_id, new)
        audit.record(
            conn,
            guard.actor(),
            "change_password",
            "admin_user",
            user["id"],
            after={"email": user["email"], "other_sessions_ended": True},
        )
    fresh = sessions.start(redis_client(), user, previous_sid=session.sid)
    response = redirect(url_for("admin.account", notice="password_changed"))
    guard.set_session_cookie(response, fresh.sid)
    return response


@pages.get("/users")
@owner_only
def users() -> str:
    with guard.connection() as conn:
        return render_template("admin/users.html", users=accounts.all_users(conn))


@pages.post("/users")
@owner_only
def users_create() -> Response:
    form = request.form
    with guard.connection() as conn, conn.transaction():
        user = accounts.create(
            conn, form.get("email", ""), form.get("password", ""), form.get("role", "staff")
        )
        audit.record(
            conn,
            guard.actor(),
            "create",
            "admin_user",
            user["id"],
            after={"email": user["email"], "role": user["role"]},
        )
    return redirect(url_for("admin.users", notice="user_created"))


@pages.post("/users/<int:user_id>/active")
@owner_only
def users_active(user_id: int) -> Response:
    active = request.form.get("active") == "true"
    actor = guard.actor()
    if user_id == actor.id and not active:
        raise ValidationError("you cannot switch off your own account", {"active": "yourself"})
    with guard.connection() as conn, conn.transaction():
        user = accounts.set_active(conn, user_id, active)
        audit.record(
            conn,
            actor,
            "activate" if active else "deactivate",
            "admin_user",
            user_id,
            after={"email": user["email"], "is_active": active},
        )
    return redirect(url_for("admin.users"))


@pages.post("/users/<int:user_id>/password")
@owner_only
def users_password(user_id: int) -> Response:
    """The owner sets a new password for a staff account; its sessions all end."""
    actor = guard.actor()
    if user_id == actor.id:
        raise ValidationError(
            "change your own password on your account page", {"password": "yourself"}
        )
    with guard.connection() as conn, conn.transaction():
        if accounts.get(conn, user_id)["role"] != "staff":
            raise Forbidden("only a staff account's password can be set here")
        user = accounts.set_password(conn, user_id, request.form.get("password", ""))
        audit.record(
            conn,
            actor,
            "reset_password",
            "admin_user",
            user_id,
            after={"email": user["email"], "sessions_ended": True},
        )
    return redirect(url_for("admin.users", notice="staff_password_set"))
