"""The one finalize path: what a payment provider says happened, applied once.

Stripe webhooks and the demo's confirm button both end here. The event id is
recorded in `webhook_events` in the same transaction as its effect, before anything
else: a second delivery (even a concurrent one, which waits on the unique index)
finds it and changes nothing. The order row is locked, so two different events for
one order queue up. Events may arrive in any order; each handler looks at the
order's current state, so any sequence ends in the same place:

- succeeded after failed/cancelled -> paid (the database takes the stock again);
- failed or cancelled after succeeded -> ignored;
- refunded before succeeded -> paid, then refunded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from decant.errors import OutOfStock
from decant.mail import composing
from decant.orders import placing

log = logging.getLogger("decant.payments")

LOCKED_ORDER_SQL = """
SELECT id, order_number, status::text AS status, payment_status::text AS payment_status,
       total_cents, refunded_cents, currency, discount_code, payment_intent_id
  FROM orders WHERE {where} FOR UPDATE
"""


def apply_payment_event(
    conn: psycopg.Connection, event: dict[str, Any], *, provider: str = "stripe"
) -> str:
    """Apply one provider event exactly once; return what happened (the outcome
    recorded in webhook_events, or "duplicate" when it was applied before)."""
    event_id = str(event["id"])
    kind = str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    with conn.transaction():
        recorded = conn.execute(
            "INSERT INTO webhook_events (provider, event_id, event_type, outcome, payload)"
            " VALUES (%s, %s, %s, 'received', %s)"
            " ON CONFLICT (provider, event_id) DO NOTHING RETURNING id",
            (provider, event_id, kind, Jsonb(_summary(obj))),
        ).fetchone()
        if recorded is None:
            return "duplicate"
        handler = HANDLERS.get(kind)
        order, outcome = (None, "ignored") if handler is None else _locked_order(conn, obj)
        if order is not None and handler is not None:
            outcome = handler(conn, order, obj)
        conn.execute(
            "UPDATE webhook_events SET outcome = %s, order_id = %s WHERE id = %s",
            (outcome, order["id"] if order else None, recorded["id"]),
        )
    log.info(
        "payment event applied",
        extra={
            "event_id": event_id,
            "event_type": kind,
            "outcome": outcome,
            "order_number": order["order_number"] if order else None,
        },
    )
    return outcome


def _summary(obj: dict[str, Any]) -> dict[str, Any]:
    """What is worth keeping of the event: no card details, no customer data."""
    keep = (
        "id",
        "object",
        "amount",
        "amount_received",
        "amount_refunded",
        "currency",
        "status",
        "payment_intent",
        "metadata",
    )
    return {key: obj[key] for key in keep if key in obj}


def _intent_id(obj: dict[str, Any]) -> str | None:
    if obj.get("object") == "charge" or "payment_intent" in obj:
        return obj.get("payment_intent")
    return obj.get("id")


def _locked_order(
    conn: psycopg.Connection, obj: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    intent_id = _intent_id(obj)
    number = ((obj.get("metadata") or {}).get("order_number") or "").strip().upper()
    if intent_id:
        order = conn.execute(
            LOCKED_ORDER_SQL.format(where="payment_intent_id = %s"), (intent_id,)
        ).fetchone()
        if order is not None:
            return order, "applied"
    if not number:
        return None, "unknown_order"
    order = conn.execute(LOCKED_ORDER_SQL.format(where="order_number = %s"), (number,)).fetchone()
    if order is None:
        return None, "unknown_order"
    if order["payment_intent_id"] and intent_id and order["payment_intent_id"] != intent_id:
        log.warning("event for order %s names another payment intent", number)
        return None, "intent_mismatch"
    if intent_id and not order["payment_intent_id"]:
        conn.execute(
            "UPDATE orders SET payment_intent_id = %s WHERE id = %s", (intent_id, order["id"])
        )
        order["payment_intent_id"] = intent_id
    return order, "applied"


def _amount_matches(order: dict[str, Any], amount: Any, currency: Any) -> bool:
    try:
        cents = int(amount)
    except (TypeError, ValueError):
        return False
    return cents == order["total_cents"] and str(currency).lower() == order["currency"].lower()


def _refuse_amount(order: dict[str, Any], amount: Any, currency: Any) -> str:
    log.warning(
        "payment amount does not match order %s: got %s %s, order is %s %s",
        order["order_number"],
        amount,
        currency,
        order["total_cents"],
        order["currency"],
    )
    return "amount_mismatch"


def _mark_paid(conn: psycopg.Connection, order: dict[str, Any]) -> str:
    if order["payment_status"] in ("paid", "refunded") or order["status"] not in (
        "pending",
        "cancelled",
    ):
        return "already_paid"
    try:
        with conn.transaction():
            placing.transition(conn, order["id"], status="paid", payment_status="paid")
            if order["status"] == "cancelled" and order["discount_code"]:
                # Cancelling gave the code's use back; the late payment takes it again.
                conn.execute(
                    "UPDATE discount_codes SET used_count = used_count + 1"
                    " WHERE code = %s AND (max_uses IS NULL OR used_count < max_uses)",
                    (order["discount_code"],),
                )
    except OutOfStock:
        log.error(
            "order %s was paid after it was cancelled and its stock is gone: refund it",
            order["order_number"],
        )
        return "paid_but_stock_gone"
    composing.enqueue(conn, "confirmation", order["id"])
    return "paid"


def _succeeded(conn: psycopg.Connection, order: dict[str, Any], obj: dict[str, Any]) -> str:
    amount = obj.get("amount_received", obj.get("amount"))
    if not _amount_matches(order, amount, obj.get("currency")):
        return _refuse_amount(order, amount, obj.get("currency"))
    return _mark_paid(conn, order)


def _cancelled_by(
    reason: str,
) -> Callable[[psycopg.Connection, dict[str, Any], dict[str, Any]], str]:
    def cancel(conn: psycopg.Connection, order: dict[str, Any], obj: dict[str, Any]) -> str:
        if reason == "cancelled":
            # The intent is finished at the provider; the expiry job need not cancel it.
            conn.execute(
                "UPDATE orders SET intent_cancelled_at = coalesce(intent_cancelled_at, now())"
                " WHERE id = %s",
                (order["id"],),
            )
        if order["status"] != "pending" or order["payment_status"] == "paid":
            return "ignored"
        placing.cancel_unpaid(conn, order["id"], reason=reason)
        return "cancelled"

    return cancel


def _refunded(conn: psycopg.Connection, order: dict[str, Any], obj: dict[str, Any]) -> str:
    if order["payment_status"] in ("unpaid", "failed"):
        # The refund overtook the success event: the payment happened, record it first.
        if not _amount_matches(order, obj.get("amount"), obj.get("currency")):
            return _refuse_amount(order, obj.get("amount"), obj.get("currency"))
        if _mark_paid(conn, order) != "paid":
            return "ignored"
        order = conn.execute(LOCKED_ORDER_SQL.format(where="id = %s"), (order["id"],)).fetchone()
    if order["payment_status"] != "paid":
        return "already_refunded"
    try:
        amount_refunded = int(obj.get("amount_refunded") or 0)
    except (TypeError, ValueError):
        return "ignored"
    refunded = min(max(order["refunded_cents"], amount_refunded), order["total_cents"])
    if refunded == order["refunded_cents"]:
        return "already_refunded"
    if refunded >= order["total_cents"]:
        updated = placing.transition(
            conn, order["id"], status="refunded", payment_status="refunded", refunded_cents=refunded
        )
    else:
        updated = placing.transition(conn, order["id"], refunded_cents=refunded)
    composing.enqueue(conn, "refunded", updated)
    return "refunded" if updated["status"] == "refunded" else "partially_refunded"


HANDLERS: dict[str, Callable[[psycopg.Connection, dict[str, Any], dict[str, Any]], str]] = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _cancelled_by("payment_failed"),
    "payment_intent.canceled": _cancelled_by("cancelled"),
    "charge.refunded": _refunded,
}
