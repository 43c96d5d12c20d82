"""Connections to PostgreSQL: one pool per process, health-checked on checkout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from decant.config import Settings


def database_url(settings: Settings) -> str:
    """The configured server, or the embedded one when DATABASE_URL is unset."""
    if settings.database_url:
        return settings.database_url
    from decant import embedded

    return embedded.postgres_url(settings.data_dir)


# A connection handed out less than this long ago is taken as healthy; older ones
# are pinged before use. This keeps the health check without a round trip on every
# request of a busy shop.
RECHECK_AFTER_SECONDS = 10.0


def _check_if_idle(conn: psycopg.Connection) -> None:
    """Ping only connections not handed out for a while.

    The time is taken at checkout, not at return: a `reset` callback would do the
    latter, but with one the pool hands every returned connection to its worker
    thread (a thread hop per request). Time since the last checkout is never less
    than the time since the last return, so this pings at least as often."""
    now = time.monotonic()
    last = getattr(conn, "decant_handed_out_at", None)
    if last is None or now - last > RECHECK_AFTER_SECONDS:
        ConnectionPool.check_connection(conn)
    conn.decant_handed_out_at = now  # type: ignore[attr-defined]


def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 10, name: str = "decant"
) -> ConnectionPool:
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "autocommit": True},
        check=_check_if_idle,
        name=name,
        open=False,
    )
    pool.open(wait=True, timeout=30)
    return pool


def connect(url: str) -> psycopg.Connection:
    """A single connection in autocommit; callers open `conn.transaction()` for units of work."""
    return psycopg.connect(url, row_factory=dict_row, autocommit=True)


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection]:
    with connect(url) as conn:
        yield conn
