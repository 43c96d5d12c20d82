"""GET /api/openapi.json: the API described from the same pydantic models it validates with.

A bare OpenAPI 3.1 document (not in the envelope). Shapes of the shopper routes come
from the models in products/orders/events; checkout's from functions.checkout; the
webhook, health and admin routes are described from the contract (their owners may
refine them with models of their own).
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from decant.catalog.curated_sets import SetIn
from decant.orders.discount_codes import DiscountIn
from functions.admin.api import InventoryQuery
from functions.events import EventIn
from functions.orders import CartIn, OrderOut, TrackOut, TrackQuery
from functions.products import ProductListMeta, ProductOut, ProductQuery
from functions.sets import SetOut
from functions.stock_alerts import StockAlertIn, StockAlertOut
from functions.web.envelope import STATUS

try:
    from functions.checkout import CheckoutIn, CheckoutOut
except ImportError:  # pragma: no cover - the checkout module is someone else's; stay useful

    class CheckoutIn(BaseModel):  # type: ignore[no-redef]
        order_number: str
        email: str

    class CheckoutOut(BaseModel):  # type: ignore[no-redef]
        payment_intent_id: str
        client_secret: str
        publishable_key: str
        amount_cents: int
        currency: str


bp = Blueprint("openapi", __name__, url_prefix="/api")
REF = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    code: Literal[
        "validation_error",
        "invalid_signature",
        "not_found",
        "unauthorized",
        "forbidden",
        "out_of_stock",
        "conflict",
        "rate_limited",
        "payload_too_large",
        "unavailable",
        "internal",
        "method_not_allowed",
    ]
    message: str
    details: Any = Field(None, description="for validation_error: each field at fault and why")


class ErrorEnvelope(BaseModel):
    success: Literal[False]
    error: ErrorBody


class HealthOut(BaseModel):
    status: Literal["ok"]
    checks: dict[str, str] = Field(default_factory=dict)


class EventAccepted(BaseModel):
    accepted: bool


class WebhookReceived(BaseModel):
    received: bool = True


class AdminObject(BaseModel):
    """Admin answers; their exact shape belongs to the admin module."""

    model_config = {"extra": "allow"}


INPUTS: list[type[BaseModel]] = [CartIn, EventIn, CheckoutIn, DiscountIn, SetIn, StockAlertIn]
OUTPUTS: list[type[BaseModel]] = [
    ProductOut,
    ProductListMeta,
    OrderOut,
    TrackOut,
    CheckoutOut,
    HealthOut,
    EventAccepted,
    WebhookReceived,
    AdminObject,
    ErrorEnvelope,
    SetOut,
    StockAlertOut,
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _success(data: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "data", "meta"],
        "properties": {
            "success": {"const": True},
            "data": data,
            "meta": meta or {"type": "object"},
        },
    }


def _answer(status: int, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        str(status): {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _errors(*codes: str) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for code in codes:
        status = STATUS[code]
        entry = answers.setdefault(
            str(status),
            {
                "description": "",
                "content": {"application/json": {"schema": _ref(ErrorEnvelope)}},
            },
        )
        entry["description"] = " / ".join(filter(None, [entry["description"], code]))
    return answers


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _body(model: type[BaseModel], *types: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {t: {"schema": _ref(model)} for t in (types or ("application/json",))},
    }


def _health(what: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": f"Is {what} up?",
            "responses": {
                **_answer(200, "up", _success(_ref(HealthOut))),
                **_errors("unavailable"),
            },
        }
    }


def _admin(summary: str, *, body: bool = False, status: int = 200) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"adminSession": []}],
        "responses": {
            **_answer(status, "ok", _success({"$ref": REF.format(model="AdminObject")})),
            **_errors("validation_error", "unauthorized", "forbidden", "not_found"),
        },
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(AdminObject)}},
        }
        operation["parameters"] = [
            {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
        ]
    return operation


def _admin_with(model: type[BaseModel], summary: str, *, status: int = 200) -> dict[str, Any]:
    """An admin change whose body is described by the domain's own model."""
    operation = _admin(summary, body=True, status=status)
    operation["requestBody"]["content"]["application/json"]["schema"] = _ref(model)
    operation["responses"].update(_errors("conflict"))
    return operation


def _offer_paths() -> dict[str, Any]:
    """Curated sets for shoppers; discount codes and sets for the owner."""
    return {
        "/api/sets": {
            "get": {
                "summary": "The active curated sets; available is live (whole sets stock can fill)",
                "responses": {
                    **_answer(200, "the sets", _success({"type": "array", "items": _ref(SetOut)})),
                },
            }
        },
        "/api/admin/discounts": {
            "get": _admin("Discount codes with uses, paid orders, revenue and amount given"),
            "post": _admin_with(DiscountIn, "Create a discount code (owner)", status=201),
        },
        "/api/admin/discounts/{id}": {
            "parameters": _id_param(),
            "get": _admin("One discount code with its figures"),
            "put": _admin_with(
                DiscountIn, "Change a code's fields (owner); is_active false disables it"
            ),
        },
        "/api/admin/sets": {
            "get": _admin("Curated sets, inactive ones too, with availability"),
            "post": _admin_with(SetIn, "Create a curated set (owner)", status=201),
        },
        "/api/admin/sets/{id}": {
            "parameters": _id_param(),
            "get": _admin("One curated set"),
            "put": _admin_with(SetIn, "Change a set's fields (owner)"),
        },
    }


def _html_page(summary: str, *, token: bool = False) -> dict[str, Any]:
    """A shopper page a function renders (text/html, not the envelope)."""
    parameter = (
        {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}
        if token
        else {
            "name": "q",
            "in": "query",
            "required": False,
            "description": "words matched by prefix in name, house and notes, "
            "ignoring case and accents; cut at 100 characters",
            "schema": {"type": "string"},
        }
    )
    return {
        "summary": summary,
        "parameters": [parameter],
        "responses": {
            "200": {
                "description": "the page",
                "content": {"text/html": {"schema": {"type": "string"}}},
            }
        },
    }


def _id_param() -> list[dict[str, Any]]:
    return [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    _, schemas = models_json_schema(
        [(m, "validation") for m in INPUTS] + [(m, "serialization") for m in OUTPUTS],
        ref_template=REF,
    )
    idempotency = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "the same key with the same body returns the first answer and creates nothing",
        "schema": {"type": "string", "maxLength": 255},
    }
    paths: dict[str, Any] = {
        "/api/products": {
            "get": {
                "summary": "List products with live stock",
                "parameters": _query(ProductQuery),
                "responses": {
                    **_answer(
                        200,
                        "a page of products",
                        _success(
                            {"type": "array", "items": _ref(ProductOut)}, _ref(ProductListMeta)
                        ),
                    ),
                    **_errors("validation_error"),
                },
            }
        },
        "/api/products/{slug}": {
            "get": {
                "summary": "One product; sizes[].available is live",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    **_answer(200, "the product", _success(_ref(ProductOut))),
                    **_errors("not_found"),
                },
            }
        },
        "/api/orders": {
            "post": {
                "summary": "Place an order; prices come from the database, stock is reserved",
                "description": (
                    "422 validation_error naming `items.<n>.quantity` when a line (or one"
                    " size over several lines) has more than DECANT_MAX_UNITS_PER_LINE units"
                    " (default 5). 429 rate_limited with Retry-After when the e-mail or the"
                    " client address already holds DECANT_MAX_UNPAID_ORDERS unpaid pending"
                    " orders (default 3), until one is paid, cancelled or expires; also 30"
                    " orders a minute per client."
                ),
                "parameters": [idempotency],
                "requestBody": _body(CartIn),
                "responses": {
                    **_answer(201, "the order", _success(_ref(OrderOut))),
                    **_errors(
                        "validation_error",
                        "not_found",
                        "out_of_stock",
                        "conflict",
                        "payload_too_large",
                        "rate_limited",
                    ),
                },
            }
        },
        "/api/orders/track": {
            "get": {
                "summary": "Status, items and timeline of an order, by e-mail and number",
                "description": (
                    "429 rate_limited with Retry-After beyond 10 lookups a minute per client,"
                    " or beyond 5 failed lookups a minute for one order number (a lookup"
                    " with the right e-mail is never refused for others' failures)."
                ),
                "parameters": _query(TrackQuery),
                "responses": {
                    **_answer(200, "the order", _success(_ref(TrackOut))),
                    **_errors("validation_error", "not_found", "rate_limited"),
                },
            }
        },
        "/api/checkout": {
            "post": {
                "summary": "Create or reuse the order's PaymentIntent",
                "description": (
                    "503 unavailable when payments are not configured (no STRIPE_SECRET_KEY"
                    " and no DECANT_DEMO_PAYMENTS=1) or Stripe cannot be reached."
                ),
                "requestBody": _body(CheckoutIn),
                "responses": {
                    **_answer(200, "the payment intent", _success(_ref(CheckoutOut))),
                    **_errors("validation_error", "not_found", "conflict", "unavailable"),
                },
            }
        },
        "/api/webhooks/stripe": {
            "post": {
                "summary": "Stripe events (signature checked on the raw body)",
                "parameters": [
                    {
                        "name": "Stripe-Signature",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    **_answer(200, "recorded (or seen before)", _success(_ref(WebhookReceived))),
                    **_errors("invalid_signature"),
                },
            }
        },
        "/api/events": {
            "post": {
                "summary": "Analytics beacon (no cookies; text/plain accepted for sendBeacon)",
                "requestBody": _body(EventIn, "application/json", "text/plain"),
                "responses": {
                    **_answer(202, "accepted", _success(_ref(EventAccepted))),
                    **_errors("validation_error", "payload_too_large", "rate_limited"),
                },
            }
        },
        "/api/stock-alerts": {
            "post": {
                "summary": "Ask to be e-mailed when a sold-out size is back (double opt-in: "
                "a confirmation e-mail goes out; the same e-mail and size again changes nothing)",
                "requestBody": _body(StockAlertIn),
                "responses": {
                    **_answer(
                        202, "a confirmation e-mail is on its way", _success(_ref(StockAlertOut))
                    ),
                    **_errors("validation_error", "not_found", "conflict", "rate_limited"),
                },
            }
        },
        "/search": {"get": _html_page("Search results as HTML, for browsers without JavaScript")},
        "/stock-alerts/confirm": {
            "get": _html_page("The confirmation link's page: one button", token=True),
            "post": {
                **_html_page("Confirm the alert (form field token)", token=True),
                "responses": {
                    "200": {"description": "confirmed", "content": {"text/html": {}}},
                    "404": {
                        "description": "unknown or expired token",
                        "content": {"text/html": {}},
                    },
                },
            },
        },
        "/stock-alerts/unsubscribe": {
            "get": _html_page("The unsubscribe link's page: one button", token=True),
            "post": _html_page("End the alert (form field token)", token=True),
        },
        "/api/health": _health("the shop"),
        "/api/health/db": _health("PostgreSQL"),
        "/api/health/redis": _health("Redis"),
        "/api/health/stripe": _health("Stripe"),
        "/api/admin/products": {
            "get": _admin("List products (admin)"),
            "post": _admin("Create a product", body=True, status=201),
        },
        "/api/admin/products/{id}": {
            "parameters": _id_param(),
            "put": _admin("Update a product", body=True),
        },
        "/api/admin/orders": {"get": _admin("List orders")},
        "/api/admin/orders/{id}": {
            "parameters": _id_param(),
            "put": _admin("Move an order (fulfil, ship, refund)", body=True),
        },
        "/api/admin/inventory": {
            "get": {
                **_admin(
                    "Stock per product, one page at a time (search by name, low stock"
                    " first), with the reorder and low-stock summaries"
                ),
                "parameters": _query(InventoryQuery),
            }
        },
        "/api/admin/analytics": {"get": _admin("Business figures for a period")},
    }
    paths.update(_offer_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Decant",
            "version": "1",
            "description": "Every answer is in the envelope {success, data, meta} or "
            "{success: false, error: {code, message, details}}.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "adminSession": {"type": "apiKey", "in": "cookie", "name": "session"}
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
