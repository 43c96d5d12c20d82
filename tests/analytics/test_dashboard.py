"""Dashboard figures against values worked out by hand on a small, known shop."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from decant.analytics import dashboards
from decant.inventory import forecasts
from decant.orders import placing

TODAY = date(2026, 3, 18)  # a Wednesday; its week starts Monday 16 March
COST_PER_ML = 100  # each product's one bottle: 100 ml for 10000 cents


def placed(shop, conn, when: str, email: str, *lines, pay: bool = True) -> dict:
    order = shop.order(*lines, email=email)
    conn.execute(
        "UPDATE orders SET created_at = %s WHERE id = %s",
        (datetime.fromisoformat(when + "T10:00:00+00:00"), order["id"]),
    )
    if pay:
        order = placing.transition(conn, order["id"], status="paid", payment_status="paid")
    return order


@pytest.fixture
def known_shop(shop, conn):
    shop.product("rose", sizes={2: 600, 5: 1400}, ml=100, cost_cents=10000)
    shop.product("oud", sizes={2: 700, 10: 2500}, ml=100, cost_cents=10000)
    o = {
        "F": placed(shop, conn, "2026-02-10", "bob@example.com", ("rose", 2, 1)),
        "D": placed(shop, conn, "2026-02-20", "cat@example.com", ("oud", 10, 1)),
        "A": placed(shop, conn, "2026-03-02", "ada@example.com", ("rose", 2, 3)),
        "E": placed(shop, conn, "2026-03-05", "dan@example.com", ("rose", 2, 1), pay=False),
        "B": placed(shop, conn, "2026-03-10", "Ada@Example.com", ("oud", 10, 1)),
        "G": placed(shop, conn, "2026-03-12", "eve@example.com", ("oud", 10, 1)),
        "C": placed(shop, conn, "2026-03-17", "bob@example.com", ("rose", 2, 1)),
    }
    events = [("product_view", 10), ("add_to_cart", 4), ("checkout_started", 2), ("purchase", 1)]
    for kind, n in events:
        conn.execute(
            "INSERT INTO analytics_events (event_type, created_at)"
            " SELECT %s, '2026-03-11T12:00:00Z' FROM generate_series(1, %s)",
            (kind, n),
        )
    conn.execute(
        "INSERT INTO analytics_events (event_type, created_at)"
        " SELECT 'product_view', '2026-02-11T12:00:00Z' FROM generate_series(1, 50)"
    )
    return o


def total(*placed_orders) -> int:
    return sum(o["total_cents"] for o in placed_orders)


def test_month_against_the_previous_month(conn, known_shop):
    o = known_shop
    data = dashboards.compare(conn, "month", today=TODAY)
    march, february = data["current"], data["previous"]
    assert march["orders"] == 4  # A, B, G, C; E is unpaid
    assert march["revenue_cents"] == total(o["A"], o["B"], o["G"], o["C"])
    assert march["average_order_cents"] == round(total(o["A"], o["B"], o["G"], o["C"]) / 4)
    # ada (twice in March, e-mail case ignored) and bob (February too) are repeat customers; eve is not
    assert march["customers"] == 3 and march["repeat_customers"] == 2
    assert march["repeat_rate"] == round(2 / 3, 4)
    assert february["orders"] == 2 and february["revenue_cents"] == total(o["F"], o["D"])
    assert february["repeat_rate"] == 0.0
    assert (february["start"], february["end"]) == (date(2026, 2, 1), date(2026, 2, 28))


def test_week_and_day_periods(conn, known_shop):
    o = known_shop
    week = dashboards.compare(conn, "week", today=TODAY)
    assert week["current"]["start"] == date(2026, 3, 16)
    assert week["current"]["revenue_cents"] == total(o["C"])
    assert week["previous"]["orders"] == 2  # B (10th) and G (12th)
    day = dashboards.compare(conn, "day", today=date(2026, 3, 17))
    assert day["current"]["orders"] == 1 and day["previous"]["orders"] == 0


def test_monthly_series_ends_with_this_month(conn, known_shop):
    o = known_shop
    series = dashboards.series(conn, "month", today=TODAY)
    assert len(series) == 12
    assert series[-1]["start"] == date(2026, 3, 1) and series[-1]["orders"] == 4
    assert series[-2]["revenue_cents"] == total(o["F"], o["D"])
    assert all(s["orders"] == 0 for s in series[:-2])


def test_best_sellers_by_units_and_by_millilitres_differ(conn, known_shop):
    march = (date(2026, 3, 1), date(2026, 4, 1))
    by_units = dashboards.best_sellers(conn, *march, by="units")
    by_ml = dashboards.best_sellers(conn, *march, by="ml")
    assert [(b["slug"], b["units"]) for b in by_units] == [("rose", 4), ("oud", 2)]
    assert [(b["slug"], b["ml"]) for b in by_ml] == [("oud", 20), ("rose", 8)]


def test_margin_by_product(conn, known_shop):
    margins = {m["slug"]: m for m in dashboards.margins(conn, date(2026, 3, 1), date(2026, 4, 1))}
    assert margins["rose"]["revenue_cents"] == 4 * 600
    assert margins["rose"]["cost_cents"] == 8 * COST_PER_ML
    assert margins["oud"]["margin_cents"] == 2 * 2500 - 20 * COST_PER_ML
    assert margins["oud"]["margin_percent"] == round((5000 - 2000) * 100 / 5000, 1)


def test_funnel_counts_steps_in_the_period(conn, known_shop):
    steps = dashboards.funnel(conn, date(2026, 3, 1), date(2026, 4, 1))
    assert [s["events"] for s in steps] == [10, 4, 2, 1]
    assert [s["of_previous"] for s in steps] == [1.0, 0.4, 0.5, 0.5]
    assert steps[-1]["of_first"] == 0.1


def test_inventory_value_is_remaining_millilitres_at_cost(conn, known_shop):
    rose_left = 100 - (2 + 6 + 2 + 2)  # F, A, E (reserved though unpaid), C
    oud_left = 100 - 3 * 10
    assert forecasts.inventory_value_cents(conn) == (rose_left + oud_left) * COST_PER_ML


def test_a_refund_leaves_the_figures_at_once(conn, known_shop):
    o = known_shop
    placing.transition(conn, o["B"]["id"], status="refunded", payment_status="refunded")
    march = dashboards.compare(conn, "month", today=TODAY)["current"]
    assert march["orders"] == 3
    assert march["revenue_cents"] == total(o["A"], o["G"], o["C"])
    oud = {b["slug"]: b for b in dashboards.best_sellers(conn, date(2026, 3, 1), date(2026, 4, 1))}[
        "oud"
    ]
    assert oud["units"] == 1


def test_stock_report_pace_and_days_left(conn, known_shop):
    rows = {r["slug"]: r for r in forecasts.report(conn, today=TODAY)}
    # last four weeks (19 Feb - 18 Mar), paid only: oud D + B + G = 30 ml -> 7.5 ml/week
    assert rows["oud"]["ml_per_week"] == 7.5
    assert rows["oud"]["days_left"] == int(70 / (7.5 / 7))
    assert rows["rose"]["sizes"][0] == {
        "size_ml": 2,
        "price_cents": 600,
        "cost_cents": 200,
        "margin_cents": 400,
        "margin_percent": 66.7,
    }


def test_dashboard_page_and_api_show_the_figures(owner, known_shop):
    page = owner.get("/admin/dashboard?period=week")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data:image/svg+xml;base64," in html and "Sample funnel" in html
    api = owner.get("/api/admin/analytics?period=day").get_json()
    assert api["success"] and set(api["data"]) >= {
        "current",
        "previous",
        "series",
        "funnel",
        "margins",
    }
    assert owner.get("/api/admin/analytics?period=year").status_code == 422


def test_a_long_period_counts_customers_the_same_way(conn, known_shop):
    o = known_shop
    quarter = dashboards.figures(conn, date(2026, 1, 1), date(2026, 4, 1))  # the one-pass query
    assert quarter["orders"] == 6
    assert quarter["revenue_cents"] == total(*(o[k] for k in "FDABGC"))
    # bob (F, C) and ada (A, B) bought twice; cat and eve once
    assert (quarter["customers"], quarter["repeat_customers"]) == (4, 2)
    march_only = dashboards.figures(
        conn, date(2026, 3, 1), date(2026, 4, 1)
    )  # the per-customer one
    assert (march_only["customers"], march_only["repeat_customers"]) == (3, 2)
