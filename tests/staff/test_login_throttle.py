"""Sliding windows of admin login tries in Redis."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import redis as redis_lib

from decant.staff import login_throttle
from decant.staff.login_throttle import ATTEMPTS_PER_EMAIL


def test_parallel_tries_cannot_slip_past_the_per_minute_limit(redis_url):
    now = time.time()

    def one_try(_: int) -> int:
        client = redis_lib.Redis.from_url(redis_url)
        try:
            return login_throttle.take(client, ATTEMPTS_PER_EMAIL, "owner@decant.test", now)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(one_try, range(24)))
    assert waits.count(0) <= ATTEMPTS_PER_EMAIL.limit
    assert all(wait == 60 for wait in waits if wait)


def test_refused_tries_do_not_push_the_wait_further_out(redis_url):
    redis = redis_lib.Redis.from_url(redis_url)
    start = time.time() - 3600
    for second in range(ATTEMPTS_PER_EMAIL.limit):
        assert login_throttle.take(redis, ATTEMPTS_PER_EMAIL, "a@b.c", start + second) == 0
    for second in range(10, 59):  # hammering all minute long
        assert login_throttle.take(redis, ATTEMPTS_PER_EMAIL, "a@b.c", start + second)
    assert login_throttle.take(redis, ATTEMPTS_PER_EMAIL, "a@b.c", start + 60) == 0
