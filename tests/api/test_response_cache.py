"""The response cache (functions/web/response_cache.py) lives in its own Redis
(REDIS_CACHE_URL), where a flood of distinct queries can evict only cached answers,
never an admin session or a rate-limit counter, and every entry expires."""

from __future__ import annotations

from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

import pytest
import redis

from decant.platform import embedded
from decant.platform.config import Settings
from decant.staff import sessions
from functions import create_app
from tests.factories import Shop


@pytest.fixture
def two_redis(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The main Redis as deployed (noeviction) and a tiny cache Redis (2 MB, LRU)."""
    main_dir, cache_dir = tmp_path / "main-redis", tmp_path / "cache-redis"
    main = embedded.redis_url(main_dir)
    cache = embedded.redis_url(cache_dir, maxmemory="2mb", policy="allkeys-lru")
    yield main, cache
    embedded.stop_redis(cache_dir)
    embedded.stop_redis(main_dir)


def test_a_flood_of_queries_evicts_only_cached_answers(
    settings: Settings, shop: Shop, two_redis: tuple[str, str]
) -> None:
    main_url, cache_url = two_redis
    for n in range(30):
        shop.product(f"rose-{n}", name=f"Rose {n}", description="A long rose. " * 60)
    app = create_app(
        settings.model_copy(update={"redis_url": main_url, "redis_cache_url": cache_url})
    )
    main, cache = redis.Redis.from_url(main_url), redis.Redis.from_url(cache_url)
    try:
        client = app.test_client()
        session = sessions.start(
            main, {"id": 1, "session_epoch": 1, "email": "o@x.io", "role": "owner"}
        )
        assert client.post("/api/orders", json={}).status_code == 422  # counts one order
        counters = list(main.scan_iter("*LIMITER*"))
        assert counters

        for n in range(400):
            answer = client.get(f"/api/products?q=rose&per_page=100&min_price_cents={n}")
            assert answer.status_code == 200

        assert int(cache.info("stats")["evicted_keys"]) > 0  # the flood filled the cache
        cached = list(cache.scan_iter("decant:cache:*"))
        assert cached
        assert all(0 < cache.ttl(key) <= 3600 for key in cached)
        assert list(main.scan_iter("decant:cache:*")) == []
        assert main.exists(sessions.PREFIX + sha256(session.sid.encode()).hexdigest())
        assert all(main.exists(key) for key in counters)
    finally:
        main.close()
        cache.close()
        app.extensions["decant"].close()
