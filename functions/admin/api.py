"""The contract's /api/admin/* routes: the admin's data as JSON in the envelope."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Response
from pydantic import BaseModel, ConfigDict, Field

from decant.analytics import dashboards
from decant.catalog import editing
from decant.errors import ValidationError
from decant.inventory import forecasts, stock
from decant.orders import back_office
from decant.orders.back_office import OrderFilters
from functions.admin import guard
from functions.admin.blueprints import api
from functions.admin.guard import owner_only
from functions.admin.orders import payment_provider
from functions.admin.pages import MAX_PAGE, in_range
from functions.web.envelope import ok, paged
from functions.web.request_body import json_body, query_args, text


class ProductQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: str | None = Field(None, max_length=100)
    brand: str | None = Field(None, max_length=120)
    active: bool | None = None
    low_stock: bool = False
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(50, ge=1, le=200)


@api.get("/products")
def products() -> Response:
    query = query_args(ProductQuery)
    with guard.connection() as conn:
        rows, total = editing.list_products(
            conn,
            q=query.q,
            brand=query.brand,
            active=query.active,
            low_stock=query.low_stock,
            page=query.page,
            per_page=query.per_page,
        )
    return paged(rows, total=total, page=query.page, per_page=query.per_page)


class Body(BaseModel):
    """Any JSON object; the domain validates the fields (catalog_admin.ProductIn)."""

    model_config = ConfigDict(extra="allow")


@api.post("/products")
@owner_only
def product_create() -> Response:
    body = json_body(Body).model_dump()
    with guard.connection() as conn:
        return ok(editing.create(conn, guard.actor(), body), status=201)


@api.put("/products/<int:product_id>")
@owner_only
def product_update(product_id: int) -> Response:
    body = json_body(Body).model_dump()
    with guard.connection() as conn:
        return ok(editing.update(conn, guard.actor(), product_id, body))


class OrderQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: str | None = None
    payment_status: str | None = None
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")
    q: str | None = Field(None, max_length=100)
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=500)


@api.get("/orders")
def orders() -> Response:
    query = query_args(OrderQuery)
    filters = OrderFilters(
        status=query.status,
        payment_status=query.payment_status,
        date_from=query.date_from,
        date_to=query.date_to,
        q=query.q,
        page=query.page,
        per_page=query.per_page,
    )
    with guard.connection() as conn:
        rows, total = back_office.list_orders(conn, filters)
    return paged(rows, total=total, page=query.page, per_page=query.per_page)


class OrderChange(BaseModel):
    """One change per request: a fulfilment step, a cancellation, or a refund."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    status: Literal["processing", "shipped", "delivered", "cancelled"] | None = None
    tracking_number: str | None = Field(None, max_length=100)
    reason: str | None = Field(None, max_length=200)
    refund_cents: int | None = Field(None, ge=1)


@api.put("/orders/<int:order_id>")
def order_update(order_id: int) -> Response:
    change = json_body(OrderChange)
    actor = guard.actor()
    with guard.connection() as conn:
        if change.refund_cents is not None and change.status is None:
            order: dict[str, Any] = back_office.refund(
                conn, actor, payment_provider(), order_id, change.refund_cents
            )
        elif change.status == "cancelled":
            order = back_office.cancel(
                conn, actor, order_id, reason=change.reason or "cancelled by the shop"
            )
        elif change.status is not None and change.refund_cents is None:
            order = back_office.move(
                conn, actor, order_id, change.status, tracking_number=change.tracking_number
            )
        else:
            raise ValidationError(
                "say what to change", {"body": "give status, or refund_cents (not both)"}
            )
        return ok(back_office.detail(conn, order["id"]))


class InventoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: text(100) | None = None
    low_first: bool = False
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(forecasts.PER_PAGE, ge=1, le=200)


# reorder and low_stock are summaries: their first rows, with how many there are in
# meta; the whole of the low ones is the list itself with low_first=true.
INVENTORY_SUMMARY_ROWS = 50


@api.get("/inventory")
def inventory_report() -> Response:
    query = query_args(InventoryQuery)
    with guard.connection() as conn:
        rows, total = forecasts.report_page(
            conn,
            q=query.q or None,
            low_first=query.low_first,
            page=query.page,
            per_page=query.per_page,
        )
        in_range(query.page, rows)
        reorder, reorder_total = forecasts.reorder_first(conn, limit=INVENTORY_SUMMARY_ROWS)
        low = stock.low_stock(conn, limit=INVENTORY_SUMMARY_ROWS)
        data = {
            "products": rows,
            "reorder": reorder,
            "low_stock": low,
            "value_cents": forecasts.inventory_value_cents(conn),
        }
        low_total = stock.low_stock_count(conn)
    # The contract's pagination meta (as `paged` gives a list), for data.products, and
    # the summaries' sizes.
    meta = {
        "total": total,
        "page": query.page,
        "per_page": query.per_page,
        "hasMore": query.page * query.per_page < total,
        "reorder_total": reorder_total,
        "low_stock_total": low_total,
    }
    return ok(data, meta=meta)


class AnalyticsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    period: Literal["day", "week", "month"] = "month"


@api.get("/analytics")
def analytics() -> Response:
    query = query_args(AnalyticsQuery)
    with guard.connection() as conn:
        return ok(dashboards.overview(conn, query.period))
