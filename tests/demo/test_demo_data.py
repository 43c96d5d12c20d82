"""The demo shop a newcomer sees: a full catalog, stock states and some history."""

from __future__ import annotations

import decant.catalog.curated_sets
from decant.demo import loading


def test_demo_data_loads_a_believable_shop_once(conn, tmp_path):
    first = loading.load(conn, tmp_path / "media")
    assert first["products"] >= 60 and first["brands"] >= 15 and first["discount_codes"] == 3
    assert first["orders"] > 100 and first["events"] > 1000
    assert first["sets"] == 2
    assert loading.load(conn, tmp_path / "media") == dict.fromkeys(first, 0)

    sizes = conn.execute(
        "SELECT count(*) AS n FROM products p WHERE (SELECT count(*) FROM product_sizes s"
        " WHERE s.product_id = p.id) NOT BETWEEN 3 AND 4"
    ).fetchone()["n"]
    assert sizes == 0
    stock = conn.execute(
        "SELECT count(*) FILTER (WHERE remaining_volume < 1) AS sold_out,"
        " count(*) FILTER (WHERE low_stock_alert) AS low FROM inventory"
    ).fetchone()
    assert stock["sold_out"] == 1 and stock["low"] >= 3
    pyramids = conn.execute(
        "SELECT count(*) AS n FROM products WHERE cardinality(top_notes) = 0"
        " OR cardinality(heart_notes) = 0 OR cardinality(base_notes) = 0"
    ).fetchone()["n"]
    assert pyramids == 0
    assert all((tmp_path / "media" / "products").glob("*.png"))
    assert len(list((tmp_path / "media" / "products").glob("*.png"))) == first["products"]


def test_demo_data_includes_two_curated_sets_priced_below_their_samples(conn, tmp_path):

    loading.load(conn, tmp_path / "media")
    found = decant.catalog.curated_sets.list_sets(conn)
    assert [s["slug"] for s in found] == ["bright-mornings", "smoke-and-amber"]
    for s in found:
        assert len(s["items"]) == 4 and s["available"] > 0
        assert s["price_cents"] < s["shelf_price_cents"] and s["price_cents"] % 100 == 90
    assert conn.execute("SELECT count(*) AS n FROM catalog_changes").fetchone()["n"] == 0
