"""Stripe's webhook: verify the signature on the raw body, then hand the event to
the one finalize path. Duplicates answer 200 so Stripe stops retrying them."""

from __future__ import annotations

import json

import stripe
from flask import Blueprint, Response, request

from decant.errors import Unavailable
from decant.payments import payment_events
from decant.payments.providers import InvalidSignature
from functions.web.envelope import ok
from functions.web.runtime import database, settings

bp = Blueprint("stripe_webhooks", __name__, url_prefix="/api/webhooks")


@bp.post("/stripe")
def receive() -> Response:
    secret = settings().stripe_webhook_secret
    if not secret:
        raise Unavailable("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)")
    payload = request.get_data(cache=False)
    try:
        # Stripe's default tolerance (300 s) refuses replays of old deliveries.
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), secret)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError):
        raise InvalidSignature("the webhook signature or its timestamp is not valid") from None
    if (
        not isinstance(event, dict)
        or not event.get("id")
        or not isinstance(event.get("data"), dict)
    ):
        raise InvalidSignature("the webhook body is not a Stripe event")
    with database().connection() as conn:
        outcome = payment_events.apply_payment_event(conn, event, provider="stripe")
    return ok({"received": True, "outcome": outcome})
