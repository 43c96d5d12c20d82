"""Factories: a shop with exactly the products, stock and orders a test names."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import psycopg

from decant.orders import placing
from decant.orders.placing import Cart, CartLine

_serial = itertools.count(1)


def cart(
    *lines: tuple[str, int | float, int], email: str = "ada@example.com", **extra: Any
) -> Cart:
    """cart(("rose-noir", 5, 1), ...): (slug, size_ml, quantity) per line."""
    return Cart(
        email=email,
        name=extra.pop("name", "Ada Lovelace"),
        shipping_address=extra.pop(
            "shipping_address",
            {
                "line1": "Main St 1",
                "line2": "",
                "city": "Berlin",
                "postal_code": "10115",
                "country": "DE",
            },
        ),
        items=[CartLine(slug, Decimal(str(size)), qty) for slug, size, qty in lines],
        **extra,
    )


class Shop:
    """A thin, readable way for tests to set up catalog and stock in the real database."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def brand(self, name: str = "Maison Test") -> str:
        self.conn.execute(
            "INSERT INTO brands (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (name,)
        )
        return name

    def product(
        self,
        slug: str | None = None,
        *,
        ml: float | int = 100,
        sizes: dict[float | int, int] | None = None,
        brand: str = "Maison Test",
        cost_cents: int = 10000,
        **fields: Any,
    ) -> str:
        """A product with a bottle of `ml` millilitres and {size_ml: price_cents} sizes."""
        slug = slug or f"scent-{next(_serial)}"
        self.brand(brand)
        values = {
            "name": slug.replace("-", " ").title(),
            "gender": "unisex",
            "top_notes": ["Bergamot"],
            "heart_notes": ["Rose"],
            "base_notes": ["Musk"],
            "accords": ["floral"],
            **fields,
        }
        columns = ", ".join(["slug", "brand", *values])
        placeholders = ", ".join(["%s"] * (len(values) + 2))
        product_id = self.conn.execute(
            f"INSERT INTO products ({columns}) VALUES ({placeholders}) RETURNING id",
            [slug, brand, *values.values()],
        ).fetchone()["id"]
        for size, price in (sizes or {2: 600, 5: 1400}).items():
            self.conn.execute(
                "INSERT INTO product_sizes (product_id, size_ml, price_cents) VALUES (%s, %s, %s)",
                (product_id, size, price),
            )
        if ml:
            self.conn.execute(
                "INSERT INTO bottle_batches (product_id, volume_ml, cost_cents) VALUES (%s, %s, %s)",
                (product_id, ml, cost_cents),
            )
        return slug

    def stock(self, slug: str, *, ml: float | int) -> None:
        """Set the remaining millilitres exactly (as a stock count would)."""
        self.conn.execute(
            "UPDATE inventory SET total_volume = used_volume + %s"
            " WHERE product_id = (SELECT id FROM products WHERE slug = %s)",
            (ml, slug),
        )

    def remaining_ml(self, slug: str) -> Decimal:
        return self.conn.execute(
            "SELECT i.remaining_volume FROM inventory i JOIN products p ON p.id = i.product_id"
            " WHERE p.slug = %s",
            (slug,),
        ).fetchone()["remaining_volume"]

    def discount(self, code: str, *, kind: str = "percent", value: int = 10, **fields: Any) -> str:
        values = {"code": code, "kind": kind, "value": value, **fields}
        columns = ", ".join(values)
        self.conn.execute(
            f"INSERT INTO discount_codes ({columns}) VALUES ({', '.join(['%s'] * len(values))})",
            list(values.values()),
        )
        return code

    def curated_set(
        self,
        slug: str,
        *samples: tuple[str, int | float],
        price_cents: int,
        name: str | None = None,
        is_active: bool = True,
    ) -> str:
        """A curated set of (product slug, size_ml) samples at one price."""
        with self.conn.transaction():
            set_id = self.conn.execute(
                "INSERT INTO curated_sets (slug, name, price_cents, is_active)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (slug, name or slug.replace("-", " ").title(), price_cents, is_active),
            ).fetchone()["id"]
            for position, (product, size) in enumerate(samples):
                self.conn.execute(
                    "INSERT INTO curated_set_items (set_id, product_id, size_ml, position)"
                    " SELECT %s, id, %s, %s FROM products WHERE slug = %s",
                    (set_id, size, position, product),
                )
        return slug

    def order(self, *lines: tuple[str, int | float, int], **extra: Any) -> dict[str, Any]:
        return placing.place(self.conn, cart(*lines, **extra))

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
