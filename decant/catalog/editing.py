"""Editing the catalog from the admin: products with their sizes and prices, and
bulk price changes. Each change writes its audit entry in the same transaction,
and the catalog triggers (sql/0005) record it as "not yet published".

Prices are the owner's: every function that can change one refuses staff.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

import psycopg
from psycopg import errors as pg_errors
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic import ValidationError as PydanticError

from decant.catalog.reading import ml
from decant.errors import Conflict, Forbidden, NotFound, ValidationError
from decant.staff import audit
from decant.staff.audit import Actor

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
PER_PAGE = 50
MAX_PERCENT = Decimal(200)
MIN_PERCENT = Decimal(-90)
FIELDS = (
    "slug",
    "name",
    "brand",
    "concentration",
    "gender",
    "description",
    "top_notes",
    "heart_notes",
    "base_notes",
    "accords",
    "launch_year",
    "perfumer",
    "is_active",
)


def _ascii_number(value: Any) -> Any:
    """Python's Decimal reads "٣" as 3; a size typed as text must be ASCII digits."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,6})?", value.strip()):
        raise ValueError("a number in ASCII digits, like 2.5")
    return value


class SizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size_ml: Annotated[Decimal, BeforeValidator(_ascii_number)] = Field(
        gt=0, le=100, decimal_places=2
    )
    price_cents: int = Field(gt=0, le=10_000_000)


class ProductIn(BaseModel):
    """Every field of a product the admin can set; the same rules as the schema's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)
    name: str = Field(min_length=1, max_length=160)
    brand: str = Field(min_length=1, max_length=120)
    concentration: str = Field("Eau de Parfum", min_length=1, max_length=60)
    gender: Literal["women", "men", "unisex"] = "unisex"
    description: str = Field("", max_length=20_000)
    top_notes: list[Note] = Field(default_factory=list, max_length=30)
    heart_notes: list[Note] = Field(default_factory=list, max_length=30)
    base_notes: list[Note] = Field(default_factory=list, max_length=30)
    accords: list[Note] = Field(default_factory=list, max_length=30)
    launch_year: int | None = Field(None, ge=1850, le=2100)
    perfumer: str | None = Field(None, max_length=160)
    is_active: bool = True
    sizes: list[SizeIn] = Field(min_length=1, max_length=12)

    @field_validator("perfumer")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("sizes")
    @classmethod
    def _one_price_per_size(cls, value: list[SizeIn]) -> list[SizeIn]:
        volumes = [s.size_ml.normalize() for s in value]
        if len(set(volumes)) != len(volumes):
            raise ValueError("each size may appear once")
        return sorted(value, key=lambda s: s.size_ml)


def parse(data: dict[str, Any]) -> ProductIn:
    """Validate, answering with the project's ValidationError naming every field at fault."""
    try:
        return ProductIn.model_validate(data)
    except PydanticError as exc:
        details: dict[str, str] = {}
        for error in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(part) for part in error["loc"]) or "body"
            details.setdefault(field, error["msg"])
        raise ValidationError("the product is not valid", details) from None


def _require_owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise Forbidden("only the owner may change the catalog and its prices")


SNAPSHOT_SQL = """
SELECT p.id, p.slug, p.name, p.brand, p.concentration, p.gender::text AS gender, p.description,
       p.top_notes, p.heart_notes, p.base_notes, p.accords, p.launch_year, p.perfumer,
       p.is_active, p.images, p.updated_at, i.remaining_volume, i.low_stock_threshold,
       i.low_stock_alert,
       coalesce((SELECT jsonb_agg(jsonb_build_object('size_ml', ps.size_ml, 'price_cents', ps.price_cents)
                                  ORDER BY ps.size_ml)
                   FROM product_sizes ps WHERE ps.product_id = p.id AND ps.is_active), '[]') AS sizes
  FROM products p JOIN inventory i ON i.product_id = p.id
"""


def get(conn: psycopg.Connection, product_id: int) -> dict[str, Any]:
    row = conn.execute(SNAPSHOT_SQL + " WHERE p.id = %s", (product_id,)).fetchone()
    if row is None:
        raise NotFound(f"no product {product_id}")
    return _shaped(row)


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    row["sizes"] = [
        {"size_ml": ml(Decimal(str(s["size_ml"]))), "price_cents": int(s["price_cents"])}
        for s in row["sizes"]
    ]
    row["remaining_ml"] = ml(row.pop("remaining_volume"))
    row["low_stock_threshold"] = ml(row["low_stock_threshold"])
    return row


def editable(product: dict[str, Any]) -> dict[str, Any]:
    """The part of a product an edit compares and the audit log records."""
    return {
        **{f: product[f] for f in FIELDS},
        "sizes": [
            {"size_ml": s["size_ml"], "price_cents": s["price_cents"]} for s in product["sizes"]
        ],
    }


def list_products(
    conn: psycopg.Connection,
    *,
    q: str | None = None,
    brand: str | None = None,
    active: bool | None = None,
    low_stock: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[dict[str, Any]], int]:
    """Every product, inactive ones too, with its lowest price and stock, for the admin."""
    where = ["true"]
    params: dict[str, Any] = {"limit": per_page, "offset": (max(page, 1) - 1) * per_page}
    if q:
        where.append(
            "(p.name ILIKE %(q)s OR p.brand ILIKE %(q)s OR p.slug ILIKE %(q)s"
            " OR p.perfumer ILIKE %(q)s)"
        )
        params["q"] = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if brand:
        where.append("p.brand_slug = %(brand)s")
        params["brand"] = brand
    if active is not None:
        where.append("p.is_active = %(active)s")
        params["active"] = active
    if low_stock:
        where.append("i.low_stock_alert")
    rows = conn.execute(
        f"""
        SELECT p.id, p.slug, p.name, p.brand, p.is_active, p.updated_at, i.remaining_volume,
               i.low_stock_alert,
               (SELECT min(price_cents) FROM product_sizes ps
                 WHERE ps.product_id = p.id AND ps.is_active) AS min_price_cents,
               (SELECT string_agg(trim_scale(size_ml)::text, ' / ' ORDER BY size_ml)
                  FROM product_sizes ps WHERE ps.product_id = p.id AND ps.is_active) AS sizes,
               count(*) OVER () AS total
          FROM products p JOIN inventory i ON i.product_id = p.id
         WHERE {" AND ".join(where)}
         ORDER BY lower(p.name), p.id
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        params,
    ).fetchall()
    total = rows[0]["total"] if rows else 0
    for row in rows:
        row.pop("total")
        row["remaining_ml"] = ml(row.pop("remaining_volume"))
    return rows, total


def _ensure_brand(conn: psycopg.Connection, brand: str) -> None:
    conn.execute("INSERT INTO brands (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (brand,))


def create(conn: psycopg.Connection, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A new product with its sizes; the database gives it an (empty) inventory row."""
    _require_owner(actor)
    product = parse(data)
    try:
        with conn.transaction():
            _ensure_brand(conn, product.brand)
            product_id = conn.execute(
                """
                INSERT INTO products (slug, name, brand, concentration, gender, description,
                                      top_notes, heart_notes, base_notes, accords, launch_year,
                                      perfumer, is_active)
                VALUES (%(slug)s, %(name)s, %(brand)s, %(concentration)s, %(gender)s,
                        %(description)s, %(top_notes)s, %(heart_notes)s, %(base_notes)s,
                        %(accords)s, %(launch_year)s, %(perfumer)s, %(is_active)s)
                RETURNING id
                """,
                product.model_dump(exclude={"sizes"}),
            ).fetchone()["id"]
            _write_sizes(conn, product_id, [], product.sizes)
            created = get(conn, product_id)
            audit.record(conn, actor, "create", "product", product_id, after=editable(created))
            return created
    except pg_errors.UniqueViolation:
        raise Conflict("a product with this slug exists", {"slug": "already used"}) from None


def update(
    conn: psycopg.Connection, actor: Actor, product_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply the fields given (others keep their value); nothing is written, and the
    site is not marked unpublished, when nothing actually changes."""
    _require_owner(actor)
    try:
        with conn.transaction():
            locked = conn.execute(
                "SELECT id FROM products WHERE id = %s FOR UPDATE", (product_id,)
            ).fetchone()
            if locked is None:
                raise NotFound(f"no product {product_id}")
            before = editable(get(conn, product_id))
            merged = {**before, **changes}
            product = parse(merged)
            after = product.model_dump(mode="python")
            if product.brand != before["brand"]:
                _ensure_brand(conn, product.brand)
            fields = {f: after[f] for f in FIELDS if after[f] != before[f]}
            if fields:
                assignments = ", ".join(f"{name} = %({name})s" for name in fields)
                conn.execute(
                    f"UPDATE products SET {assignments} WHERE id = %(id)s",
                    {**fields, "id": product_id},
                )
            sizes_changed = _write_sizes(conn, product_id, before["sizes"], product.sizes)
            updated = get(conn, product_id)
            if fields or sizes_changed:
                audit.record(
                    conn,
                    actor,
                    "update",
                    "product",
                    product_id,
                    before=before,
                    after=editable(updated),
                )
            return updated
    except pg_errors.UniqueViolation:
        raise Conflict("a product with this slug exists", {"slug": "already used"}) from None


def _write_sizes(
    conn: psycopg.Connection, product_id: int, current: list[dict[str, Any]], wanted: list[SizeIn]
) -> bool:
    """Bring the active sizes to `wanted`; a size taken away is deactivated, not deleted,
    so past orders keep what they refer to. True when anything changed."""
    have = {Decimal(str(s["size_ml"])).normalize(): s["price_cents"] for s in current}
    want = {s.size_ml.normalize(): s.price_cents for s in wanted}
    changed = False
    for size, price in want.items():
        if have.get(size) == price:
            continue
        conn.execute(
            "INSERT INTO product_sizes (product_id, size_ml, price_cents) VALUES (%s, %s, %s)"
            " ON CONFLICT (product_id, size_ml) DO UPDATE"
            " SET price_cents = EXCLUDED.price_cents, is_active = true",
            (product_id, size, price),
        )
        changed = True
    gone = [size for size in have if size not in want]
    if gone:
        conn.execute(
            "UPDATE product_sizes SET is_active = false WHERE product_id = %s AND size_ml = ANY(%s)",
            (product_id, gone),
        )
        changed = True
    return changed


def set_images(
    conn: psycopg.Connection, actor: Actor, product_id: int, images: list[str]
) -> dict[str, Any]:
    _require_owner(actor)
    with conn.transaction():
        before = get(conn, product_id)
        conn.execute("UPDATE products SET images = %s WHERE id = %s", (images, product_id))
        audit.record(
            conn,
            actor,
            "images",
            "product",
            product_id,
            before={"images": before["images"]},
            after={"images": images},
        )
        return get(conn, product_id)


def new_price(price_cents: int, percent: Decimal) -> int:
    """A price moved by `percent`, rounded half up to the cent, never below one cent."""
    moved = (Decimal(price_cents) * (100 + percent) / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return max(1, int(moved))


def bulk_price_change(
    conn: psycopg.Connection,
    actor: Actor,
    percent: Decimal,
    *,
    product_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Every active size of the chosen products (all when None) up or down by `percent`."""
    _require_owner(actor)
    percent = Decimal(percent)
    if not MIN_PERCENT <= percent <= MAX_PERCENT or percent == 0:
        raise ValidationError(
            "the change is out of range",
            {"percent": f"between {MIN_PERCENT} and {MAX_PERCENT}, not 0"},
        )
    with conn.transaction():
        sizes = conn.execute(
            "SELECT ps.id, p.slug, ps.size_ml, ps.price_cents FROM product_sizes ps"
            " JOIN products p ON p.id = ps.product_id"
            " WHERE ps.is_active AND (%(ids)s::bigint[] IS NULL OR ps.product_id = ANY(%(ids)s))"
            " ORDER BY ps.product_id, ps.size_ml FOR UPDATE OF ps",
            {"ids": product_ids},
        ).fetchall()
        changes = []
        for size in sizes:
            price = new_price(size["price_cents"], percent)
            if price == size["price_cents"]:
                continue
            conn.execute(
                "UPDATE product_sizes SET price_cents = %s WHERE id = %s", (price, size["id"])
            )
            changes.append(
                {
                    "slug": size["slug"],
                    "size_ml": ml(size["size_ml"]),
                    "before": size["price_cents"],
                    "after": price,
                }
            )
        audit.record(
            conn,
            actor,
            "bulk_price_change",
            "product_sizes",
            None,
            before={"percent": percent, "products": product_ids},
            after={"changes": changes},
        )
        return changes


def brand_names(conn: psycopg.Connection) -> list[str]:
    return [r["name"] for r in conn.execute("SELECT name FROM brands ORDER BY lower(name)")]
