"""The brief's business queries, unchanged, on a small data set worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from decant.analytics import events
from decant.errors import ValidationError
from decant.orders import placing


@pytest.fixture
def small_shop(shop, conn):
    """Two products; three paid orders in two months, one unpaid; rose-noir runs low."""
    shop.product("rose-noir", ml=30, sizes={5: 1000})
    shop.product("oud-bleu", ml=100, sizes={5: 2000})
    conn.execute("UPDATE inventory SET low_stock_threshold = 20")
    placed = [
        (shop.order(("rose-noir", 5, 2), email="a@example.com"), "2026-01-10"),
        (shop.order(("oud-bleu", 5, 1), email="b@example.com"), "2026-01-20"),
        (shop.order(("rose-noir", 5, 1), ("oud-bleu", 5, 1), email="a@example.com"), "2026-02-03"),
    ]
    for order, day in placed:
        placing.transition(conn, order["id"], status="paid", payment_status="paid")
        conn.execute("UPDATE orders SET created_at = %s WHERE id = %s", (day, order["id"]))
    shop.order(("oud-bleu", 5, 1), email="c@example.com")  # unpaid: counts in units, not revenue
    return shop


def test_popular_products_by_units_sold(small_shop, conn):
    rows = events.run_brief_query(conn, "popular_products")
    assert [(r["name"], r["total_sold"]) for r in rows] == [("Oud Bleu", 3), ("Rose Noir", 3)] or [
        (r["name"], r["total_sold"]) for r in rows
    ] == [("Rose Noir", 3), ("Oud Bleu", 3)]


def test_low_inventory_lists_products_under_their_threshold(small_shop, conn):
    rows = events.run_brief_query(conn, "low_inventory")
    assert [(r["name"], r["remaining_volume"]) for r in rows] == [("Rose Noir", Decimal("15.00"))]


def test_revenue_by_month_counts_paid_orders_only(small_shop, conn):
    rows = events.run_brief_query(conn, "revenue_by_month")
    # January: 2000 + 390 and 2000 + 390 shipping; February: 3000 + 390.
    assert [(r["month"].strftime("%Y-%m"), r["revenue"]) for r in rows] == [
        ("2026-01", Decimal("47.80")),
        ("2026-02", Decimal("33.90")),
    ]


def test_period_summary_gives_revenue_aov_and_repeat_rate(small_shop, conn):
    summary = events.period_summary(
        conn, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert summary == {
        "revenue_cents": 8170,
        "orders": 3,
        "average_order_cents": 2723,
        "customers": 2,
        "repeat_rate": 0.5,
    }


def test_events_outside_the_allow_list_are_refused(conn):
    with pytest.raises(ValidationError):
        events.record_event(conn, "delete_everything")
    events.record_event(conn, "page_view", data={"path": "/"}, session_id="s1")
    assert conn.execute("SELECT count(*) AS n FROM analytics_events").fetchone()["n"] == 1
