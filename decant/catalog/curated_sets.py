"""Curated discovery sets: the owner's chosen samples, sold together at one price.

The rules that must always hold are in sql/0080_curated_sets.sql (a set's price stays
below the sum of its samples' shelf prices, checked at commit); this module says the
same thing first with a ValidationError naming the field. In an order a set becomes
one order_items row per sample carrying the set, with the set price shared out over
the samples (`price_shares`), so the trigger update_inventory_on_order takes each
sample's millilitres from its bottle in the order's own statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import psycopg
from psycopg import errors as pg_errors
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic import ValidationError as PydanticError

from decant.catalog.reading import ml, units_available
from decant.errors import Conflict, Forbidden, NotFound, ValidationError
from decant.staff import audit
from decant.staff.audit import Actor

MAX_SAMPLES = 12
Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
]


@dataclass(frozen=True)
class SetLine:
    """A cart line naming a curated set; `position` is its index in the cart's items."""

    slug: str
    quantity: int
    position: int = 0


@dataclass(frozen=True)
class SetSample:
    """One sample of a set line, priced with its share of the set price."""

    set_id: int
    set_slug: str
    set_name: str
    set_price_cents: int
    set_version: datetime
    set_line: int
    set_quantity: int
    product_id: int
    slug: str
    name: str
    brand: str
    size_ml: Decimal
    unit_price_cents: int
    cost_per_ml_cents: Decimal
    remaining_volume: Decimal
    on_sale: bool


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: Slug
    size_ml: Decimal = Field(gt=0, le=100, decimal_places=2, allow_inf_nan=False)


class SetIn(BaseModel):
    """A set as the owner composes it; the same rules as the schema's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    slug: Slug
    name: str = Field(min_length=1, max_length=160)
    description: str = Field("", max_length=5000)
    price_cents: int = Field(gt=0, le=10_000_000, strict=True)
    is_active: bool = True
    items: list[SampleIn] = Field(min_length=2, max_length=MAX_SAMPLES)

    @field_validator("items")
    @classmethod
    def _each_sample_once(cls, value: list[SampleIn]) -> list[SampleIn]:
        keys = [(s.slug, s.size_ml.normalize()) for s in value]
        if len(set(keys)) != len(keys):
            raise ValueError("each product size may appear once")
        return value


def parse(data: dict[str, Any]) -> SetIn:
    try:
        return SetIn.model_validate(data)
    except PydanticError as exc:
        details: dict[str, str] = {}
        for error in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(part) for part in error["loc"]) or "body"
            details.setdefault(field, error["msg"])
        raise ValidationError("the set is not valid", details) from None


def price_shares(set_price_cents: int, shelf_prices: list[int]) -> list[int]:
    """The set price shared out in proportion to the samples' shelf prices, in whole
    cents that add up to the set price exactly (largest remainder goes first)."""
    shelf = sum(shelf_prices)
    if shelf <= 0:
        even = [set_price_cents // len(shelf_prices)] * len(shelf_prices)
        even[0] += set_price_cents - sum(even)
        return even
    exact = [set_price_cents * price for price in shelf_prices]
    shares = [value // shelf for value in exact]
    left = set_price_cents - sum(shares)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] % shelf), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


# Every sample of the named sets with its shelf price, stock and cost per ml; a sample
# whose product or size is no longer sold has a NULL price.
SAMPLES_SQL = """
SELECT cs.id AS set_id, cs.slug AS set_slug, cs.name AS set_name, cs.description,
       cs.price_cents AS set_price_cents, cs.is_active AS set_active, cs.updated_at AS set_version,
       csi.position, p.id AS product_id, p.slug, p.name, p.brand, csi.size_ml,
       CASE WHEN p.is_active AND ps.is_active THEN ps.price_cents END AS price_cents,
       i.remaining_volume,
       coalesce((SELECT round(sum(b.cost_cents)::numeric / nullif(sum(b.volume_ml), 0), 4)
                   FROM bottle_batches b WHERE b.product_id = p.id), 0) AS cost_per_ml_cents
  FROM curated_sets cs
  JOIN curated_set_items csi ON csi.set_id = cs.id
  JOIN products p ON p.id = csi.product_id
  JOIN inventory i ON i.product_id = p.id
  LEFT JOIN product_sizes ps ON ps.product_id = p.id AND ps.size_ml = csi.size_ml
"""


def _grouped(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    by_set: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_set[row["set_id"]].append(row)
    for samples in by_set.values():
        samples.sort(key=lambda r: (r["position"], r["slug"], r["size_ml"]))
    return by_set


def available(samples: list[dict[str, Any]]) -> int:
    """How many whole sets the bottles can fill now (0 when a sample is not sold)."""
    if not samples or any(s["price_cents"] is None for s in samples):
        return 0
    need: dict[int, Decimal] = defaultdict(Decimal)
    remaining: dict[int, Decimal] = {}
    for s in samples:
        need[s["product_id"]] += Decimal(s["size_ml"])
        remaining[s["product_id"]] = Decimal(s["remaining_volume"])
    return min(units_available(remaining[pid], ml_needed) for pid, ml_needed in need.items())


def _shaped(samples: list[dict[str, Any]]) -> dict[str, Any]:
    first = samples[0]
    shelf = sum(s["price_cents"] or 0 for s in samples)
    return {
        "id": first["set_id"],
        "slug": first["set_slug"],
        "name": first["set_name"],
        "description": first["description"],
        "price_cents": first["set_price_cents"],
        "is_active": first["set_active"],
        "shelf_price_cents": shelf,
        "items": [
            {
                "slug": s["slug"],
                "name": s["name"],
                "brand": s["brand"],
                "size_ml": ml(s["size_ml"]),
                "price_cents": s["price_cents"],
            }
            for s in samples
        ],
        "available": available(samples),
    }


def list_sets(conn: psycopg.Connection, *, active_only: bool = True) -> list[dict[str, Any]]:
    """Sets with their samples and live availability, by name."""
    where = " WHERE cs.is_active" if active_only else ""
    rows = conn.execute(SAMPLES_SQL + where).fetchall()
    sets = [_shaped(samples) for samples in _grouped(rows).values()]
    return sorted(sets, key=lambda s: (s["name"].lower(), s["slug"]))


def get(conn: psycopg.Connection, set_id: int) -> dict[str, Any]:
    rows = conn.execute(SAMPLES_SQL + " WHERE cs.id = %s", (set_id,)).fetchall()
    if not rows:
        raise NotFound(f"no set {set_id}")
    return _shaped(rows)


def samples(
    conn: psycopg.Connection, lines: list[SetLine], *, max_quantity: int
) -> list[SetSample]:
    """The samples an order's set lines stand for, each priced with its share.

    The same set in two lines is one line of the summed quantity. An unknown or
    inactive set is NotFound naming the line; a set whose sample is no longer sold
    can be made 0 times, which the caller reports as out of stock.
    """
    merged: dict[str, SetLine] = {}
    for line in lines:
        before = merged.get(line.slug)
        merged[line.slug] = SetLine(
            line.slug,
            line.quantity + (before.quantity if before else 0),
            before.position if before else line.position,
        )
    too_many = {
        f"items.{line.position}.quantity": f"at most {max_quantity} of one set in total"
        for line in merged.values()
        if line.quantity > max_quantity
    }
    if too_many:
        raise ValidationError("quantity out of range", too_many)
    rows = conn.execute(
        SAMPLES_SQL + " WHERE cs.is_active AND cs.slug = ANY(%s)", (sorted(merged),)
    ).fetchall()
    by_slug = {group[0]["set_slug"]: group for group in _grouped(rows).values()}
    unknown = {
        f"items.{line.position}.set": f"no set {line.slug!r}"
        for line in merged.values()
        if line.slug not in by_slug
    }
    if unknown:
        raise NotFound("some sets cannot be found", unknown)
    found: list[SetSample] = []
    for line in merged.values():
        group = by_slug[line.slug]
        shares = price_shares(group[0]["set_price_cents"], [s["price_cents"] or 0 for s in group])
        found += [
            SetSample(
                set_id=s["set_id"],
                set_slug=s["set_slug"],
                set_name=s["set_name"],
                set_price_cents=s["set_price_cents"],
                set_version=s["set_version"],
                set_line=line.position,
                set_quantity=line.quantity,
                product_id=s["product_id"],
                slug=s["slug"],
                name=s["name"],
                brand=s["brand"],
                size_ml=Decimal(s["size_ml"]).normalize(),
                unit_price_cents=share,
                cost_per_ml_cents=Decimal(s["cost_per_ml_cents"]),
                remaining_volume=Decimal(s["remaining_volume"]),
                on_sale=s["price_cents"] is not None,
            )
            for s, share in zip(group, shares, strict=True)
        ]
    return found


def short_lines(
    found: list[SetSample], demand: dict[int, Decimal], remaining: dict[int, Any]
) -> list[dict[str, Any]]:
    """The set lines that cannot be filled, given the whole cart's demand per bottle:
    the set, asked and how many could be made, and which samples are short."""
    lines: dict[int, list[SetSample]] = defaultdict(list)
    for sample in found:
        lines[sample.set_line].append(sample)
    short = []
    for group in lines.values():
        unsold = not all(s.on_sale for s in group)
        lacking = [
            s
            for s in group
            if not s.on_sale or demand[s.product_id] > Decimal(remaining.get(s.product_id, 0))
        ]
        if not lacking:
            continue
        need: dict[int, Decimal] = defaultdict(Decimal)
        for s in group:
            need[s.product_id] += s.size_ml
        can = (
            0
            if unsold
            else min(
                units_available(Decimal(remaining.get(pid, 0)), per_set)
                for pid, per_set in need.items()
            )
        )
        short.append(
            {
                "set": group[0].set_slug,
                "requested": group[0].set_quantity,
                "available": can,
                "short": [{"slug": s.slug, "size_ml": ml(s.size_ml)} for s in lacking],
            }
        )
    return short


# -- the owner's side ------------------------------------------------------------------


def _require_owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise Forbidden("only the owner may change sets and their prices")


def _resolve_items(conn: psycopg.Connection, body: SetIn) -> list[dict[str, Any]]:
    """Each sample's product and shelf price; refuses sizes that are not sold and a set
    price that is not below their sum, naming the field."""
    rows = conn.execute(
        "SELECT p.id, p.slug, ps.size_ml, ps.price_cents FROM products p"
        " JOIN product_sizes ps ON ps.product_id = p.id AND ps.is_active"
        " WHERE p.slug = ANY(%s)",
        ([s.slug for s in body.items],),
    ).fetchall()
    offers = {(r["slug"], Decimal(r["size_ml"]).normalize()): r for r in rows}
    faults = {
        f"items.{index}.size_ml": f"{s.slug} is not sold in {ml(s.size_ml)} ml"
        for index, s in enumerate(body.items)
        if (s.slug, s.size_ml.normalize()) not in offers
    }
    if faults:
        raise ValidationError("some samples cannot be sold", faults)
    resolved = [offers[(s.slug, s.size_ml.normalize())] for s in body.items]
    shelf = sum(r["price_cents"] for r in resolved)
    if body.price_cents >= shelf:
        raise ValidationError(
            "a set must cost less than its samples",
            {"price_cents": f"must be below the samples' total of {shelf} cents"},
        )
    return resolved


def _write_items(conn: psycopg.Connection, set_id: int, resolved: list[dict[str, Any]]) -> None:
    conn.execute("DELETE FROM curated_set_items WHERE set_id = %s", (set_id,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO curated_set_items (set_id, product_id, size_ml, position)"
            " VALUES (%s, %s, %s, %s)",
            [(set_id, r["id"], r["size_ml"], position) for position, r in enumerate(resolved)],
        )


def _editable(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": found["slug"],
        "name": found["name"],
        "description": found["description"],
        "price_cents": found["price_cents"],
        "is_active": found["is_active"],
        "items": [{"slug": i["slug"], "size_ml": i["size_ml"]} for i in found["items"]],
    }


def _database_refusal(exc: psycopg.Error) -> ValidationError | Conflict | None:
    name = getattr(exc.diag, "constraint_name", None)
    if name == "curated_sets_slug_unique":
        return Conflict("a set with this slug exists", {"slug": "already taken"})
    if name == "curated_sets_price_below_sum":
        return ValidationError(
            "a set must cost less than its samples",
            {"price_cents": "must be below the samples' total"},
        )
    if name == "curated_sets_two_known_samples":
        return ValidationError("a set needs two samples", {"items": "at least two samples"})
    return None


def create(conn: psycopg.Connection, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    _require_owner(actor)
    body = parse(data)
    try:
        with conn.transaction():
            resolved = _resolve_items(conn, body)
            set_id = conn.execute(
                "INSERT INTO curated_sets (slug, name, description, price_cents, is_active)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (body.slug, body.name, body.description, body.price_cents, body.is_active),
            ).fetchone()["id"]
            _write_items(conn, set_id, resolved)
            created = get(conn, set_id)
            audit.record(conn, actor, "create", "curated_set", set_id, after=_editable(created))
    except (pg_errors.UniqueViolation, pg_errors.CheckViolation) as exc:
        refusal = _database_refusal(exc)
        if refusal is None:
            raise
        raise refusal from None
    return created


def update(
    conn: psycopg.Connection, actor: Actor, set_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Change any of a set's fields; fields not given keep their value."""
    _require_owner(actor)
    try:
        with conn.transaction():
            before = _editable(get(conn, set_id))
            conn.execute("SELECT 1 FROM curated_sets WHERE id = %s FOR UPDATE", (set_id,))
            body = parse({**before, **data})
            resolved = _resolve_items(conn, body)
            conn.execute(
                "UPDATE curated_sets SET slug = %s, name = %s, description = %s,"
                " price_cents = %s, is_active = %s WHERE id = %s",
                (
                    body.slug,
                    body.name,
                    body.description,
                    body.price_cents,
                    body.is_active,
                    set_id,
                ),
            )
            _write_items(conn, set_id, resolved)
            updated = get(conn, set_id)
            after = _editable(updated)
            if after != before:
                action = "update"
                if before["is_active"] != after["is_active"]:
                    action = "activate" if after["is_active"] else "deactivate"
                audit.record(conn, actor, action, "curated_set", set_id, before=before, after=after)
    except (pg_errors.UniqueViolation, pg_errors.CheckViolation) as exc:
        refusal = _database_refusal(exc)
        if refusal is None:
            raise
        raise refusal from None
    return updated
