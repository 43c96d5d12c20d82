"""The stock page and GET /api/admin/inventory: a page of products at a time, searched by
name, low stock first, with the summaries bounded; odd input is a 422, never a 500."""

from __future__ import annotations

import pytest


def threshold(conn, slug: str, ml: int) -> None:
    conn.execute(
        "UPDATE inventory SET low_stock_threshold = %s"
        " WHERE product_id = (SELECT id FROM products WHERE slug = %s)",
        (ml, slug),
    )


def every_product(html: str) -> str:
    """The paged list of the stock page (the summaries above it name products too)."""
    return html[html.index('id="every-product"') :]


@pytest.fixture
def three(shop, conn):
    shop.product("rose-noir", name="Rose Noir", brand="Maison Rouge")
    shop.product("oud-wood", name="Oud Wood", brand="Maison Bois")
    shop.product("iris-pale", name="Iris Pale", brand="Maison Bois")
    shop.stock("oud-wood", ml=2)  # low: 8 ml under its threshold of 10
    shop.stock("iris-pale", ml=12)  # 2 ml above: not low, but next
    return ["rose-noir", "oud-wood", "iris-pale"]


def test_stock_page_search_finds_a_name_whatever_its_case(owner, three):
    page = every_product(owner.get("/admin/inventory?q=rOSE+nO").get_data(as_text=True))
    assert 'id="rose-noir"' in page and 'id="oud-wood"' not in page
    assert "(1)" in page  # how many match
    nothing = owner.get("/admin/inventory?q=vetiver")
    assert nothing.status_code == 200
    assert 'id="rose-noir"' not in every_product(nothing.get_data(as_text=True))


def test_stock_page_low_first_shows_the_low_bottle_at_the_top(owner, three):
    page = every_product(owner.get("/admin/inventory?low=1").get_data(as_text=True))
    order = sorted(three, key=lambda slug: page.index(f'id="{slug}"'))
    assert order == ["oud-wood", "iris-pale", "rose-noir"]
    by_name = every_product(owner.get("/admin/inventory").get_data(as_text=True))
    assert sorted(three, key=lambda slug: by_name.index(f'id="{slug}"')) == [
        "iris-pale",
        "oud-wood",
        "rose-noir",
    ]


def test_stock_page_summaries_show_twenty_and_say_how_many_more(owner, shop):
    for n in range(1, 26):
        shop.product(f"scent-{n:02d}", ml=100)
        shop.stock(f"scent-{n:02d}", ml=n % 10)  # all 25 under the threshold of 10
    html = owner.get("/admin/inventory").get_data(as_text=True)
    summaries = html[: html.index('id="every-product"')]
    assert "Low stock <span" in summaries and "(25)" in summaries
    assert "and 5 more low" in summaries and "and 5 more to reorder" in summaries
    assert 'href="/admin/inventory?low=1#every-product"' in summaries


def test_api_inventory_pages_with_the_contract_meta(owner, shop, conn):
    for n in range(1, 6):
        shop.product(f"scent-{n}", name=f"Scent {n}")
    shop.stock("scent-4", ml=1)
    first = owner.get("/api/admin/inventory?per_page=2").get_json()
    assert first["success"] is True
    assert [p["slug"] for p in first["data"]["products"]] == ["scent-1", "scent-2"]
    assert {k: first["meta"][k] for k in ("total", "page", "per_page", "hasMore")} == {
        "total": 5,
        "page": 1,
        "per_page": 2,
        "hasMore": True,
    }
    last = owner.get("/api/admin/inventory?per_page=2&page=3").get_json()
    assert [p["slug"] for p in last["data"]["products"]] == ["scent-5"]
    assert last["meta"]["hasMore"] is False and last["meta"]["total"] == 5
    row = last["data"]["products"][0]
    assert {"remaining_ml", "low_stock_alert", "ml_per_week", "days_left", "sizes"} <= set(row)
    assert last["data"]["low_stock"][0]["slug"] == "scent-4"
    assert last["data"]["reorder"][0]["slug"] == "scent-4"
    assert last["meta"]["low_stock_total"] == 1 and last["meta"]["reorder_total"] == 1
    assert last["data"]["value_cents"] > 0


def test_api_inventory_searches_and_puts_low_stock_first(owner, three):
    found = owner.get("/api/admin/inventory?q=BOIS").get_json()
    assert [p["slug"] for p in found["data"]["products"]] == ["iris-pale", "oud-wood"]
    assert found["meta"]["total"] == 2
    low = owner.get("/api/admin/inventory?low_first=true").get_json()
    assert [p["slug"] for p in low["data"]["products"]] == ["oud-wood", "iris-pale", "rose-noir"]
    both = owner.get("/api/admin/inventory?low_first=1&q=maison+bois&per_page=1").get_json()
    assert [p["slug"] for p in both["data"]["products"]] == ["oud-wood"]
    assert both["meta"]["hasMore"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("page=²", "page"),
        ("page=٣", "page"),
        ("page=1e3", "page"),
        ("page=100001", "page"),
        ("page=2", "page"),  # past the last page: three products fit on one
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("per_page=Infinity", "per_page"),
        ("per_page=", "per_page"),
        ("low_first=maybe", "low_first"),
        ("q=" + "a" * 101, "q"),
        ("q=a%00b", "q"),
    ],
)
def test_api_inventory_refuses_a_bad_query_naming_the_field(owner, three, conn, query, field):
    before = conn.execute("SELECT sum(remaining_volume) AS ml FROM inventory").fetchone()["ml"]
    response = owner.get(f"/api/admin/inventory?{query}")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    assert (
        conn.execute("SELECT sum(remaining_volume) AS ml FROM inventory").fetchone()["ml"] == before
    )


@pytest.mark.parametrize(
    "q", ["%", "_", "\\", "'", "%27%20OR%201=1--", "🙂", "\u202e", "%E2%82%AC", "   ", ""]
)
def test_odd_searches_answer_a_list_not_an_error(owner, three, q):
    api = owner.get(f"/api/admin/inventory?q={q}")
    assert api.status_code == 200 and api.get_json()["success"] is True
    page = owner.get(f"/admin/inventory?q={q}")
    assert page.status_code == 200


def test_blank_search_lists_everything(owner, three):
    body = owner.get("/api/admin/inventory?q=++").get_json()
    assert body["meta"]["total"] == 3


def test_api_inventory_needs_a_session(anonymous, three):
    response = anonymous.get("/api/admin/inventory?page=2&per_page=0")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
