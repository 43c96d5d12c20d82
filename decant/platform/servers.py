"""Which PostgreSQL and Redis this process talks to, resolved once from settings."""

from __future__ import annotations

from dataclasses import dataclass

import decant.platform.embedded
from decant.platform import db
from decant.platform.config import Settings


@dataclass(frozen=True)
class Servers:
    database_url: str
    replica_url: str
    redis_url: str
    # The response cache's Redis: REDIS_CACHE_URL, else REDIS_URL, else an embedded
    # instance of its own, so its eviction never touches sessions or counters.
    cache_url: str


def redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url

    return decant.platform.embedded.redis_url(settings.data_dir)


def cache_url(settings: Settings) -> str:
    if settings.redis_cache_url or settings.redis_url:
        return settings.redis_cache_url or settings.redis_url or ""

    return decant.platform.embedded.cache_url(settings.data_dir)


def resolve(settings: Settings) -> Servers:
    primary = db.database_url(settings)
    return Servers(
        database_url=primary,
        replica_url=settings.database_replica_url or primary,
        redis_url=redis_url(settings),
        cache_url=cache_url(settings),
    )
