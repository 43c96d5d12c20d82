"""Shop analytics: anonymous events in, business figures out.

The brief's three queries are kept word for word (BRIEF_QUERIES) so reports made
against the schema keep working; the period figures below build on the same tables.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg

from decant.errors import ValidationError

EVENT_TYPES = frozenset(
    {
        "page_view",
        "product_view",
        "add_to_cart",
        "checkout_started",
        "purchase",
        "search",
        "remove_from_cart",
    }
)

BRIEF_QUERIES = {
    "popular_products": """
SELECT p.name, SUM(oi.quantity) as total_sold
FROM products p
JOIN order_items oi ON p.id = oi.product_id
GROUP BY p.id, p.name
ORDER BY total_sold DESC;
""",
    "low_inventory": """
SELECT p.name, i.remaining_volume, i.low_stock_alert
FROM products p
JOIN inventory i ON p.id = i.product_id
WHERE i.low_stock_alert = true;
""",
    "revenue_by_month": """
SELECT DATE_TRUNC('month', created_at) as month,
       SUM(total_amount) as revenue
FROM orders
WHERE payment_status = 'paid'
GROUP BY month
ORDER BY month;
""",
}


def record_event(
    conn: psycopg.Connection,
    event_type: str,
    *,
    data: dict[str, Any] | None = None,
    product_slug: str | None = None,
    session_id: str | None = None,
) -> None:
    if event_type not in EVENT_TYPES:
        raise ValidationError("unknown event type", {"type": f"one of {sorted(EVENT_TYPES)}"})
    conn.execute(
        """
        INSERT INTO analytics_events (event_type, data, product_id, session_id)
        VALUES (%s, %s, (SELECT id FROM products WHERE slug = %s), %s)
        """,
        (event_type, json.dumps(data or {}), product_slug, session_id),
    )


def run_brief_query(conn: psycopg.Connection, name: str) -> list[dict[str, Any]]:
    return conn.execute(BRIEF_QUERIES[name]).fetchall()


def period_summary(conn: psycopg.Connection, start: datetime, end: datetime) -> dict[str, Any]:
    """Revenue, orders, average order value and repeat-purchase rate of paid orders."""
    row = conn.execute(
        """
        WITH paid AS (
            SELECT lower(email) AS customer, total_cents
              FROM orders
             WHERE payment_status = 'paid' AND created_at >= %(start)s AND created_at < %(end)s
        ), customers AS (
            SELECT customer, count(*) AS orders FROM paid GROUP BY customer
        )
        SELECT (SELECT coalesce(sum(total_cents), 0) FROM paid) AS revenue_cents,
               (SELECT count(*) FROM paid) AS orders,
               (SELECT count(*) FROM customers) AS customers,
               (SELECT count(*) FROM customers WHERE orders > 1) AS repeat_customers
        """,
        {"start": start, "end": end},
    ).fetchone()
    orders = row["orders"]
    customers = row["customers"]
    return {
        "revenue_cents": int(row["revenue_cents"]),
        "orders": orders,
        "average_order_cents": int(row["revenue_cents"]) // orders if orders else 0,
        "customers": customers,
        "repeat_rate": round(row["repeat_customers"] / customers, 4) if customers else 0.0,
    }
