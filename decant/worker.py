"""What `decant worker` does each round. Every job is safe to run from several
workers at once: rows are claimed with SKIP LOCKED or an advisory lock."""

from __future__ import annotations

import psycopg

from decant.inventory import stock_alerts
from decant.mail import outbox
from decant.ops import schedule
from decant.orders import placing
from decant.payments import providers
from decant.platform.config import Settings
from decant.publishing import build_queue
from decant.site import run as site_run


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
        "builds run": build_queue.run_queued(conn, settings, build=site_run.main),
        "stock alerts expired": stock_alerts.delete_expired(conn),
        **schedule.worker_round(conn, settings),
    }
