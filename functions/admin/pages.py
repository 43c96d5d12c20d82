"""The back-office pages: dashboard, products, stock, orders, publishing, audit log.

Thin like every function: read the form, call the domain, render or redirect.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, redirect, render_template, request, url_for

import decant.payments.providers
from decant.analytics import dashboards as business
from decant.catalog import csv_transfer, editing, image_uploads, media_store
from decant.errors import ValidationError
from decant.inventory import adjustments, forecasts, stock, stock_alerts
from decant.money import format_money
from decant.orders import back_office
from decant.orders.back_office import OrderFilters
from decant.publishing import admin_publishing
from decant.staff import audit
from functions.admin import charts, forms, guard
from functions.admin.blueprints import pages
from functions.admin.guard import body_limit, owner_only
from functions.admin.notices import notice_text
from functions.web.runtime import runtime, settings

UPLOAD_LIMIT = 12 * 1024 * 1024
IMPORT_LIMIT = 5 * 1024 * 1024


def money(cents: int | None) -> str:
    if cents is None:
        return "—"
    return format_money(cents, settings().currency)


pages.add_app_template_filter(money, "admin_money")
pages.add_app_template_global(notice_text, "admin_notice")


def _date(value: str | None, field: str) -> date | None:
    return forms.day(value, field)


MAX_PAGE = 100_000


def _page() -> int:
    value = request.args.get("page", "")
    return forms.whole_number(value, "page", minimum=1, maximum=MAX_PAGE) if value else 1


def _last_page(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)


def _in_range(page: int, rows: list[Any]) -> None:
    """A page past the last one is a wrong link, answered like any bad field. (The
    count comes with the rows, so past the end it is not known: no number is named.)"""
    if page > 1 and not rows:
        raise ValidationError("no such page", {"page": "past the last page of this list"})


# -- dashboard ---------------------------------------------------------------------


@pages.get("/")
def dashboard_page() -> str:
    return redirect(url_for("admin.dashboard"))  # type: ignore[return-value]


@pages.get("/dashboard")
def dashboard() -> str:
    period = request.args.get("period", "month")
    with guard.connection() as conn:
        data = business.overview(conn, period)
    fmt = {"day": "%d %b", "week": "wk %V", "month": "%b %Y"}[period]
    labels = [row["start"].strftime(fmt) for row in data["series"]]
    revenue_chart = charts.bars(
        f"Revenue per {period} (€)",
        labels,
        {"Revenue": [r["revenue_cents"] / 100 for r in data["series"]]},
    )
    orders_chart = charts.line(
        f"Orders and average order value per {period}",
        labels,
        {
            "Orders": [r["orders"] for r in data["series"]],
            "Average order (€)": [r["average_order_cents"] / 100 for r in data["series"]],
        },
    )
    funnel_chart = charts.bars(
        "Sample funnel",
        [s["label"] for s in data["funnel"]],
        {"Events": [s["events"] for s in data["funnel"]]},
    )
    best_chart = (
        charts.horizontal(
            "Best sellers by millilitres",
            [b["name"] for b in data["best_sellers_ml"]],
            [float(b["ml"]) for b in data["best_sellers_ml"]],
        )
        if data["best_sellers_ml"]
        else None
    )
    return render_template(
        "admin/dashboard.html",
        data=data,
        period=period,
        revenue_chart=revenue_chart,
        orders_chart=orders_chart,
        funnel_chart=funnel_chart,
        best_chart=best_chart,
    )


# -- products ----------------------------------------------------------------------


@pages.get("/products")
def products() -> str:
    active_arg = request.args.get("active", "")
    active = {"yes": True, "no": False}.get(active_arg)
    page = _page()
    with guard.connection() as conn:
        rows, total = editing.list_products(
            conn,
            q=request.args.get("q") or None,
            brand=request.args.get("brand") or None,
            active=active,
            low_stock=request.args.get("low") == "1",
            page=page,
        )
        _in_range(page, rows)
        brands = conn.execute("SELECT name, slug FROM brands ORDER BY lower(name)").fetchall()
    return render_template(
        "admin/products.html",
        rows=rows,
        total=total,
        brands=brands,
        page=page,
        last_page=_last_page(total, editing.PER_PAGE),
    )


def _product_form(product: dict[str, Any] | None, *, error: Any = None, status: int = 200) -> Any:
    with guard.connection() as conn:
        brands = editing.brand_names(conn)
    return (
        render_template(
            "admin/product.html",
            product=product,
            brands=brands,
            error=getattr(error, "message", None),
            details=getattr(error, "details", None),
        ),
        status,
    )


@pages.get("/products/new")
@owner_only
def product_new() -> Any:
    return _product_form(None)


@pages.post("/products")
@owner_only
def product_create() -> Any:
    data: dict[str, Any] = {}
    try:
        data = forms.product(request.form)
        with guard.connection() as conn:
            created = editing.create(conn, guard.actor(), data)
    except ValidationError as exc:
        return _product_form({**data, "id": None}, error=exc, status=422)
    return redirect(url_for("admin.product", product_id=created["id"], notice="product_created"))


@pages.get("/products/<int:product_id>")
def product(product_id: int) -> Any:
    with guard.connection() as conn:
        found = editing.get(conn, product_id)
        history = conn.execute(
            "SELECT actor, action, created_at FROM audit_log WHERE entity = 'product'"
            " AND entity_id = %s ORDER BY id DESC LIMIT 10",
            (str(product_id),),
        ).fetchall()
    found["history"] = history
    return _product_form(found)


@pages.post("/products/<int:product_id>")
@owner_only
def product_update(product_id: int) -> Any:
    data: dict[str, Any] = {}
    try:
        data = forms.product(request.form)
        with guard.connection() as conn:
            editing.update(conn, guard.actor(), product_id, data)
    except ValidationError as exc:
        return _product_form({**data, "id": product_id, "images": []}, error=exc, status=422)
    return redirect(
        url_for(
            "admin.product",
            product_id=product_id,
            notice="product_saved",
        )
    )


@pages.post("/products/<int:product_id>/images")
@owner_only
@body_limit(UPLOAD_LIMIT)
def product_image(product_id: int) -> Any:
    upload = request.files.get("image")
    if upload is None:
        raise ValidationError("choose a file", {"image": "required"})
    name = image_uploads.store(upload.read(image_uploads.MAX_BYTES + 1), settings().media_dir)
    media_store.keep(settings(), name)
    with guard.connection() as conn:
        current = editing.get(conn, product_id)
        editing.set_images(conn, guard.actor(), product_id, [*current["images"], name])
    return redirect(url_for("admin.product", product_id=product_id, notice="image_added"))


@pages.post("/products/prices")
@owner_only
def bulk_prices() -> Response:
    percent = forms.decimal(request.form.get("percent"), "percent")
    ids = [
        forms.whole_number(i, "product_id", minimum=1, maximum=2**31 - 1)
        for i in request.form.getlist("product_id")
    ] or None
    with guard.connection() as conn:
        editing.bulk_price_change(conn, guard.actor(), percent, product_ids=ids)
    return redirect(url_for("admin.products", notice="prices_changed"))


@pages.get("/products/export.csv")
@owner_only
def catalog_export() -> Response:
    with guard.connection() as conn:
        text = csv_transfer.export(conn)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="decant-catalog.csv"'},
    )


@pages.get("/products/import")
@owner_only
def catalog_import() -> str:
    return render_template("admin/import.html", report=None)


@pages.post("/products/import")
@owner_only
@body_limit(IMPORT_LIMIT)
def catalog_import_post() -> Any:
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("choose a CSV file", {"file": "required"})
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            "the file is not UTF-8 text", {"file": "save it as UTF-8 CSV"}
        ) from None
    dry_run = request.form.get("apply") != "yes"
    with guard.connection() as conn:
        report = csv_transfer.import_csv(conn, guard.actor(), text, dry_run=dry_run)
    return render_template("admin/import.html", report=report, dry_run=dry_run), (
        200 if report["ok"] else 422
    )


# -- stock -------------------------------------------------------------------------


@pages.get("/inventory")
def inventory_page() -> str:
    page = _page()
    q = (request.args.get("q") or "").strip()[:100] or None
    with guard.connection() as conn:
        rows, total = forecasts.report_page(
            conn, q=q, low_first=request.args.get("low") == "1", page=page
        )
        _in_range(page, rows)
        reorder = forecasts.reorder_list(conn)
        low = stock.low_stock(conn)
        value = forecasts.inventory_value_cents(conn)
        waiting = stock_alerts.waiting_by_product(conn)
    return render_template(
        "admin/inventory.html",
        waiting=waiting,
        rows=rows,
        total=total,
        page=page,
        last_page=_last_page(total, forecasts.PER_PAGE),
        reorder=reorder,
        low=low,
        value=value,
        reasons=stock.REASONS,
    )


@pages.post("/inventory/<slug>/restock")
def restock(slug: str) -> Response:
    form = request.form
    with guard.connection() as conn:
        adjustments.restock(
            conn,
            guard.actor(),
            slug,
            volume_ml=forms.decimal(form.get("volume_ml"), "volume_ml"),
            cost_cents=forms.cents(form.get("cost"), "cost"),
            supplier=form.get("supplier", "")[:200],
            received_on=_date(form.get("received_on"), "received_on"),
        )
    return redirect(url_for("admin.inventory_page", notice="restocked"))


@pages.post("/inventory/<slug>/adjust")
def adjust(slug: str) -> Response:
    form = request.form
    with guard.connection() as conn:
        adjustments.adjust(
            conn,
            guard.actor(),
            slug,
            delta_ml=forms.decimal(form.get("delta_ml"), "delta_ml"),
            reason=form.get("reason", ""),
            note=form.get("note", "")[:500],
        )
    return redirect(url_for("admin.inventory_page", notice="stock_adjusted"))


# -- orders ------------------------------------------------------------------------


def _order_filters(per_page: int = back_office.PER_PAGE) -> OrderFilters:
    args = request.args
    return OrderFilters(
        status=args.get("status") or None,
        payment_status=args.get("payment_status") or None,
        date_from=_date(args.get("from"), "from"),
        date_to=_date(args.get("to"), "to"),
        q=(args.get("q") or "").strip()[:100] or None,
        page=_page(),
        per_page=per_page,
    )


@pages.get("/orders")
def orders() -> str:
    filters = _order_filters()
    with guard.connection() as conn:
        rows, total = back_office.list_orders(conn, filters)
        _in_range(filters.page, rows)
    return render_template(
        "admin/orders.html",
        rows=rows,
        total=total,
        page=filters.page,
        last_page=_last_page(total, filters.per_page),
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


# -- publishing --------------------------------------------------------------------


@pages.get("/publishing")
def publishing_page() -> str:
    with guard.connection() as conn:
        data = admin_publishing.status(conn, settings())
    return render_template("admin/publishing.html", data=data)


@pages.post("/publishing/publish")
def publish() -> Response:
    with guard.connection() as conn:
        admin_publishing.publish(conn, guard.actor())
    return redirect(
        url_for(
            "admin.publishing_page",
            notice="build_queued",
        )
    )


@pages.post("/publishing/rollback")
@owner_only
def rollback() -> Response:
    with guard.connection() as conn:
        admin_publishing.rollback(conn, settings(), guard.actor())
    return redirect(url_for("admin.publishing_page", notice="rolled_back"))


# -- audit -------------------------------------------------------------------------


@pages.get("/audit")
def audit_page() -> str:
    with guard.connection() as conn:
        rows = audit.recent(conn, entity=request.args.get("entity") or None)
    return render_template("admin/audit.html", rows=rows)
