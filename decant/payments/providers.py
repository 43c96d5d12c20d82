"""Taking money: a small provider interface, Stripe and a clearly labelled demo.

The provider is only ever called outside a database transaction: a slow or failing
payment API must never hold row locks on orders or stock. What the provider says
comes back through one path, `decant.payments.payment_events.apply_payment_event`, whether it
arrives as a signed webhook or from the demo's "confirm" button.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import psycopg
import stripe
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

from decant.errors import (
    Conflict,
    DecantError,
    Forbidden,
    NotFound,
    PaymentError,
    Unavailable,
    ValidationError,
)
from decant.mail import composing
from decant.orders import placing
from decant.payments import payment_events
from decant.platform.config import ConfigError, Settings

log = logging.getLogger("decant.payments")

DEMO_PUBLISHABLE_KEY = "demo"
STRIPE_TIMEOUT_SECONDS = 15


class InvalidSignature(DecantError):
    """A webhook whose signature or timestamp does not verify."""

    code = "invalid_signature"


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    amount_cents: int
    currency: str
    status: str


class PaymentProvider(Protocol):
    """What the shop needs from whoever takes the money."""

    name: str
    publishable_key: str

    def create_or_reuse_intent(self, order: dict[str, Any]) -> Intent: ...

    def cancel_intent(self, intent_id: str) -> None: ...

    def refund(self, intent_id: str, amount_cents: int, idempotency_key: str) -> str: ...

    def healthy(self) -> bool: ...


def intent_idempotency_key(order: dict[str, Any]) -> str:
    """Same order, amount and currency -> the same key, so a retried or concurrent
    checkout can only ever make one PaymentIntent at Stripe."""
    return f"decant-pi:{order['order_number']}:{order['total_cents']}:{order['currency'].lower()}"


class StripeProvider:
    """Stripe Payment Intents through the official client (`STRIPE_API_BASE` lets
    tests point it at a local fake)."""

    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        if not settings.stripe_secret_key:
            raise ConfigError("setting STRIPE_SECRET_KEY: required for the Stripe provider")
        self.publishable_key = settings.stripe_publishable_key or ""
        self.client = stripe.StripeClient(
            settings.stripe_secret_key,
            base_addresses={"api": settings.stripe_api_base},
            http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
            max_network_retries=2,
        )

    def create_or_reuse_intent(self, order: dict[str, Any]) -> Intent:
        try:
            if order.get("payment_intent_id"):
                found = self.client.v1.payment_intents.retrieve(order["payment_intent_id"])
            else:
                found = self.client.v1.payment_intents.create(
                    params={
                        "amount": order["total_cents"],
                        "currency": order["currency"].lower(),
                        "metadata": {"order_number": order["order_number"]},
                        "description": f"Decant order {order['order_number']}",
                        "automatic_payment_methods": {"enabled": True},
                    },
                    options={"idempotency_key": intent_idempotency_key(order)},
                )
        except stripe.StripeError as exc:
            log.warning("stripe refused or was unreachable: %s", type(exc).__name__)
            raise PaymentError("the payment provider is not available, please try again") from None
        return Intent(
            id=found["id"],
            client_secret=found["client_secret"],
            amount_cents=int(found["amount"]),
            currency=str(found["currency"]).upper(),
            status=str(found["status"]),
        )

    def cancel_intent(self, intent_id: str) -> None:
        try:
            self.client.v1.payment_intents.cancel(intent_id)
        except stripe.InvalidRequestError as exc:
            # Already cancelled or already paid: nothing left to cancel. A paid one is
            # finalized by its webhook (cancelled -> paid takes the stock again).
            if exc.code == "payment_intent_unexpected_state":
                return
            raise PaymentError(f"could not cancel {intent_id}") from None
        except stripe.StripeError:
            raise PaymentError(f"could not cancel {intent_id}") from None

    def refund(self, intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount_cents},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            log.warning("stripe refused the refund: %s", type(exc).__name__)
            raise PaymentError("the payment provider refused or could not be reached") from None
        return str(refund["id"])

    def healthy(self) -> bool:
        try:
            self.client.v1.balance.retrieve()
            return True
        except stripe.StripeError:
            return False


class DemoProvider:
    """DEMO ONLY — takes no money. Lets a fresh shop be bought from end to end
    without Stripe keys; refused when DECANT_ENV=production."""

    name = "demo"
    publishable_key = DEMO_PUBLISHABLE_KEY

    def create_or_reuse_intent(self, order: dict[str, Any]) -> Intent:
        intent_id = order.get("payment_intent_id") or f"demo_pi_{order['order_number']}"
        return Intent(
            id=intent_id,
            client_secret=f"{intent_id}_secret_demo",
            amount_cents=order["total_cents"],
            currency=order["currency"],
            status="requires_payment_method",
        )

    def cancel_intent(self, intent_id: str) -> None:
        return None

    def refund(self, intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        return f"demo_re_{idempotency_key}"

    def healthy(self) -> bool:
        return True


class UnconfiguredProvider:
    """No Stripe key and no DECANT_DEMO_PAYMENTS=1: nothing takes money, so checkout
    says so instead of quietly falling back to a provider that marks orders paid."""

    name = "none"
    publishable_key = ""

    def _refuse(self) -> Unavailable:
        return Unavailable(
            "payments are not configured (set STRIPE_SECRET_KEY, or DECANT_DEMO_PAYMENTS=1"
            " for a demo shop)"
        )

    def create_or_reuse_intent(self, order: dict[str, Any]) -> Intent:
        raise self._refuse()

    def cancel_intent(self, intent_id: str) -> None:
        raise self._refuse()

    def refund(self, intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        raise self._refuse()

    def healthy(self) -> bool:
        return False


def provider_for(settings: Settings) -> PaymentProvider:
    """Stripe when a secret key is set; the demo only when DECANT_DEMO_PAYMENTS=1 (never
    in production); otherwise nothing, so an unset variable can never mean free orders."""
    if settings.stripe_secret_key:
        return StripeProvider(settings)
    if settings.is_production:
        raise ConfigError(
            "setting STRIPE_SECRET_KEY: required in production (the demo payment provider"
            " takes no money and is refused when DECANT_ENV=production)"
        )
    if settings.demo_payments_enabled:
        return DemoProvider()
    return UnconfiguredProvider()


@dataclass(frozen=True)
class Checkout:
    payment_intent_id: str
    client_secret: str
    publishable_key: str
    amount_cents: int
    currency: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _outside_transaction(conn: psycopg.Connection) -> None:
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("the payment provider must not be called inside a transaction")


def start_checkout(
    conn: psycopg.Connection, provider: PaymentProvider, order_number: str, email: str
) -> Checkout:
    """Create the order's PaymentIntent, or return the one it already has.

    The provider is called with no transaction open; the intent id is stored
    afterwards. Two concurrent calls share Stripe's idempotency key, so both get the
    same intent and the second store is a no-op.
    """
    _outside_transaction(conn)
    order = placing.find_for_shopper(conn, order_number, email)
    if order["status"] != "pending" or order["payment_status"] == "paid":
        if order["payment_status"] in ("paid", "refunded"):
            raise Conflict("this order is already paid", {"status": order["status"]})
        raise Conflict(
            "this order was cancelled or expired; please place it again",
            {"status": order["status"]},
        )
    intent = provider.create_or_reuse_intent(order)
    if intent.amount_cents != order["total_cents"]:
        # Never let a shopper pay an amount the order does not say.
        log.error("intent %s amount differs from order %s", intent.id, order["order_number"])
        raise PaymentError("the payment could not be prepared, please contact the shop")
    if order["payment_intent_id"] != intent.id:
        stored = conn.execute(
            "UPDATE orders SET payment_intent_id = %s, payment_provider = %s"
            " WHERE id = %s AND payment_intent_id IS NULL RETURNING id",
            (intent.id, provider.name, order["id"]),
        ).fetchone()
        if stored is None:
            # A concurrent checkout stored its intent first; answer with that one.
            return start_checkout(conn, provider, order_number, email)
    return Checkout(
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        publishable_key=provider.publishable_key,
        amount_cents=order["total_cents"],
        currency=order["currency"],
    )


def demo_confirm(
    conn: psycopg.Connection, provider: PaymentProvider, order_number: str, email: str
) -> dict[str, Any]:
    """The demo's "pay" button: the same finalize path a Stripe webhook drives."""
    if not isinstance(provider, DemoProvider):
        raise NotFound("no such route")
    order = placing.find_for_shopper(conn, order_number, email)
    if order["payment_status"] not in ("paid", "refunded"):
        intent_id = order["payment_intent_id"]
        if not intent_id:
            intent_id = start_checkout(conn, provider, order_number, email).payment_intent_id
        payment_events.apply_payment_event(
            conn,
            {
                "id": f"evt_demo_{intent_id}_succeeded",
                "type": "payment_intent.succeeded",
                "data": {
                    "object": {
                        "id": intent_id,
                        "object": "payment_intent",
                        "amount": order["total_cents"],
                        "amount_received": order["total_cents"],
                        "currency": order["currency"].lower(),
                        "metadata": {"order_number": order["order_number"]},
                        "status": "succeeded",
                    }
                },
            },
            provider="demo",
        )
    return placing.find_for_shopper(conn, order_number, email)


def cancel_expired_intents(
    conn: psycopg.Connection, provider: PaymentProvider, *, limit: int = 100
) -> int:
    """Cancel the intents of expired orders (their stock is already back).

    A failure is logged and left for the next round; it never blocks the others.
    """
    _outside_transaction(conn)
    due = conn.execute(
        "SELECT id, order_number, payment_intent_id FROM orders"
        " WHERE status = 'cancelled' AND cancel_reason = 'expired'"
        " AND payment_intent_id IS NOT NULL AND intent_cancelled_at IS NULL"
        " ORDER BY cancelled_at LIMIT %s",
        (limit,),
    ).fetchall()
    cancelled = 0
    for order in due:
        try:
            provider.cancel_intent(order["payment_intent_id"])
        except Exception:
            log.warning(
                "could not cancel the payment intent of expired order %s; will retry",
                order["order_number"],
            )
            continue
        conn.execute("UPDATE orders SET intent_cancelled_at = now() WHERE id = %s", (order["id"],))
        cancelled += 1
    return cancelled


def refund_unfillable_payments(
    conn: psycopg.Connection, provider: PaymentProvider, *, limit: int = 50
) -> int:
    """Give the money back for payments that arrived after their order was cancelled
    and its stock sold to someone else (webhook outcome 'paid_but_stock_gone').

    Runs in the worker, outside any transaction. The refund's idempotency key comes
    from the webhook event, so a crash between refunding and recording refunds once.
    """
    _outside_transaction(conn)
    due = conn.execute(
        "SELECT w.id, w.event_id, o.order_number, o.payment_intent_id, o.total_cents"
        " FROM webhook_events w JOIN orders o ON o.id = w.order_id"
        " WHERE w.outcome = 'paid_but_stock_gone' AND o.payment_intent_id IS NOT NULL"
        " ORDER BY w.id LIMIT %s",
        (limit,),
    ).fetchall()
    refunded = 0
    for row in due:
        try:
            provider.refund(
                row["payment_intent_id"],
                row["total_cents"],
                idempotency_key=f"decant-unfillable:{row['event_id']}",
            )
        except Exception:
            log.warning(
                "could not refund the late payment of order %s; will retry", row["order_number"]
            )
            continue
        conn.execute(
            "UPDATE webhook_events SET outcome = 'refunded_unfillable' WHERE id = %s", (row["id"],)
        )
        log.info("refunded the late payment of order %s: its stock was gone", row["order_number"])
        refunded += 1
    return refunded


def refund_order(
    conn: psycopg.Connection,
    provider: PaymentProvider,
    order_id: int,
    amount_cents: int,
    actor: dict[str, Any],
) -> dict[str, Any]:
    """Refund all or part of a paid order (owners only).

    The amount is first reserved with one atomic UPDATE (refunded_cents grows only
    while it stays within the total), so two refunds at once both count, and one that
    would pass the total is refused before any money moves. Then the provider is
    called, outside any transaction, with an idempotency key naming that reservation
    (a retried call refunds once); if it refuses, the reservation is given back. Last,
    in one transaction: the move to refunded when it is all refunded, the refund
    e-mail and the audit record.
    """
    _outside_transaction(conn)
    if actor.get("role") != "owner":
        raise Forbidden("only an owner may refund")
    order = placing.get_order(conn, order_id)
    if order["payment_status"] != "paid" or not order["payment_intent_id"]:
        raise Conflict("only a paid order can be refunded", {"status": order["status"]})
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents < 1:
        raise ValidationError(
            "the refund amount is not possible",
            {
                "amount_cents": f"must be between 1 and {order['total_cents'] - order['refunded_cents']}"
            },
        )
    reserved = conn.execute(
        "UPDATE orders SET refunded_cents = refunded_cents + %(amount)s"
        " WHERE id = %(id)s AND payment_status = 'paid'"
        "   AND refunded_cents + %(amount)s <= total_cents"
        " RETURNING refunded_cents - %(amount)s AS before, refunded_cents AS after",
        {"amount": amount_cents, "id": order_id},
    ).fetchone()
    if reserved is None:
        current = placing.get_order(conn, order_id)
        if current["payment_status"] != "paid":
            raise Conflict("only a paid order can be refunded", {"status": current["status"]})
        raise ValidationError(
            "the refund amount is not possible",
            {
                "amount_cents": f"must be between 1 and {current['total_cents'] - current['refunded_cents']}"
            },
        )
    key = f"decant-refund:{order['order_number']}:{reserved['before']}:{amount_cents}"
    try:
        refund_id = provider.refund(order["payment_intent_id"], amount_cents, key)
    except Exception:
        conn.execute(
            "UPDATE orders SET refunded_cents = greatest(refunded_cents - %s, 0) WHERE id = %s",
            (amount_cents, order_id),
        )
        raise
    with conn.transaction():
        current = conn.execute(
            "SELECT refunded_cents, total_cents, status::text AS status FROM orders"
            " WHERE id = %s FOR UPDATE",
            (order_id,),
        ).fetchone()
        if current["refunded_cents"] >= current["total_cents"] and current["status"] != "refunded":
            updated = placing.transition(
                conn, order_id, status="refunded", payment_status="refunded"
            )
        else:
            updated = placing.get_order(conn, order_id)
        composing.enqueue(conn, "refunded", updated)
        conn.execute(
            "INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, before, after, ip)"
            " VALUES (%s, %s, 'refund', 'order', %s, %s, %s, %s)",
            (
                actor.get("id"),
                str(actor.get("email") or actor.get("id") or "unknown"),
                str(order_id),
                Jsonb({"refunded_cents": reserved["before"]}),
                Jsonb(
                    {
                        "refunded_cents": reserved["after"],
                        "amount_cents": amount_cents,
                        "refund": refund_id,
                    }
                ),
                actor.get("ip") or None,
            ),
        )
    return placing.get_order(conn, order_id)
