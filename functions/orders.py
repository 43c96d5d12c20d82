"""POST /api/orders and GET /api/orders/track: placing an order and following it.

Thin on purpose: the body is validated here, prices, shipping, VAT, discounts and
the stock reservation are decant.orders.placing' business. Price fields a client sends are
not part of the models, so they are never read.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, request
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from decant.catalog.curated_sets import SetLine
from decant.errors import NotFound
from decant.orders import placing
from decant.orders.placing import MAX_LINES, MAX_QUANTITY, Cart, CartLine
from functions.web.client_address import client_address
from functions.web.envelope import ok
from functions.web.rate_limits import ORDERS, TRACKING_PER_CLIENT, count_failed_lookup, limiter
from functions.web.request_body import MalformedRequest, json_body, query_args, text
from functions.web.runtime import database, settings

bp = Blueprint("orders", __name__, url_prefix="/api/orders")

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
ORDER_NUMBER_PATTERN = r"^[Pp][Ss][0-9]{6}-[0-9]{4,10}$"


Line = text(200, 1)
OptionalLine = text(200)
City = text(100, 1)
PostalCode = text(20, 1)
Name = text(120, 1)
DiscountCode = text(32)
TrackedEmail = text(254, 3)


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    line1: Line
    line2: OptionalLine = ""
    city: City
    postal_code: PostalCode
    country: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
    ] = Field(description="ISO 3166-1 alpha-2, e.g. DE")


class ItemIn(BaseModel):
    """One cart line. Any price the client adds is ignored (extra fields are dropped)."""

    model_config = ConfigDict(extra="ignore")

    slug: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"
        ),
    ]
    size_ml: Annotated[
        Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2, allow_inf_nan=False)
    ]
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]


class SetItemIn(BaseModel):
    """A curated set as one cart line, priced and stocked as a whole."""

    model_config = ConfigDict(extra="ignore")

    set: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"
        ),
    ]
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]


def _line_kind(value: Any) -> Literal["set", "product"]:
    return "set" if isinstance(value, dict) and "set" in value else "product"


LineIn = Annotated[
    Annotated[ItemIn, Tag("product")] | Annotated[SetItemIn, Tag("set")],
    Discriminator(_line_kind),
]


def _tagged(loc: tuple[Any, ...]) -> bool:
    return len(loc) >= 3 and loc[0] == "items" and loc[2] in ("product", "set")


class CartIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: Annotated[EmailStr, StringConstraints(max_length=254)]
    name: Name
    shipping_address: AddressIn
    items: Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]
    discount_code: DiscountCode | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _fields_named_without_line_kind(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """A line's fault is named items.0.slug, not items.0.product.slug: the kind of
        line is pydantic's bookkeeping, not a field the client sent."""
        try:
            return handler(data)
        except PydanticValidationError as exc:
            errors = exc.errors(include_url=False)
            if not any(_tagged(error["loc"]) for error in errors):
                raise
            renamed: list[InitErrorDetails] = [
                {
                    "type": PydanticCustomError(error["type"], error["msg"]),
                    "loc": tuple(
                        p
                        for i, p in enumerate(error["loc"])
                        if not (i == 2 and _tagged(error["loc"]))
                    ),
                    "input": error.get("input"),
                }
                for error in errors
            ]
            raise PydanticValidationError.from_exception_data(exc.title, renamed) from None

    def to_cart(
        self, *, payment_provider: str, currency: str, client_address: str | None = None
    ) -> Cart:
        return Cart(
            email=str(self.email),
            name=self.name,
            shipping_address=self.shipping_address.model_dump(),
            items=[
                CartLine(i.slug, i.size_ml, i.quantity) for i in self.items if isinstance(i, ItemIn)
            ],
            discount_code=self.discount_code or None,
            payment_provider=payment_provider,
            currency=currency,
            client_address=client_address,
            sets=[
                SetLine(i.set, i.quantity, position)
                for position, i in enumerate(self.items)
                if isinstance(i, SetItemIn)
            ],
        )


class OrderItemOut(BaseModel):
    slug: str
    name: str
    brand: str
    size_ml: int | float
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    set: str | None = Field(
        None, description="the curated set this sample was sold in; its lines add up to its price"
    )


class OrderOut(BaseModel):
    order_number: str
    status: str
    payment_status: str
    payment_provider: str
    items: list[OrderItemOut]
    subtotal_cents: int
    shipping_cents: int
    tax_cents: int = Field(description="the VAT contained in total_cents")
    discount_cents: int
    total_cents: int = Field(description="subtotal_cents + shipping_cents - discount_cents")
    currency: str
    created_at: datetime

    @classmethod
    def from_domain(cls, order: dict[str, Any]) -> dict[str, Any]:
        return cls.model_validate(order).model_dump(mode="json")


class TrackQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: TrackedEmail
    number: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ORDER_NUMBER_PATTERN)
    ]


class TimelineEntryOut(BaseModel):
    status: str
    payment_status: str
    note: str
    created_at: datetime


class TrackOut(OrderOut):
    tracking_number: str | None = None
    timeline: list[TimelineEntryOut]


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise MalformedRequest(
            "the Idempotency-Key header is not valid",
            {"Idempotency-Key": "1 to 255 printable ASCII characters"},
        )
    return key


@bp.post("")
@limiter.limit(ORDERS)
def create() -> Response:
    key = idempotency_key()
    shop = settings()
    cart = json_body(CartIn).to_cart(
        payment_provider="demo" if shop.demo_payments_enabled else "stripe",
        currency=shop.currency,
        client_address=client_address(),
    )
    limits = placing.OrderLimits(
        max_units_per_line=shop.max_units_per_line,
        max_unpaid_orders=shop.max_unpaid_orders,
        expiry_minutes=shop.order_expiry_minutes,
    )
    with database().connection() as conn:
        order = placing.place(conn, cart, idempotency_key=key, limits=limits)
    return ok(OrderOut.from_domain(order), status=201)


@bp.get("/track")
@limiter.limit(TRACKING_PER_CLIENT)
def track() -> Response:
    """The same 404 (one query, same body) for an unknown number and a wrong e-mail;
    only those failures count against the number's own limit."""
    asked = query_args(TrackQuery)
    with database().connection() as conn:
        try:
            order = placing.find_for_shopper(conn, asked.number, asked.email)
        except NotFound:
            count_failed_lookup(asked.number)
            raise
    return ok(TrackOut.from_domain(order))
