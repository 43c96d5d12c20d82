"""The products pages: list, edit, photos, bulk prices, CSV export and import."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from decant.catalog import csv_transfer, editing, image_uploads, media_store
from decant.errors import ValidationError
from functions.admin import forms, guard
from functions.admin.blueprints import pages
from functions.admin.guard import body_limit, owner_only
from functions.admin.pages import IMPORT_LIMIT, UPLOAD_LIMIT, in_range, last_page, page_number
from functions.web.runtime import settings


@pages.get("/products")
def products() -> str:
    active_arg = request.args.get("active", "")
    active = {"yes": True, "no": False}.get(active_arg)
    page = page_number()
    with guard.connection() as conn:
        rows, total = editing.list_products(
            conn,
            q=request.args.get("q") or None,
            brand=request.args.get("brand") or None,
            active=active,
            low_stock=request.args.get("low") == "1",
            page=page,
        )
        in_range(page, rows)
        brands = conn.execute("SELECT name, slug FROM brands ORDER BY lower(name)").fetchall()
    return render_template(
        "admin/products.html",
        rows=rows,
        total=total,
        brands=brands,
        page=page,
        last_page=last_page(total, editing.PER_PAGE),
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
