"""The stock page: bottles, reorder advice, restocks and adjustments."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from decant.inventory import adjustments, forecasts, stock, stock_alerts
from functions.admin import forms, guard
from functions.admin.blueprints import pages
from functions.admin.pages import in_range, last_page, page_number

# The summaries above the list show their first rows and say how many more there are;
# the whole of them is "low stock first" in the list below, page by page.
SUMMARY_ROWS = 20


@pages.get("/inventory")
def inventory_page() -> str:
    page = page_number()
    q = (request.args.get("q") or "").strip()[:100] or None
    with guard.connection() as conn:
        rows, total = forecasts.report_page(
            conn, q=q, low_first=request.args.get("low") == "1", page=page
        )
        in_range(page, rows)
        reorder, reorder_total = forecasts.reorder_first(conn, limit=SUMMARY_ROWS)
        low = stock.low_stock(conn, limit=SUMMARY_ROWS)
        low_total = stock.low_stock_count(conn) if len(low) == SUMMARY_ROWS else len(low)
        value = forecasts.inventory_value_cents(conn)
        waiting = stock_alerts.waiting_by_product(conn, [r["id"] for r in rows])
    return render_template(
        "admin/inventory.html",
        waiting=waiting,
        rows=rows,
        total=total,
        page=page,
        last_page=last_page(total, forecasts.PER_PAGE),
        reorder=reorder,
        reorder_total=reorder_total,
        low=low,
        low_total=low_total,
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
            received_on=forms.day(form.get("received_on"), "received_on"),
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
