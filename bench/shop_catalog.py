"""The catalog bench/shop.py sells from: the demo catalog (`decant demo-data`),
optionally grown to more products by copying demo fragrances under new names, and
restocked so a long soak does not sell the shelves empty (sold-out demo products
stay sold out: shoppers meet those too)."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

COPIED = (
    "brand, concentration, gender, description, top_notes, heart_notes, base_notes,"
    " accords, launch_year, perfumer"
)
RESTOCK_ML = 1000


def grow(database_url: str, extra: int) -> int:
    """Add `extra` products, each a copy of a demo fragrance with its sizes and a
    full bottle; returns how many were added."""
    if extra <= 0:
        return 0
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        sources = conn.execute(
            "SELECT id, slug, name FROM products WHERE is_active ORDER BY id"
        ).fetchall()
        for n in range(extra):
            source = sources[n % len(sources)]
            new_id = conn.execute(
                f"""
                INSERT INTO products (slug, name, {COPIED})
                SELECT %s, %s, {COPIED} FROM products WHERE id = %s
                RETURNING id
                """,
                (f"{source['slug']}-no-{n + 2}", f"{source['name']} No. {n + 2}", source["id"]),
            ).fetchone()["id"]
            conn.execute(
                "INSERT INTO product_sizes (product_id, size_ml, price_cents)"
                " SELECT %s, size_ml, price_cents FROM product_sizes"
                " WHERE product_id = %s AND is_active",
                (new_id, source["id"]),
            )
            conn.execute(
                "INSERT INTO bottle_batches (product_id, volume_ml, cost_cents, supplier)"
                " VALUES (%s, 100, 9000, 'bench')",
                (new_id,),
            )
    return extra


def restock(database_url: str) -> None:
    """One more bottle for every product that still has stock."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            """
            INSERT INTO bottle_batches (product_id, volume_ml, cost_cents, supplier)
            SELECT product_id, %s, 0, 'bench restock' FROM inventory WHERE remaining_volume > 10
            """,
            (RESTOCK_ML,),
        )


def active_slugs(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT slug FROM products WHERE is_active ORDER BY slug").fetchall()
    return [slug for (slug,) in rows]
