"""POST /api/checkout and the demo provider's confirm, over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from decant.orders import placing


@pytest.fixture
def order(shop):
    shop.product("vetiver-sel", ml=20, sizes={2: 600, 5: 1400})
    return shop.order(("vetiver-sel", 5, 1), ("vetiver-sel", 2, 1))


def checkout(client, number, email, path="/api/checkout"):
    return client.post(path, json={"order_number": number, "email": email})


def test_checkout_twice_returns_the_same_payment_intent(conn, order, stripe_app, fake_stripe):
    client = stripe_app.test_client()
    first = checkout(client, order["order_number"], order["email"])
    second = checkout(client, order["order_number"].lower(), order["email"].upper())

    assert first.status_code == second.status_code == 200
    data = first.get_json()["data"]
    assert second.get_json()["data"] == data
    assert data["amount_cents"] == order["total_cents"] == 2000 + order["shipping_cents"]
    assert data["currency"] == "EUR"
    assert data["publishable_key"] == "pk_test_decant"
    assert data["client_secret"].startswith(data["payment_intent_id"])
    assert len(fake_stripe.posts("/v1/payment_intents")) == 1
    intent = fake_stripe.intents[data["payment_intent_id"]]
    assert intent["metadata"]["order_number"] == order["order_number"]
    assert placing.get_order(conn, order["id"])["payment_intent_id"] == data["payment_intent_id"]


def test_wrong_email_and_unknown_number_get_the_same_404(order, stripe_app, fake_stripe):
    client = stripe_app.test_client()
    wrong_email = checkout(client, order["order_number"], "someone@else.com")
    unknown = checkout(client, "PS990101-9999", order["email"])

    assert wrong_email.status_code == unknown.status_code == 404
    assert wrong_email.get_json() == unknown.get_json()
    assert wrong_email.get_json()["error"]["code"] == "not_found"
    assert fake_stripe.calls == []


def test_checkout_with_missing_fields_names_them(stripe_app, fake_stripe):
    response = stripe_app.test_client().post("/api/checkout", json={"order_number": ""})
    assert 400 <= response.status_code < 500
    details = response.get_json()["error"]["details"]
    assert "email" in details and "order_number" in details
    assert fake_stripe.calls == []


def test_stripe_down_answers_503_and_the_order_stays_payable(conn, order, stripe_app, fake_stripe):
    fake_stripe.down = True
    response = checkout(stripe_app.test_client(), order["order_number"], order["email"])
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert placing.get_order(conn, order["id"])["payment_intent_id"] is None

    fake_stripe.down = False
    assert (
        checkout(stripe_app.test_client(), order["order_number"], order["email"]).status_code == 200
    )


def test_demo_confirm_does_not_exist_when_stripe_is_configured(order, stripe_app):
    response = checkout(
        stripe_app.test_client(),
        order["order_number"],
        order["email"],
        "/api/checkout/demo-confirm",
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_demo_checkout_and_confirm_pay_the_order_once(conn, shop, order, demo_app):
    client = demo_app.test_client()
    started = checkout(client, order["order_number"], order["email"])
    assert started.status_code == 200
    assert started.get_json()["data"]["publishable_key"] == "demo"
    assert started.get_json()["data"]["amount_cents"] == order["total_cents"]

    confirms = [
        checkout(client, order["order_number"], order["email"], "/api/checkout/demo-confirm")
        for _ in range(3)
    ]
    assert all(reply.status_code == 200 for reply in confirms)
    assert confirms[-1].get_json()["data"] == {
        "order_number": order["order_number"],
        "status": "paid",
        "payment_status": "paid",
    }
    assert shop.count("email_outbox") == 1
    assert shop.remaining_ml("vetiver-sel") == Decimal(13)
    again = checkout(client, order["order_number"], order["email"])
    assert again.status_code == 409


@pytest.fixture
def unconfigured_app(settings):
    """DECANT_ENV and Stripe keys left out, and no DECANT_DEMO_PAYMENTS=1."""
    from functions import create_app

    app = create_app(settings.model_copy(update={"demo_payments": False, "env": "development"}))
    yield app
    app.extensions["decant"].close()


def test_without_demo_flag_or_stripe_nothing_marks_an_order_paid(conn, order, unconfigured_app):
    client = unconfigured_app.test_client()
    confirm = checkout(client, order["order_number"], order["email"], "/api/checkout/demo-confirm")
    assert confirm.status_code == 404
    assert confirm.get_json()["error"]["code"] == "not_found"

    started = checkout(client, order["order_number"], order["email"])
    assert started.status_code == 503
    assert started.get_json()["error"]["code"] == "unavailable"
    assert "not configured" in started.get_json()["error"]["message"]
    assert placing.get_order(conn, order["id"])["payment_status"] == "unpaid"


def test_demo_confirm_is_refused_in_production(conn, order, stripe_settings, fake_stripe):
    from functions import create_app

    production = stripe_settings.model_copy(update={"env": "production", "demo_payments": True})
    app = create_app(production)
    try:
        response = checkout(
            app.test_client(), order["order_number"], order["email"], "/api/checkout/demo-confirm"
        )
    finally:
        app.extensions["decant"].close()
    assert response.status_code == 404
    assert placing.get_order(conn, order["id"])["payment_status"] == "unpaid"


def test_demo_confirm_with_the_wrong_email_changes_nothing(conn, order, demo_app):
    response = checkout(
        demo_app.test_client(), order["order_number"], "no@body.com", "/api/checkout/demo-confirm"
    )
    assert response.status_code == 404
    assert placing.get_order(conn, order["id"])["status"] == "pending"


def test_checkout_is_rate_limited_per_client(order, stripe_app, fake_stripe):
    client = stripe_app.test_client()
    me = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(20):
        client.post("/api/checkout", json={"order_number": "", "email": ""}, headers=me)
    limited = client.post(
        "/api/checkout",
        json={"order_number": order["order_number"], "email": order["email"]},
        headers=me,
    )
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert fake_stripe.posts("/v1/payment_intents") == []
