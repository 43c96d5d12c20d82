"""The owner's offers in the admin: discount codes and curated sets, as pages under
/admin and JSON under /api/admin. Thin: read the form or body, call the domain
(decant.orders.discount_codes, decant.catalog.curated_sets), answer. Staff may look; changes are
the owner's (the domain refuses staff as well)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from pydantic import BaseModel, ConfigDict, TypeAdapter
from werkzeug.datastructures import MultiDict

from decant.catalog import curated_sets
from decant.errors import Conflict, ValidationError
from decant.orders import discount_codes
from decant.staff import audit
from functions.admin import forms, guard
from functions.admin.blueprints import api, pages
from functions.admin.guard import owner_only
from functions.web.envelope import ok
from functions.web.request_body import json_body

SAMPLE_ROWS = 8
PLAIN = TypeAdapter(Any)


def _iso(value: Any) -> Any:
    """Times as ISO 8601 (as the bodies take them), not Flask's HTTP dates."""
    return PLAIN.dump_python(value, mode="json")


class Body(BaseModel):
    """Any JSON object; the domain validates the fields and names those at fault."""

    model_config = ConfigDict(extra="allow")


# -- JSON ------------------------------------------------------------------------------


@api.get("/discounts")
def discounts_json() -> Response:
    with guard.connection() as conn:
        return ok(_iso(discount_codes.list_codes(conn)))


@api.get("/discounts/<int:code_id>")
def discount_json(code_id: int) -> Response:
    with guard.connection() as conn:
        return ok(_iso(discount_codes.get(conn, code_id)))


@api.post("/discounts")
@owner_only
def discount_create_json() -> Response:
    body = json_body(Body).model_dump()
    with guard.connection() as conn:
        return ok(_iso(discount_codes.create(conn, guard.actor(), body)), status=201)


@api.put("/discounts/<int:code_id>")
@owner_only
def discount_update_json(code_id: int) -> Response:
    body = json_body(Body).model_dump()
    with guard.connection() as conn:
        return ok(_iso(discount_codes.update(conn, guard.actor(), code_id, body)))


@api.get("/sets")
def sets_json() -> Response:
    with guard.connection() as conn:
        return ok(curated_sets.list_sets(conn, active_only=False))


@api.get("/sets/<int:set_id>")
def set_json(set_id: int) -> Response:
    with guard.connection() as conn:
        return ok(curated_sets.get(conn, set_id))


@api.post("/sets")
@owner_only
def set_create_json() -> Response:
    body = json_body(Body).model_dump()
    with guard.connection() as conn:
        return ok(curated_sets.create(conn, guard.actor(), body), status=201)


@api.put("/sets/<int:set_id>")
@owner_only
def set_update_json(set_id: int) -> Response:
    body = json_body(Body).model_dump()
    with guard.connection() as conn:
        return ok(curated_sets.update(conn, guard.actor(), set_id, body))


# -- forms -----------------------------------------------------------------------------


def _moment(value: str | None, field: str) -> datetime | None:
    """A datetime-local field, read as UTC (the admin shows times in UTC)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError("not a date and time", {field: "YYYY-MM-DDTHH:MM"}) from None


def _whole(value: str | None, field: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError("not a whole number", {field: "a whole number"})
    return int(text)


def discount_form(form: MultiDict[str, str]) -> dict[str, Any]:
    kind = form.get("kind", "percent")
    value = (
        _whole(form.get("value"), "value")
        if kind == "percent"
        else forms.cents(form.get("value"), "value")
    )
    minimum = form.get("min_subtotal", "").strip()
    data: dict[str, Any] = {
        "description": form.get("description", ""),
        "kind": kind,
        "value": value,
        "min_subtotal_cents": forms.cents(minimum, "min_subtotal_cents") if minimum else 0,
        "max_uses": _whole(form.get("max_uses"), "max_uses"),
        "expires_at": _moment(form.get("expires_at"), "expires_at"),
        "once_per_email": form.get("once_per_email") == "on",
        "is_active": form.get("is_active") == "on",
    }
    starts = _moment(form.get("starts_at"), "starts_at")
    if starts is not None:
        data["starts_at"] = starts
    if "code" in form:
        data["code"] = form.get("code", "")
    return data


def set_form(form: MultiDict[str, str]) -> dict[str, Any]:
    items = []
    for index, choice in enumerate(form.getlist("sample")):
        if not choice.strip():
            continue
        slug, _, size = choice.partition("|")
        try:
            items.append({"slug": slug, "size_ml": Decimal(size)})
        except InvalidOperation:
            raise ValidationError("not a sample", {f"items.{index}": "choose a size"}) from None
    return {
        "slug": form.get("slug", "").strip(),
        "name": form.get("name", ""),
        "description": form.get("description", "").replace("\r\n", "\n"),
        "price_cents": forms.cents(form.get("price"), "price_cents"),
        "is_active": form.get("is_active") == "on",
        "items": items,
    }


def _history(entity: str, entity_id: int) -> list[dict[str, Any]]:
    with guard.connection() as conn:
        return [
            e
            for e in audit.recent(conn, entity=entity, limit=200)
            if e["entity_id"] == str(entity_id)
        ][:10]


# -- discount pages --------------------------------------------------------------------


def _discounts_page(
    *, error: Any = None, form: dict[str, Any] | None = None, status: int = 200
) -> Any:
    with guard.connection() as conn:
        codes = discount_codes.list_codes(conn)
    return (
        render_template(
            "admin/discounts.html",
            codes=codes,
            form=form or {},
            error=getattr(error, "message", None),
            details=getattr(error, "details", None),
        ),
        status,
    )


@pages.get("/discounts")
def discounts() -> Any:
    return _discounts_page()


@pages.post("/discounts")
@owner_only
def discount_create() -> Any:
    try:
        data = discount_form(request.form)
        with guard.connection() as conn:
            discount_codes.create(conn, guard.actor(), data)
    except (ValidationError, Conflict) as exc:
        return _discounts_page(error=exc, form=request.form.to_dict(), status=422)
    return redirect(url_for("admin.discounts", notice="discount_created"))


def _discount_page(code_id: int, *, error: Any = None, status: int = 200) -> Any:
    with guard.connection() as conn:
        code = discount_codes.get(conn, code_id)
    for moment in ("starts_at", "expires_at"):
        if code[moment] is not None:
            code[moment] = code[moment].astimezone(UTC)  # the form's fields are UTC
    return (
        render_template(
            "admin/discount.html",
            code=code,
            history=_history("discount_code", code_id),
            error=getattr(error, "message", None),
            details=getattr(error, "details", None),
        ),
        status,
    )


@pages.get("/discounts/<int:code_id>")
def discount(code_id: int) -> Any:
    return _discount_page(code_id)


@pages.post("/discounts/<int:code_id>")
@owner_only
def discount_update(code_id: int) -> Any:
    try:
        data = discount_form(request.form)
        with guard.connection() as conn:
            discount_codes.update(conn, guard.actor(), code_id, data)
    except ValidationError as exc:
        return _discount_page(code_id, error=exc, status=422)
    return redirect(url_for("admin.discount", code_id=code_id, notice="discount_saved"))


@pages.post("/discounts/<int:code_id>/disable")
@owner_only
def discount_disable(code_id: int) -> Any:
    with guard.connection() as conn:
        discount_codes.disable(conn, guard.actor(), code_id)
    return redirect(url_for("admin.discount", code_id=code_id, notice="discount_disabled"))


# -- set pages -------------------------------------------------------------------------


def _sample_choices() -> list[dict[str, Any]]:
    with guard.connection() as conn:
        return conn.execute(
            "SELECT p.slug, p.name, p.brand, trim_scale(ps.size_ml)::text AS size_ml, ps.price_cents"
            "  FROM products p JOIN product_sizes ps ON ps.product_id = p.id AND ps.is_active"
            " WHERE p.is_active ORDER BY lower(p.name), p.slug, ps.size_ml"
        ).fetchall()


def _sets_page(
    *, error: Any = None, form: MultiDict[str, str] | None = None, status: int = 200
) -> Any:
    with guard.connection() as conn:
        sets = curated_sets.list_sets(conn, active_only=False)
    return (
        render_template(
            "admin/sets.html",
            sets=sets,
            choices=_sample_choices(),
            rows=SAMPLE_ROWS,
            form=form or MultiDict(),
            error=getattr(error, "message", None),
            details=getattr(error, "details", None),
        ),
        status,
    )


@pages.get("/sets")
def sets() -> Any:
    return _sets_page()


@pages.post("/sets")
@owner_only
def set_create() -> Any:
    try:
        data = set_form(request.form)
        with guard.connection() as conn:
            created = curated_sets.create(conn, guard.actor(), data)
    except (ValidationError, Conflict) as exc:
        return _sets_page(error=exc, form=request.form, status=422)
    return redirect(
        url_for(
            "admin.set_page",
            set_id=created["id"],
            notice="set_created",
        )
    )


def _set_page(set_id: int, *, error: Any = None, status: int = 200) -> Any:
    with guard.connection() as conn:
        found = curated_sets.get(conn, set_id)
    chosen = [f"{i['slug']}|{i['size_ml']}" for i in found["items"]]
    return (
        render_template(
            "admin/set.html",
            found=found,
            chosen=chosen + [""] * max(SAMPLE_ROWS - len(chosen), 0),
            choices=_sample_choices(),
            history=_history("curated_set", set_id),
            error=getattr(error, "message", None),
            details=getattr(error, "details", None),
        ),
        status,
    )


@pages.get("/sets/<int:set_id>")
def set_page(set_id: int) -> Any:
    return _set_page(set_id)


@pages.post("/sets/<int:set_id>")
@owner_only
def set_update(set_id: int) -> Any:
    try:
        data = set_form(request.form)
        with guard.connection() as conn:
            curated_sets.update(conn, guard.actor(), set_id, data)
    except (ValidationError, Conflict) as exc:
        return _set_page(set_id, error=exc, status=422)
    return redirect(
        url_for(
            "admin.set_page",
            set_id=set_id,
            notice="set_saved",
        )
    )
