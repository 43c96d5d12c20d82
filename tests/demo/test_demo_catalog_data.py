"""The demo catalog as a data file: loading it gives the shop it always gave.

The figures below were taken from a load of the catalog when it was still Python
(before catalog.json), so a lost field, a changed price or a house read under the
wrong name changes a fingerprint and fails here. Only named columns are hashed, so a
migration that adds a column does not disturb it; a deliberate change to the demo data
updates the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from decant.demo import catalog_data, loading

TODAY = datetime(2026, 5, 23, 12, 0, tzinfo=UTC)

# Each query yields rows of text; the fingerprint is their count and the md5 of them sorted.
ROWS = {
    "brands": "SELECT concat_ws('|', name, slug, country, founded, description) FROM brands",
    "products": (
        "SELECT concat_ws('|', slug, name, brand, concentration, gender, description,"
        " top_notes::text, heart_notes::text, base_notes::text, accords::text, launch_year,"
        " perfumer, images::text, is_active, (now() - created_at) > interval '0') FROM products"
    ),
    "product_sizes": (
        "SELECT concat_ws('|', p.slug, s.size_ml, s.price_cents) FROM product_sizes s"
        " JOIN products p ON p.id = s.product_id"
    ),
    "inventory": (
        "SELECT concat_ws('|', p.slug, i.total_volume, i.used_volume, i.low_stock_threshold)"
        " FROM inventory i JOIN products p ON p.id = i.product_id"
    ),
    "discount_codes": (
        "SELECT concat_ws('|', code, kind, value, min_subtotal_cents, max_uses,"
        " (expires_at - now()) > interval '0') FROM discount_codes"
    ),
    "curated_sets": (
        "SELECT concat_ws('|', c.slug, c.name, c.description, c.price_cents, p.slug, i.size_ml,"
        " i.position) FROM curated_sets c JOIN curated_set_items i ON i.set_id = c.id"
        " JOIN products p ON p.id = i.product_id"
    ),
    "orders": (
        "SELECT concat_ws('|', order_number, email, status, payment_status, subtotal_cents,"
        " shipping_cents, tax_cents, discount_cents, total_cents) FROM orders"
    ),
    "order_items": (
        "SELECT concat_ws('|', o.order_number, p.slug, i.size_ml, i.quantity, i.unit_price_cents) FROM order_items i"
        " JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id"
    ),
    "analytics_events": (
        "SELECT concat_ws('|', event_type, data::text, product_id, session_id, created_at)"
        " FROM analytics_events"
    ),
}


def fingerprints(conn: psycopg.Connection) -> dict[str, str]:
    found = {}
    for name, query in ROWS.items():
        row = conn.execute(
            f"SELECT count(*) AS n, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS h"
            f" FROM ({query}) AS q(r)"
        ).fetchone()
        found[name] = f"{row['n']}:{row['h']}"
    return found


EXPECTED = {
    "brands": "17:c730124b3fa750713c011d990706a296",
    "products": "68:541297774d33aa56f6cbcd8d6b60f940",
    "product_sizes": "243:66faa288c68b3bdc810609ca43fdc3f0",
    "inventory": "68:f442d04270ea5ad92d92195ae2b66783",
    "discount_codes": "3:4886cc41263cf9c774bfc05080db35d2",
    "curated_sets": "8:9b1d129fbb8136178d44b43152569cde",
    "orders": "421:97cae14c6cd26de59af6fd139b784962",
    "order_items": "858:45bec8782a902112ea0f8dd4786882fa",
    "analytics_events": "14052:aaf5daa1c6e26ffe5e4548125cb7bfd7",
}


def test_the_demo_catalog_loads_the_same_shop_as_before_it_became_a_data_file(conn, tmp_path):
    loading.load(conn, tmp_path / "media", today=TODAY)
    assert fingerprints(conn) == EXPECTED


def test_curated_sets_name_their_samples_as_slug_and_size_pairs():
    assert catalog_data.CURATED_SETS[0]["samples"][0] == ("limonaia", 2)
    slugs = {f["slug"] for f in catalog_data.FRAGRANCES}
    houses = {b["name"] for b in catalog_data.BRANDS}
    assert all(slug in slugs for s in catalog_data.CURATED_SETS for slug, _ in s["samples"])
    assert {f["brand"] for f in catalog_data.FRAGRANCES} <= houses
