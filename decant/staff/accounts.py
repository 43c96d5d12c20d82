"""Admin accounts: argon2id passwords, login throttling, one-time TOTP codes.

Failed logins are counted in sliding windows (decant.staff.login_throttle) per submitted
e-mail, known or not, and per client address, so guessing gets a handful of tries per
quarter hour, a lock wears off by itself, and a lock or a failure answers the same for
an e-mail that has no account (an unknown e-mail is checked against a dummy hash, so
the answer takes as long too).

TOTP secrets are sealed at rest with Fernet under a key derived from DECANT_SECRET_KEY,
so a database dump alone does not let anyone mint login codes. Sealed values carry the
`fernet:` prefix; a plain secret from before is still accepted and sealed the next time
a code from it is used (a SQL migration cannot do it: the database never sees the key).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

import psycopg
import pyotp
import redis as redis_lib
import segno
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from psycopg import errors as pg_errors

from decant.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationError
from decant.staff import login_throttle

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
ROLES = ("owner", "staff")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LOCKED_MESSAGE = "too many login attempts; try again in {wait} s"
FAILED_MESSAGE = "e-mail, password or code is wrong"
TOTP_ISSUER = "Decant admin"
SEALED_PREFIX = "fernet:"
# The app's own fallback when DECANT_SECRET_KEY is unset (functions/__init__.py); settings
# refuse to start production without a real key, so this only ever seals development data.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"  # noqa: S105 - not a secret, by design
# A hash to verify against when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))

USER_COLUMNS = (
    "id, email, role::text AS role, is_active, totp_secret IS NOT NULL AS totp_enabled,"
    " session_epoch, last_login_at, created_at"
)


class LoginLocked(RateLimited):
    """Too many failed logins: wait `retry_after` seconds."""


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


def by_email(conn: psycopg.Connection, email: str) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {USER_COLUMNS} FROM admin_users WHERE lower(email) = lower(%s)", (email.strip(),)
    ).fetchone()
    if row is None:
        raise NotFound(f"no admin account has the e-mail {email.strip()}")
    return row


def all_users(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {USER_COLUMNS} FROM admin_users ORDER BY lower(email)").fetchall()


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
    secret_key: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The account for these credentials, or Unauthorized / LoginLocked.

    While a lock runs the password is not even checked (for any e-mail, known or not),
    so waiting for old failures to age out is the only way on. `secret_key` opens the
    sealed TOTP secret (None: the development key, as the app uses without one).
    """
    at = _now(now)
    ts = at.timestamp()
    wait = login_throttle.login_wait(redis, email, client, ts)
    if wait:
        raise LoginLocked(LOCKED_MESSAGE.format(wait=wait), wait)
    user = conn.execute(
        "SELECT id, password_hash, totp_secret, totp_last_step, is_active"
        " FROM admin_users WHERE lower(email) = lower(%s)",
        (email.strip(),),
    ).fetchone()
    good = _verify(user["password_hash"] if user else _DUMMY_HASH, password[:MAX_PASSWORD])
    if good and user and user["is_active"] and user["totp_secret"]:
        good = _use_totp_code(conn, user, totp_code or "", at, secret_key)
    if not (good and user and user["is_active"]):
        login_throttle.failed(redis, email, client, ts)
        raise Unauthorized(FAILED_MESSAGE)
    login_throttle.forget_failures(redis, email)
    with conn.transaction():
        conn.execute("UPDATE admin_users SET last_login_at = %s WHERE id = %s", (at, user["id"]))
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


def _use_totp_code(
    conn: psycopg.Connection,
    user: dict[str, Any],
    code: str,
    at: datetime,
    secret_key: str | None,
) -> bool:
    """True once per code: the step it belongs to must be later than the last one used.
    A legacy plain secret is sealed by the same statement that spends the code."""
    stored = user["totp_secret"]
    secret = open_totp_secret(stored, secret_key)
    if secret is None:
        return False
    step = _matching_step(secret, code, at)
    if step is None:
        return False
    sealed = stored if stored.startswith(SEALED_PREFIX) else seal_totp_secret(secret, secret_key)
    used = conn.execute(
        "UPDATE admin_users SET totp_last_step = %s, totp_secret = %s WHERE id = %s"
        " AND (totp_last_step IS NULL OR totp_last_step < %s) RETURNING id",
        (step, sealed, user["id"], step),
    ).fetchone()
    return used is not None


def _fernet(secret_key: str | None) -> Fernet:
    """A key of its own for TOTP secrets (HKDF with a purpose label), so the same
    DECANT_SECRET_KEY signing other things never doubles as this encryption key."""
    material = (secret_key or DEVELOPMENT_SECRET_KEY).encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"decant admin totp secret v1"
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_totp_secret(secret: str, secret_key: str | None) -> str:
    """The value stored in admin_users.totp_secret: `fernet:` + the encrypted secret."""
    return SEALED_PREFIX + _fernet(secret_key).encrypt(secret.encode()).decode()


def open_totp_secret(stored: str, secret_key: str | None) -> str | None:
    """The secret behind a stored value (a legacy plain one passes through); None when
    it was sealed under another key, so the login fails instead of erroring."""
    if not stored.startswith(SEALED_PREFIX):
        return stored
    try:
        return _fernet(secret_key).decrypt(stored[len(SEALED_PREFIX) :].encode()).decode()
    except InvalidToken:
        return None


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
    conn: psycopg.Connection,
    user_id: int,
    secret: str,
    code: str,
    *,
    secret_key: str | None,
    now: datetime | None = None,
) -> None:
    """Turn on TOTP only once the authenticator app proved it has the secret; the
    secret is stored sealed under `secret_key` (None: the development key)."""
    step = _matching_step(secret, code, _now(now))
    if step is None:
        raise ValidationError("that code does not match", {"code": "enter the current code"})
    conn.execute(
        "UPDATE admin_users SET totp_secret = %s, totp_last_step = %s WHERE id = %s",
        (seal_totp_secret(secret, secret_key), step, user_id),
    )


def disable_totp(
    conn: psycopg.Connection,
    user_id: int,
    code: str,
    *,
    secret_key: str | None,
    now: datetime | None = None,
) -> None:
    """Turn TOTP off only with a current code from it (spent, like a login's), so a
    session and a password alone cannot remove the second step."""
    user = conn.execute(
        "SELECT id, totp_secret, totp_last_step FROM admin_users WHERE id = %s", (user_id,)
    ).fetchone()
    if user is None:
        raise NotFound("no such admin user")
    if not user["totp_secret"]:
        raise ValidationError("authenticator codes are already off", {"code": "already off"})
    if not _use_totp_code(conn, user, code, _now(now), secret_key):
        raise ValidationError("that code does not match", {"code": "enter the current code"})
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


def check_current_password(
    conn: psycopg.Connection,
    redis: redis_lib.Redis,
    user_id: int,
    password: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> None:
    """Changing a password or two-factor asks for the current password, so a session
    left open is not enough to take the account over. A wrong one counts as a failed
    login of the account's e-mail (same windows, same lock)."""
    ts = _now(now).timestamp()
    row = conn.execute(
        "SELECT email, password_hash FROM admin_users WHERE id = %s", (user_id,)
    ).fetchone()
    if row is None:
        raise NotFound("no such admin user")
    wait = login_throttle.failures_wait(redis, row["email"], client or "", ts)
    if wait:
        raise LoginLocked(LOCKED_MESSAGE.format(wait=wait), wait)
    if not _verify(row["password_hash"], password[:MAX_PASSWORD]):
        login_throttle.failed(redis, row["email"], client, ts)
        raise ValidationError(
            "the current password is wrong", {"current_password": "not your current password"}
        )


def set_password(conn: psycopg.Connection, user_id: int, password: str) -> dict[str, Any]:
    """A new argon2id hash; bumps session_epoch so every session of the account ends
    (the caller starts a fresh one for the person who changed it). Failed logins are
    not touched here: `decant admin set-password` also runs login_throttle.unlock."""
    _check_password(password)
    row = conn.execute(
        "UPDATE admin_users SET password_hash = %s, session_epoch = session_epoch + 1"
        f" WHERE id = %s RETURNING {USER_COLUMNS}",
        (HASHER.hash(password), user_id),
    ).fetchone()
    if row is None:
        raise NotFound("no such admin user")
    return row


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
