"""Rate limits (Flask-Limiter) with their counters in Redis.

Import `limiter` and decorate a view: `@limiter.limit(ORDERS, key_func=...)`. The
default key is the client address (functions.web.client_address), which honours
X-Forwarded-For only from trusted proxies. When Redis is unreachable the limiter
counts in memory instead (per process) and checks back on Redis now and then, so
limits keep holding and the shop keeps selling. A breach answers 429 `rate_limited`
in the envelope with Retry-After.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response
from flask_limiter import Limiter
from limits import parse
from redis.backoff import NoBackoff
from redis.retry import Retry

from decant.errors import RateLimited
from functions.web.client_address import client_address

log = logging.getLogger("decant.functions")

ORDERS = "30/minute"
TRACKING_PER_CLIENT = "10/minute"
TRACKING_PER_ORDER = "5/minute"
EVENTS = "120/minute"
# Checkout calls the payment provider; a client has no reason to start many a minute.
CHECKOUT = "20/minute"
# Each alert request may send an e-mail to any address: a few a minute is plenty.
STOCK_ALERTS = "10/minute"

limiter = Limiter(
    key_func=client_address,
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    strategy="moving-window",
    key_prefix="decant-rl",
)


def storage_uri(redis_url: str) -> str:
    """The `limits` library spells unix sockets redis+unix://."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def install(app: Flask, redis_url: str) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(redis_url))
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {
            # fail fast: a dead Redis must cost a request milliseconds, not seconds
            "socket_timeout": 0.5,
            "socket_connect_timeout": 0.5,
            "retry": Retry(NoBackoff(), 0),
        },
    )

    # Registered before the limiter's own after_request, so it runs after it.
    @app.after_request
    def _retry_after_at_least_one_second(response: Response) -> Response:
        if response.status_code == 429:
            value = response.headers.get("Retry-After", "")
            if not value.isdigit() or int(value) < 1:
                response.headers["Retry-After"] = "1"
        return response

    limiter.init_app(app)
    # The limiter object is shared by every app of the process (tests make many);
    # a new app starts on its own storage, not on a fallback an earlier app fell into.
    limiter._storage_dead = False


def count_failed_lookup(number: str) -> None:
    """Tracking is also limited per order number, whoever asks about it, but only its
    failed lookups count: guessing e-mails for a number stops after TRACKING_PER_ORDER,
    while the buyer with the right e-mail is never blocked by someone else's guesses
    (the per-client limit still holds for everyone).

    Raises RateLimited once the number's failed lookups are beyond the limit."""
    item = parse(TRACKING_PER_ORDER)
    identity = ("decant-rl", "track-failed", f"order:{number.strip().upper()[:40]}")
    try:
        if limiter.limiter.hit(item, *identity):
            return
        reset_at, _left = limiter.limiter.get_window_stats(item, *identity)
    except Exception:  # noqa: BLE001 - a counter store fault must not cost the answer
        log.warning("could not count a failed tracking lookup", exc_info=True)
        return
    raise RateLimited(
        "too many failed lookups for this order number; please try again later",
        retry_after=max(1, int(reset_at - time.time()) + 1),
    )
