"""Bottles in, millilitres out: restocks, adjustments, low stock and cost per ml."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from decant.errors import NotFound, ValidationError
from decant.inventory import stock_alerts

REASONS = ("spill", "evaporation", "decanting_loss", "count", "other")


def _product_id(conn: psycopg.Connection, slug: str) -> int:
    row = conn.execute("SELECT id FROM products WHERE slug = %s", (slug,)).fetchone()
    if row is None:
        raise NotFound(f"no product {slug!r}")
    return row["id"]


def restock(
    conn: psycopg.Connection,
    slug: str,
    *,
    volume_ml: Decimal | int,
    cost_cents: int,
    supplier: str = "",
    received_on: date | None = None,
) -> dict[str, Any]:
    """Add a bottle; the trigger adds its volume to the stock and the back-in-stock
    e-mails it makes due are queued, all in the same transaction."""
    if Decimal(volume_ml) <= 0:
        raise ValidationError("a bottle holds something", {"volume_ml": "must be above 0"})
    if cost_cents < 0:
        raise ValidationError("cost cannot be negative", {"cost_cents": "must be 0 or more"})
    with conn.transaction():
        product_id = _product_id(conn, slug)
        conn.execute(
            "INSERT INTO bottle_batches (product_id, volume_ml, cost_cents, supplier, received_on)"
            " VALUES (%s, %s, %s, %s, coalesce(%s, current_date))",
            (product_id, volume_ml, cost_cents, supplier, received_on),
        )
        stock_alerts.notify_restocked(conn, product_id)
        return stock_of(conn, slug)


def adjust(
    conn: psycopg.Connection,
    slug: str,
    *,
    delta_ml: Decimal | int,
    reason: str,
    note: str = "",
    actor: str | None = None,
) -> dict[str, Any]:
    """Record a loss (positive) or a find (negative); refused if it would go below zero."""
    if reason not in REASONS:
        raise ValidationError("unknown reason", {"reason": f"one of {', '.join(REASONS)}"})
    if Decimal(delta_ml) == 0:
        raise ValidationError("nothing to adjust", {"delta_ml": "must not be 0"})
    try:
        with conn.transaction():
            product_id = _product_id(conn, slug)
            conn.execute(
                "INSERT INTO inventory_adjustments (product_id, delta_ml, reason, note, actor)"
                " VALUES (%s, %s, %s, %s, %s)",
                (product_id, delta_ml, reason, note, actor),
            )
            if Decimal(delta_ml) < 0:  # found stock can bring a size back
                stock_alerts.notify_restocked(conn, product_id)
    except pg_errors.CheckViolation:
        raise ValidationError(
            "that is more than the bottle holds", {"delta_ml": "more than remains"}
        ) from None
    return stock_of(conn, slug)


def stock_of(conn: psycopg.Connection, slug: str) -> dict[str, Any]:
    row = conn.execute(
        """
        SELECT p.slug, p.name, i.total_volume, i.used_volume, i.remaining_volume,
               i.low_stock_threshold, i.low_stock_alert, pc.cost_per_ml_cents
          FROM products p JOIN inventory i ON i.product_id = p.id
          JOIN product_costs pc ON pc.product_id = p.id
         WHERE p.slug = %s
        """,
        (slug,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no product {slug!r}")
    return row


def low_stock(conn: psycopg.Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Products at or under their threshold, emptiest first (the generated alert column);
    the first `limit` of them, or all."""
    return conn.execute(
        """
        SELECT p.slug, p.name, p.brand, i.remaining_volume, i.low_stock_threshold
          FROM inventory i JOIN products p ON p.id = i.product_id
         WHERE i.low_stock_alert
         ORDER BY i.remaining_volume, p.slug
         LIMIT %s
        """,
        (limit,),
    ).fetchall()


def low_stock_count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM inventory WHERE low_stock_alert").fetchone()["n"]


def cost_per_ml_cents(conn: psycopg.Connection, slug: str) -> Decimal:
    return Decimal(stock_of(conn, slug)["cost_per_ml_cents"])
