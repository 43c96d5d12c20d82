"""Connections to PostgreSQL: one pool per process, health-checked on checkout."""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

import decant.platform.embedded
from decant.platform.config import Settings

log = logging.getLogger("decant.db")


def database_url(settings: Settings) -> str:
    """The configured server, or the embedded one when DATABASE_URL is unset."""
    if settings.database_url:
        return settings.database_url

    return decant.platform.embedded.postgres_url(settings.data_dir)


# A connection handed out less than this long ago is taken as healthy; older ones
# are pinged before use. This keeps the health check without a round trip on every
# request of a busy shop.
RECHECK_AFTER_SECONDS = 10.0


# A request must answer within 5 s even with the server gone (the contract: 503
# `unavailable`, never a hang). These bound every way a request can wait on it.
CONNECT_TIMEOUT_SECONDS = 2  # a new connection: server unreachable or not answering
POOL_WAIT_SECONDS = 2.0  # a request waiting for a pooled connection
STATEMENT_TIMEOUT_MS = 4000  # one statement of a web request (lock waits included)
# A server that vanished without closing the socket (host down, cable cut) is noticed
# by TCP keepalives instead of a read that never returns.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
RECONNECT_GIVE_UP_SECONDS = 5.0
START_WAIT_SECONDS = 10.0  # a process starting waits this long for its first connection


def _has_pending_input(conn: psycopg.Connection) -> bool:
    """An idle connection has nothing to read unless the server spoke first: the
    error and end-of-file of a shutdown (AdminShutdown) or of a killed server. A
    zero-timeout poll of the socket costs no round trip."""
    try:
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(conn.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, psycopg.Error):
        return True


def _check_if_idle(conn: psycopg.Connection, pool: ConnectionPool) -> None:
    """Ping connections not handed out for a while, and any the server has spoken
    on while idle: it went away (shut down, restarted, killed), the ping fails and
    the pool replaces the connection instead of handing a dead one to a request.
    The pool's siblings are then all checked at once: the pool sleeps a growing
    backoff after each failed check, so finding them one by one would keep the
    first shopper after a restart waiting past the pool timeout.

    The time is taken at checkout, not at return: a `reset` callback would do the
    latter, but with one the pool hands every returned connection to its worker
    thread (a thread hop per request). Time since the last checkout is never less
    than the time since the last return, so this pings at least as often."""
    now = time.monotonic()
    last = getattr(conn, "decant_handed_out_at", None)
    if _has_pending_input(conn):
        try:
            ConnectionPool.check_connection(conn)
        except psycopg.Error:
            pool.check()
            raise
    elif last is None or now - last > RECHECK_AFTER_SECONDS:
        ConnectionPool.check_connection(conn)
    conn.decant_handed_out_at = now  # type: ignore[attr-defined]


def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 10, name: str = "decant"
) -> ConnectionPool:
    pool: ConnectionPool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={
            "row_factory": dict_row,
            "autocommit": True,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            **KEEPALIVES,
        },
        check=lambda conn: _check_if_idle(conn, pool),
        timeout=POOL_WAIT_SECONDS,
        # The pool's reconnect backoff doubles (1, 2, 4 ... s); giving up early lets the
        # next request start a fresh attempt, so a server back after an outage is in
        # use within seconds, not after a backoff grown to minutes.
        reconnect_timeout=RECONNECT_GIVE_UP_SECONDS,
        name=name,
        open=False,
    )
    pool.open(wait=False)
    try:
        with pool.connection(timeout=START_WAIT_SECONDS):
            pass
    except psycopg.OperationalError as exc:
        # A gunicorn worker (re)started during an outage (max_requests recycles them)
        # must boot and answer 503 until the server is back, not fail to boot: gunicorn
        # stops altogether when a worker cannot boot.
        log.warning("PostgreSQL is not reachable yet (%s); answering 503 until it is", exc)
    return pool


def connect(url: str) -> psycopg.Connection:
    """A single connection in autocommit; callers open `conn.transaction()` for units of work."""
    return psycopg.connect(url, row_factory=dict_row, autocommit=True)


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection]:
    with connect(url) as conn:
        yield conn
