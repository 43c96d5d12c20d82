"""The health routes (functions/health.py)."""

from __future__ import annotations

from flask import Flask

from testbed.fake_stripe import FakeStripe


def test_stripe_health_asks_stripe_once_a_minute_whoever_calls(
    stripe_app: Flask, fake_stripe: FakeStripe
) -> None:
    client = stripe_app.test_client()
    answers = [client.get("/api/health/stripe") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert answers[-1].get_json()["data"]["status"] == "ok"
    assert [call for call in fake_stripe.calls if call[1] == "/v1/balance"] == [
        ("GET", "/v1/balance", None)
    ]
