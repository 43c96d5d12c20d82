"""The owner edits the catalog: create, edit every field, prices, bulk changes, audit."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from decant.catalog import editing
from decant.errors import Forbidden
from decant.staff.audit import Actor

NEW_PRODUCT = {
    "slug": "fig-harbour",
    "name": "Fig Harbour",
    "brand": "Maison Neuve",
    "concentration": "Eau de Parfum",
    "gender": "unisex",
    "description": "Green fig leaves over warm stone.",
    "top_notes": ["Fig Leaf", "Bergamot"],
    "heart_notes": ["Fig"],
    "base_notes": ["Cedar"],
    "accords": ["green", "woody"],
    "launch_year": 2021,
    "perfumer": "A. Nose",
    "is_active": True,
    "sizes": [{"size_ml": 2, "price_cents": 650}, {"size_ml": 5, "price_cents": 1450}],
}


def test_owner_creates_a_product_with_its_sizes_through_the_api(owner, conn):
    response = owner.send_json("POST", "/api/admin/products", NEW_PRODUCT)
    assert response.status_code == 201, response.get_json()
    product = response.get_json()["data"]
    assert product["slug"] == "fig-harbour"
    assert product["sizes"] == NEW_PRODUCT["sizes"]
    assert conn.execute("SELECT name FROM brands WHERE name = 'Maison Neuve'").fetchone()
    listed = owner.get("/api/admin/products?q=harbour").get_json()
    assert [p["slug"] for p in listed["data"]] == ["fig-harbour"]
    assert listed["meta"]["total"] == 1


def test_bad_product_is_refused_naming_every_field(owner, shop):
    body = {**NEW_PRODUCT, "slug": "Not A Slug", "sizes": [], "gender": "robot"}
    response = owner.send_json("POST", "/api/admin/products", body)
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {"slug", "sizes", "gender"} <= set(details)
    assert shop.count("products") == 0


def test_duplicate_slug_is_a_conflict(owner, shop):
    shop.product("fig-harbour")
    response = owner.send_json("POST", "/api/admin/products", NEW_PRODUCT)
    assert response.status_code == 409


def test_put_changes_only_what_is_sent_and_records_before_and_after(owner, shop, conn):
    shop.product("rose-noir", sizes={2: 600, 5: 1400})
    product_id = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()["id"]
    conn.execute("DELETE FROM catalog_changes")
    response = owner.send_json(
        "PUT",
        f"/api/admin/products/{product_id}",
        {
            "sizes": [{"size_ml": 2, "price_cents": 700}, {"size_ml": 10, "price_cents": 2500}],
            "heart_notes": ["Rose", "Oud"],
        },
    )
    assert response.status_code == 200, response.get_json()
    product = response.get_json()["data"]
    assert product["sizes"] == [
        {"size_ml": 2, "price_cents": 700},
        {"size_ml": 10, "price_cents": 2500},
    ]
    assert product["heart_notes"] == ["Rose", "Oud"]
    assert product["name"] == "Rose Noir"
    entry = conn.execute("SELECT * FROM audit_log WHERE entity = 'product'").fetchone()
    assert entry["actor"] == "owner@decant.test" and entry["ip"] is not None
    assert entry["before"]["sizes"][0]["price_cents"] == 600
    assert entry["after"]["sizes"][0]["price_cents"] == 700
    assert {"update product", "update size", "insert size"} <= {
        r["what"] for r in conn.execute("SELECT what FROM catalog_changes")
    }


def test_saving_an_unchanged_product_marks_nothing_unpublished(owner, shop, conn):
    shop.product("rose-noir")
    product_id = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()["id"]
    conn.execute("DELETE FROM catalog_changes")
    assert (
        owner.send_json(
            "PUT", f"/api/admin/products/{product_id}", {"name": "Rose Noir"}
        ).status_code
        == 200
    )
    assert shop.count("catalog_changes") == 0
    assert shop.count("audit_log") == 0


def test_edit_form_saves_every_field(owner, shop, conn):
    shop.product("rose-noir")
    product_id = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()["id"]
    page = owner.get(f"/admin/products/{product_id}")
    assert page.status_code == 200 and "Rose Noir" in page.get_data(as_text=True)
    response = owner.post(
        f"/admin/products/{product_id}",
        {
            "name": "Rose Noire",
            "slug": "rose-noir",
            "brand": "Maison Test",
            "concentration": "Extrait",
            "gender": "women",
            "description": "Dark rose.",
            "top_notes": "Saffron, Pink Pepper",
            "heart_notes": "Rose",
            "base_notes": "Oud, Amber",
            "accords": "rose, spicy",
            "launch_year": "2019",
            "perfumer": "J. Doe",
            "size_ml": ["2", "5", ""],
            "price": ["6.50", "14.90", ""],
        },
    )
    assert response.status_code == 302
    product = editing.get(conn, product_id)
    assert product["name"] == "Rose Noire" and product["gender"] == "women"
    assert product["top_notes"] == ["Saffron", "Pink Pepper"]
    assert product["base_notes"] == ["Oud", "Amber"]
    assert product["concentration"] == "Extrait" and product["launch_year"] == 2019
    assert product["is_active"] is False  # the box was not ticked
    assert product["sizes"] == [
        {"size_ml": 2, "price_cents": 650},
        {"size_ml": 5, "price_cents": 1490},
    ]


def test_edit_form_with_a_bad_price_shows_the_problem_and_keeps_the_old_price(owner, shop, conn):
    shop.product("rose-noir", sizes={2: 600})
    product_id = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()["id"]
    response = owner.post(
        f"/admin/products/{product_id}",
        {
            "name": "Rose Noir",
            "slug": "rose-noir",
            "brand": "Maison Test",
            "size_ml": ["2"],
            "price": ["six"],
        },
    )
    assert response.status_code == 422
    assert "write it like 12.90" in response.get_data(as_text=True)
    assert editing.get(conn, product_id)["sizes"] == [{"size_ml": 2, "price_cents": 600}]


def test_bulk_price_change_moves_every_active_size_by_the_percentage(owner, shop, conn):
    shop.product("rose-noir", sizes={2: 600, 5: 1399})
    shop.product("oud-wood", sizes={2: 999})
    response = owner.post("/admin/products/prices", {"percent": "10"})
    assert response.status_code == 302
    prices = [
        r["price_cents"]
        for r in conn.execute("SELECT price_cents FROM product_sizes ORDER BY price_cents")
    ]
    assert prices == [660, 1099, 1539]  # 999 * 1.1 = 1098.9 -> 1099; 1399 * 1.1 = 1538.9 -> 1539
    entry = conn.execute(
        "SELECT after FROM audit_log WHERE action = 'bulk_price_change'"
    ).fetchone()
    assert len(entry["after"]["changes"]) == 3


def test_staff_cannot_change_a_price_even_through_the_domain(conn, shop):
    shop.product("rose-noir")
    staff = Actor(None, "staff@decant.test", "staff")
    product_id = conn.execute("SELECT id FROM products").fetchone()["id"]
    with pytest.raises(Forbidden):
        editing.update(conn, staff, product_id, {"sizes": [{"size_ml": 2, "price_cents": 1}]})
    with pytest.raises(Forbidden):
        editing.bulk_price_change(conn, staff, Decimal(-50))


def test_products_list_filters_by_search_house_and_stock(owner, shop):
    shop.product("rose-noir", brand="House A")
    shop.product("oud-wood", brand="House B", ml=5)
    page = owner.get("/admin/products?brand=house-b").get_data(as_text=True)
    assert "Oud Wood" in page and "Rose Noir" not in page
    low = owner.get("/api/admin/products?low_stock=true").get_json()["data"]
    assert [p["slug"] for p in low] == ["oud-wood"]


def _sixty_products(shop) -> None:
    """Names sort as Scent 01 .. Scent 60, so the 51st product is Scent 51."""
    for n in range(1, 61):
        shop.product(f"scent-{n:02d}", brand="House Big" if n == 51 else "House Small")


def test_products_list_pages_by_fifty_and_search_finds_a_later_one(owner, shop):
    _sixty_products(shop)
    first = owner.get("/admin/products").get_data(as_text=True)
    assert "Scent 50" in first and "Scent 51" not in first
    assert "/admin/products?page=2" in first
    second = owner.get("/admin/products?page=2").get_data(as_text=True)
    assert "Scent 51" in second and "Scent 50" not in second and "Scent 60" in second
    found = owner.get("/admin/products?q=house+big").get_data(as_text=True)
    assert "Scent 51" in found and "Scent 01" not in found


@pytest.mark.parametrize("page", ["0", "x", "²", "-1", "3", "99999"])
def test_a_bad_or_missing_page_is_refused_naming_the_field(owner, shop, page):
    _sixty_products(shop)
    for path in ("/admin/products", "/admin/inventory", "/admin/orders"):
        if path == "/admin/orders" and page == "3":
            continue  # no orders: page 3 is past the end only on the product pages
        response = owner.get(f"{path}?page={page}")
        assert response.status_code == 422, (path, page)
        assert "<code>page</code>" in response.get_data(as_text=True)


def test_stock_page_pages_by_fifty_searches_and_puts_low_stock_first(owner, shop):
    _sixty_products(shop)
    shop.stock("scent-58", ml=1)  # under its threshold: the bottle to reorder
    first = owner.get("/admin/inventory").get_data(as_text=True)
    assert 'id="scent-50"' in first and 'id="scent-51"' not in first
    assert first.count('action="/admin/inventory/') == 2 * 50  # two forms a product, one page
    second = owner.get("/admin/inventory?page=2").get_data(as_text=True)
    assert 'id="scent-51"' in second and 'id="scent-01"' not in second
    found = owner.get("/admin/inventory?q=scent+51").get_data(as_text=True)
    assert 'id="scent-51"' in found and 'id="scent-50"' not in found
    low = owner.get("/admin/inventory?low=1").get_data(as_text=True)
    every = low[low.index('id="every-product"') :]
    assert every.index('id="scent-58"') < every.index('id="scent-01"')


def test_restock_and_adjust_from_the_stock_page(staff, shop, conn):
    shop.product("rose-noir", ml=10)
    response = staff.post(
        "/admin/inventory/rose-noir/restock",
        {
            "volume_ml": "100",
            "cost": "120.00",
            "supplier": "Grasse Supply",
            "received_on": "2026-01-15",
        },
    )
    assert response.status_code == 302
    assert shop.remaining_ml("rose-noir") == 110
    assert (
        staff.post(
            "/admin/inventory/rose-noir/adjust", {"delta_ml": "3", "reason": "spill"}
        ).status_code
        == 302
    )
    assert shop.remaining_ml("rose-noir") == 107
    refused = staff.post(
        "/admin/inventory/rose-noir/adjust", {"delta_ml": "500", "reason": "count"}
    )
    assert refused.status_code == 422
    assert shop.remaining_ml("rose-noir") == 107
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["restock", "adjust"]


def test_audit_log_page_lists_changes_and_the_table_refuses_edits(owner, shop, conn):
    shop.product("rose-noir")
    owner.post("/admin/products/prices", {"percent": "5"})
    page = owner.get("/admin/audit").get_data(as_text=True)
    assert "bulk_price_change" in page and "owner@decant.test" in page
    with pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE audit_log SET actor = 'someone else'")
