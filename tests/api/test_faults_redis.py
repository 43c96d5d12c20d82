"""Redis stopped and started again under a served shop.

Shoppers keep buying, paying (checkout and Stripe's webhook) and tracking while Redis
is down: rate limits count in memory. The admin, whose sessions live in Redis,
answers `503 unavailable` with Retry-After, never a 500 or a hang. When Redis is back
the same shop, not restarted, uses it again: logins work, limits count there.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from decant.platform.config import Settings
from decant.staff import accounts
from functions import create_app
from testbed.fake_stripe import FakeStripe, stripe_signature
from tests.factories import Shop
from tests.killable_servers import KillableRedis
from tests.plugins.admin import OWNER_EMAIL, PASSWORD, AdminClient
from tests.plugins.payments import stripe_event
from tests.plugins.shopper_api import order_body, shopper_address

CLIENT_TIMEOUT = 5  # seconds: the contract's bound; requests raises past it


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[KillableRedis]:
    server = KillableRedis(tmp_path / "redis")
    server.start()
    yield server
    server.close()


@pytest.fixture
def served_shop(
    stripe_settings: Settings, fake_stripe: FakeStripe, own_redis: KillableRedis
) -> Iterator[tuple[str, Flask]]:
    settings = stripe_settings.model_copy(update={"redis_url": own_redis.url})
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["decant"].close()


def buy_pay_and_track(base: str, email: str) -> str:
    """A shopper's whole visit over HTTP; returns the order's status after paying."""
    body = order_body(("rose-noir", 5, 1))
    body["email"] = email
    me = {"X-Forwarded-For": shopper_address()}
    placed = requests.post(f"{base}/api/orders", json=body, headers=me, timeout=CLIENT_TIMEOUT)
    assert placed.status_code == 201, placed.text
    order = placed.json()["data"]
    paying = requests.post(
        f"{base}/api/checkout",
        json={"order_number": order["order_number"], "email": email},
        headers=me,
        timeout=CLIENT_TIMEOUT,
    )
    assert paying.status_code == 200, paying.text
    order["payment_intent_id"] = paying.json()["data"]["payment_intent_id"]
    payload = json.dumps(stripe_event("payment_intent.succeeded", order)).encode()
    webhook = requests.post(
        f"{base}/api/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": stripe_signature(payload), "Content-Type": "application/json"},
        timeout=CLIENT_TIMEOUT,
    )
    assert webhook.status_code == 200, webhook.text
    tracked = requests.get(
        f"{base}/api/orders/track",
        params={"email": email, "number": order["order_number"]},
        headers=me,
        timeout=CLIENT_TIMEOUT,
    )
    assert tracked.status_code == 200, tracked.text
    product = requests.get(f"{base}/api/products/rose-noir", timeout=CLIENT_TIMEOUT)
    assert product.status_code == 200
    return tracked.json()["data"]["status"]


def test_shoppers_buy_pay_and_track_while_redis_is_down_and_the_admin_answers_503(
    served_shop: tuple[str, Flask], own_redis: KillableRedis, shop: Shop, conn
) -> None:
    base, app = served_shop
    shop.product("rose-noir", ml=100, sizes={5: 1400})
    accounts.create(conn, OWNER_EMAIL, PASSWORD, "owner")
    owner = AdminClient(app)
    assert owner.login(OWNER_EMAIL).status_code == 200
    assert owner.get("/api/admin/orders").status_code == 200
    assert buy_pay_and_track(base, "before@example.com") == "paid"

    own_redis.stop()
    assert buy_pay_and_track(base, "during@example.com") == "paid"
    assert buy_pay_and_track(base, "during2@example.com") == "paid"
    for path in ("/api/admin/orders", "/admin/"):
        answer = owner.get(path)
        assert answer.status_code == 503, (path, answer.status_code)
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.get_json()["error"]["code"] == "unavailable"
    refused = owner.login(OWNER_EMAIL)
    assert refused.status_code == 503
    health = requests.get(f"{base}/api/health/redis", timeout=CLIENT_TIMEOUT)
    assert health.status_code == 503
    assert health.json()["error"]["details"] == {"redis": "down"}
    assert shop.count("orders") == 3

    own_redis.start()  # empty: the sessions it held are gone, as after a crash
    assert requests.get(f"{base}/api/health/redis", timeout=CLIENT_TIMEOUT).status_code == 200
    assert buy_pay_and_track(base, "after@example.com") == "paid"
    assert owner.get("/api/admin/orders").status_code == 401  # asked to log in again
    again = AdminClient(app)
    assert again.login(OWNER_EMAIL).status_code == 200
    orders = again.get("/api/admin/orders")
    assert orders.status_code == 200
    assert shop.count("orders") == 4
    assert shop.count("email_outbox") == 4  # one confirmation per paid order
