"""The dashboard: the business figures of a period, as charts beside their tables."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from decant.analytics import dashboards as business
from functions.admin import charts, guard
from functions.admin.blueprints import pages


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
