"""The owner's morning e-mail: yesterday's paid orders and revenue, what is low on
stock, and which sold-out sizes shoppers are waiting for (demand to reorder by).

Days are UTC days, like every time in the admin. One digest per day: its dedupe key
is the day, so a second worker or a re-run the same morning changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from decant.inventory import stock
from decant.mail.composing import money
from decant.ops import owner_alerts
from decant.platform.config import Settings


def facts(conn: psycopg.Connection, day: date) -> dict[str, Any]:
    """What the digest for `day` says, as data (the test and the text read this)."""
    sales = conn.execute(
        "SELECT count(*) AS orders, coalesce(sum(total_cents), 0)::bigint AS revenue_cents"
        " FROM orders WHERE payment_status = 'paid'"
        " AND created_at >= %(day)s::date AT TIME ZONE 'UTC'"
        " AND created_at < (%(day)s::date + 1) AT TIME ZONE 'UTC'",
        {"day": day},
    ).fetchone()
    waiting = conn.execute(
        "SELECT p.name, a.size_ml, count(*) AS subscribers"
        " FROM stock_alerts a JOIN products p ON p.id = a.product_id"
        " WHERE a.confirmed_at IS NOT NULL AND a.notified_at IS NULL"
        " GROUP BY p.name, a.size_ml ORDER BY count(*) DESC, p.name, a.size_ml"
    ).fetchall()
    return {
        "day": day,
        "orders": sales["orders"],
        "revenue_cents": int(sales["revenue_cents"]),
        "low_stock": [
            {"name": r["name"], "brand": r["brand"], "remaining_ml": r["remaining_volume"]}
            for r in stock.low_stock(conn)
        ],
        "waiting": [dict(r) for r in waiting],
    }


def _ml(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f} ml"


def text(found: dict[str, Any], currency: str) -> tuple[str, str]:
    day = found["day"].isoformat()
    revenue = money(found["revenue_cents"], currency)
    subject = f"Decant digest for {day}: {found['orders']} paid order(s), {revenue}"
    lines = [f"Yesterday ({day}, UTC): {found['orders']} paid order(s), revenue {revenue}.", ""]
    if found["low_stock"]:
        lines.append("Low on stock:")
        lines += [
            f"  - {r['brand']} {r['name']}: {_ml(r['remaining_ml'])} left"
            for r in found["low_stock"]
        ]
    else:
        lines.append("Nothing is low on stock.")
    lines.append("")
    if found["waiting"]:
        lines.append("Shoppers waiting for a sold-out size:")
        lines += [
            f"  - {r['name']} {_ml(r['size_ml'])}: {r['subscribers']} waiting"
            for r in found["waiting"]
        ]
    else:
        lines.append("Nobody is waiting for a sold-out size.")
    return subject, "\n".join(lines)


def queue(conn: psycopg.Connection, settings: Settings, today: date) -> str:
    """Record the digest of the day before `today` for the owner; the job's result."""
    day = today - timedelta(days=1)
    found = facts(conn, day)
    subject, body = text(found, settings.currency)
    with conn.transaction():
        fresh = owner_alerts.note(conn, "digest", f"digest:{day.isoformat()}", subject, body)
    return subject if fresh else f"digest for {day.isoformat()} was already queued"
