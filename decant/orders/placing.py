"""Placing orders and moving them through their life.

Prices come from the database, never from the caller. Stock is taken by the
database (trigger `update_inventory_on_order`) inside the order's transaction, and
the inventory rows are locked in product-id order first, so two carts holding the
same products in a different order queue up instead of deadlocking.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
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

MAX_LINES = 50
PRICE_RACE_ATTEMPTS = 3
MAX_QUANTITY = 100
# pg_advisory_xact_lock(class, key) classes: one e-mail's or one client's unpaid orders.
UNPAID_BY_EMAIL_LOCK = 4_242_101
UNPAID_BY_CLIENT_LOCK = 4_242_102

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
) -> dict[str, Any]:
    """Create the order and reserve its stock, or change nothing.

    Two statements: a read of prices and stock, then one statement that inserts the
    order and its items (and counts the discount code's use) only if every price it
    was given is still the database's price, so the locks on a bottle are held only
    while that statement runs. If an admin changed a price in between, the write
    inserts nothing and the cart is priced again. With an unpaid-orders limit, the
    count and the write share a transaction holding advisory locks on the e-mail and
    the client address, so concurrent orders from one hoarder queue up and cannot all
    pass the count.
    """
    lines = _merged_lines(cart, limits.max_units_per_line)
    fingerprint = cart.fingerprint() if idempotency_key else None
    if idempotency_key:
        existing = _by_idempotency_key(conn, idempotency_key, fingerprint)
        if existing is not None:
            return existing
    for _attempt in range(PRICE_RACE_ATTEMPTS):
        try:
            if limits.max_unpaid_orders is None:
                order = _insert_order(conn, cart, lines, idempotency_key, fingerprint)
            else:
                with conn.transaction():
                    _refuse_beyond_unpaid_limit(conn, cart, limits)
                    order = _insert_order(conn, cart, lines, idempotency_key, fingerprint)
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


UNPAID_SQL = """
SELECT count(*) FILTER (WHERE lower(email) = lower(%(email)s)) AS by_email,
       min(created_at) FILTER (WHERE lower(email) = lower(%(email)s)) AS oldest_by_email,
       count(*) FILTER (WHERE client_address = %(client)s::inet) AS by_client,
       min(created_at) FILTER (WHERE client_address = %(client)s::inet) AS oldest_by_client,
       now() AS now
  FROM orders
 WHERE status = 'pending' AND payment_status IN ('unpaid', 'failed')
   AND (lower(email) = lower(%(email)s) OR client_address = %(client)s::inet)
"""


def _refuse_beyond_unpaid_limit(conn: psycopg.Connection, cart: Cart, limits: OrderLimits) -> None:
    """Within the caller's transaction: lock this e-mail and client, count their unpaid
    pending orders, and refuse with the seconds until the oldest one expires.

    The e-mail's lock is always taken before the client's, so two orders never wait on
    each other in opposite orders."""
    email = cart.email.strip()
    conn.execute(
        "SELECT pg_advisory_xact_lock(%s, hashtext(lower(%s)))", (UNPAID_BY_EMAIL_LOCK, email)
    )
    if cart.client_address:
        conn.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            (UNPAID_BY_CLIENT_LOCK, cart.client_address),
        )
    held = conn.execute(UNPAID_SQL, {"email": email, "client": cart.client_address}).fetchone()
    limit = limits.max_unpaid_orders or 0
    expiry = limits.expiry_minutes * 60
    waits = [
        (held[oldest] - held["now"]).total_seconds() + expiry
        for count, oldest in (("by_email", "oldest_by_email"), ("by_client", "oldest_by_client"))
        if held[count] >= limit
    ]
    if waits:
        raise RateLimited(
            f"at most {limit} unpaid orders at once; pay or cancel one first",
            retry_after=max(1, int(max(waits)) + 1),
        )


# Prices, cost and stock in one statement. Nothing is locked here: the stock is taken
# by the items' trigger, which is what decides, and this read only lets an obviously
# short cart fail fast with its lines.
OFFERS_SQL = """
SELECT p.id AS product_id, p.slug, p.name, p.brand, ps.size_ml, ps.price_cents,
       i.remaining_volume, now() AS now,
       coalesce((SELECT round(sum(b.cost_cents)::numeric / nullif(sum(b.volume_ml), 0), 4)
                   FROM bottle_batches b WHERE b.product_id = p.id), 0) AS cost_per_ml_cents
  FROM products p
  JOIN product_sizes ps ON ps.product_id = p.id AND ps.is_active
  JOIN inventory i ON i.product_id = p.id
 WHERE p.is_active AND p.slug = ANY(%s)
 ORDER BY p.id
"""

ORDER_COLUMNS = """
       id, order_number, email, customer_name, shipping_address, shipping_country,
       status::text AS status, payment_status::text AS payment_status, subtotal_cents,
       shipping_cents, tax_cents, discount_cents, total_cents, refunded_cents, currency,
       discount_code, payment_provider, payment_intent_id, tracking_number, cancel_reason,
       created_at, updated_at, paid_at, shipped_at, delivered_at, cancelled_at, refunded_at
"""

# The order, its items and the discount code's use in one statement, written only
# when every line's price is still the database's. The items' trigger takes the stock
# and the CHECK on inventory refuses it when it is not there. Items go in product-id
# order, so the trigger locks inventory rows in that order and two carts naming the
# same products in another order queue up instead of deadlocking.
INSERT_ORDER = f"""
WITH line AS (
    SELECT *
      FROM jsonb_to_recordset(%(lines)s::jsonb)
           AS item(position integer, product_id bigint, name text, brand text, size_ml numeric,
                   quantity integer, price integer, cost numeric, set_id bigint, set_line integer,
                   set_price integer, set_version timestamptz)
), priced AS (
    SELECT count(*) = %(line_count)s AS still
      FROM line
      JOIN products p ON p.id = line.product_id AND p.is_active
      JOIN product_sizes ps ON ps.product_id = line.product_id AND ps.size_ml = line.size_ml
                           AND ps.is_active
      LEFT JOIN curated_sets cs ON cs.id = line.set_id AND cs.is_active
                               AND cs.price_cents = line.set_price
                               AND cs.updated_at = line.set_version
     WHERE CASE WHEN line.set_id IS NULL THEN ps.price_cents = line.price
                ELSE cs.id IS NOT NULL END
), code_use AS (
    UPDATE discount_codes SET used_count = used_count + 1
     WHERE id = %(code_id)s AND (SELECT still FROM priced)
    RETURNING id
), new_order AS (
    INSERT INTO orders (email, customer_name, shipping_address, shipping_country, subtotal_cents,
                        shipping_cents, tax_cents, discount_cents, total_cents, currency,
                        discount_code, payment_provider, idempotency_key, request_hash,
                        client_address)
    SELECT %(email)s, %(name)s, %(address)s, %(country)s, %(subtotal_cents)s, %(shipping_cents)s,
           %(tax_cents)s, %(discount_cents)s, %(total_cents)s, %(currency)s, %(discount_code)s,
           %(provider)s, %(key)s, %(hash)s, %(client_address)s::inet
     WHERE (SELECT still FROM priced)
    RETURNING {ORDER_COLUMNS}
), redemption AS (
    -- A once-per-e-mail code: the unique index refuses a second live use by one address.
    INSERT INTO discount_redemptions (code_id, order_id, email)
    SELECT %(code_id)s, new_order.id, lower(new_order.email)
      FROM new_order WHERE %(once_per_email)s
    RETURNING 1
), new_items AS (
    INSERT INTO order_items (order_id, product_id, product_name, brand, size_ml, quantity,
                             unit_price_cents, cost_per_ml_cents, set_id, set_line)
    SELECT new_order.id, line.product_id, line.name, line.brand, line.size_ml, line.quantity,
           line.price, line.cost, line.set_id, line.set_line
      FROM new_order, line
     ORDER BY line.position
    RETURNING 1
)
SELECT new_order.*, (SELECT count(*) FROM new_items) AS item_count,
       (SELECT count(*) FROM code_use) AS codes_used
  FROM new_order
"""


@dataclass(frozen=True)
class Quote:
    """A cart priced from the database: its lines with their offers, the code, totals."""

    chosen: list[tuple[CartLine, dict[str, Any]]]
    code: dict[str, Any] | None
    totals: pricing.Totals
    samples: list[SetSample] = field(default_factory=list)


def _insert_order(
    conn: psycopg.Connection,
    cart: Cart,
    lines: list[CartLine],
    idempotency_key: str | None,
    fingerprint: str | None,
) -> dict[str, Any] | None:
    """The order as written, or None when a price changed since it was read."""
    return write_order(conn, cart, quote(conn, cart, lines), idempotency_key, fingerprint)


def quote(conn: psycopg.Connection, cart: Cart, lines: list[CartLine]) -> Quote:
    """Price a (merged) cart from the database; refuses unknown items and short stock."""
    rows = conn.execute(OFFERS_SQL, (sorted({line.slug for line in lines}),)).fetchall()
    samples = curated_sets.samples(conn, cart.sets, max_quantity=MAX_QUANTITY) if cart.sets else []
    offers = {(row["slug"], Decimal(row["size_ml"]).normalize()): row for row in rows}
    faults = {}
    known_slugs = {slug for slug, _ in offers}
    for index, line in enumerate(lines):
        if line.slug not in known_slugs:
            faults[f"items.{index}.slug"] = f"no product {line.slug!r}"
        elif (line.slug, line.size_ml) not in offers:
            faults[f"items.{index}.size_ml"] = f"{line.slug} is not sold in {ml(line.size_ml)} ml"
    if faults:
        raise ValidationError("some items cannot be ordered", faults)

    chosen = sorted(
        ((line, offers[(line.slug, line.size_ml)]) for line in lines),
        key=lambda pair: (pair[1]["product_id"], pair[0].size_ml),
    )
    remaining = {s.product_id: s.remaining_volume for s in samples}
    remaining.update({o["product_id"]: o["remaining_volume"] for _, o in chosen})
    short = _short_lines(chosen, remaining, samples)
    if short:
        raise OutOfStock("not enough stock for some items", short)

    subtotal = sum(offer["price_cents"] * line.quantity for line, offer in chosen)
    subtotal += sum(s.unit_price_cents * s.set_quantity for s in samples)
    code = None
    if cart.discount_code:
        code = conn.execute(
            "SELECT * FROM discount_codes WHERE code = upper(%s)",
            (cart.discount_code.strip(),),
        ).fetchone()
        if code is None:
            raise ValidationError(
                "discount code is not valid", {"discount_code": "this code is not valid"}
            )
        if (
            code.get("once_per_email")
            and conn.execute(
                "SELECT 1 FROM discount_redemptions WHERE code_id = %s AND email = lower(%s)"
                " AND voided_at IS NULL",
                (code["id"], cart.email.strip()),
            ).fetchone()
        ):
            raise _used_by_this_email()
    now = rows[0]["now"] if rows else conn.execute("SELECT now() AS now").fetchone()["now"]
    return Quote(chosen, code, pricing.order_totals(subtotal, cart.country, code, now), samples)


def write_order(
    conn: psycopg.Connection,
    cart: Cart,
    priced: Quote,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> dict[str, Any] | None:
    """Write a quoted order in one statement; None when a price moved since the quote."""
    chosen, code, totals, samples = priced.chosen, priced.code, priced.totals, priced.samples
    try:
        order = conn.execute(
            INSERT_ORDER,
            {
                "email": cart.email.strip(),
                "name": cart.name.strip(),
                "address": json.dumps(cart.shipping_address),
                "country": cart.country,
                "currency": cart.currency,
                "discount_code": code["code"] if code else None,
                "code_id": code["id"] if code else None,
                "once_per_email": bool(code and code.get("once_per_email")),
                "line_count": len(chosen) + len(samples),
                "provider": cart.payment_provider,
                "key": idempotency_key,
                "hash": fingerprint,
                "client_address": cart.client_address,
                # One JSON parameter: far cheaper to send than seven typed arrays.
                "lines": json.dumps(_item_rows(chosen, samples)),
                "subtotal_cents": totals.subtotal_cents,
                "shipping_cents": totals.shipping_cents,
                "discount_cents": totals.discount_cents,
                "tax_cents": totals.tax_cents,
                "total_cents": totals.total_cents,
            },
        ).fetchone()
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
    if order is None:
        return None
    order.pop("item_count")
    order.pop("codes_used")
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
    so the trigger locks bottles in that order whatever the cart holds."""
    rows = [
        {
            "product_id": offer["product_id"],
            "name": offer["name"],
            "brand": offer["brand"],
            "size_ml": str(line.size_ml),
            "quantity": line.quantity,
            "price": offer["price_cents"],
            "cost": str(offer["cost_per_ml_cents"]),
        }
        for line, offer in chosen
    ] + [
        {
            "product_id": s.product_id,
            "name": s.name,
            "brand": s.brand,
            "size_ml": str(s.size_ml),
            "quantity": s.set_quantity,
            "price": s.unit_price_cents,
            "cost": str(s.cost_per_ml_cents),
            "set_id": s.set_id,
            "set_line": s.set_line,
            "set_price": s.set_price_cents,
            "set_version": s.set_version.isoformat(),
        }
        for s in samples
    ]
    rows.sort(key=lambda row: (row["product_id"], row.get("set_line", -1)))
    return [{**row, "position": position} for position, row in enumerate(rows)]


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
