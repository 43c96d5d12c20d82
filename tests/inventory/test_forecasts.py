"""The stock report a page at a time: search, low stock first, pages, and the figures
(pace, days left, cost, reorder advice) the same whichever way a row is reached."""

from __future__ import annotations

from decimal import Decimal

import pytest

from decant.inventory import forecasts, stock, stock_alerts
from decant.orders import placing


def threshold(conn, slug: str, ml: int | float) -> None:
    conn.execute(
        "UPDATE inventory SET low_stock_threshold = %s"
        " WHERE product_id = (SELECT id FROM products WHERE slug = %s)",
        (ml, slug),
    )


def sold(shop, conn, slug: str, size_ml: int, quantity: int) -> None:
    """A paid order today: it counts in the last four weeks' pace."""
    order = shop.order((slug, size_ml, quantity))
    placing.transition(conn, order["id"], status="paid", payment_status="paid")


def slugs(rows) -> list[str]:
    return [r["slug"] for r in rows]


def test_search_finds_a_name_whatever_its_case_and_only_matches(conn, shop):
    shop.product("rose-noir", name="Rose Noir")
    shop.product("oud-wood", name="Oud Wood", brand="Maison Bois")
    shop.product("iris-pale", name="Iris Pâle")
    rows, total = forecasts.report_page(conn, q="ROSE")
    assert (slugs(rows), total) == (["rose-noir"], 1)
    assert slugs(forecasts.report_page(conn, q="se no")[0]) == ["rose-noir"]  # inside a name
    assert slugs(forecasts.report_page(conn, q="maison bois")[0]) == ["oud-wood"]  # the house
    assert slugs(forecasts.report_page(conn, q="pâle")[0]) == ["iris-pale"]
    assert forecasts.report_page(conn, q="vetiver") == ([], 0)


@pytest.mark.parametrize("q", ["%", "_", "\\", "'", "%_%", "\\%"])
def test_search_takes_wildcards_and_quotes_literally(conn, shop, q):
    shop.product("rose-noir", name="Rose Noir")
    shop.product("odd-one", name=f"Odd {q} One")
    rows, total = forecasts.report_page(conn, q=q)
    assert (slugs(rows), total) == (["odd-one"], 1)


def test_low_stock_first_puts_every_low_product_first_emptiest_against_its_threshold(conn, shop):
    for slug, remaining, low_at in [
        ("amber", 50, 10),  # 40 ml above its threshold
        ("birch", 11, 10),  # 1 ml above: nearly low, but not low
        ("cedar", 10, 10),  # at its threshold: low
        ("dune", 4, 10),  # 6 ml under: the first to reorder
        ("elemi", 30, 35),  # 5 ml under
        ("fig", 40, 0),  # threshold 0: never low
        ("Galbanum", 10, 10),  # as low as cedar: by name, case ignored
    ]:
        shop.product(slug.lower(), name=slug.title(), ml=100)
        shop.stock(slug.lower(), ml=remaining)
        threshold(conn, slug.lower(), low_at)
    rows, total = forecasts.report_page(conn, low_first=True)
    assert slugs(rows) == ["dune", "elemi", "cedar", "galbanum", "birch", "amber", "fig"]
    assert [r["low_stock_alert"] for r in rows] == [True] * 4 + [False] * 3
    assert total == 7
    by_name = forecasts.report_page(conn)[0]
    assert slugs(by_name) == ["amber", "birch", "cedar", "dune", "elemi", "fig", "galbanum"]


@pytest.mark.parametrize("low_first", [False, True])
def test_pages_cover_every_product_once_in_order_with_the_total_on_each(conn, shop, low_first):
    for n in range(1, 8):
        shop.product(f"scent-{n}", name=f"Scent {n}", ml=100)
        shop.stock(f"scent-{n}", ml=100 - n)
    whole, _ = forecasts.report_page(conn, low_first=low_first, per_page=100)
    pages = [
        forecasts.report_page(conn, low_first=low_first, page=p, per_page=3) for p in (1, 2, 3)
    ]
    assert [total for _, total in pages] == [7, 7, 7]
    assert [len(rows) for rows, _ in pages] == [3, 3, 1]
    assert [slug for rows, _ in pages for slug in slugs(rows)] == slugs(whole)
    assert forecasts.report_page(conn, low_first=low_first, page=4, per_page=3) == ([], 7)
    exact_last = forecasts.report_page(conn, low_first=low_first, page=7, per_page=1)
    assert exact_last[1] == 7 and len(exact_last[0]) == 1


def test_a_page_row_carries_the_same_figures_as_the_whole_report(conn, shop):
    shop.product("rose-noir", sizes={2: 600, 5: 1400}, ml=100, cost_cents=10000)
    shop.product("oud-wood", sizes={2: 700}, ml=50, cost_cents=10000)
    sold(shop, conn, "rose-noir", 5, 2)
    whole = {r["slug"]: r for r in forecasts.report(conn)}
    paged = {r["slug"]: r for r in forecasts.report_page(conn, q="rose")[0]}
    assert paged["rose-noir"] == whole["rose-noir"]
    assert whole["rose-noir"]["ml_per_week"] == 2.5  # 10 ml in four weeks
    assert whole["rose-noir"]["days_left"] == 252  # 90 ml at 2.5 ml a week
    assert whole["oud-wood"]["days_left"] is None  # nothing sold: no pace
    assert whole["oud-wood"]["cost_per_ml_cents"] == 200.0


def test_days_left_is_exact_when_the_stock_lasts_a_whole_number_of_days(conn, shop):
    shop.product("rose-noir", sizes={2: 600}, ml=100)
    sold(shop, conn, "rose-noir", 2, 2)  # 4 ml in four weeks: 1 ml a week
    shop.stock("rose-noir", ml=10)  # 10 ml at 1/7 ml a day: 70 days, not 69
    row = forecasts.report_page(conn, q="rose-noir")[0][0]
    assert (row["ml_per_week"], row["days_left"]) == (1, 70)


def test_cost_per_ml_weighs_every_bottle_and_is_zero_without_one(conn, shop):
    shop.product("rose-noir", ml=100, cost_cents=10000)  # 100 cents a ml
    stock.restock(conn, "rose-noir", volume_ml=Decimal(300), cost_cents=15000)  # 50 a ml
    shop.product("no-bottle", ml=0)
    rows = {r["slug"]: r for r in forecasts.report(conn)}
    assert rows["rose-noir"]["cost_per_ml_cents"] == 62.5  # 25000 cents / 400 ml
    assert rows["no-bottle"]["cost_per_ml_cents"] == 0.0
    assert stock.cost_per_ml_cents(conn, "rose-noir") == Decimal("62.5")
    assert forecasts.inventory_value_cents(conn) == 400 * 62.5


def test_reorder_list_is_soonest_first_and_its_first_rows_say_how_many(conn, shop):
    for slug in ("fast", "slow", "steady", "idle-low", "retired"):
        shop.product(slug, sizes={5: 1500}, ml=100)
    sold(shop, conn, "fast", 5, 4)  # 20 ml in four weeks: 5 ml a week
    sold(shop, conn, "slow", 5, 1)  # 1.25 ml a week
    sold(shop, conn, "steady", 5, 2)  # 2.5 ml a week
    shop.stock("fast", ml=10)  # 14 days left
    shop.stock("slow", ml=5)  # 28 days left, and low
    shop.stock("steady", ml=80)  # 224 days left: not to reorder
    shop.stock("idle-low", ml=3)  # low, nothing sold
    shop.stock("retired", ml=1)
    conn.execute("UPDATE products SET is_active = false WHERE slug = 'retired'")
    every = forecasts.reorder_list(conn)
    assert slugs(every) == ["fast", "slow", "idle-low"]
    assert [r["days_left"] for r in every] == [14, 28, None]
    first, total = forecasts.reorder_first(conn, limit=2)
    assert (slugs(first), total) == (["fast", "slow"], 3)
    assert slugs(forecasts.reorder_list(conn, within_days=300)) == [
        "fast",
        "slow",
        "steady",
        "idle-low",
    ]


def test_low_stock_summary_counts_them_all_and_lists_the_emptiest(conn, shop):
    for n, remaining in enumerate([9, 1, 5, 50]):
        shop.product(f"scent-{n}", ml=100)
        shop.stock(f"scent-{n}", ml=remaining)
    assert [r["slug"] for r in stock.low_stock(conn, limit=2)] == ["scent-1", "scent-2"]
    assert stock.low_stock_count(conn) == 3
    assert len(stock.low_stock(conn)) == 3


def test_waiting_subscribers_can_be_asked_for_the_products_shown(conn, shop):
    for slug in ("rose-noir", "oud-wood"):
        shop.product(slug, sizes={5: 1400}, ml=0)
        conn.execute(
            "INSERT INTO stock_alerts (product_id, size_ml, email, token, confirmed_at)"
            " SELECT id, 5, 'ada@example.com', %s, now() FROM products WHERE slug = %s",
            (f"token-{slug}", slug),
        )
    rose = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()["id"]
    assert set(stock_alerts.waiting_by_product(conn)) == {"rose-noir", "oud-wood"}
    assert stock_alerts.waiting_by_product(conn, [rose]) == {
        "rose-noir": [{"size_ml": 5, "waiting": 1}]
    }
    assert stock_alerts.waiting_by_product(conn, []) == {}
