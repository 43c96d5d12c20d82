"""A storm of Stripe webhooks against a served shop: 500 deliveries at once,
duplicated, out of order, some with a bad signature.

Every order ends in the state Stripe's last event for it says; each paid order has
exactly one confirmation e-mail; a bad signature is 400 `invalid_signature` and
changes nothing; nothing answers 500.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests

from decant.orders import placing
from decant.payments import providers
from testbed.fake_stripe import stripe_signature
from tests.plugins.payments import stripe_event

# What Stripe told, in its order, and the state that leaves the order in.
STORIES: list[tuple[list[str], tuple[str, str]]] = [
    (["payment_intent.succeeded"], ("paid", "paid")),
    (["payment_intent.payment_failed", "payment_intent.succeeded"], ("paid", "paid")),
    (["payment_intent.payment_failed"], ("cancelled", "failed")),
    (["payment_intent.succeeded", "charge.refunded"], ("refunded", "refunded")),
    (
        ["payment_intent.payment_failed", "payment_intent.succeeded", "charge.refunded"],
        ("refunded", "refunded"),
    ),
]
ORDERS = 40
DELIVERIES = 500
BAD_SIGNATURES = 60


def test_a_storm_of_500_webhooks_leaves_every_order_where_stripe_last_said(
    conn, shop, stripe_settings, fake_stripe, stripe_app, live_server
) -> None:
    base = live_server(stripe_app)
    shop.product("amber-dusk", ml=2000, sizes={5: 1400})
    provider = providers.provider_for(stripe_settings)
    rng = random.Random(20261129)
    expected: dict[int, tuple[str, str]] = {}
    genuine: list[bytes] = []
    for n in range(ORDERS):
        placed = shop.order(("amber-dusk", 5, 1), email=f"storm{n}@example.com")
        providers.start_checkout(conn, provider, placed["order_number"], placed["email"])
        order = placing.get_order(conn, placed["id"])
        kinds, state = STORIES[n % len(STORIES)]
        expected[order["id"]] = state
        genuine += [json.dumps(stripe_event(kind, order)).encode() for kind in kinds]

    # Each event at least once, the rest duplicates; then forgeries of real events.
    deliveries = [(payload, stripe_signature(payload)) for payload in genuine]
    while len(deliveries) < DELIVERIES - BAD_SIGNATURES:
        payload = rng.choice(genuine)
        deliveries.append((payload, stripe_signature(payload)))
    for n in range(BAD_SIGNATURES):
        payload = rng.choice(genuine)
        forged = (
            stripe_signature(payload, secret="whsec_not_ours")
            if n % 2
            else stripe_signature(payload, at=1_000_000_000)  # a replay from 2001
        )
        deliveries.append((payload, forged))
    rng.shuffle(deliveries)
    assert len(deliveries) == DELIVERIES

    def deliver(delivery: tuple[bytes, str]) -> tuple[int, str, bool]:
        payload, signature = delivery
        answer = requests.post(
            f"{base}/api/webhooks/stripe",
            data=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            timeout=60,
        )
        body: dict[str, Any] = answer.json()
        code = body["error"]["code"] if not body["success"] else "ok"
        return answer.status_code, code, signature == stripe_signature(payload)

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(deliver, deliveries))

    assert Counter(status for status, _, _ in answers) == {
        200: DELIVERIES - BAD_SIGNATURES,
        400: BAD_SIGNATURES,
    }
    assert all(code == "invalid_signature" for status, code, _ in answers if status == 400)
    for order_id, state in expected.items():
        row = placing.get_order(conn, order_id)
        assert (row["status"], row["payment_status"]) == state, row["order_number"]
    confirmations = {
        r["order_id"]: r["n"]
        for r in conn.execute(
            "SELECT order_id, count(*) AS n FROM email_outbox WHERE kind = 'confirmation'"
            " GROUP BY order_id"
        )
    }
    ever_paid = {oid for oid, (_, payment) in expected.items() if payment in ("paid", "refunded")}
    assert confirmations == dict.fromkeys(ever_paid, 1)
    applied = conn.execute("SELECT count(*) AS n FROM webhook_events").fetchone()["n"]
    assert applied == len(genuine)  # each event recorded once; no forgery recorded
    # Paid and refunded orders hold their 5 ml; a cancelled one gave it back.
    assert shop.remaining_ml("amber-dusk") == Decimal(2000 - 5 * len(ever_paid))
