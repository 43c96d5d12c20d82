"""Orders as the shop sees them: find, read in full, fulfil, cancel, refund, export.

Moves go through `decant.orders.placing.transition` (the state machine, enforced again by the
database); the shipping e-mail and the audit entry are written in the same
transaction as the move, so a shopper is told exactly when the order moved.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg

from decant.catalog.reading import ml
from decant.errors import InvalidTransition, ValidationError
from decant.mail import composing
from decant.orders import placing
from decant.payments import providers
from decant.platform import csv_cells
from decant.staff import audit
from decant.staff.audit import Actor

PER_PAGE = 50
STATUSES = ("pending", "paid", "processing", "shipped", "delivered", "cancelled", "refunded")
PAYMENT_STATUSES = ("unpaid", "paid", "failed", "refunded")
# What fulfilment may do by hand; payment moves belong to the payment provider.
FULFILMENT = ("processing", "shipped", "delivered")


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    payment_status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    page: int = 1
    per_page: int = PER_PAGE

    def check(self) -> OrderFilters:
        faults = {}
        if self.status and self.status not in STATUSES:
            faults["status"] = f"one of {', '.join(STATUSES)}"
        if self.payment_status and self.payment_status not in PAYMENT_STATUSES:
            faults["payment_status"] = f"one of {', '.join(PAYMENT_STATUSES)}"
        if not 1 <= self.per_page <= 500:
            faults["per_page"] = "between 1 and 500"
        if faults:
            raise ValidationError("the filters are not valid", faults)
        return self


def _where(filters: OrderFilters) -> tuple[str, dict[str, Any]]:
    where = ["true"]
    params: dict[str, Any] = {}
    if filters.status:
        where.append("o.status = %(status)s::order_status")
        params["status"] = filters.status
    if filters.payment_status:
        where.append("o.payment_status = %(payment_status)s::payment_status")
        params["payment_status"] = filters.payment_status
    if filters.date_from:
        where.append("o.created_at >= %(date_from)s::date")
        params["date_from"] = filters.date_from
    if filters.date_to:
        where.append("o.created_at < %(date_to)s::date")
        params["date_to"] = filters.date_to + timedelta(days=1)
    if filters.q:
        text = filters.q.strip()
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if "@" in text:
            where.append("lower(o.email) LIKE %(prefix)s")
            params["prefix"] = escaped.lower() + "%"
        else:
            where.append("(o.order_number LIKE %(number)s OR lower(o.email) LIKE %(prefix)s)")
            params["number"] = escaped.upper() + "%"
            params["prefix"] = escaped.lower() + "%"
    return " AND ".join(where), params


LIST_COLUMNS = """
o.id, o.order_number, o.email, o.customer_name, o.status::text AS status,
o.payment_status::text AS payment_status, o.total_cents, o.refunded_cents, o.currency,
o.shipping_country, o.tracking_number, o.created_at
"""


def list_orders(
    conn: psycopg.Connection, filters: OrderFilters
) -> tuple[list[dict[str, Any]], int]:
    """One page of orders, newest first, and how many match."""
    filters.check()
    where, params = _where(filters)
    rows = conn.execute(
        f"SELECT {LIST_COLUMNS} FROM orders o WHERE {where}"
        " ORDER BY o.created_at DESC, o.id DESC LIMIT %(limit)s OFFSET %(offset)s",
        {
            **params,
            "limit": filters.per_page,
            "offset": (max(filters.page, 1) - 1) * filters.per_page,
        },
    ).fetchall()
    total = conn.execute(f"SELECT count(*) AS n FROM orders o WHERE {where}", params).fetchone()[
        "n"
    ]
    return rows, total


def detail(conn: psycopg.Connection, order_id: int) -> dict[str, Any]:
    """The order with its items, timeline, payment events, e-mails and admin history."""
    order = placing.get_order(conn, order_id)
    order["timeline"] = conn.execute(
        "SELECT status::text AS status, payment_status::text AS payment_status, note, created_at"
        " FROM order_events WHERE order_id = %s ORDER BY created_at, id",
        (order_id,),
    ).fetchall()
    order["payment_events"] = conn.execute(
        "SELECT provider, event_id, event_type, outcome, received_at FROM webhook_events"
        " WHERE order_id = %s ORDER BY received_at, id",
        (order_id,),
    ).fetchall()
    order["emails"] = conn.execute(
        "SELECT kind, to_address, subject, status::text AS status, attempts, created_at, sent_at,"
        " last_error FROM email_outbox WHERE order_id = %s ORDER BY created_at, id",
        (order_id,),
    ).fetchall()
    order["history"] = conn.execute(
        "SELECT actor, action, before, after, host(ip) AS ip, created_at FROM audit_log"
        " WHERE entity = 'order' AND entity_id = %s ORDER BY created_at, id",
        (str(order_id),),
    ).fetchall()
    order["next_moves"] = [
        s for s in FULFILMENT if s in placing.TRANSITIONS.get(order["status"], frozenset())
    ]
    order["can_cancel"] = order["status"] == "pending" and order["payment_status"] != "paid"
    order["refundable_cents"] = (
        order["total_cents"] - order["refunded_cents"] if order["payment_status"] == "paid" else 0
    )
    return order


def move(
    conn: psycopg.Connection,
    actor: Actor,
    order_id: int,
    status: str,
    *,
    tracking_number: str | None = None,
) -> dict[str, Any]:
    """processing → shipped (with a tracking number, e-mailing the shopper) → delivered."""
    if status not in FULFILMENT:
        raise ValidationError(
            "not a fulfilment step", {"status": f"one of {', '.join(FULFILMENT)}"}
        )
    tracking = (tracking_number or "").strip()
    if status == "shipped" and not tracking:
        raise ValidationError(
            "a shipped order needs its tracking number", {"tracking_number": "required"}
        )
    if len(tracking) > 100:
        raise ValidationError("tracking number too long", {"tracking_number": "at most 100"})
    with conn.transaction():
        before = placing.get_order(conn, order_id)
        if before["status"] == status:
            raise InvalidTransition(
                f"order {before['order_number']} is already {status}", {"status": status}
            )
        fields = {"tracking_number": tracking} if status == "shipped" else {}
        updated = placing.transition(conn, order_id, status=status, **fields)
        if status == "shipped":
            composing.enqueue(conn, "shipped", updated)
        audit.record(
            conn,
            actor,
            "status",
            "order",
            order_id,
            before={"status": before["status"], "tracking_number": before["tracking_number"]},
            after={"status": updated["status"], "tracking_number": updated["tracking_number"]},
        )
        return updated


def cancel(
    conn: psycopg.Connection, actor: Actor, order_id: int, *, reason: str = "cancelled by the shop"
) -> dict[str, Any]:
    """Cancel an unpaid order; the database gives its stock back."""
    with conn.transaction():
        before = placing.get_order(conn, order_id)
        updated = placing.cancel_unpaid(conn, order_id, reason=reason[:200] or "cancelled")
        audit.record(
            conn,
            actor,
            "cancel",
            "order",
            order_id,
            before={"status": before["status"]},
            after={"status": updated["status"], "reason": reason},
        )
        return updated


def refund(
    conn: psycopg.Connection, actor: Actor, provider: Any, order_id: int, amount_cents: int
) -> dict[str, Any]:
    """Full or partial refund through the payment provider (owner only; checked there
    too). decant.payments.providers calls the provider outside any transaction and records the
    refund, its e-mail and its audit entry together."""
    return providers.refund_order(
        conn,
        provider,
        order_id,
        amount_cents,
        {"id": actor.id, "email": actor.email, "role": actor.role, "ip": actor.ip},
    )


EXPORT_HEADER = [
    "order_number",
    "created_at",
    "email",
    "customer_name",
    "status",
    "payment_status",
    "items",
    "subtotal_cents",
    "shipping_cents",
    "discount_cents",
    "tax_cents",
    "total_cents",
    "refunded_cents",
    "currency",
    "shipping_country",
    "tracking_number",
]


def export_csv(conn: psycopg.Connection, filters: OrderFilters) -> str:
    """Every order matching the filters (not just one page), for the accountant."""
    filters.check()
    where, params = _where(filters)
    out = io.StringIO()
    # CRLF as RFC 4180 says: then a field holding a bare \r is quoted too.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    with conn.cursor() as cur:
        cur.execute(
            f"""
            SELECT o.order_number, o.created_at, o.email, o.customer_name, o.status::text AS status,
                   o.payment_status::text AS payment_status,
                   (SELECT string_agg(oi.quantity || ' x ' || oi.product_name || ' '
                                      || trim_scale(oi.size_ml) || ' ml', '; ' ORDER BY oi.id)
                      FROM order_items oi WHERE oi.order_id = o.id) AS items,
                   o.subtotal_cents, o.shipping_cents, o.discount_cents, o.tax_cents, o.total_cents,
                   o.refunded_cents, o.currency, o.shipping_country, o.tracking_number
              FROM orders o WHERE {where} ORDER BY o.created_at, o.id
            """,
            params,
        )
        for row in cur:
            row["created_at"] = row["created_at"].isoformat()
            writer.writerow([csv_cells.guard(row[name]) for name in EXPORT_HEADER])
    return out.getvalue()


def packing_slip(conn: psycopg.Connection, order_id: int) -> dict[str, Any]:
    order = placing.get_order(conn, order_id)
    order["total_ml"] = ml(sum(i["size_ml"] * i["quantity"] for i in order["items"]))
    return order
