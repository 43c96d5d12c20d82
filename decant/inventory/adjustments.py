"""Stock changes made from the admin: a bottle in, or an adjustment with its reason,
each with its audit entry in the same transaction (decant.inventory.stock does the work)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

from decant.inventory import stock
from decant.staff import audit
from decant.staff.audit import Actor


def restock(
    conn: psycopg.Connection,
    actor: Actor,
    slug: str,
    *,
    volume_ml: Decimal,
    cost_cents: int,
    supplier: str = "",
    received_on: date | None = None,
) -> dict[str, Any]:
    with conn.transaction():
        before = stock.stock_of(conn, slug)
        after = stock.restock(
            conn,
            slug,
            volume_ml=volume_ml,
            cost_cents=cost_cents,
            supplier=supplier,
            received_on=received_on,
        )
        audit.record(
            conn,
            actor,
            "restock",
            "inventory",
            slug,
            before={"remaining_ml": before["remaining_volume"]},
            after={
                "remaining_ml": after["remaining_volume"],
                "bottle_ml": volume_ml,
                "cost_cents": cost_cents,
                "supplier": supplier,
                "received_on": received_on,
            },
        )
        return after


def adjust(
    conn: psycopg.Connection,
    actor: Actor,
    slug: str,
    *,
    delta_ml: Decimal,
    reason: str,
    note: str = "",
) -> dict[str, Any]:
    """A loss (positive) or a find (negative); refused whole if it would go below zero."""
    with conn.transaction():
        before = stock.stock_of(conn, slug)
        after = stock.adjust(
            conn, slug, delta_ml=delta_ml, reason=reason, note=note, actor=actor.email
        )
        audit.record(
            conn,
            actor,
            "adjust",
            "inventory",
            slug,
            before={"remaining_ml": before["remaining_volume"]},
            after={
                "remaining_ml": after["remaining_volume"],
                "delta_ml": delta_ml,
                "reason": reason,
                "note": note,
            },
        )
        return after


def set_threshold(
    conn: psycopg.Connection, actor: Actor, slug: str, threshold_ml: Decimal
) -> dict[str, Any]:
    with conn.transaction():
        before = stock.stock_of(conn, slug)
        conn.execute(
            "UPDATE inventory SET low_stock_threshold = %s"
            " WHERE product_id = (SELECT id FROM products WHERE slug = %s)",
            (threshold_ml, slug),
        )
        after = stock.stock_of(conn, slug)
        audit.record(
            conn,
            actor,
            "threshold",
            "inventory",
            slug,
            before={"low_stock_threshold": before["low_stock_threshold"]},
            after={"low_stock_threshold": after["low_stock_threshold"]},
        )
        return after
