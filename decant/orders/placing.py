"""Placing orders and moving them through their life.

Prices come from the database, never from the caller. Stock is taken by the
database (trigger `update_inventory_on_order`) inside the order's transaction, and
the inventory rows are locked in product-id order first, so two carts holding the
same products in a different order queue up instead of deadlocking.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from decant.catalog import curated_sets
from decant.catalog.curated_sets import SetLine, SetSample
from decant.catalog.reading import ml, units_available
from decant.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    OutOfStock,
    RateLimited,
    ValidationError,
)
from decant.orders import pricing
from decant.orders.offer_cache import OFFERS, OfferCache

MAX_LINES = 50
PRICE_RACE_ATTEMPTS = 3
MAX_QUANTITY = 100

# The same machine as sql/0003_orders.sql's order_transitions, so the domain can
# refuse a move with a clear error before the database has to. The database table is
# the authority; tests/orders/test_orders.py pins the two (and a hand-written table) equal.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"processing", "shipped", "refunded"}),
    "processing": frozenset({"shipped", "refunded"}),
    "shipped": frozenset({"delivered", "refunded"}),
    "delivered": frozenset({"refunded"}),
    "cancelled": frozenset({"paid"}),
    "refunded": frozenset(),
}
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "unpaid": frozenset({"paid", "failed"}),
    "failed": frozenset({"paid"}),
    "paid": frozenset({"refunded"}),
    "refunded": frozenset(),
}


@dataclass(frozen=True)
class CartLine:
    slug: str
    size_ml: Decimal
    quantity: int


@dataclass(frozen=True)
class Cart:
    email: str
    name: str
    shipping_address: dict[str, str]
    items: list[CartLine]
    discount_code: str | None = None
    payment_provider: str = "stripe"
    currency: str = "EUR"
    extra: dict[str, Any] = field(default_factory=dict)
    client_address: str | None = None
    sets: list[SetLine] = field(
        default_factory=list
    )  # curated-set lines (decant.catalog.curated_sets)

    @property
    def country(self) -> str:
        return str(self.shipping_address.get("country", "")).upper()

    def fingerprint(self) -> str:
        """What an Idempotency-Key promises: the same key means the same request."""
        body = asdict(self)
        body["items"] = [
            {"slug": i.slug, "size_ml": str(Decimal(i.size_ml).normalize()), "quantity": i.quantity}
            for i in self.items
        ]
        body.pop("extra", None)
        body.pop("client_address", None)
        if not self.sets:
            body.pop("sets", None)
        encoded = json.dumps(body, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class OrderLimits:
    """What one shopper may hold: units per line, and unpaid pending orders at once per
    e-mail and per client address (None: no limit, for the back office and tests)."""

    max_units_per_line: int = MAX_QUANTITY
    max_unpaid_orders: int | None = None
    expiry_minutes: int = 30


def place(
    conn: psycopg.Connection,
    cart: Cart,
    *,
    idempotency_key: str | None = None,
    limits: OrderLimits = OrderLimits(),
    offers: OfferCache = OFFERS,
) -> dict[str, Any]:
    """Create the order and reserve its stock, or change nothing.

    One statement, one round trip, for a cart of sizes this process has sold before:
    the prices are those remembered from the database (offer_cache.py), and the
    statement that writes the order checks each of them against product_sizes and
    writes nothing if one moved; then the cart is priced again from a fresh read and
    written again. The same statement takes the unpaid-orders limit's locks and count
    first (refuse_beyond_unpaid_limit, sql/0090) and refuses a cart whose stock is not
    there before writing anything; the items' trigger takes the stock, and the CHECK
    on inventory decides between two buyers of the last unit. A discount code adds a
    read of the code; a curated set, a read of its samples.
    """
    lines = _merged_lines(cart, limits.max_units_per_line)
    fingerprint = cart.fingerprint() if idempotency_key else None
    if idempotency_key:
        existing = _by_idempotency_key(conn, idempotency_key, fingerprint)
        if existing is not None:
            return existing
    for attempt in range(PRICE_RACE_ATTEMPTS):
        priced = (attempt == 0 and _remembered_quote(conn, cart, lines, offers)) or quote(
            conn, cart, lines, offers
        )
        try:
            order = write_order(conn, cart, priced, idempotency_key, fingerprint, limits)
        except _StockTaken as taken:
            ids = [offer["product_id"] for _, offer in taken.chosen]
            ids += [sample.product_id for sample in taken.samples]
            remaining = {
                row["product_id"]: row["remaining_volume"]
                for row in conn.execute(
                    "SELECT product_id, remaining_volume FROM inventory WHERE product_id = ANY(%s)",
                    (ids,),
                )
            }
            raise OutOfStock(
                "not enough stock for some items",
                _short_lines(taken.chosen, remaining, taken.samples),
            ) from None
        except pg_errors.UniqueViolation as exc:
            if idempotency_key and exc.diag.constraint_name == "orders_idempotency_key_unique":
                # A concurrent request with the same key won the race; answer as it did.
                existing = _by_idempotency_key(conn, idempotency_key, fingerprint)
                if existing is not None:
                    return existing
            raise
        if order is not None:
            return order
        offers.forget(conn, lines)
    raise Conflict("prices changed while the order was placed; please try again")


def _merged_lines(cart: Cart, max_units: int = MAX_QUANTITY) -> list[CartLine]:
    if not cart.items and not cart.sets:
        raise ValidationError("the cart is empty", {"items": "at least one item is required"})
    if len(cart.items) > MAX_LINES:
        raise ValidationError("too many lines", {"items": f"at most {MAX_LINES} lines"})
    merged: dict[tuple[str, Decimal], int] = defaultdict(int)
    for index, line in enumerate(cart.items):
        if not 1 <= line.quantity <= max_units:
            raise ValidationError(
                "quantity out of range",
                {f"items.{index}.quantity": f"must be between 1 and {max_units}"},
            )
        merged[(line.slug, Decimal(line.size_ml).normalize())] += line.quantity
    for set_line in cart.sets:
        if not 1 <= set_line.quantity <= max_units:
            raise ValidationError(
                "quantity out of range",
                {f"items.{set_line.position}.quantity": f"must be between 1 and {max_units}"},
            )
    for (slug, _size), quantity in merged.items():
        if quantity > max_units:
            raise ValidationError(
                "quantity out of range", {"items": f"{slug}: at most {max_units} in total"}
            )
    return [CartLine(slug, size, qty) for (slug, size), qty in merged.items()]


# Prices and stock in one read, when the offers are not remembered (or one moved).
# Nothing is locked here: the stock is taken by the items' trigger, which is what
# decides, and this read only lets an obviously short cart fail fast with its lines.
OFFERS_SQL = """
SELECT p.id AS product_id, p.slug, p.name, p.brand, ps.size_ml, ps.price_cents,
       i.remaining_volume, now() AS now
  FROM products p
  JOIN product_sizes ps ON ps.product_id = p.id AND ps.is_active
  JOIN inventory i ON i.product_id = p.id
 WHERE p.is_active AND p.slug = ANY(%s)
 ORDER BY p.id
"""

# The code, the database's clock to judge its dates by, and whether this e-mail holds a
# live use of a once-per-e-mail code: one read.
CODE_SQL = """
SELECT dc.*, now() AS now,
       EXISTS (SELECT 1 FROM discount_redemptions r
                WHERE r.code_id = dc.id AND r.email = lower(%(email)s) AND r.voided_at IS NULL)
           AS used_by_email
  FROM discount_codes dc
 WHERE dc.code = upper(%(code)s)
"""

# What the database makes when an order is written. write_order adds the values it
# wrote itself and those every new order starts with (NOT_YET), so the order it
# answers has ORDER_COLUMNS without reading them back; tests/orders/test_orders.py
# pins it equal to the stored order.
MADE_BY_THE_DATABASE = """
       id, order_number, status::text AS status, payment_status::text AS payment_status,
       created_at, updated_at
"""
NOT_YET: dict[str, Any] = {
    "refunded_cents": 0,
    "payment_intent_id": None,
    "tracking_number": None,
    "cancel_reason": None,
    "paid_at": None,
    "shipped_at": None,
    "delivered_at": None,
    "cancelled_at": None,
    "refunded_at": None,
}

ORDER_COLUMNS = """
       id, order_number, email, customer_name, shipping_address, shipping_country,
       status::text AS status, payment_status::text AS payment_status, subtotal_cents,
       shipping_cents, tax_cents, discount_cents, total_cents, refunded_cents, currency,
       discount_code, payment_provider, payment_intent_id, tracking_number, cancel_reason,
       created_at, updated_at, paid_at, shipped_at, delivered_at, cancelled_at, refunded_at
"""

# The whole order in one statement, in this order:
# - unpaid: the unpaid-orders limit's locks and count (sql/0090), or a refusal. Every
#   line is read through it, so it runs before anything below is locked or written.
# - verdict: whether every line is still the database's (product, slug, name, brand,
#   the size's price, or the set's price and version) and whether the stock is there
#   as far as this statement can see (each line carries its product's millilitres in
#   the whole cart as `need`). Only then are the code's use counted, the order, its
#   redemption and its items written.
# - the items' trigger takes the stock and the CHECK on inventory refuses it when a
#   concurrent order took it first (the statement then fails whole). Items go in
#   product-id order, so the trigger locks inventory rows in that order and two carts
#   naming the same products in another order queue up instead of deadlocking.
# - cost per ml is snapshotted from the bottles as the order is written.
# One row comes back: the verdict, what remains of each line's product when short, and
# the order if written. The lookups are correlated subqueries so that each is an index
# probe whatever the planner guesses of the number of lines (it guesses 100 for
# jsonb_to_recordset); EXISTS rather than counting, because every aggregate costs its
# set-up on every execution, run or not. Without a limit the guard is not called.
_INSERT_ORDER = f"""
WITH unpaid AS MATERIALIZED (
    SELECT CASE WHEN %(max_unpaid)s::integer IS NULL THEN true
                ELSE refuse_beyond_unpaid_limit(%(email)s, %(client_address)s::inet,
                                                %(max_unpaid)s, %(expiry_minutes)s) END AS passed
), line AS MATERIALIZED (
    SELECT item.*
      FROM unpaid,
           jsonb_to_recordset(%(lines)s::jsonb)
           AS item(position integer, product_id bigint, slug text, name text, brand text,
                   size_ml numeric, quantity integer, price integer, need numeric,
                   set_id bigint, set_line integer, set_price integer, set_version timestamptz)
     WHERE unpaid.passed
), verdict AS MATERIALIZED (
    SELECT NOT EXISTS (
               SELECT FROM line
                WHERE (SELECT {{line_is_priced}}
                         FROM products p
                         JOIN product_sizes ps ON ps.product_id = p.id
                        WHERE p.id = line.product_id AND p.is_active AND p.slug = line.slug
                          AND p.name = line.name AND p.brand = line.brand
                          AND ps.size_ml = line.size_ml AND ps.is_active) IS NOT TRUE
           ) AS priced,
           NOT EXISTS (
               SELECT FROM line
                WHERE (SELECT i.remaining_volume FROM inventory i
                        WHERE i.product_id = line.product_id) < line.need
           ) AS enough
){{code_use}}, new_order AS (
    INSERT INTO orders (email, customer_name, shipping_address, shipping_country, subtotal_cents,
                        shipping_cents, tax_cents, discount_cents, total_cents, currency,
                        discount_code, payment_provider, idempotency_key, request_hash,
                        client_address)
    SELECT %(email)s, %(name)s, %(address)s, %(country)s, %(subtotal_cents)s, %(shipping_cents)s,
           %(tax_cents)s, %(discount_cents)s, %(total_cents)s, %(currency)s, %(discount_code)s,
           %(provider)s, %(key)s, %(hash)s, %(client_address)s::inet
      FROM verdict
     WHERE verdict.priced AND verdict.enough
    RETURNING {MADE_BY_THE_DATABASE}
){{redemption}}, new_items AS (
    INSERT INTO order_items (order_id, product_id, product_name, brand, size_ml, quantity,
                             unit_price_cents, cost_per_ml_cents, set_id, set_line)
    SELECT new_order.id, line.product_id, line.name, line.brand, line.size_ml, line.quantity,
           line.price,
           coalesce((SELECT round(sum(b.cost_cents)::numeric / nullif(sum(b.volume_ml), 0), 4)
                       FROM bottle_batches b WHERE b.product_id = line.product_id), 0),
           line.set_id, line.set_line
      FROM new_order, line
     ORDER BY line.position
)
SELECT verdict.priced AS verdict_priced, verdict.enough AS verdict_enough,
       CASE WHEN NOT verdict.enough
            THEN ARRAY(SELECT (SELECT i.remaining_volume FROM inventory i
                                WHERE i.product_id = line.product_id)
                         FROM line ORDER BY line.position)
       END AS verdict_remaining,
       new_order.*
  FROM verdict LEFT JOIN new_order ON true
"""
_PRODUCT_LINE_IS_PRICED = "ps.price_cents = line.price"
# A set's sample is priced by its set: the set must still be on sale at that price and
# unchanged since its samples were read.
_ANY_LINE_IS_PRICED = """
CASE WHEN line.set_id IS NULL THEN ps.price_cents = line.price
     ELSE EXISTS (SELECT FROM curated_sets cs
                   WHERE cs.id = line.set_id AND cs.is_active AND cs.price_cents = line.set_price
                     AND cs.updated_at = line.set_version) END
"""
# The code's use is counted (its CHECK refuses one use too many) only for an order
# that is written.
_CODE_USE = """
, code_use AS (
    UPDATE discount_codes SET used_count = used_count + 1
     WHERE id = %(code_id)s AND (SELECT priced AND enough FROM verdict)
)
"""
# A once-per-e-mail code: the unique index refuses a second live use by one address.
_REDEMPTION = """
, redemption AS (
    INSERT INTO discount_redemptions (code_id, order_id, email)
    SELECT %(code_id)s, new_order.id, lower(%(email)s) FROM new_order WHERE %(once_per_email)s
)
"""


@functools.cache
def insert_order_sql(*, with_code: bool, with_sets: bool) -> str:
    """The statement for a cart with or without a code and sets: a cart without them
    does not touch (nor lock) the tables of codes and sets.

    Sent with its runs of blanks folded (it holds no comment, and no quoted text to
    spoil): psycopg caches the parsing of statements up to 4096 bytes only."""
    sql = _INSERT_ORDER.format(
        line_is_priced=_ANY_LINE_IS_PRICED if with_sets else _PRODUCT_LINE_IS_PRICED,
        code_use=_CODE_USE if with_code else "",
        redemption=_REDEMPTION if with_code else "",
    )
    return " ".join(sql.split())


@dataclass(frozen=True)
class Quote:
    """A cart priced from the database: its lines with their offers, the code, totals."""

    chosen: list[tuple[CartLine, dict[str, Any]]]
    code: dict[str, Any] | None
    totals: pricing.Totals
    samples: list[SetSample] = field(default_factory=list)


def quote(
    conn: psycopg.Connection, cart: Cart, lines: list[CartLine], offers: OfferCache = OFFERS
) -> Quote:
    """Price a (merged) cart from a fresh read of the database; refuses unknown items and
    short stock. The offers read are remembered for the next order."""
    rows = conn.execute(OFFERS_SQL, (sorted({line.slug for line in lines}),)).fetchall()
    samples = curated_sets.samples(conn, cart.sets, max_quantity=MAX_QUANTITY) if cart.sets else []
    by_line = {(row["slug"], Decimal(row["size_ml"]).normalize()): row for row in rows}
    faults = {}
    known_slugs = {slug for slug, _ in by_line}
    for index, line in enumerate(lines):
        if line.slug not in known_slugs:
            faults[f"items.{index}.slug"] = f"no product {line.slug!r}"
        elif (line.slug, line.size_ml) not in by_line:
            faults[f"items.{index}.size_ml"] = f"{line.slug} is not sold in {ml(line.size_ml)} ml"
    if faults:
        raise ValidationError("some items cannot be ordered", faults)
    offers.remember(conn, rows)

    chosen = sorted(
        ((line, by_line[(line.slug, line.size_ml)]) for line in lines),
        key=lambda pair: (pair[1]["product_id"], pair[0].size_ml),
    )
    remaining = {s.product_id: s.remaining_volume for s in samples}
    remaining.update({o["product_id"]: o["remaining_volume"] for _, o in chosen})
    short = _short_lines(chosen, remaining, samples)
    if short:
        raise OutOfStock("not enough stock for some items", short)
    return _priced(conn, cart, chosen, samples, rows[0]["now"] if rows else None)


def _remembered_quote(
    conn: psycopg.Connection, cart: Cart, lines: list[CartLine], offers: OfferCache
) -> Quote | None:
    """The cart priced at the offers this process remembers, or None when one is not
    remembered (or the cart holds a set). The write checks every one of them."""
    if cart.sets:
        return None
    remembered = offers.recall(conn, lines)
    if remembered is None:
        return None
    chosen = sorted(
        zip(lines, remembered, strict=True),
        key=lambda pair: (pair[1]["product_id"], pair[0].size_ml),
    )
    return _priced(conn, cart, chosen, [], None)


def _priced(
    conn: psycopg.Connection,
    cart: Cart,
    chosen: list[tuple[CartLine, dict[str, Any]]],
    samples: list[SetSample],
    now: datetime | None,
) -> Quote:
    subtotal = sum(offer["price_cents"] * line.quantity for line, offer in chosen)
    subtotal += sum(s.unit_price_cents * s.set_quantity for s in samples)
    code = None
    if cart.discount_code:
        code = conn.execute(
            CODE_SQL, {"code": cart.discount_code.strip(), "email": cart.email.strip()}
        ).fetchone()
        if code is None:
            raise ValidationError(
                "discount code is not valid", {"discount_code": "this code is not valid"}
            )
        if code.get("once_per_email") and code["used_by_email"]:
            raise _used_by_this_email()
        now = code["now"]
    return Quote(chosen, code, pricing.order_totals(subtotal, cart.country, code, now), samples)


def write_order(
    conn: psycopg.Connection,
    cart: Cart,
    priced: Quote,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    limits: OrderLimits = OrderLimits(),
) -> dict[str, Any] | None:
    """Write a quoted order in one statement; None when a line is no longer what the
    quote says (a price moved, a product was renamed or taken off sale)."""
    chosen, code, totals, samples = priced.chosen, priced.code, priced.totals, priced.samples
    item_rows = _item_rows(chosen, samples)
    written = {
        "email": cart.email.strip(),
        "customer_name": cart.name.strip(),
        "shipping_address": cart.shipping_address,
        "shipping_country": cart.country,
        "subtotal_cents": totals.subtotal_cents,
        "shipping_cents": totals.shipping_cents,
        "tax_cents": totals.tax_cents,
        "discount_cents": totals.discount_cents,
        "total_cents": totals.total_cents,
        "currency": cart.currency,
        "discount_code": code["code"] if code else None,
        "payment_provider": cart.payment_provider,
    }
    try:
        row = conn.execute(
            insert_order_sql(with_code=code is not None, with_sets=bool(samples)),
            {
                "email": written["email"],
                "name": written["customer_name"],
                "address": json.dumps(cart.shipping_address),
                "country": cart.country,
                "currency": cart.currency,
                "discount_code": written["discount_code"],
                "code_id": code["id"] if code else None,
                "once_per_email": bool(code and code.get("once_per_email")),
                "provider": cart.payment_provider,
                "key": idempotency_key,
                "hash": fingerprint,
                "client_address": cart.client_address,
                "max_unpaid": limits.max_unpaid_orders,
                "expiry_minutes": limits.expiry_minutes,
                # One JSON parameter: far cheaper to send than many typed arrays.
                "lines": json.dumps(item_rows),
                "subtotal_cents": totals.subtotal_cents,
                "shipping_cents": totals.shipping_cents,
                "discount_cents": totals.discount_cents,
                "tax_cents": totals.tax_cents,
                "total_cents": totals.total_cents,
            },
        ).fetchone()
    except pg_errors.RaiseException as exc:
        if exc.diag.message_hint != "unpaid_orders_limit":
            raise
        raise RateLimited(
            exc.diag.message_primary or "too many unpaid orders",
            retry_after=int(exc.diag.message_detail or 1),
        ) from None
    except pg_errors.UniqueViolation as exc:
        if exc.diag.constraint_name != "discount_redemptions_once_per_email":
            raise
        raise _used_by_this_email() from None
    except pg_errors.CheckViolation as exc:
        if exc.diag.constraint_name == "discount_codes_within_limit":
            raise ValidationError(
                "discount code is used up", {"discount_code": "this code has been used up"}
            ) from None
        if exc.diag.constraint_name != "inventory_never_negative":
            raise
        raise _StockTaken(chosen, samples) from None
    if not row.pop("verdict_priced"):
        return None
    enough = row.pop("verdict_enough")
    remaining = row.pop("verdict_remaining")
    if not enough:
        raise OutOfStock(
            "not enough stock for some items",
            _short_lines(
                chosen,
                {
                    item["product_id"]: Decimal(left or 0)
                    for item, left in zip(item_rows, remaining, strict=True)
                },
                samples,
            ),
        )
    order = {**written, **NOT_YET, **row}
    order["items"] = [
        {
            "product_id": offer["product_id"],
            "slug": line.slug,
            "name": offer["name"],
            "brand": offer["brand"],
            "size_ml": ml(line.size_ml),
            "quantity": line.quantity,
            "unit_price_cents": offer["price_cents"],
            "line_total_cents": offer["price_cents"] * line.quantity,
        }
        for line, offer in chosen
    ] + [
        {
            "product_id": s.product_id,
            "slug": s.slug,
            "name": s.name,
            "brand": s.brand,
            "size_ml": ml(s.size_ml),
            "quantity": s.set_quantity,
            "unit_price_cents": s.unit_price_cents,
            "line_total_cents": s.unit_price_cents * s.set_quantity,
            "set": s.set_slug,
        }
        for s in samples
    ]
    return order


def _item_rows(
    chosen: list[tuple[CartLine, dict[str, Any]]], samples: list[SetSample]
) -> list[dict[str, Any]]:
    """The items to insert, product lines and set samples together in product-id order,
    so the trigger locks bottles in that order whatever the cart holds. Each carries
    what the write checks against the database (slug, name, brand, price) and the
    millilitres its product must have for the whole cart (`need`)."""
    rows = [
        {
            "product_id": offer["product_id"],
            "slug": offer["slug"],
            "name": offer["name"],
            "brand": offer["brand"],
            "size_ml": str(line.size_ml),
            "quantity": line.quantity,
            "price": offer["price_cents"],
        }
        for line, offer in chosen
    ] + [
        {
            "product_id": s.product_id,
            "slug": s.slug,
            "name": s.name,
            "brand": s.brand,
            "size_ml": str(s.size_ml),
            "quantity": s.set_quantity,
            "price": s.unit_price_cents,
            "set_id": s.set_id,
            "set_line": s.set_line,
            "set_price": s.set_price_cents,
            "set_version": s.set_version.isoformat(),
        }
        for s in samples
    ]
    need: dict[int, Decimal] = defaultdict(Decimal)
    for line, offer in chosen:
        need[offer["product_id"]] += line.size_ml * line.quantity
    for sample in samples:
        need[sample.product_id] += sample.size_ml * sample.set_quantity
    rows.sort(key=lambda row: (row["product_id"], row.get("set_line", -1)))
    return [
        {**row, "position": position, "need": str(need[row["product_id"]])}
        for position, row in enumerate(rows)
    ]


def _used_by_this_email() -> ValidationError:
    return ValidationError(
        "discount code was already used with this e-mail",
        {"discount_code": "this code can be used once per e-mail"},
    )


class _StockTaken(Exception):
    """The stock was not there when the write ran (another order took it since our
    read); the statement failed whole, and the short lines are read afresh."""

    def __init__(
        self, chosen: list[tuple[CartLine, dict[str, Any]]], samples: list[SetSample]
    ) -> None:
        self.chosen = chosen
        self.samples = samples


def _short_lines(
    chosen: list[tuple[CartLine, dict[str, Any]]],
    remaining: dict[int, Any],
    samples: list[SetSample] = (),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    demand: dict[int, Decimal] = defaultdict(Decimal)
    for line, offer in chosen:
        demand[offer["product_id"]] += line.size_ml * line.quantity
    for sample in samples:
        demand[sample.product_id] += sample.size_ml * sample.set_quantity
    return [
        {
            "slug": line.slug,
            "size_ml": ml(line.size_ml),
            "requested": line.quantity,
            "available": units_available(
                Decimal(remaining.get(offer["product_id"], 0)), line.size_ml
            ),
        }
        for line, offer in chosen
        if demand[offer["product_id"]] > Decimal(remaining.get(offer["product_id"], 0))
    ] + curated_sets.short_lines(list(samples), demand, remaining)


def _by_idempotency_key(
    conn: psycopg.Connection, key: str, fingerprint: str | None
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, request_hash FROM orders WHERE idempotency_key = %s", (key,)
    ).fetchone()
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used with a different request",
            {"idempotency_key": "already used for another request"},
        )
    return get_order(conn, row["id"])


ORDER_SQL = f"SELECT {ORDER_COLUMNS} FROM orders o"


def get_order(conn: psycopg.Connection, order_id: int) -> dict[str, Any]:
    order = conn.execute(ORDER_SQL + " WHERE o.id = %s", (order_id,)).fetchone()
    if order is None:
        raise NotFound(f"no order {order_id}")
    return _with_items(conn, order)


def get_order_by_number(conn: psycopg.Connection, order_number: str) -> dict[str, Any]:
    order = conn.execute(ORDER_SQL + " WHERE o.order_number = %s", (order_number,)).fetchone()
    if order is None:
        raise NotFound("no such order")
    return _with_items(conn, order)


def find_for_shopper(conn: psycopg.Connection, order_number: str, email: str) -> dict[str, Any]:
    """An order as its shopper may see it; the same NotFound whether the number or the
    e-mail is wrong, so the answer never tells which."""
    order = conn.execute(
        ORDER_SQL + " WHERE o.order_number = %s AND lower(o.email) = lower(%s)",
        (order_number.strip().upper(), email.strip()),
    ).fetchone()
    if order is None:
        raise NotFound("no order with that number and e-mail")
    order = _with_items(conn, order)
    order["timeline"] = conn.execute(
        "SELECT status::text AS status, payment_status::text AS payment_status, note, created_at"
        " FROM order_events WHERE order_id = %s ORDER BY created_at, id",
        (order["id"],),
    ).fetchall()
    return order


def _with_items(conn: psycopg.Connection, order: dict[str, Any]) -> dict[str, Any]:
    items = conn.execute(
        """
        SELECT oi.product_id, p.slug, oi.product_name AS name, oi.brand, oi.size_ml, oi.quantity,
               oi.unit_price_cents, oi.line_total_cents, cs.slug AS set
          FROM order_items oi JOIN products p ON p.id = oi.product_id
          LEFT JOIN curated_sets cs ON cs.id = oi.set_id
         WHERE oi.order_id = %s ORDER BY oi.id
        """,
        (order["id"],),
    ).fetchall()
    for item in items:
        item["size_ml"] = ml(item["size_ml"])
    order["items"] = items
    return order


def transition(
    conn: psycopg.Connection,
    order_id: int,
    *,
    status: str | None = None,
    payment_status: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Move an order along its state machine, or refuse and change nothing.

    Must run inside the caller's transaction when more belongs with it (e-mails,
    webhook records); the row is locked first so concurrent moves queue up.
    """
    allowed_fields = {"tracking_number", "cancel_reason", "payment_intent_id", "refunded_cents"}
    if set(fields) - allowed_fields:
        raise ValueError(f"cannot set {set(fields) - allowed_fields}")
    with conn.transaction():
        current = conn.execute(
            "SELECT id, order_number, status::text AS status, payment_status::text AS payment_status"
            " FROM orders WHERE id = %s FOR UPDATE",
            (order_id,),
        ).fetchone()
        if current is None:
            raise NotFound(f"no order {order_id}")
        if status and status != current["status"] and status not in TRANSITIONS[current["status"]]:
            raise InvalidTransition(
                f"order {current['order_number']} cannot move from {current['status']} to {status}",
                {"status": current["status"], "requested": status},
            )
        if (
            payment_status
            and payment_status != current["payment_status"]
            and payment_status not in PAYMENT_TRANSITIONS[current["payment_status"]]
        ):
            raise InvalidTransition(
                f"order {current['order_number']} payment cannot move from "
                f"{current['payment_status']} to {payment_status}",
                {"payment_status": current["payment_status"], "requested": payment_status},
            )
        sets = {**fields}
        if status:
            sets["status"] = status
        if payment_status:
            sets["payment_status"] = payment_status
        if sets:
            assignments = ", ".join(f"{name} = %({name})s" for name in sets)
            try:
                conn.execute(
                    f"UPDATE orders SET {assignments} WHERE id = %(id)s", {**sets, "id": order_id}
                )
            except pg_errors.RaiseException as exc:
                if exc.diag.message_hint == "invalid_transition":
                    raise InvalidTransition(exc.diag.message_primary or "invalid move") from None
                raise
            except pg_errors.CheckViolation as exc:
                if exc.diag.constraint_name == "inventory_never_negative":
                    raise OutOfStock("the stock for this order is gone", []) from None
                raise
        return get_order(conn, order_id)


def cancel_unpaid(
    conn: psycopg.Connection, order_id: int, *, reason: str = "cancelled"
) -> dict[str, Any]:
    """Cancel an order nobody paid for; the database gives its millilitres back once."""
    with conn.transaction():
        order = conn.execute(
            "SELECT status::text AS status, payment_status::text AS payment_status, discount_code"
            " FROM orders WHERE id = %s FOR UPDATE",
            (order_id,),
        ).fetchone()
        if order is None:
            raise NotFound(f"no order {order_id}")
        if order["status"] != "pending" or order["payment_status"] == "paid":
            raise InvalidTransition(
                f"only unpaid pending orders can be cancelled (this one is {order['status']})",
                {"status": order["status"]},
            )
        payment_status = "failed" if reason == "payment_failed" else None
        updated = transition(
            conn, order_id, status="cancelled", payment_status=payment_status, cancel_reason=reason
        )
        if order["discount_code"]:
            conn.execute(
                "UPDATE discount_codes SET used_count = greatest(used_count - 1, 0) WHERE code = %s",
                (order["discount_code"],),
            )
        return updated


def expire_unpaid(conn: psycopg.Connection, *, older_than_minutes: int) -> list[dict[str, Any]]:
    """Cancel pending orders unpaid since their created_at + the expiry window.

    Returns what was expired (number and payment intent) so the caller can cancel
    the intents with the payment provider after the stock is safely back.
    """
    expired = []
    due = conn.execute(
        "SELECT id FROM orders WHERE status = 'pending' AND payment_status <> 'paid'"
        " AND created_at < now() - make_interval(mins => %s) ORDER BY created_at LIMIT 500",
        (older_than_minutes,),
    ).fetchall()
    for row in due:
        with conn.transaction():
            locked = conn.execute(
                "SELECT id FROM orders WHERE id = %s AND status = 'pending'"
                " AND payment_status <> 'paid' FOR UPDATE SKIP LOCKED",
                (row["id"],),
            ).fetchone()
            if locked is None:
                continue
            order = cancel_unpaid(conn, row["id"], reason="expired")
        expired.append(
            {
                "id": order["id"],
                "order_number": order["order_number"],
                "payment_intent_id": order["payment_intent_id"],
                "payment_provider": order["payment_provider"],
            }
        )
    return expired
