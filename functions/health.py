"""Health routes: each dependency answers for itself, so an alert names what is down."""

from __future__ import annotations

import threading
import time

from flask import Blueprint, Response

from functions.web.envelope import fail, ok
from functions.web.runtime import database, redis_client, runtime, settings

bp = Blueprint("health", __name__, url_prefix="/api/health")

# Anyone may ask /api/health/stripe; each answer costs a call to Stripe (and counts
# against the shop's Stripe rate limit), so one answer stands for this long.
STRIPE_ANSWER_SECONDS = 60
_stripe_lock = threading.Lock()


def _database_ok() -> bool:
    try:
        with database().connection(timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_ok() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:
        return False


def _answer(checks: dict[str, bool]) -> Response:
    down = [name for name, up in checks.items() if not up]
    if down:
        return fail(
            "unavailable",
            f"{', '.join(down)} down",
            {name: ("ok" if up else "down") for name, up in checks.items()},
        )
    return ok({"status": "ok", "checks": {name: "ok" for name in checks}})


@bp.get("")
def overall() -> Response:
    return _answer({"database": _database_ok(), "redis": _redis_ok()})


@bp.get("/db")
def db() -> Response:
    return _answer({"database": _database_ok()})


@bp.get("/redis")
def redis() -> Response:
    return _answer({"redis": _redis_ok()})


@bp.get("/stripe")
def stripe() -> Response:
    if not settings().stripe_enabled:
        mode = "demo" if settings().demo_payments_enabled else "none"
        return ok({"status": "ok", "mode": mode, "checks": {"stripe": "not configured"}})
    return _answer({"stripe": _stripe_reachable()})


def _stripe_reachable() -> bool:
    """Stripe's last answer while it is fresh; one request at a time asks again."""
    extras = runtime().extras
    with _stripe_lock:
        known = extras.get("stripe_health")
        if known is not None and known[0] > time.monotonic():
            return known[1]
        try:
            reachable = bool(extras["payments"].healthy())
        except Exception:
            reachable = False
        extras["stripe_health"] = (time.monotonic() + STRIPE_ANSWER_SECONDS, reachable)
        return reachable
