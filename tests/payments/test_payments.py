"""Payments in the domain: intents, the one finalize path, expiry, refunds."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

import decant.platform.db
from decant import worker
from decant.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PaymentError,
    Unavailable,
    ValidationError,
)
from decant.orders import placing
from decant.payments import providers
from decant.payments.payment_events import apply_payment_event
from decant.platform.config import ConfigError, load_settings
from tests.plugins.payments import stripe_event


@pytest.fixture
def stripe_provider(stripe_settings, fake_stripe):
    return providers.provider_for(stripe_settings)


@pytest.fixture
def placed(shop):
    shop.product("rose-noir", ml=20, sizes={2: 600, 5: 1400})
    return shop.order(("rose-noir", 5, 2))


def checked_out(conn, provider, order):
    providers.start_checkout(conn, provider, order["order_number"], order["email"])
    return placing.get_order(conn, order["id"])


def outbox_kinds(conn, order_id):
    rows = conn.execute(
        "SELECT kind FROM email_outbox WHERE order_id = %s ORDER BY id", (order_id,)
    ).fetchall()
    return [row["kind"] for row in rows]


def test_checkout_twice_makes_one_payment_intent_with_the_orders_amount(
    conn, placed, stripe_provider, fake_stripe
):
    first = providers.start_checkout(
        conn, stripe_provider, placed["order_number"], "ADA@example.com"
    )
    second = providers.start_checkout(
        conn, stripe_provider, placed["order_number"], placed["email"]
    )

    assert first == second
    assert len(fake_stripe.posts("/v1/payment_intents")) == 1
    intent = fake_stripe.intents[first.payment_intent_id]
    assert intent["amount"] == placed["total_cents"] == first.amount_cents
    assert intent["currency"] == "eur"
    assert intent["metadata"] == {"order_number": placed["order_number"]}
    key = fake_stripe.posts("/v1/payment_intents")[0][2]
    assert key == f"decant-pi:{placed['order_number']}:{placed['total_cents']}:eur"
    assert placing.get_order(conn, placed["id"])["payment_intent_id"] == first.payment_intent_id


def test_checkout_refuses_to_call_stripe_inside_an_open_transaction(
    conn, placed, stripe_provider, fake_stripe
):
    with pytest.raises(RuntimeError), conn.transaction():
        providers.start_checkout(conn, stripe_provider, placed["order_number"], placed["email"])
    assert fake_stripe.calls == []


def test_checkout_of_a_paid_order_is_refused(conn, placed, stripe_provider):
    order = checked_out(conn, stripe_provider, placed)
    apply_payment_event(conn, stripe_event("payment_intent.succeeded", order))
    with pytest.raises(Conflict):
        providers.start_checkout(conn, stripe_provider, order["order_number"], order["email"])


def test_succeeded_event_marks_the_order_paid_and_queues_one_confirmation(
    conn, placed, stripe_provider
):
    order = checked_out(conn, stripe_provider, placed)
    event = stripe_event("payment_intent.succeeded", order)

    assert apply_payment_event(conn, event) == "paid"
    assert apply_payment_event(conn, event) == "duplicate"

    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"]) == ("paid", "paid")
    assert outbox_kinds(conn, order["id"]) == ["confirmation"]


def test_payment_failed_gives_the_stock_back(conn, shop, placed, stripe_provider):
    assert shop.remaining_ml("rose-noir") == Decimal(10)
    order = checked_out(conn, stripe_provider, placed)

    assert apply_payment_event(conn, stripe_event("payment_intent.payment_failed", order)) == (
        "cancelled"
    )

    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"], after["cancel_reason"]) == (
        "cancelled",
        "failed",
        "payment_failed",
    )
    assert shop.remaining_ml("rose-noir") == Decimal(20)
    assert outbox_kinds(conn, order["id"]) == []


def test_success_after_failure_pays_the_order_and_takes_the_stock_again(
    conn, shop, placed, stripe_provider
):
    order = checked_out(conn, stripe_provider, placed)
    apply_payment_event(conn, stripe_event("payment_intent.payment_failed", order))
    apply_payment_event(conn, stripe_event("payment_intent.succeeded", order))

    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"]) == ("paid", "paid")
    assert shop.remaining_ml("rose-noir") == Decimal(10)
    assert outbox_kinds(conn, order["id"]) == ["confirmation"]


def test_failure_or_cancel_after_success_changes_nothing(conn, shop, placed, stripe_provider):
    order = checked_out(conn, stripe_provider, placed)
    apply_payment_event(conn, stripe_event("payment_intent.succeeded", order))
    assert apply_payment_event(conn, stripe_event("payment_intent.payment_failed", order)) == (
        "ignored"
    )
    assert apply_payment_event(conn, stripe_event("payment_intent.canceled", order)) == "ignored"

    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"]) == ("paid", "paid")
    assert shop.remaining_ml("rose-noir") == Decimal(10)


def test_refund_seen_before_success_still_ends_refunded(conn, placed, stripe_provider):
    order = checked_out(conn, stripe_provider, placed)
    apply_payment_event(conn, stripe_event("charge.refunded", order))
    apply_payment_event(conn, stripe_event("payment_intent.succeeded", order))

    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"]) == ("refunded", "refunded")
    assert after["refunded_cents"] == order["total_cents"]
    assert outbox_kinds(conn, order["id"]) == ["confirmation", "refunded"]


def test_amount_that_does_not_match_the_order_is_refused_and_logged(
    conn, shop, placed, stripe_provider, caplog
):
    order = checked_out(conn, stripe_provider, placed)
    event = stripe_event("payment_intent.succeeded", order, amount=1, amount_received=1)
    with caplog.at_level(logging.WARNING, logger="decant.payments"):
        assert apply_payment_event(conn, event) == "amount_mismatch"

    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"]) == ("pending", "unpaid")
    recorded = conn.execute(
        "SELECT outcome, order_id FROM webhook_events WHERE event_id = %s", (event["id"],)
    ).fetchone()
    assert recorded == {"outcome": "amount_mismatch", "order_id": order["id"]}
    assert "does not match" in caplog.text
    assert outbox_kinds(conn, order["id"]) == []


def test_wrong_currency_is_refused_like_a_wrong_amount(conn, placed, stripe_provider):
    order = checked_out(conn, stripe_provider, placed)
    event = stripe_event("payment_intent.succeeded", order, currency="usd")
    assert apply_payment_event(conn, event) == "amount_mismatch"
    assert placing.get_order(conn, order["id"])["status"] == "pending"


def test_expiry_cancels_the_intent_and_returns_stock_exactly_once(
    conn, shop, placed, stripe_settings, stripe_provider, fake_stripe
):
    order = checked_out(conn, stripe_provider, placed)
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = %s",
        (order["id"],),
    )

    first = worker.run_due(conn, stripe_settings)
    second = worker.run_due(conn, stripe_settings)

    assert first["orders expired"] == 1 and first["payment intents cancelled"] == 1
    assert second["orders expired"] == 0 and second["payment intents cancelled"] == 0
    assert fake_stripe.posts(f"/v1/payment_intents/{order['payment_intent_id']}/cancel") != []
    assert len(fake_stripe.posts(f"/v1/payment_intents/{order['payment_intent_id']}/cancel")) == 1
    assert fake_stripe.intents[order["payment_intent_id"]]["status"] == "canceled"
    assert placing.get_order(conn, order["id"])["status"] == "cancelled"
    assert shop.remaining_ml("rose-noir") == Decimal(20)


def test_expiry_retries_cancelling_the_intent_when_stripe_was_down(
    conn, shop, placed, stripe_settings, stripe_provider, fake_stripe
):
    order = checked_out(conn, stripe_provider, placed)
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = %s",
        (order["id"],),
    )
    fake_stripe.down = True
    first = worker.run_due(conn, stripe_settings)
    assert first["orders expired"] == 1 and first["payment intents cancelled"] == 0
    assert shop.remaining_ml("rose-noir") == Decimal(20)

    fake_stripe.down = False
    second = worker.run_due(conn, stripe_settings)
    assert second["payment intents cancelled"] == 1
    assert fake_stripe.intents[order["payment_intent_id"]]["status"] == "canceled"
    assert shop.remaining_ml("rose-noir") == Decimal(20)


def test_late_payment_on_an_expired_order_is_honoured(
    conn, shop, placed, stripe_settings, stripe_provider
):
    order = checked_out(conn, stripe_provider, placed)
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = %s",
        (order["id"],),
    )
    worker.run_due(conn, stripe_settings)
    assert apply_payment_event(conn, stripe_event("payment_intent.succeeded", order)) == "paid"
    assert placing.get_order(conn, order["id"])["status"] == "paid"
    assert shop.remaining_ml("rose-noir") == Decimal(10)


def test_late_payment_whose_stock_was_sold_is_refunded_once_by_the_worker(
    conn, shop, placed, stripe_settings, stripe_provider, fake_stripe
):
    order = checked_out(conn, stripe_provider, placed)
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = %s",
        (order["id"],),
    )
    worker.run_due(conn, stripe_settings)
    shop.order(("rose-noir", 5, 4), email="someone-else@example.com")  # the bottle is now empty
    late = stripe_event("payment_intent.succeeded", order)
    assert apply_payment_event(conn, late) == "paid_but_stock_gone"
    assert placing.get_order(conn, order["id"])["status"] == "cancelled"

    assert worker.run_due(conn, stripe_settings)["late payments refunded"] == 1
    assert worker.run_due(conn, stripe_settings)["late payments refunded"] == 0
    assert [r["amount"] for r in fake_stripe.refunds] == [order["total_cents"]]
    assert shop.remaining_ml("rose-noir") == Decimal(0)


OWNER = {"id": None, "email": "owner@example.com", "role": "owner", "ip": "203.0.113.9"}


def paid(conn, provider, order):
    order = checked_out(conn, provider, order)
    apply_payment_event(conn, stripe_event("payment_intent.succeeded", order))
    return placing.get_order(conn, order["id"])


def test_full_refund_moves_the_order_to_refunded_and_mails_the_shopper(
    conn, placed, stripe_provider, fake_stripe
):
    order = paid(conn, stripe_provider, placed)
    after = providers.refund_order(conn, stripe_provider, order["id"], order["total_cents"], OWNER)

    assert (after["status"], after["payment_status"]) == ("refunded", "refunded")
    assert after["refunded_cents"] == order["total_cents"]
    assert [r["amount"] for r in fake_stripe.refunds] == [order["total_cents"]]
    assert outbox_kinds(conn, order["id"]) == ["confirmation", "refunded"]
    audit = conn.execute(
        "SELECT actor, action, entity_id, host(ip) AS ip FROM audit_log"
    ).fetchall()
    assert audit == [
        {
            "actor": "owner@example.com",
            "action": "refund",
            "entity_id": str(order["id"]),
            "ip": "203.0.113.9",
        }
    ]

    # Stripe's own charge.refunded for the same refund changes nothing more.
    assert apply_payment_event(conn, stripe_event("charge.refunded", order)) == "already_refunded"
    assert outbox_kinds(conn, order["id"]) == ["confirmation", "refunded"]


def test_partial_refund_keeps_the_order_paid(conn, placed, stripe_provider):
    order = paid(conn, stripe_provider, placed)
    after = providers.refund_order(conn, stripe_provider, order["id"], 500, OWNER)
    assert (after["status"], after["payment_status"], after["refunded_cents"]) == (
        "paid",
        "paid",
        500,
    )
    with pytest.raises(ValidationError):
        providers.refund_order(conn, stripe_provider, order["id"], order["total_cents"], OWNER)


def test_staff_cannot_refund(conn, placed, stripe_provider, fake_stripe):
    order = paid(conn, stripe_provider, placed)
    with pytest.raises(Forbidden):
        providers.refund_order(
            conn,
            stripe_provider,
            order["id"],
            100,
            {"id": None, "email": "s@x.io", "role": "staff"},
        )
    assert fake_stripe.refunds == []


def test_demo_provider_is_refused_in_production():
    production = load_settings(
        DECANT_ENV="production", DECANT_SECRET_KEY="x" * 40, STRIPE_SECRET_KEY=""
    )
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY"):
        providers.provider_for(production)


def test_demo_provider_is_used_only_when_demo_payments_are_asked_for(settings):
    provider = providers.provider_for(settings)
    assert isinstance(provider, providers.DemoProvider)
    assert provider.publishable_key == "demo"

    without_flag = settings.model_copy(update={"demo_payments": False})
    assert not isinstance(providers.provider_for(without_flag), providers.DemoProvider)


def test_demo_payments_in_production_stop_the_start_naming_the_setting():
    with pytest.raises(ConfigError, match="^setting DECANT_DEMO_PAYMENTS: .*production"):
        load_settings(DECANT_ENV="production", DECANT_SECRET_KEY="x" * 40, DECANT_DEMO_PAYMENTS="1")


def test_without_stripe_or_demo_flag_checkout_is_unavailable(conn, placed, settings):
    provider = providers.provider_for(settings.model_copy(update={"demo_payments": False}))
    with pytest.raises(Unavailable, match="not configured"):
        providers.start_checkout(conn, provider, placed["order_number"], placed["email"])
    with pytest.raises(NotFound):
        providers.demo_confirm(conn, provider, placed["order_number"], placed["email"])
    assert placing.get_order(conn, placed["id"])["payment_status"] == "unpaid"


def test_demo_confirm_pays_through_the_same_path_once(conn, shop, placed, settings):
    provider = providers.provider_for(settings)
    checkout = providers.start_checkout(conn, provider, placed["order_number"], placed["email"])
    assert checkout.publishable_key == "demo"

    first = providers.demo_confirm(conn, provider, placed["order_number"], placed["email"])
    second = providers.demo_confirm(conn, provider, placed["order_number"], placed["email"])

    assert (first["status"], second["status"]) == ("paid", "paid")
    assert outbox_kinds(conn, placed["id"]) == ["confirmation"]
    assert shop.count("webhook_events") == 1
    assert placing.get_order(conn, placed["id"])["payment_provider"] == "demo"


def test_two_partial_refunds_at_once_both_count_and_none_passes_the_total(
    conn, database_url, placed, stripe_provider, fake_stripe
):
    import threading

    order = paid(conn, stripe_provider, placed)
    both_at_stripe = threading.Barrier(2, timeout=30)

    class SlowStripe:
        """Both refunds are at Stripe at the same moment, as two clicks can be."""

        name = stripe_provider.name
        publishable_key = stripe_provider.publishable_key

        def refund(self, intent_id, amount_cents, idempotency_key):
            both_at_stripe.wait()
            return stripe_provider.refund(intent_id, amount_cents, idempotency_key)

    results: dict[int, object] = {}

    def refund(amount: int) -> None:
        with decant.platform.db.connect(database_url) as own:
            results[amount] = providers.refund_order(own, SlowStripe(), order["id"], amount, OWNER)

    threads = [threading.Thread(target=refund, args=(amount,)) for amount in (500, 700)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) == {500, 700}
    assert placing.get_order(conn, order["id"])["refunded_cents"] == 1200
    assert sorted(r["amount"] for r in fake_stripe.refunds) == [500, 700]

    left = order["total_cents"] - 1200
    with pytest.raises(ValidationError) as refused:
        providers.refund_order(conn, stripe_provider, order["id"], left + 1, OWNER)
    assert str(left) in refused.value.details["amount_cents"]
    assert len(fake_stripe.refunds) == 2
    assert placing.get_order(conn, order["id"])["refunded_cents"] == 1200


def test_a_refund_the_provider_refuses_is_not_counted(conn, placed, stripe_provider, fake_stripe):
    order = paid(conn, stripe_provider, placed)

    class RefusingStripe:
        name = "stripe"
        publishable_key = ""

        def refund(self, intent_id, amount_cents, idempotency_key):
            raise PaymentError("the payment provider refused or could not be reached")

    with pytest.raises(PaymentError):
        providers.refund_order(conn, RefusingStripe(), order["id"], 500, OWNER)
    assert placing.get_order(conn, order["id"])["refunded_cents"] == 0
    after = providers.refund_order(conn, stripe_provider, order["id"], 500, OWNER)
    assert after["refunded_cents"] == 500
