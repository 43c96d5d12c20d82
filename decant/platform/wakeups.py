"""Waiting for the worker's next round: a notification from the database, or the poll.

sql/0071 makes every queued build and every e-mail put in the outbox send a NOTIFY on
`decant_worker` when its transaction commits. The worker LISTENs on a connection of
its own (the one it works on is busy during a round; notifications arriving then wait
on this socket and end the next wait at once). Polling stays as the fallback: a
notification is lost while the listening connection is down, and some work (unpaid
orders expiring, e-mail retries) comes due with time, not with a write.
"""

from __future__ import annotations

import logging
import threading

import psycopg

from decant.platform import db

CHANNEL = "decant_worker"

log = logging.getLogger("decant.wakeups")


class Wakeups:
    """A LISTEN connection that ends `wait` early when there is work; reconnects lazily."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._conn: psycopg.Connection | None = None
        self._pause = threading.Event()  # a sleep for when the database is unreachable

    def __enter__(self) -> Wakeups:
        self._listen()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _listen(self) -> psycopg.Connection | None:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = db.connect(self._url)
                self._conn.execute(f"LISTEN {CHANNEL}")
            except psycopg.OperationalError as exc:
                log.warning("worker: cannot listen for work (%s); polling only", exc)
                self._conn = None
        return self._conn

    def wait(self, seconds: float) -> bool:
        """Return True as soon as work is announced, False after `seconds` without."""
        conn = self._listen()
        if conn is None:
            self._pause.wait(seconds)
            return False
        try:
            woken = any(True for _ in conn.notifies(timeout=seconds, stop_after=1))
            if woken:
                # One round serves every notification that came with this one.
                for _ in conn.notifies(timeout=0.0):
                    pass
            return woken
        except psycopg.OperationalError as exc:
            log.warning("worker: lost the listening connection (%s); polling meanwhile", exc)
            self.close()
            return False
