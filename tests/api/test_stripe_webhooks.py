"""POST /api/webhooks/stripe: signed, applied once, in any order."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal

import pytest
import requests

from decant.orders import placing
from decant.payments import providers
from testbed.fake_stripe import stripe_signature
from tests.plugins.payments import stripe_event


@pytest.fixture
def order(conn, shop, stripe_settings, fake_stripe):
    shop.product("amber-dusk", ml=20, sizes={2: 600, 5: 1400})
    placed = shop.order(("amber-dusk", 5, 2))
    providers.start_checkout(
        conn, providers.provider_for(stripe_settings), placed["order_number"], placed["email"]
    )
    return placing.get_order(conn, placed["id"])


def deliver(client, event, *, at=None, secret=None):
    payload = json.dumps(event).encode()
    signature = stripe_signature(payload, at=at, **({"secret": secret} if secret else {}))
    return client.post(
        "/api/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def state(conn, order_id):
    row = placing.get_order(conn, order_id)
    return row["status"], row["payment_status"]


def test_signed_success_pays_the_order(conn, order, stripe_app):
    response = deliver(stripe_app.test_client(), stripe_event("payment_intent.succeeded", order))
    assert response.status_code == 200
    assert response.get_json()["data"] == {"received": True, "outcome": "paid"}
    assert state(conn, order["id"]) == ("paid", "paid")


def test_the_same_event_twenty_times_at_once_changes_the_order_once(
    conn, shop, order, stripe_app, live_server
):
    base = live_server(stripe_app)
    payload = json.dumps(stripe_event("payment_intent.succeeded", order)).encode()
    headers = {"Stripe-Signature": stripe_signature(payload), "Content-Type": "application/json"}
    start = threading.Barrier(20, timeout=60)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        start.wait()
        reply = requests.post(
            f"{base}/api/webhooks/stripe", data=payload, headers=headers, timeout=60
        )
        answers.append((reply.status_code, reply.json()["data"]["outcome"]))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == 20
    assert all(status == 200 for status, _ in answers)
    assert sorted(outcome for _, outcome in answers) == ["duplicate"] * 19 + ["paid"]
    assert state(conn, order["id"]) == ("paid", "paid")
    moves = conn.execute(
        "SELECT count(*) AS n FROM order_events WHERE order_id = %s AND status = 'paid'",
        (order["id"],),
    ).fetchone()["n"]
    assert moves == 1
    assert shop.count("email_outbox") == 1
    assert shop.count("webhook_events") == 1


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "hour-old timestamp", "no header", "body changed after signing"],
)
def test_a_webhook_that_does_not_verify_is_refused_and_changes_nothing(
    conn, shop, order, stripe_app, tamper
):
    event = stripe_event("payment_intent.succeeded", order)
    payload = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if tamper == "wrong secret":
        headers["Stripe-Signature"] = stripe_signature(payload, secret="whsec_someone_else")
    elif tamper == "hour-old timestamp":
        headers["Stripe-Signature"] = stripe_signature(payload, at=int(time.time()) - 3600)
    elif tamper == "body changed after signing":
        headers["Stripe-Signature"] = stripe_signature(payload)
        payload = payload.replace(b"succeeded", b"succeeded ")
    response = stripe_app.test_client().post("/api/webhooks/stripe", data=payload, headers=headers)

    assert response.status_code == 400
    body = response.get_json()
    assert body["success"] is False and body["error"]["code"] == "invalid_signature"
    assert state(conn, order["id"]) == ("pending", "unpaid")
    assert shop.count("webhook_events") == 0
    assert shop.count("email_outbox") == 0


def test_payment_failed_webhook_returns_the_stock(conn, shop, order, stripe_app):
    assert shop.remaining_ml("amber-dusk") == Decimal(10)
    response = deliver(
        stripe_app.test_client(), stripe_event("payment_intent.payment_failed", order)
    )
    assert response.status_code == 200
    assert state(conn, order["id"]) == ("cancelled", "failed")
    assert shop.remaining_ml("amber-dusk") == Decimal(20)


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        (["payment_intent.payment_failed", "payment_intent.succeeded"], ("paid", "paid")),
        (["payment_intent.succeeded", "payment_intent.payment_failed"], ("paid", "paid")),
        (["payment_intent.canceled", "payment_intent.succeeded"], ("paid", "paid")),
        (["charge.refunded", "payment_intent.succeeded"], ("refunded", "refunded")),
        (
            ["payment_intent.succeeded", "charge.refunded", "payment_intent.payment_failed"],
            ("refunded", "refunded"),
        ),
    ],
)
def test_events_out_of_order_and_redelivered_end_in_the_right_state(
    conn, shop, order, stripe_app, sequence, expected
):
    client = stripe_app.test_client()
    events = [stripe_event(kind, order) for kind in sequence]
    for event in events + events[::-1]:  # every event also arrives a second time, late
        assert deliver(client, event).status_code == 200
    assert state(conn, order["id"]) == expected
    # paid and refunded orders hold their stock; only a cancelled one gives it back
    assert shop.remaining_ml("amber-dusk") == Decimal(10)
    assert (
        conn.execute(
            "SELECT count(*) AS n FROM email_outbox WHERE kind = 'confirmation'"
        ).fetchone()["n"]
        == 1
    )


def test_amount_mismatch_is_answered_but_not_applied(conn, shop, order, stripe_app):
    event = stripe_event("payment_intent.succeeded", order, amount=100, amount_received=100)
    response = deliver(stripe_app.test_client(), event)
    assert response.status_code == 200
    assert response.get_json()["data"]["outcome"] == "amount_mismatch"
    assert state(conn, order["id"]) == ("pending", "unpaid")
    assert shop.count("email_outbox") == 0


def test_an_event_for_no_known_order_is_acknowledged(conn, shop, stripe_app):
    event = {
        "id": "evt_stray",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_unknown",
                "object": "payment_intent",
                "amount": 100,
                "currency": "eur",
                "metadata": {},
            }
        },
    }
    response = deliver(stripe_app.test_client(), event)
    assert response.status_code == 200
    assert response.get_json()["data"]["outcome"] == "unknown_order"
