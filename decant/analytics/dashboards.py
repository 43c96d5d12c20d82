"""Business figures for the admin dashboard, read from the daily rollups (sql/0030)
that the database keeps in step with every order and event, so the figures are
always current and still quick on years of history.

Periods are calendar days, ISO weeks (from Monday) or months, in UTC; revenue is
what paid orders total, counted on the day the order was placed (as the brief's
revenue_by_month query does). The current period runs to today; beside it stands
the whole previous one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import psycopg

from decant.catalog.reading import ml
from decant.errors import ValidationError
from decant.inventory import forecasts

Granularity = Literal["day", "week", "month"]
GRANULARITIES = ("day", "week", "month")
SERIES_LENGTH = {"day": 30, "week": 12, "month": 12}
FUNNEL = (
    ("product_view", "Product views"),
    ("add_to_cart", "Added to cart"),
    ("checkout_started", "Checkouts started"),
    ("purchase", "Paid"),
)


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def period_start(day: date, granularity: str) -> date:
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    raise ValidationError("unknown period", {"period": "day, week or month"})


def next_start(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_start(start: date, granularity: str) -> date:
    return period_start(start - timedelta(days=1), granularity)


# A short period has few customers: look each one's history up by index.
SHORT_PERIOD_CUSTOMERS = """
WITH c AS (
    SELECT DISTINCT lower(email) AS customer FROM orders
     WHERE payment_status = 'paid' AND created_at >= %(start)s::date
       AND created_at < %(end)s::date
)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (SELECT count(*) FROM (
           SELECT 1 FROM orders o WHERE lower(o.email) = c.customer
              AND o.payment_status = 'paid' AND o.created_at < %(end)s::date LIMIT 2) two) = 2)
           AS repeat_customers
  FROM c
"""
# A long one has most of them: one pass over every paid order up to its end is cheaper.
LONG_PERIOD_CUSTOMERS = """
SELECT count(*) AS customers, count(*) FILTER (WHERE paid >= 2) AS repeat_customers
  FROM (SELECT lower(email) AS customer, count(*) AS paid,
               count(*) FILTER (WHERE created_at >= %(start)s::date) AS in_period
          FROM orders
         WHERE payment_status = 'paid' AND created_at < %(end)s::date
         GROUP BY 1) c
 WHERE in_period > 0
"""


def figures(conn: psycopg.Connection, start: date, end: date) -> dict[str, Any]:
    """Revenue, paid orders, average order value and repeat-purchase rate in [start, end).

    Repeat-purchase rate: of the customers (by e-mail) who paid in the period, the
    share who by the period's end have paid for at least two orders.
    """
    sales = conn.execute(
        "SELECT coalesce(sum(orders), 0) AS orders, coalesce(sum(revenue_cents), 0) AS revenue"
        " FROM sales_daily WHERE day >= %s AND day < %s",
        (start, end),
    ).fetchone()
    customers = conn.execute(
        LONG_PERIOD_CUSTOMERS if (end - start).days > 62 else SHORT_PERIOD_CUSTOMERS,
        {"start": start, "end": end},
    ).fetchone()
    orders = int(sales["orders"])
    revenue = int(sales["revenue"])
    count = customers["customers"]
    return {
        "start": start,
        "end": end - timedelta(days=1),
        "revenue_cents": revenue,
        "orders": orders,
        "average_order_cents": round(revenue / orders) if orders else 0,
        "customers": count,
        "repeat_customers": customers["repeat_customers"],
        "repeat_rate": round(customers["repeat_customers"] / count, 4) if count else 0.0,
    }


def compare(
    conn: psycopg.Connection, granularity: str = "month", *, today: date | None = None
) -> dict[str, Any]:
    """This day/week/month so far, and the whole previous one."""
    start = period_start(_today(today), granularity)
    previous = previous_start(start, granularity)
    current = figures(conn, start, _today(today) + timedelta(days=1))
    before = figures(conn, previous, start)
    return {"granularity": granularity, "current": current, "previous": before}


def series(
    conn: psycopg.Connection,
    granularity: str = "day",
    *,
    today: date | None = None,
    length: int | None = None,
) -> list[dict[str, Any]]:
    """Revenue, orders and AOV per period, oldest first, the last `length` periods."""
    length = length or SERIES_LENGTH[granularity]
    last = period_start(_today(today), granularity)
    starts = [last]
    for _ in range(length - 1):
        starts.insert(0, previous_start(starts[0], granularity))
    rows = conn.execute(
        "SELECT date_trunc(%(g)s, day::timestamp)::date AS start, sum(orders) AS orders,"
        " sum(revenue_cents) AS revenue FROM sales_daily"
        " WHERE day >= %(first)s AND day <= %(today)s GROUP BY 1",
        {"g": granularity, "first": starts[0], "today": _today(today)},
    ).fetchall()
    found = {r["start"]: r for r in rows}
    out = []
    for start in starts:
        row = found.get(start)
        orders = int(row["orders"]) if row else 0
        revenue = int(row["revenue"]) if row else 0
        out.append(
            {
                "start": start,
                "orders": orders,
                "revenue_cents": revenue,
                "average_order_cents": round(revenue / orders) if orders else 0,
            }
        )
    return out


def best_sellers(
    conn: psycopg.Connection, start: date, end: date, *, by: str = "units", limit: int = 10
) -> list[dict[str, Any]]:
    """Products ranked by units or millilitres sold (paid) in [start, end)."""
    if by not in ("units", "ml"):
        raise ValidationError("unknown ranking", {"by": "units or ml"})
    rows = conn.execute(
        f"""
        SELECT p.slug, p.name, p.brand, sum(r.units) AS units, sum(r.ml) AS ml,
               sum(r.revenue_cents) AS revenue_cents
          FROM product_sales_daily r JOIN products p ON p.id = r.product_id
         WHERE r.day >= %s AND r.day < %s
         GROUP BY p.id HAVING sum(r.units) > 0
         ORDER BY {"sum(r.units)" if by == "units" else "sum(r.ml)"} DESC, p.slug
         LIMIT %s
        """,
        (start, end, limit),
    ).fetchall()
    for row in rows:
        row["units"] = int(row["units"])
        row["ml"] = ml(row["ml"])
        row["revenue_cents"] = int(row["revenue_cents"])
    return rows


def margins(conn: psycopg.Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Revenue, cost of the millilitres sold (at the cost snapshotted on each item) and
    margin per product in [start, end), highest margin first. Revenue here is item
    prices; shipping and discounts are order-level and not shared out."""
    rows = conn.execute(
        """
        SELECT p.slug, p.name, sum(r.revenue_cents) AS revenue_cents, sum(r.cost_cents) AS cost_cents
          FROM product_sales_daily r JOIN products p ON p.id = r.product_id
         WHERE r.day >= %s AND r.day < %s
         GROUP BY p.id HAVING sum(r.units) > 0
         ORDER BY sum(r.revenue_cents) - sum(r.cost_cents) DESC, p.slug
        """,
        (start, end),
    ).fetchall()
    for row in rows:
        revenue = int(row["revenue_cents"])
        cost = int(row["cost_cents"])
        row.update(
            revenue_cents=revenue,
            cost_cents=cost,
            margin_cents=revenue - cost,
            margin_percent=round((revenue - cost) * 100 / revenue, 1) if revenue else 0.0,
        )
    return rows


def funnel(conn: psycopg.Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Product view → add to cart → checkout → paid, as event counts, with each step's
    share of the one before and of the first."""
    counts = {
        r["event_type"]: int(r["n"])
        for r in conn.execute(
            "SELECT event_type, sum(events) AS n FROM analytics_daily"
            " WHERE day >= %s AND day < %s AND event_type = ANY(%s) GROUP BY event_type",
            (start, end, [kind for kind, _ in FUNNEL]),
        )
    }
    steps = []
    first = counts.get(FUNNEL[0][0], 0)
    previous = None
    for kind, label in FUNNEL:
        n = counts.get(kind, 0)
        steps.append(
            {
                "step": kind,
                "label": label,
                "events": n,
                "of_previous": round(n / previous, 4)
                if previous
                else (1.0 if previous is None else 0.0),
                "of_first": round(n / first, 4) if first else 0.0,
            }
        )
        previous = n
    return steps


def overview(
    conn: psycopg.Connection, granularity: str = "month", *, today: date | None = None
) -> dict[str, Any]:
    """Everything the dashboard page and GET /api/admin/analytics show."""
    if granularity not in GRANULARITIES:
        raise ValidationError("unknown period", {"period": "day, week or month"})
    comparison = compare(conn, granularity, today=today)
    start = comparison["current"]["start"]
    end = _today(today) + timedelta(days=1)
    return {
        "granularity": granularity,
        "current": comparison["current"],
        "previous": comparison["previous"],
        "series": series(conn, granularity, today=today),
        "best_sellers_units": best_sellers(conn, start, end, by="units"),
        "best_sellers_ml": best_sellers(conn, start, end, by="ml"),
        "margins": margins(conn, start, end),
        "funnel": funnel(conn, start, end),
        "inventory_value_cents": forecasts.inventory_value_cents(conn),
    }
