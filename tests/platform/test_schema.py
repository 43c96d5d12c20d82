"""The database's own rules: generated columns, the stock CHECK, timestamps."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest


def inventory(conn, slug):
    return conn.execute(
        "SELECT i.* FROM inventory i JOIN products p ON p.id = i.product_id WHERE p.slug = %s",
        (slug,),
    ).fetchone()


def test_remaining_volume_and_low_stock_alert_are_computed_by_the_database(shop, conn):
    shop.product("rose-noir", ml=50)
    conn.execute("UPDATE inventory SET low_stock_threshold = 10")
    row = inventory(conn, "rose-noir")
    assert row["remaining_volume"] == Decimal("50.00") and row["low_stock_alert"] is False
    conn.execute("UPDATE inventory SET used_volume = 40.5")
    row = inventory(conn, "rose-noir")
    assert row["remaining_volume"] == Decimal("9.50") and row["low_stock_alert"] is True


def test_generated_columns_cannot_be_written(shop, conn):
    shop.product("rose-noir")
    with pytest.raises(psycopg.errors.GeneratedAlways):
        conn.execute("UPDATE inventory SET remaining_volume = 1000")


def test_stock_can_never_go_below_zero(shop, conn):
    shop.product("rose-noir", ml=10)
    with pytest.raises(psycopg.errors.CheckViolation) as raised:
        conn.execute("UPDATE inventory SET used_volume = 10.01")
    assert raised.value.diag.constraint_name == "inventory_never_negative"
    assert inventory(conn, "rose-noir")["remaining_volume"] == 10


def test_an_order_item_beyond_the_bottle_is_refused_by_the_trigger(shop, conn):
    shop.product("rose-noir", ml=4)
    order_id = conn.execute(
        "INSERT INTO orders (email, subtotal_cents, total_cents) VALUES ('a@b.c', 0, 0) RETURNING id"
    ).fetchone()["id"]
    product_id = conn.execute("SELECT id FROM products").fetchone()["id"]
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO order_items (order_id, product_id, size_ml, quantity, unit_price_cents)"
            " VALUES (%s, %s, 5, 1, 100)",
            (order_id, product_id),
        )
    assert inventory(conn, "rose-noir")["used_volume"] == 0


def test_updated_at_moves_on_every_update(shop, conn):
    shop.product("rose-noir")
    before = conn.execute("SELECT updated_at FROM products").fetchone()["updated_at"]
    conn.execute("UPDATE products SET name = 'Rose Noire'")
    after = conn.execute("SELECT updated_at FROM products").fetchone()["updated_at"]
    assert after > before


def test_total_amount_is_generated_from_cents(shop, conn):
    shop.product("rose-noir", sizes={5: 1499})
    order = shop.order(("rose-noir", 5, 1))
    row = conn.execute(
        "SELECT total_amount, total_cents FROM orders WHERE id = %s", (order["id"],)
    ).fetchone()
    assert row["total_amount"] == Decimal(row["total_cents"]) / 100


def test_totals_must_add_up(conn):
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO orders (email, subtotal_cents, shipping_cents, total_cents) VALUES ('a@b.c', 100, 10, 100)"
        )


def test_a_bottle_restock_adds_its_volume_and_sets_cost_per_ml(shop, conn):
    shop.product("rose-noir", ml=100, cost_cents=10000)
    from decant.inventory import stock

    row = stock.restock(conn, "rose-noir", volume_ml=50, cost_cents=8000)
    assert row["remaining_volume"] == 150
    assert row["cost_per_ml_cents"] == Decimal("120.0000")


def test_notes_are_searchable_by_slug_and_text(shop, conn):
    shop.product("rose-noir", top_notes=["Pink Pepper"], heart_notes=["Rose"], base_notes=["Oud"])
    row = conn.execute("SELECT note_slugs, brand_slug FROM products").fetchone()
    assert set(row["note_slugs"]) == {"pink-pepper", "rose", "oud"}
    assert row["brand_slug"] == "maison-test"


def test_audit_log_is_append_only(conn):
    conn.execute(
        "INSERT INTO audit_log (actor, action, entity) VALUES ('owner@example.com', 'update', 'product')"
    )
    with pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE audit_log SET action = 'nothing'")
    with pytest.raises(psycopg.errors.RaiseException):
        conn.execute("DELETE FROM audit_log")
    assert conn.execute("SELECT action FROM audit_log").fetchone()["action"] == "update"
