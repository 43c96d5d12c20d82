"""Whole-answer cache in Redis, for answers whose key proves they are current.

Callers put a version read from the database in the key (decant.catalog.cache_versions),
so an entry is never invalidated, only left behind; TTLs and Redis' LRU clear the
old ones. Redis is optional here: any Redis error is a miss, and after one the
cache is skipped for a few seconds so a dead Redis costs nothing per request.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

from functions.web.runtime import Runtime

log = logging.getLogger("decant.cache")
PAUSE_AFTER_ERROR_SECONDS = 5.0
# Every entry expires: the cache may share a Redis, and what is left behind (old
# versions) must go whatever the eviction policy.
MAX_TTL_SECONDS = 3600


class ResponseCache:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=0.25, socket_connect_timeout=0.25, retry=Retry(NoBackoff(), 0)
        )
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def _usable(self) -> bool:
        return time.monotonic() >= self._paused_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            if self._usable():
                log.warning("response cache unavailable, serving uncached: %s", type(exc).__name__)
            self._paused_until = time.monotonic() + PAUSE_AFTER_ERROR_SECONDS

    def get(self, key: str) -> bytes | None:
        if not self._usable():
            return None
        try:
            return self.client.get(key)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)
            return None

    def put(self, key: str, body: bytes, ttl_seconds: int) -> None:
        if not self._usable():
            return
        try:
            self.client.set(key, body, ex=max(1, min(ttl_seconds, MAX_TTL_SECONDS)))
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)


class NoCache:
    """Stands in when the app is configured without a response cache (benchmarks)."""

    def get(self, key: str) -> bytes | None:
        return None

    def put(self, key: str, body: bytes, ttl_seconds: int) -> None:
        return None


def cache_enabled(app: Flask) -> bool:
    """False when the app was switched to the full read path (DECANT_RESPONSE_CACHE)."""
    return bool(app.config.get("DECANT_RESPONSE_CACHE", True))


def response_cache(app: Flask | None = None) -> ResponseCache | NoCache:
    """The app's cache (the current app by default), made on first use from its own
    Redis URL (REDIS_CACHE_URL, default REDIS_URL)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if not cache_enabled(app):
        return NoCache()
    state: Runtime = app.extensions["decant"]
    cache = state.extras.get("response_cache")
    if cache is None:
        cache = state.extras.setdefault("response_cache", ResponseCache(state.servers.cache_url))
    return cache
