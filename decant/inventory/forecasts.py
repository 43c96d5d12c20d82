"""What the bottles are doing: pace of sale, days left, cost per ml, margin per size,
and what to reorder first. Sales come from the daily rollup (sql/0030), so the
report stays quick however long the order history grows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg

from decant.catalog.reading import ml

PACE_WEEKS = 4

# The page is chosen on the cheap columns first; pace, margins and cost are worked out
# for its rows only (at 10,000 products, for 50 of them, not for all).
REPORT_SQL = """
WITH page AS (
    SELECT p.id, count(*) OVER () AS total
      FROM products p
      JOIN inventory i ON i.product_id = p.id
     WHERE {where}
     ORDER BY {order}
     LIMIT %(limit)s OFFSET %(offset)s
)
SELECT p.id, p.slug, p.name, p.brand, p.is_active, i.remaining_volume, i.low_stock_threshold,
       i.low_stock_alert, pc.cost_per_ml_cents, page.total,
       coalesce((SELECT sum(r.ml) FROM product_sales_daily r
                  WHERE r.product_id = p.id AND r.day >= %(since)s AND r.day <= %(today)s), 0)
           AS ml_sold,
       coalesce((SELECT jsonb_agg(jsonb_build_object('size_ml', ps.size_ml, 'price_cents', ps.price_cents)
                                  ORDER BY ps.size_ml)
                   FROM product_sizes ps WHERE ps.product_id = p.id AND ps.is_active), '[]') AS sizes
  FROM page
  JOIN products p ON p.id = page.id
  JOIN inventory i ON i.product_id = p.id
  CROSS JOIN LATERAL (SELECT c.cost_per_ml_cents FROM product_costs c
                       WHERE c.product_id = page.id) pc
 ORDER BY {order}
"""

# Products worth a look for reordering: low already, or sold within the pace window.
MOVING = (
    "p.is_active AND (i.low_stock_alert OR EXISTS (SELECT 1 FROM product_sales_daily r"
    " WHERE r.product_id = p.id AND r.day >= %(since)s AND r.day <= %(today)s))"
)
# Emptiest relative to its own threshold first, so the bottle to reorder tops the page.
LOW_FIRST = (
    "i.low_stock_alert DESC, i.remaining_volume - i.low_stock_threshold, lower(p.name), p.id"
)
BY_NAME = "lower(p.name), p.id"
PER_PAGE = 50


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def report(conn: psycopg.Connection, *, today: date | None = None) -> list[dict[str, Any]]:
    """One row per product. Pace = millilitres sold (paid) over the last four weeks / 4;
    days left = remaining / (pace / 7), None when nothing sold."""
    return _rows(conn, today=today)[0]


def report_page(
    conn: psycopg.Connection,
    *,
    q: str | None = None,
    low_first: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
    today: date | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the report and how many products match: the stock page of a
    10,000-product shop must not compute (and render two forms for) every product."""
    return _rows(
        conn,
        today=today,
        q=q,
        order=LOW_FIRST if low_first else BY_NAME,
        page=page,
        per_page=per_page,
    )


def _rows(
    conn: psycopg.Connection,
    *,
    today: date | None,
    q: str | None = None,
    order: str = BY_NAME,
    moving_only: bool = False,
    page: int = 1,
    per_page: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    end = _today(today)
    since = end - timedelta(days=7 * PACE_WEEKS - 1)
    params: dict[str, Any] = {
        "since": since,
        "today": end,
        "limit": per_page,
        "offset": (max(page, 1) - 1) * (per_page or 0),
    }
    where = ["true"]
    if q:
        where.append("(p.name ILIKE %(q)s OR p.brand ILIKE %(q)s OR p.slug ILIKE %(q)s)")
        params["q"] = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if moving_only:
        where.append(MOVING)
    sql = REPORT_SQL.format(where=" AND ".join(where), order=order)
    rows = conn.execute(sql, params).fetchall()
    total = int(rows[0]["total"]) if rows else 0
    out = []
    for row in rows:
        remaining = Decimal(row["remaining_volume"])
        per_week = (Decimal(row["ml_sold"]) / PACE_WEEKS).quantize(Decimal("0.01"), ROUND_HALF_UP)
        days_left = (
            int((remaining / (per_week / 7)).to_integral_value(rounding="ROUND_FLOOR"))
            if per_week > 0
            else None
        )
        cost_per_ml = Decimal(row["cost_per_ml_cents"])
        sizes = []
        for size in row["sizes"]:
            size_ml = Decimal(str(size["size_ml"]))
            price = int(size["price_cents"])
            cost = int((cost_per_ml * size_ml).quantize(Decimal(1), ROUND_HALF_UP))
            sizes.append(
                {
                    "size_ml": ml(size_ml),
                    "price_cents": price,
                    "cost_cents": cost,
                    "margin_cents": price - cost,
                    "margin_percent": round((price - cost) * 100 / price, 1) if price else 0.0,
                }
            )
        out.append(
            {
                "id": row["id"],
                "slug": row["slug"],
                "name": row["name"],
                "brand": row["brand"],
                "is_active": row["is_active"],
                "remaining_ml": ml(remaining),
                "low_stock_threshold": ml(row["low_stock_threshold"]),
                "low_stock_alert": row["low_stock_alert"],
                "ml_per_week": ml(per_week),
                "days_left": days_left,
                "cost_per_ml_cents": float(cost_per_ml),
                "sizes": sizes,
            }
        )
    return out, total


def reorder_list(
    conn: psycopg.Connection, *, today: date | None = None, within_days: int = 30
) -> list[dict[str, Any]]:
    """Products that run out within `within_days` at their pace, or are already low;
    soonest first (low stock without sales last)."""
    rows = [
        r
        for r in _rows(conn, today=today, moving_only=True)[0]
        if r["is_active"]
        and (r["low_stock_alert"] or (r["days_left"] is not None and r["days_left"] <= within_days))
    ]
    return sorted(
        rows,
        key=lambda r: (r["days_left"] is None, r["days_left"] or 0, r["remaining_ml"], r["slug"]),
    )


def inventory_value_cents(conn: psycopg.Connection) -> int:
    """Millilitres in the bottles at their weighted purchase cost."""
    row = conn.execute(
        "SELECT coalesce(round(sum(i.remaining_volume * pc.cost_per_ml_cents)), 0) AS v"
        " FROM inventory i JOIN product_costs pc ON pc.product_id = i.product_id"
    ).fetchone()
    return int(row["v"])
