"""The owner's operations pages: the worker's scheduled jobs (last run and result) and
a customer's data on request (export, erase). Thin: read the form, call the domain
(decant.ops.schedule, decant.orders.customer_data), answer."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, render_template, request

from decant.errors import Conflict, ValidationError
from decant.ops import schedule
from decant.orders import customer_data
from functions.admin import guard
from functions.admin.blueprints import pages
from functions.admin.guard import owner_only


@pages.get("/jobs")
def scheduled_jobs() -> Any:
    with guard.connection() as conn:
        jobs = schedule.status(conn)
    return render_template("admin/jobs.html", jobs=jobs)


def _customers_page(*, error: Any = None, done: Any = None, status: int = 200) -> Any:
    return (
        render_template(
            "admin/customers.html",
            form=request.form.to_dict() if request.method == "POST" else {},
            error=getattr(error, "message", None),
            details=getattr(error, "details", None),
            done=done,
        ),
        status,
    )


@pages.get("/customers")
@owner_only
def customers() -> Any:
    return _customers_page()


@pages.post("/customers/export")
@owner_only
def customer_export() -> Any:
    try:
        with guard.connection() as conn:
            found = customer_data.export(conn, guard.actor(), request.form.get("email", ""))
    except ValidationError as exc:
        return _customers_page(error=exc, status=422)
    name = customer_data.subject_id(found["email"]).replace(":", "-")
    return Response(
        json.dumps(found, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{name}.json"'},
    )


@pages.post("/customers/erase")
@owner_only
def customer_erase() -> Any:
    try:
        with guard.connection() as conn:
            counts = customer_data.erase(
                conn,
                guard.actor(),
                request.form.get("email", ""),
                request.form.get("confirm_email", ""),
            )
    except ValidationError as exc:
        return _customers_page(error=exc, status=422)
    except Conflict as exc:
        return _customers_page(error=exc, status=409)
    return _customers_page(done=counts)
