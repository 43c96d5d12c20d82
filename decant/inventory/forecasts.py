"""What the bottles are doing: pace of sale, days left, cost per ml, margin per size,
and what to reorder first. Sales come from the daily rollup (sql/0030), so the
report stays quick however long the order history grows.

Every list is chosen first on cheap columns (name, headroom over the threshold, the
window's sales) and cut to the rows asked for; pace, margins and cost are worked out
for those rows only: at 10,000 products the stock page computes 50, not 10,000.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg

from decant.catalog.reading import ml

PACE_WEEKS = 4
PER_PAGE = 50

# Pace and days left, in SQL so that choosing the reorder list and showing a row agree
# to the digit (both queries name the window's sales `sold.ml`, the pace `pace`):
# ml a week = sold in the window / 4, to a hundredth (half up); days left =
# remaining / (pace / 7) in whole days rounded down (div: exact, remaining is never
# negative), none while nothing sells.
PACE = f"round(coalesce(sold.ml, 0) / {PACE_WEEKS}, 2)"
DAYS_LEFT = "CASE WHEN pace.per_week > 0 THEN div(i.remaining_volume * 7, pace.per_week) END"

DETAIL_SQL = f"""
SELECT p.id, p.slug, p.name, p.brand, p.is_active, i.remaining_volume, i.low_stock_threshold,
       i.low_stock_alert, pc.cost_per_ml_cents, pace.per_week, {DAYS_LEFT} AS days_left,
       coalesce((SELECT jsonb_agg(jsonb_build_object('size_ml', ps.size_ml,
                                                     'price_cents', ps.price_cents)
                                  ORDER BY ps.size_ml)
                   FROM product_sizes ps WHERE ps.product_id = p.id AND ps.is_active), '[]')
           AS sizes
  FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS shown(id, position)
  JOIN products p ON p.id = shown.id
  JOIN inventory i ON i.product_id = p.id
  JOIN product_costs pc ON pc.product_id = p.id
 CROSS JOIN LATERAL (SELECT sum(r.ml) AS ml FROM product_sales_daily r
                      WHERE r.product_id = p.id AND r.day >= %(since)s AND r.day <= %(today)s) sold
 CROSS JOIN LATERAL (SELECT {PACE} AS per_week) pace
 ORDER BY shown.position
"""

# Searching matches a part of the name, the house or the slug, whatever the case.
SEARCH = "(p.name ILIKE %(q)s OR p.brand ILIKE %(q)s OR p.slug ILIKE %(q)s)"
BY_NAME = "lower(p.name), p.id"
# Emptiest relative to its own threshold first, so the bottle to reorder tops the page.
# A low product (low_stock_alert: remaining <= threshold) has headroom <= 0 and every
# other product more, so this order puts all low products first; it is the order of
# the index inventory_headroom (sql/0095).
LOW_FIRST = "i.remaining_volume - i.low_stock_threshold, lower(p.name), p.id"

PAGE_SQL = """
SELECT p.id
  FROM products p
  JOIN inventory i ON i.product_id = p.id
 WHERE {where}
 ORDER BY {order}
 LIMIT %(limit)s OFFSET %(offset)s
"""
COUNT_SQL = """
SELECT count(*) AS n
  FROM products p
  JOIN inventory i ON i.product_id = p.id
 WHERE {where}
"""

# Active products already low, or selling fast enough to run out within the horizon;
# soonest first, low stock without sales last. The window's sales are one pass over
# the rollup's last four weeks, whatever the catalog's size.
REORDER_SQL = f"""
SELECT p.id, count(*) OVER () AS total
  FROM products p
  JOIN inventory i ON i.product_id = p.id
  LEFT JOIN (SELECT r.product_id, sum(r.ml) AS ml
               FROM product_sales_daily r
              WHERE r.day >= %(since)s AND r.day <= %(today)s
              GROUP BY r.product_id) sold ON sold.product_id = p.id
 CROSS JOIN LATERAL (SELECT {PACE} AS per_week) pace
 CROSS JOIN LATERAL (SELECT {DAYS_LEFT} AS days_left) d
 WHERE p.is_active AND (i.low_stock_alert OR d.days_left <= %(within_days)s)
 ORDER BY d.days_left NULLS LAST, i.remaining_volume, p.slug COLLATE "C"
 LIMIT %(limit)s
"""


def _window(today: date | None) -> dict[str, date]:
    """The pace window: the last four weeks, today included."""
    end = today or datetime.now(UTC).date()
    return {"since": end - timedelta(days=7 * PACE_WEEKS - 1), "today": end}


def _pattern(q: str) -> str:
    """`q` as an ILIKE pattern matching it anywhere, its wildcards taken literally."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def report(conn: psycopg.Connection, *, today: date | None = None) -> list[dict[str, Any]]:
    """Every product, by name: for exports and scripts that want the whole catalog.
    Pace = millilitres sold (paid) over the last four weeks / 4; days left =
    remaining / (pace / 7), None when nothing sold."""
    ids = [
        r["id"]
        for r in conn.execute(
            PAGE_SQL.format(where="true", order=BY_NAME), {"limit": None, "offset": 0}
        )
    ]
    return rows_for(conn, ids, today=today)


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
    where = ["true"]
    params: dict[str, Any] = {"limit": per_page, "offset": (max(page, 1) - 1) * per_page}
    if q:
        where.append(SEARCH)
        params["q"] = _pattern(q)
    clause = " AND ".join(where)
    order = LOW_FIRST if low_first else BY_NAME
    ids = [r["id"] for r in conn.execute(PAGE_SQL.format(where=clause, order=order), params)]
    if (ids and len(ids) < per_page) or (page == 1 and not ids):
        total = params["offset"] + len(ids)  # the last page: no need to count
    else:
        total = conn.execute(COUNT_SQL.format(where=clause), params).fetchone()["n"]
    return rows_for(conn, ids, today=today), int(total)


def rows_for(
    conn: psycopg.Connection, ids: list[int], *, today: date | None = None
) -> list[dict[str, Any]]:
    """The report's rows for these products, in this order."""
    if not ids:
        return []
    rows = conn.execute(DETAIL_SQL, {"ids": ids, **_window(today)}).fetchall()
    return [_report_row(row) for row in rows]


def _report_row(row: dict[str, Any]) -> dict[str, Any]:
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
    return {
        "id": row["id"],
        "slug": row["slug"],
        "name": row["name"],
        "brand": row["brand"],
        "is_active": row["is_active"],
        "remaining_ml": ml(row["remaining_volume"]),
        "low_stock_threshold": ml(row["low_stock_threshold"]),
        "low_stock_alert": row["low_stock_alert"],
        "ml_per_week": ml(row["per_week"]),
        "days_left": None if row["days_left"] is None else int(row["days_left"]),
        "cost_per_ml_cents": float(cost_per_ml),
        "sizes": sizes,
    }


def reorder_first(
    conn: psycopg.Connection,
    *,
    limit: int | None,
    today: date | None = None,
    within_days: int = 30,
) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` products to reorder (all with None) and how many there are:
    active products that run out within `within_days` at their pace, or are already
    low; soonest first (low stock without sales last)."""
    params = {**_window(today), "within_days": within_days, "limit": limit}
    chosen = conn.execute(REORDER_SQL, params).fetchall()
    total = int(chosen[0]["total"]) if chosen else 0
    return rows_for(conn, [r["id"] for r in chosen], today=today), total


def reorder_list(
    conn: psycopg.Connection, *, today: date | None = None, within_days: int = 30
) -> list[dict[str, Any]]:
    """Every product to reorder, soonest first (see reorder_first)."""
    return reorder_first(conn, limit=None, today=today, within_days=within_days)[0]


def inventory_value_cents(conn: psycopg.Connection) -> int:
    """Millilitres in the bottles at their weighted purchase cost."""
    row = conn.execute(
        "SELECT coalesce(round(sum(i.remaining_volume * pc.cost_per_ml_cents)), 0) AS v"
        " FROM inventory i JOIN product_costs pc ON pc.product_id = i.product_id"
    ).fetchone()
    return int(row["v"])
