"""The demo shop a newcomer sees: a full catalog, stock states and some history."""

from __future__ import annotations

from pathlib import Path

import decant.catalog.curated_sets
from decant.demo import loading

DEMO_PRODUCTS = 68  # the fragrances in decant/demo's catalog data, one page each


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


def fingerprint(conn) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of all its rows: any insert, update or delete
    anywhere changes it."""
    tables = [
        r["table_name"]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    found = {}
    for table in tables:
        row = conn.execute(
            f"SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            f" AS h FROM {table} t"
        ).fetchone()
        found[table] = (row["n"], row["h"])
    return found


def test_demo_data_loads_a_believable_shop_once(conn, tmp_path: Path):
    first = loading.load(conn, tmp_path / "media")
    assert count(conn, "products") == DEMO_PRODUCTS == first["products"]
    assert count(conn, "brands") >= 15
    assert count(conn, "discount_codes") == 3
    assert count(conn, "orders") > 100 and count(conn, "analytics_events") > 1000
    assert count(conn, "curated_sets") == 2

    # every product is on sale in 3 or 4 sizes and has a bottle in the inventory
    bare = conn.execute(
        "SELECT p.slug FROM products p"
        " WHERE (SELECT count(*) FROM product_sizes s WHERE s.product_id = p.id)"
        "       NOT BETWEEN 3 AND 4"
        "    OR NOT EXISTS (SELECT 1 FROM inventory i WHERE i.product_id = p.id)"
        "    OR EXISTS (SELECT 1 FROM product_sizes s WHERE s.product_id = p.id"
        "               AND s.price_cents <= 0)"
    ).fetchall()
    assert bare == []
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
    slugs = {r["slug"] for r in conn.execute("SELECT slug FROM products")}
    images = {p.stem for p in (tmp_path / "media" / "products").glob("*.png")}
    assert images == slugs

    before = fingerprint(conn)
    assert loading.load(conn, tmp_path / "media") == dict.fromkeys(first, 0)
    assert fingerprint(conn) == before


def test_demo_data_includes_two_curated_sets_priced_below_their_samples(conn, tmp_path):
    loading.load(conn, tmp_path / "media")
    found = decant.catalog.curated_sets.list_sets(conn)
    assert [s["slug"] for s in found] == ["bright-mornings", "smoke-and-amber"]
    for s in found:
        assert len(s["items"]) == 4 and s["available"] > 0
        assert s["price_cents"] < s["shelf_price_cents"] and s["price_cents"] % 100 == 90
    assert conn.execute("SELECT count(*) AS n FROM catalog_changes").fetchone()["n"] == 0
