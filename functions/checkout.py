"""Checkout: the order's PaymentIntent, and the demo provider's confirm button.

Thin: parse, call `decant.payments.providers`, answer. The provider is chosen once when the
blueprint is registered, so a production start without Stripe keys stops there.
"""

from __future__ import annotations

from flask import Blueprint, Response
from flask.blueprints import BlueprintSetupState
from pydantic import BaseModel, ConfigDict, Field

from decant.errors import NotFound
from decant.payments import providers
from functions.web.envelope import ok
from functions.web.rate_limits import CHECKOUT, limiter
from functions.web.request_body import Text, json_body
from functions.web.runtime import database, runtime

bp = Blueprint("checkout", __name__, url_prefix="/api/checkout")


@bp.record_once
def _choose_provider(state: BlueprintSetupState) -> None:
    shop = state.app.extensions["decant"]
    shop.extras["payments"] = providers.provider_for(shop.settings)


def provider() -> providers.PaymentProvider:
    return runtime().extras["payments"]


class CheckoutIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    order_number: Text = Field(min_length=1, max_length=32)
    email: Text = Field(min_length=3, max_length=254)


class CheckoutOut(BaseModel):
    payment_intent_id: str
    client_secret: str
    publishable_key: str
    amount_cents: int
    currency: str


class DemoConfirmOut(BaseModel):
    order_number: str
    status: str
    payment_status: str


@bp.post("")
@limiter.limit(CHECKOUT)
def start() -> Response:
    body = json_body(CheckoutIn)
    with database().connection() as conn:
        checkout = providers.start_checkout(conn, provider(), body.order_number, body.email)
    return ok(CheckoutOut(**checkout.as_dict()).model_dump())


@bp.post("/demo-confirm")
@limiter.limit(CHECKOUT)
def demo_confirm() -> Response:
    """Only exists while the demo provider is active; a Stripe shop answers 404."""
    if not isinstance(provider(), providers.DemoProvider):
        raise NotFound("no such route")
    body = json_body(CheckoutIn)
    with database().connection() as conn:
        order = providers.demo_confirm(conn, provider(), body.order_number, body.email)
    return ok(DemoConfirmOut.model_validate(order).model_dump())
