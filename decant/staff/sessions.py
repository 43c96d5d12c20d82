"""Admin sessions in Redis: rotated at login, idle 30 minutes, absolute 12 hours.

The cookie holds only a random id; Redis keeps its SHA-256, so a Redis dump does not
hand out live sessions. A session also records the account's `session_epoch`:
"log out everywhere" bumps it in the database and every older session stops working,
wherever it is stored. Losing Redis only means logging in again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import redis as redis_lib

from decant.staff import accounts

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
PREFIX = "decant:admin:session:"


@dataclass(frozen=True)
class Session:
    sid: str
    user_id: int
    email: str
    role: str
    csrf_token: str
    created_at: float
    data: dict[str, Any]

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token, token or "")


def _key(sid: str) -> str:
    return PREFIX + hashlib.sha256(sid.encode()).hexdigest()


def _ts(now: datetime | None) -> float:
    return (now or datetime.now(UTC)).timestamp()


def start(
    redis: redis_lib.Redis,
    user: dict[str, Any],
    *,
    previous_sid: str | None = None,
    now: datetime | None = None,
) -> Session:
    """A fresh session id for a login; any session the browser held before is ended,
    so an id planted before login is worth nothing after it."""
    if previous_sid:
        redis.delete(_key(previous_sid))
    sid = secrets.token_urlsafe(32)
    at = _ts(now)
    state = {
        "user_id": user["id"],
        "epoch": user["session_epoch"],
        "csrf": secrets.token_urlsafe(32),
        "created_at": at,
        "last_seen": at,
        "data": {},
    }
    redis.set(_key(sid), json.dumps(state), ex=IDLE_SECONDS)
    return Session(sid, user["id"], user["email"], user["role"], state["csrf"], at, {})


def load(
    redis: redis_lib.Redis,
    conn: psycopg.Connection,
    sid: str | None,
    *,
    now: datetime | None = None,
) -> Session | None:
    """The live session for this id, touched; None when unknown, idle too long, too old,
    or its account was deactivated or logged out everywhere."""
    if not sid or len(sid) > 128:
        return None
    raw = redis.get(_key(sid))
    if raw is None:
        return None
    state = json.loads(raw)
    at = _ts(now)
    if at - state["last_seen"] > IDLE_SECONDS or at - state["created_at"] > ABSOLUTE_SECONDS:
        redis.delete(_key(sid))
        return None
    user = accounts.session_state(conn, state["user_id"])
    if user is None or not user["is_active"] or user["session_epoch"] != state["epoch"]:
        redis.delete(_key(sid))
        return None
    state["last_seen"] = at
    remaining_absolute = int(ABSOLUTE_SECONDS - (at - state["created_at"])) + 1
    redis.set(_key(sid), json.dumps(state), ex=max(1, min(IDLE_SECONDS, remaining_absolute)))
    return Session(
        sid,
        user["id"],
        user["email"],
        user["role"],
        state["csrf"],
        state["created_at"],
        state.get("data", {}),
    )


def put(redis: redis_lib.Redis, session: Session, **values: Any) -> None:
    """Keep small values with the session (a TOTP secret awaiting confirmation)."""
    raw = redis.get(_key(session.sid))
    if raw is None:
        return
    state = json.loads(raw)
    state.setdefault("data", {}).update(values)
    ttl = redis.ttl(_key(session.sid))
    redis.set(_key(session.sid), json.dumps(state), ex=ttl if ttl and ttl > 0 else IDLE_SECONDS)


def end(redis: redis_lib.Redis, sid: str | None) -> None:
    if sid:
        redis.delete(_key(sid))
