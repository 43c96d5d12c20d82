"""Telling the owner: each `owner_notifications` row (low stock, a paid order, the
digest, a doctor finding) becomes, once, an e-mail to DECANT_OWNER_EMAIL and a JSON
POST to DECANT_ALERT_WEBHOOK_URL.

The rows are written where the event happens (a trigger in the stock change's or the
payment's own transaction; decant.ops.schedule for the digest and doctor). Dispatching
claims them with FOR UPDATE SKIP LOCKED and queues both channels in one transaction
with dedupe keys, so a row is told exactly once whatever the number of workers. The
sending itself is the outboxes' job (decant.mail.outbox, decant.mail.alert_webhooks).
"""

from __future__ import annotations

import html
import json
from decimal import Decimal
from typing import Any

import psycopg

from decant.mail.composing import money
from decant.platform.config import Settings

# Doctor findings are for whoever watches the shop's alerts channel; the owner's inbox
# gets the business side (stock, orders, the digest).
EMAIL_KINDS = frozenset({"low_stock", "paid_order", "digest"})


def note(conn: psycopg.Connection, kind: str, dedupe_key: str, subject: str, text: str) -> bool:
    """Record a notification in the caller's transaction; False when the key was
    recorded before (the digest of a day, a finding already told today)."""
    row = conn.execute(
        "INSERT INTO owner_notifications (kind, dedupe_key, details) VALUES (%s, %s, %s)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (kind, dedupe_key, json.dumps({"subject": subject, "text": text})),
    ).fetchone()
    return row is not None


def _ml(value: Any) -> str:
    number = Decimal(str(value)).normalize()
    return f"{number:f} ml"


def render(conn: psycopg.Connection, row: dict[str, Any]) -> tuple[str, str]:
    """(subject, plain text) of one notification, read at dispatch time."""
    details = row["details"]
    if row["kind"] == "low_stock":
        product = conn.execute(
            "SELECT name, brand, slug FROM products WHERE id = %s", (details["product_id"],)
        ).fetchone() or {"name": f"product {details['product_id']}", "brand": "", "slug": ""}
        subject = f"Low stock: {product['name']} ({_ml(details['remaining_ml'])} left)"
        text = (
            f"{product['brand']} {product['name']} has {_ml(details['remaining_ml'])} left,"
            f" at or below its threshold of {_ml(details['threshold_ml'])}."
            " Time to reorder a bottle."
        )
        return subject, text
    if row["kind"] == "paid_order":
        order = conn.execute(
            "SELECT o.order_number, o.total_cents, o.currency,"
            " (SELECT coalesce(sum(quantity), 0) FROM order_items WHERE order_id = o.id) AS units"
            " FROM orders o WHERE o.id = %s",
            (details["order_id"],),
        ).fetchone()
        if order is None:
            return "Paid order", f"Order {details['order_id']} was paid."
        total = money(order["total_cents"], order["currency"])
        subject = f"Paid order {order['order_number']}: {total}"
        return (
            subject,
            f"Order {order['order_number']} was paid: {order['units']} item(s), {total}.",
        )
    return details["subject"], details["text"]


def dispatch(conn: psycopg.Connection, settings: Settings, *, limit: int = 100) -> int:
    """Queue the waiting notifications on the configured channels; return how many
    rows were handled. Without a channel a row is still stamped: nobody to tell."""
    with conn.transaction():
        rows = conn.execute(
            "SELECT id, kind, details FROM owner_notifications WHERE dispatched_at IS NULL"
            " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            (limit,),
        ).fetchall()
        for row in rows:
            wanted = row["kind"] != "paid_order" or settings.notify_paid_orders
            if not wanted or not (settings.owner_email or settings.alert_webhook_url):
                continue
            subject, text = render(conn, row)
            if settings.owner_email and row["kind"] in EMAIL_KINDS:
                conn.execute(
                    "INSERT INTO email_outbox (kind, dedupe_key, to_address, subject,"
                    " html_body, text_body) VALUES (%s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (dedupe_key) DO NOTHING",
                    (
                        f"owner_{row['kind']}",
                        f"owner-notification:{row['id']}:email",
                        settings.owner_email,
                        subject,
                        f"<h1>{html.escape(subject)}</h1>\n<pre>{html.escape(text)}</pre>\n",
                        f"{subject}\n\n{text}\n",
                    ),
                )
            if settings.alert_webhook_url:
                conn.execute(
                    "INSERT INTO webhook_outbox (notification_id, dedupe_key, url, payload)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT (dedupe_key) DO NOTHING",
                    (
                        row["id"],
                        f"owner-notification:{row['id']}:webhook",
                        settings.alert_webhook_url,
                        json.dumps({"text": f"{subject}\n{text}"}),
                    ),
                )
        if rows:
            conn.execute(
                "UPDATE owner_notifications SET dispatched_at = now() WHERE id = ANY(%s)",
                ([r["id"] for r in rows],),
            )
    return len(rows)
