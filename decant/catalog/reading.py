"""Reading the catalog: what the storefront lists and what one product page shows.

Stock shown here is live from `inventory`: a size's stock is how many whole
decants of that size the bottle still fills, floor(remaining_volume / size_ml).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

import psycopg

from decant.catalog import search_text
from decant.errors import NotFound

Sort = Literal["name", "price", "-price", "newest", "popular"]
SORTS: dict[str, str] = {
    "name": "lower(p.name), p.id",
    "price": "s.min_price_cents NULLS LAST, lower(p.name), p.id",
    "-price": "s.min_price_cents DESC NULLS LAST, lower(p.name), p.id",
    "newest": "p.created_at DESC, p.id DESC",
    "popular": "coalesce(pop.units, 0) DESC, lower(p.name), p.id",
}


@dataclass(frozen=True)
class ProductFilters:
    brand: str | None = None
    gender: str | None = None
    note: str | None = None
    accord: str | None = None
    concentration: str | None = None
    q: str | None = None
    size_ml: Decimal | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    sort: Sort = "name"
    page: int = 1
    per_page: int = 24


def ml(value: Decimal | float | int) -> int | float:
    """Millilitres as a JSON-friendly number: 5 rather than 5.00."""
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


def units_available(remaining_ml: Decimal, size_ml: Decimal) -> int:
    return max(int(Decimal(remaining_ml) // Decimal(size_ml)), 0)


def search_query(text: str) -> str | None:
    """A prefix tsquery from free text (every word must start a word of the name,
    house or notes, accents and case aside); None when nothing searchable is left.
    The folded words are [a-z0-9]+ only, so nothing in them is tsquery syntax."""
    return " & ".join(f"{w}:*" for w in search_text.query_words(text)) or None


LIST_SQL = """
SELECT p.id, p.slug, p.name, p.brand, p.brand_slug, p.concentration, p.gender::text AS gender,
       p.description, p.top_notes, p.heart_notes, p.base_notes, p.accords, p.launch_year,
       p.perfumer, p.images, p.created_at, p.updated_at, i.remaining_volume, i.low_stock_alert,
       s.min_price_cents, s.sizes, count(*) OVER () AS total
  FROM products p
  JOIN inventory i ON i.product_id = p.id
  JOIN LATERAL (
        SELECT min(ps.price_cents) AS min_price_cents,
               coalesce(jsonb_agg(jsonb_build_object('size_ml', ps.size_ml, 'price_cents', ps.price_cents)
                                  ORDER BY ps.size_ml), '[]') AS sizes
          FROM product_sizes ps
         WHERE ps.product_id = p.id AND ps.is_active) s ON true
  {popular_join}
 WHERE {where}
 ORDER BY {order}
 LIMIT %(limit)s OFFSET %(offset)s
"""

POPULAR_JOIN = """
  LEFT JOIN (SELECT oi.product_id, sum(oi.quantity) AS units
               FROM order_items oi JOIN orders o ON o.id = oi.order_id
              WHERE o.payment_status = 'paid' AND o.created_at > now() - interval '90 days'
              GROUP BY oi.product_id) pop ON pop.product_id = p.id
"""


def list_products(
    conn: psycopg.Connection, filters: ProductFilters
) -> tuple[list[dict[str, Any]], int]:
    """One page of active products and the total that match."""
    where = ["p.is_active"]
    params: dict[str, Any] = {
        "limit": filters.per_page,
        "offset": (filters.page - 1) * filters.per_page,
    }
    if filters.brand:
        where.append("p.brand_slug = %(brand)s")
        params["brand"] = filters.brand
    if filters.gender:
        where.append("p.gender::text = %(gender)s")
        params["gender"] = filters.gender
    if filters.note:
        where.append("p.note_slugs @> ARRAY[%(note)s]::text[]")
        params["note"] = filters.note
    if filters.accord:
        where.append("p.accord_slugs @> ARRAY[%(accord)s]::text[]")
        params["accord"] = filters.accord
    if filters.concentration:
        where.append("decant_slug(p.concentration) = decant_slug(%(concentration)s)")
        params["concentration"] = filters.concentration
    if filters.q:
        query = search_query(filters.q)
        if query is None:
            return [], 0
        where.append("p.search_words @@ to_tsquery('simple', %(q)s)")
        params["q"] = query
    if filters.size_ml is not None:
        where.append(
            "EXISTS (SELECT 1 FROM product_sizes z WHERE z.product_id = p.id"
            " AND z.is_active AND z.size_ml = %(size_ml)s)"
        )
        params["size_ml"] = filters.size_ml
    if filters.min_price_cents is not None:
        where.append("s.min_price_cents >= %(min_price)s")
        params["min_price"] = filters.min_price_cents
    if filters.max_price_cents is not None:
        where.append("s.min_price_cents <= %(max_price)s")
        params["max_price"] = filters.max_price_cents
    sql = LIST_SQL.format(
        popular_join=POPULAR_JOIN if filters.sort == "popular" else "",
        where=" AND ".join(where),
        order=SORTS[filters.sort],
    )
    rows = conn.execute(sql, params).fetchall()
    if not rows and filters.page > 1:
        total = count_products(conn, filters)
    else:
        total = rows[0]["total"] if rows else 0
    return [_with_stock(row) for row in rows], total


def count_products(conn: psycopg.Connection, filters: ProductFilters) -> int:
    _, total = list_products(conn, replace(filters, page=1, per_page=1))
    return total


PRODUCT_SQL = """
SELECT p.id, p.slug, p.name, p.brand, p.brand_slug, p.concentration, p.gender::text AS gender,
       p.description, p.top_notes, p.heart_notes, p.base_notes, p.accords, p.launch_year,
       p.perfumer, p.images, p.is_active, p.created_at, p.updated_at,
       i.remaining_volume, i.low_stock_alert, i.low_stock_threshold,
       coalesce((SELECT jsonb_agg(jsonb_build_object('size_ml', ps.size_ml, 'price_cents', ps.price_cents)
                                  ORDER BY ps.size_ml)
                   FROM product_sizes ps WHERE ps.product_id = p.id AND ps.is_active), '[]') AS sizes
  FROM products p
  JOIN inventory i ON i.product_id = p.id
 WHERE p.slug = %s
"""


def get_product(
    conn: psycopg.Connection, slug: str, *, include_inactive: bool = False
) -> dict[str, Any]:
    row = conn.execute(PRODUCT_SQL, (slug,)).fetchone()
    if row is None or (not row["is_active"] and not include_inactive):
        raise NotFound(f"no product {slug!r}")
    return _with_stock(row)


def _with_stock(row: dict[str, Any]) -> dict[str, Any]:
    remaining = Decimal(row["remaining_volume"])
    sizes = []
    for size in row["sizes"]:
        size_ml = Decimal(str(size["size_ml"]))
        available = units_available(remaining, size_ml)
        sizes.append(
            {
                "size_ml": ml(size_ml),
                "price_cents": int(size["price_cents"]),
                "in_stock": available > 0,
                "available": available,
            }
        )
    product = {k: v for k, v in row.items() if k not in ("sizes", "total")}
    product["sizes"] = sizes
    product["remaining_ml"] = ml(remaining)
    product["in_stock"] = any(s["in_stock"] for s in sizes)
    product["min_price_cents"] = min((s["price_cents"] for s in sizes), default=None)
    product.pop("remaining_volume", None)
    return product


def brands(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT b.name, b.slug, b.country, b.founded, b.description,
               count(p.id) FILTER (WHERE p.is_active) AS product_count
          FROM brands b LEFT JOIN products p ON p.brand = b.name
         GROUP BY b.id ORDER BY lower(b.name)
        """
    ).fetchall()


def notes(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every note used by an active product, with its slug and how many use it."""
    return conn.execute(
        """
        SELECT min(note) AS name, decant_slug(note) AS slug, count(DISTINCT p.id) AS product_count
          FROM products p, unnest(p.top_notes || p.heart_notes || p.base_notes) AS note
         WHERE p.is_active
         GROUP BY decant_slug(note)
         ORDER BY slug
        """
    ).fetchall()
