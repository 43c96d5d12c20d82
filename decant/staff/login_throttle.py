"""How many admin logins an e-mail and an address may try: sliding windows in Redis.

Each window is a sorted set of attempt times, so old failures fall out by themselves:
a lock lasts only until enough of them are older than the window, and nobody stays
locked out by one wrong try every few minutes. Counters are kept per submitted
e-mail (lowercased) whether or not an account has it, so a lock looks the same for
an unknown e-mail as for a real one and tells nobody which e-mails are admins.
Losing Redis only forgives failures.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass

import redis as redis_lib

PREFIX = "decant:admin:login:"


@dataclass(frozen=True)
class Window:
    """At most `limit` events within the last `seconds`."""

    name: str
    limit: int
    seconds: int


# "login 5/min per account" (the contract): every try counts, right or wrong.
ATTEMPTS_PER_EMAIL = Window("attempts", 5, 60)
# Wrong passwords per e-mail: the sixth within 15 minutes waits for the oldest to age out.
FAILURES_PER_EMAIL = Window("failures", 5, 15 * 60)
# Wrong passwords from one address over any e-mails (guessing many accounts).
FAILURES_PER_CLIENT = Window("client-failures", 10, 15 * 60)


def normal_email(email: str) -> str:
    return email.strip().lower()[:254]


def _key(window: Window, who: str) -> str:
    return PREFIX + window.name + ":" + hashlib.sha256(who.encode()).hexdigest()


def wait_seconds(redis: redis_lib.Redis, window: Window, who: str, now: float) -> int:
    """0 when another event fits in the window, else the whole seconds until one does."""
    key = _key(window, who)
    redis.zremrangebyscore(key, "-inf", now - window.seconds)
    times = redis.zrange(key, 0, -1, withscores=True)
    if len(times) < window.limit:
        return 0
    oldest_that_must_go = times[len(times) - window.limit][1]
    return max(1, math.ceil(oldest_that_must_go + window.seconds - now))


def add(redis: redis_lib.Redis, window: Window, who: str, now: float) -> None:
    key = _key(window, who)
    with redis.pipeline() as pipe:
        pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
        pipe.zremrangebyscore(key, "-inf", now - window.seconds)
        pipe.expire(key, window.seconds + 1)
        pipe.execute()


def take(redis: redis_lib.Redis, window: Window, who: str, now: float) -> int:
    """Count an event if it fits (0), else leave the window as it was and say how many
    seconds to wait. Adding first and counting after, in one MULTI, means parallel
    requests cannot all slip in below the limit; a refused one is not kept, so
    hammering does not push the wait further out."""
    key = _key(window, who)
    member = f"{now:.6f}:{secrets.token_hex(4)}"
    with redis.pipeline() as pipe:
        pipe.zremrangebyscore(key, "-inf", now - window.seconds)
        pipe.zadd(key, {member: now})
        pipe.zcard(key)
        pipe.expire(key, window.seconds + 1)
        count = pipe.execute()[2]
    if count <= window.limit:
        return 0
    redis.zrem(key, member)
    return wait_seconds(redis, window, who, now)


def failures_wait(redis: redis_lib.Redis, email: str, client: str, now: float) -> int:
    """Seconds until this e-mail (from this address) may try again after failures; 0: go."""
    return max(
        wait_seconds(redis, FAILURES_PER_EMAIL, normal_email(email), now),
        wait_seconds(redis, FAILURES_PER_CLIENT, client, now),
    )


def login_wait(redis: redis_lib.Redis, email: str, client: str, now: float) -> int:
    """0 and the try is counted (5 a minute per e-mail), or the seconds to wait."""
    return failures_wait(redis, email, client, now) or take(
        redis, ATTEMPTS_PER_EMAIL, normal_email(email), now
    )


def failed(redis: redis_lib.Redis, email: str, client: str | None, now: float) -> None:
    add(redis, FAILURES_PER_EMAIL, normal_email(email), now)
    if client:
        add(redis, FAILURES_PER_CLIENT, client, now)


def unlock(redis: redis_lib.Redis, email: str) -> None:
    """Forget every recent try of this e-mail (`decant admin unlock`)."""
    email = normal_email(email)
    redis.delete(_key(ATTEMPTS_PER_EMAIL, email), _key(FAILURES_PER_EMAIL, email))


def forget_failures(redis: redis_lib.Redis, email: str) -> None:
    """A right password wipes the e-mail's failures (not its attempts per minute)."""
    redis.delete(_key(FAILURES_PER_EMAIL, normal_email(email)))
