"""A customer's data on request (GDPR articles 15 and 17): everything the shop holds
under one e-mail address, as a JSON export, and its erasure.

Erasing anonymises rather than deletes: the orders stay, with their lines, totals,
dates and country (the books and the tax office need them for years), while the
e-mail becomes `erased-<order id>@invalid` and the name, the shipping address and the
client's IP address are emptied. Back-in-stock subscriptions are deleted and the
e-mails sent to the address lose their recipient, subject and bodies. Both the export
and the erasure are audited; the audit entry names the customer by a hash of the
address, so the log itself keeps no personal data after an erasure.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import psycopg
from pydantic import TypeAdapter

from decant.catalog.reading import ml
from decant.errors import Conflict, Forbidden, ValidationError
from decant.orders import placing
from decant.staff import audit
from decant.staff.audit import Actor

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ERASED_DOMAIN = "invalid"
AS_JSON = TypeAdapter(Any)


def normalised(email: str, field: str = "email") -> str:
    """The address as the shop stores it (lower case), or a 422 naming the field."""
    value = (email or "").strip().lower()
    if len(value) > 254 or not EMAIL_SHAPE.fullmatch(value):
        raise ValidationError("not an e-mail address", {field: "an e-mail address"})
    return value


def subject_id(email: str) -> str:
    """How the audit log names a customer without keeping the address."""
    return "sha256:" + hashlib.sha256(email.encode()).hexdigest()[:16]


def _order_ids(conn: psycopg.Connection, email: str) -> list[int]:
    return [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM orders WHERE lower(email) = %s ORDER BY created_at, id", (email,)
        ).fetchall()
    ]


def export(conn: psycopg.Connection, actor: Actor, email: str) -> dict[str, Any]:
    """Everything held under `email`: orders with their lines, back-in-stock alerts and
    the e-mails sent to it. The owner's alone; audited."""
    _owner(actor)
    email = normalised(email)
    with conn.transaction():
        found = {
            "email": email,
            "exported_at": datetime.now(UTC).isoformat(),
            "orders": [placing.get_order(conn, i) for i in _order_ids(conn, email)],
            "stock_alerts": [
                {**a, "size_ml": ml(a["size_ml"])}
                for a in conn.execute(
                    "SELECT p.slug, p.name, a.size_ml, a.created_at, a.confirmed_at, a.notified_at"
                    " FROM stock_alerts a JOIN products p ON p.id = a.product_id"
                    " WHERE a.email = %s ORDER BY a.created_at, a.id",
                    (email,),
                ).fetchall()
            ],
            "emails": conn.execute(
                "SELECT kind, to_address, subject, text_body, status::text AS status,"
                " created_at, sent_at FROM email_outbox WHERE lower(to_address) = %s"
                " ORDER BY created_at, id",
                (email,),
            ).fetchall(),
        }
        audit.record(
            conn,
            actor,
            "export",
            "customer",
            subject_id(email),
            after=_counts(found),
        )
    return AS_JSON.dump_python(found, mode="json")


def _counts(found: dict[str, Any]) -> dict[str, int]:
    return {
        "orders": len(found["orders"]),
        "stock_alerts": len(found["stock_alerts"]),
        "emails": len(found["emails"]),
    }


def erase(conn: psycopg.Connection, actor: Actor, email: str, confirm: str) -> dict[str, int]:
    """Anonymise what is held under `email`; `confirm` is the address typed again.
    Returns how many orders, alerts and e-mails were touched."""
    _owner(actor)
    email = normalised(email)
    if normalised(confirm, "confirm_email") != email:
        raise ValidationError(
            "type the same e-mail address again to confirm", {"confirm_email": "must match email"}
        )
    with conn.transaction():
        order_ids = _order_ids(conn, email)
        open_orders = conn.execute(
            "SELECT order_number FROM orders WHERE id = ANY(%s)"
            " AND status IN ('pending', 'paid', 'processing') ORDER BY id FOR UPDATE",
            (order_ids,),
        ).fetchall()
        if open_orders:
            # Its shipping and e-mails still need the address; erase once it is done.
            numbers = ", ".join(o["order_number"] for o in open_orders)
            raise Conflict(
                f"order(s) {numbers} not shipped or cancelled yet: erase once they are",
                {"email": "has open orders"},
            )
        conn.execute(
            "UPDATE orders SET email = 'erased-' || id || '@' || %s, customer_name = '',"
            " shipping_address = '{}', client_address = NULL WHERE id = ANY(%s)",
            (ERASED_DOMAIN, order_ids),
        )
        conn.execute(
            "UPDATE discount_redemptions SET email = 'erased-' || order_id || '@' || %s"
            " WHERE order_id = ANY(%s) OR email = %s",
            (ERASED_DOMAIN, order_ids, email),
        )
        alerts = conn.execute("DELETE FROM stock_alerts WHERE email = %s", (email,)).rowcount
        # Sent e-mails keep their row (when, which kind) without recipient or text; one
        # not sent yet is dropped, as it would now go to nobody.
        mails = conn.execute(
            "DELETE FROM email_outbox WHERE status <> 'sent'"
            " AND (lower(to_address) = %s OR order_id = ANY(%s))",
            (email, order_ids),
        ).rowcount
        mails += conn.execute(
            "UPDATE email_outbox SET to_address = %s, subject = '(erased)', html_body = '',"
            " text_body = '' WHERE status = 'sent' AND (lower(to_address) = %s OR order_id = ANY(%s))",
            (f"erased@{ERASED_DOMAIN}", email, order_ids),
        ).rowcount
        counts = {"orders": len(order_ids), "stock_alerts": alerts, "emails": mails}
        audit.record(conn, actor, "erase", "customer", subject_id(email), after=counts)
    return counts


def _owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise Forbidden("only the owner may export or erase a customer's data")
