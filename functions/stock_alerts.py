"""Back-in-stock alerts: POST /api/stock-alerts, and the two links its e-mails carry.

The links open a page with one button (GET shows, POST acts), so a mail scanner that
follows links confirms or unsubscribes nothing. The rules are decant.inventory.stock_alerts'.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from decant.errors import NotFound
from decant.inventory import stock_alerts
from functions.web import storefront_pages
from functions.web.envelope import ok
from functions.web.rate_limits import STOCK_ALERTS, limiter
from functions.web.request_body import json_body
from functions.web.runtime import database, settings

bp = Blueprint("stock_alerts", __name__)

TOKEN_MAX = 64


class StockAlertIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: Annotated[EmailStr, StringConstraints(max_length=254)]
    slug: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"
        ),
    ]
    size_ml: Annotated[
        Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2, allow_inf_nan=False)
    ]


class StockAlertOut(BaseModel):
    status: str = Field(description="always 'pending_confirmation': the e-mail's link confirms")


@bp.post("/api/stock-alerts")
@limiter.limit(STOCK_ALERTS)
def create() -> Response:
    asked = json_body(StockAlertIn)
    with database().connection() as conn:
        stock_alerts.subscribe(
            conn,
            email=str(asked.email),
            slug=asked.slug,
            size_ml=asked.size_ml,
            base_url=settings().base_url,
        )
    # The same answer whether this request queued an e-mail or one already waited:
    # nothing tells a stranger which addresses have asked.
    return ok(StockAlertOut(status="pending_confirmation").model_dump(), status=202)


def _token() -> str:
    return (request.values.get("token") or "")[:TOKEN_MAX]


def _page(title: str, template: str, status: int = 200, **context: object) -> Response:
    return storefront_pages.page(title, template, status=status, **context)


@bp.route("/stock-alerts/confirm", methods=["GET", "POST"])
@limiter.limit(STOCK_ALERTS, methods=["POST"])
def confirm() -> Response:
    token = _token()
    if request.method == "GET":
        return _page("Confirm your alert", "stock_alert_action.html", token=token, action="confirm")
    try:
        with database().connection() as conn:
            alert = stock_alerts.confirm(conn, token, base_url=settings().base_url)
    except NotFound:
        return _page("This link has expired", "stock_alert_done.html", status=404, alert=None)
    return _page("Alert confirmed", "stock_alert_done.html", alert=alert, action="confirm")


@bp.route("/stock-alerts/unsubscribe", methods=["GET", "POST"])
@limiter.limit(STOCK_ALERTS, methods=["POST"])
def unsubscribe() -> Response:
    token = _token()
    if request.method == "GET":
        return _page("Unsubscribe", "stock_alert_action.html", token=token, action="unsubscribe")
    with database().connection() as conn:
        alert = stock_alerts.unsubscribe(conn, token)
    return _page("Unsubscribed", "stock_alert_done.html", alert=alert, action="unsubscribe")
