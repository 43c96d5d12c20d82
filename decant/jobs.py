"""What `decant worker` does each round. Every job is safe to run from several
workers at once: rows are claimed with SKIP LOCKED or an advisory lock."""

from __future__ import annotations

import psycopg

from decant import builds, orders, outbox, payments, schedule, stock_alerts
from decant.config import Settings


def run_due(conn: psycopg.Connection, settings: Settings) -> dict[str, int]:
    expired = orders.expire_unpaid(conn, older_than_minutes=settings.order_expiry_minutes)
    provider = payments.provider_for(settings)
    intents = payments.cancel_expired_intents(conn, provider)
    refunds = payments.refund_unfillable_payments(conn, provider)
    mails = outbox.send_due(conn, settings)
    return {
        "orders expired": len(expired),
        "payment intents cancelled": intents,
        "late payments refunded": refunds,
        "e-mails sent": mails,
        "builds run": builds.run_queued(conn, settings),
        "stock alerts expired": stock_alerts.delete_expired(conn),
        **schedule.worker_round(conn, settings),
    }
