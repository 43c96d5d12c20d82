"""Admin accounts: argon2id passwords, lockout with growing delays, one-time TOTP codes.

Lockout counts failures twice: per account (in the database, so it holds across app
processes and restarts) and per client address (in Redis, losing it only forgives),
so neither guessing one account from many places nor many accounts from one place
gets more than a handful of tries before the waits grow.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pyotp
import redis as redis_lib
import segno
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from psycopg import errors as pg_errors

from decant.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationError

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
ROLES = ("owner", "staff")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
ACCOUNT_FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 10
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60
CLIENT_MEMORY_SECONDS = 24 * 3600
TOTP_ISSUER = "Decant admin"
# A hash to verify against when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))

USER_COLUMNS = (
    "id, email, role::text AS role, is_active, totp_secret IS NOT NULL AS totp_enabled,"
    " session_epoch, last_login_at, created_at"
)


class LoginLocked(RateLimited):
    """Too many failed logins: wait `retry_after` seconds."""


def lock_seconds(failures: int, free: int) -> int:
    """0 while failures <= free, then 30 s doubling with each further failure, capped."""
    if failures < free:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (failures - free), MAX_DELAY_SECONDS)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            "the password is too short", {"password": f"at least {MIN_PASSWORD} characters"}
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError("the password is too long", {"password": "at most 1024 characters"})


def create(conn: psycopg.Connection, email: str, password: str, role: str) -> dict[str, Any]:
    """A new account (`decant admin create-user`); the e-mail is unique ignoring case."""
    email = email.strip()
    if "@" not in email[1:]:
        raise ValidationError("not an e-mail address", {"email": "must be an e-mail address"})
    if role not in ROLES:
        raise ValidationError("unknown role", {"role": "owner or staff"})
    _check_password(password)
    try:
        with conn.transaction():
            return conn.execute(
                f"INSERT INTO admin_users (email, password_hash, role) VALUES (%s, %s, %s)"
                f" RETURNING {USER_COLUMNS}",
                (email, HASHER.hash(password), role),
            ).fetchone()
    except pg_errors.UniqueViolation:
        raise Conflict("an account with this e-mail exists", {"email": "already used"}) from None


def get(conn: psycopg.Connection, user_id: int) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {USER_COLUMNS} FROM admin_users WHERE id = %s", (user_id,)
    ).fetchone()
    if row is None:
        raise NotFound("no such admin user")
    return row


def all_users(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {USER_COLUMNS} FROM admin_users ORDER BY lower(email)").fetchall()


def _client_key(client: str) -> str:
    return f"decant:admin:login-failures:{client}"


def _client_lock(redis: redis_lib.Redis, client: str, now: float) -> int:
    raw = redis.get(_client_key(client))
    if not raw:
        return 0
    state = json.loads(raw)
    return max(0, int(state.get("locked_until", 0) - now + 0.999))


def _client_failed(redis: redis_lib.Redis, client: str, now: float) -> None:
    key = _client_key(client)
    raw = redis.get(key)
    state = json.loads(raw) if raw else {"failures": 0}
    state["failures"] += 1
    delay = lock_seconds(state["failures"], CLIENT_FREE_FAILURES)
    state["locked_until"] = now + delay if delay else 0
    redis.set(key, json.dumps(state), ex=CLIENT_MEMORY_SECONDS)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def authenticate(
    conn: psycopg.Connection,
    redis: redis_lib.Redis,
    email: str,
    password: str,
    *,
    client: str,
    totp_code: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The account for these credentials, or Unauthorized / LoginLocked.

    While a lock runs the password is not even checked, so waiting is the only way on.
    The same message answers an unknown e-mail and a wrong password.
    """
    at = _now(now)
    wait = _client_lock(redis, client, at.timestamp())
    if wait:
        raise LoginLocked(f"too many failed logins from here; try again in {wait} s", wait)
    user = conn.execute(
        "SELECT id, password_hash, totp_secret, totp_last_step, is_active, failed_logins,"
        " locked_until FROM admin_users WHERE lower(email) = lower(%s)",
        (email.strip(),),
    ).fetchone()
    if user and user["locked_until"] and user["locked_until"] > at:
        wait = int((user["locked_until"] - at).total_seconds() + 0.999)
        raise LoginLocked(f"too many failed logins; try again in {wait} s", wait)
    good = _verify(user["password_hash"] if user else _DUMMY_HASH, password[:MAX_PASSWORD])
    if good and user and user["is_active"] and user["totp_secret"]:
        good = _use_totp_code(conn, user, totp_code or "", at)
    if not (good and user and user["is_active"]):
        _client_failed(redis, client, at.timestamp())
        if user:
            _account_failed(conn, user["id"], at)
        raise Unauthorized("e-mail, password or code is wrong")
    with conn.transaction():
        conn.execute(
            "UPDATE admin_users SET failed_logins = 0, locked_until = NULL, last_login_at = %s"
            " WHERE id = %s",
            (at, user["id"]),
        )
        if HASHER.check_needs_rehash(user["password_hash"]):
            conn.execute(
                "UPDATE admin_users SET password_hash = %s WHERE id = %s",
                (HASHER.hash(password), user["id"]),
            )
    return get(conn, user["id"])


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _account_failed(conn: psycopg.Connection, user_id: int, at: datetime) -> None:
    with conn.transaction():
        failures = conn.execute(
            "UPDATE admin_users SET failed_logins = failed_logins + 1 WHERE id = %s"
            " RETURNING failed_logins",
            (user_id,),
        ).fetchone()["failed_logins"]
        delay = lock_seconds(failures, ACCOUNT_FREE_FAILURES)
        if delay:
            conn.execute(
                "UPDATE admin_users SET locked_until = %s WHERE id = %s",
                (at + timedelta(seconds=delay), user_id),
            )


def _use_totp_code(conn: psycopg.Connection, user: dict[str, Any], code: str, at: datetime) -> bool:
    """True once per code: the step it belongs to must be later than the last one used."""
    step = _matching_step(user["totp_secret"], code, at)
    if step is None:
        return False
    used = conn.execute(
        "UPDATE admin_users SET totp_last_step = %s WHERE id = %s"
        " AND (totp_last_step IS NULL OR totp_last_step < %s) RETURNING id",
        (step, user["id"], step),
    ).fetchone()
    return used is not None


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(at.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):  # one step of clock drift either way
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(email: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_qr_svg(email: str, secret: str) -> str:
    """The enrolment QR code as inline SVG (no image file, no JavaScript)."""
    return segno.make(totp_uri(email, secret), error="m").svg_inline(scale=4)


def enable_totp(
    conn: psycopg.Connection, user_id: int, secret: str, code: str, *, now: datetime | None = None
) -> None:
    """Turn on TOTP only once the authenticator app proved it has the secret."""
    step = _matching_step(secret, code, _now(now))
    if step is None:
        raise ValidationError("that code does not match", {"code": "enter the current code"})
    conn.execute(
        "UPDATE admin_users SET totp_secret = %s, totp_last_step = %s WHERE id = %s",
        (secret, step, user_id),
    )


def disable_totp(conn: psycopg.Connection, user_id: int) -> None:
    conn.execute(
        "UPDATE admin_users SET totp_secret = NULL, totp_last_step = NULL WHERE id = %s",
        (user_id,),
    )


def end_all_sessions(conn: psycopg.Connection, user_id: int) -> int:
    """Logout everywhere: every session carries the epoch it was made in; bump it."""
    return conn.execute(
        "UPDATE admin_users SET session_epoch = session_epoch + 1 WHERE id = %s"
        " RETURNING session_epoch",
        (user_id,),
    ).fetchone()["session_epoch"]


def set_active(conn: psycopg.Connection, user_id: int, active: bool) -> dict[str, Any]:
    row = conn.execute(
        f"UPDATE admin_users SET is_active = %s, session_epoch = session_epoch + 1 WHERE id = %s"
        f" RETURNING {USER_COLUMNS}",
        (active, user_id),
    ).fetchone()
    if row is None:
        raise NotFound("no such admin user")
    return row


def session_state(conn: psycopg.Connection, user_id: int) -> dict[str, Any] | None:
    """What a session check needs: is the account still active, and its epoch."""
    return conn.execute(
        "SELECT id, email, role::text AS role, is_active, session_epoch,"
        " totp_secret IS NOT NULL AS totp_enabled FROM admin_users WHERE id = %s",
        (user_id,),
    ).fetchone()
