"""The orders pages: find, read, move, cancel, refund, export, packing slips."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

import decant.payments.providers
from decant.orders import back_office
from decant.orders.back_office import OrderFilters
from functions.admin import forms, guard
from functions.admin.blueprints import pages
from functions.admin.guard import owner_only
from functions.admin.pages import in_range, last_page, page_number
from functions.web.runtime import runtime, settings


def _order_filters(per_page: int = back_office.PER_PAGE) -> OrderFilters:
    args = request.args
    return OrderFilters(
        status=args.get("status") or None,
        payment_status=args.get("payment_status") or None,
        date_from=forms.day(args.get("from"), "from"),
        date_to=forms.day(args.get("to"), "to"),
        q=(args.get("q") or "").strip()[:100] or None,
        page=page_number(),
        per_page=per_page,
    )


@pages.get("/orders")
def orders() -> str:
    filters = _order_filters()
    with guard.connection() as conn:
        rows, total = back_office.list_orders(conn, filters)
        in_range(filters.page, rows)
    return render_template(
        "admin/orders.html",
        rows=rows,
        total=total,
        page=filters.page,
        last_page=last_page(total, filters.per_page),
        filters=filters,
        statuses=back_office.STATUSES,
        payment_statuses=back_office.PAYMENT_STATUSES,
    )


@pages.get("/orders/export.csv")
def orders_export() -> Response:
    with guard.connection() as conn:
        text = back_office.export_csv(conn, _order_filters())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="decant-orders.csv"'},
    )


@pages.get("/orders/<int:order_id>")
def order(order_id: int) -> str:
    with guard.connection() as conn:
        found = back_office.detail(conn, order_id)
    return render_template("admin/order.html", order=found)


@pages.post("/orders/<int:order_id>/status")
def order_status(order_id: int) -> Response:
    with guard.connection() as conn:
        back_office.move(
            conn,
            guard.actor(),
            order_id,
            request.form.get("status", ""),
            tracking_number=request.form.get("tracking_number"),
        )
    return redirect(url_for("admin.order", order_id=order_id, notice="order_moved"))


@pages.post("/orders/<int:order_id>/cancel")
def order_cancel(order_id: int) -> Response:
    with guard.connection() as conn:
        back_office.cancel(
            conn,
            guard.actor(),
            order_id,
            reason=request.form.get("reason", "").strip()[:200] or "cancelled by the shop",
        )
    return redirect(url_for("admin.order", order_id=order_id, notice="order_cancelled"))


@pages.post("/orders/<int:order_id>/refund")
@owner_only
def order_refund(order_id: int) -> Response:
    amount = forms.cents(request.form.get("amount"), "amount")
    with guard.connection() as conn:
        back_office.refund(conn, guard.actor(), payment_provider(), order_id, amount)
    return redirect(url_for("admin.order", order_id=order_id, notice="order_refunded"))


@pages.get("/orders/<int:order_id>/packing-slip")
def packing_slip(order_id: int) -> str:
    with guard.connection() as conn:
        return render_template(
            "admin/packing_slip.html", order=back_office.packing_slip(conn, order_id)
        )


def payment_provider() -> Any:
    """The provider checkout chose at start (one per app), or one made from settings."""
    extras = runtime().extras
    if "payments" not in extras:
        extras["payments"] = decant.payments.providers.provider_for(settings())
    return extras["payments"]
