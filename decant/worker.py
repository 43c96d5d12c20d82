"""What `decant worker` does: rounds of due work until stopped. Every job is safe to run
from several workers at once: rows are claimed with SKIP LOCKED or an advisory lock.

The log is for an operator tailing it: one line when the worker starts, then a line
only for a round that did something (the jobs log their own failures). An idle round,
which is most of them, says nothing.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import psycopg

from decant.inventory import stock_alerts
from decant.mail import outbox
from decant.ops import schedule
from decant.orders import placing
from decant.payments import providers
from decant.platform import db
from decant.platform.config import Settings
from decant.platform.wakeups import Wakeups
from decant.publishing import build_queue

log = logging.getLogger("decant.worker")


def build_site(settings: Settings, **run: Any) -> dict[str, Any]:
    """The site build, imported when a build is due: Pelican and the whole build stay
    out of a worker that has nothing to publish."""
    from decant.site import run as site_run

    return site_run.main(settings, **run)


def run_due(conn: psycopg.Connection, settings: Settings) -> dict[str, int]:
    expired = placing.expire_unpaid(conn, older_than_minutes=settings.order_expiry_minutes)
    provider = providers.provider_for(settings)
    intents = providers.cancel_expired_intents(conn, provider)
    refunds = providers.refund_unfillable_payments(conn, provider)
    mails = outbox.send_due(conn, settings)
    return {
        "orders expired": len(expired),
        "payment intents cancelled": intents,
        "late payments refunded": refunds,
        "e-mails sent": mails,
        "builds run": build_queue.run_queued(conn, settings, build=build_site),
        "stock alerts expired": stock_alerts.delete_expired(conn),
        **schedule.worker_round(conn, settings),
    }


def run_round(conn: psycopg.Connection, settings: Settings) -> dict[str, int]:
    """One round, logged as one line naming what it did, and not at all when idle."""
    done = run_due(conn, settings)
    happened = [f"{n} {what}" for what, n in done.items() if n]
    if happened:
        log.info("worker: %s", ", ".join(happened))
    return done


def run(settings: Settings, *, once: bool = False, interval: float = 5.0) -> None:
    """Rounds until stopped: the next one when work is announced or `interval` seconds
    pass. `once` runs one round and returns, without a start line."""
    url = db.database_url(settings)
    if not once:
        log.info(
            "worker started (pid %s); a line follows each round that does something", os.getpid()
        )
    with db.connection(url) as conn, Wakeups(url) as wakeups:
        while True:
            run_round(conn, settings)
            if once:
                return
            wakeups.wait(interval)
