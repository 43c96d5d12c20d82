"""Discount codes as the owner manages them: create, edit, disable, and what each
code brought in.

The rules hold in the schema whoever writes a code (sql/0003_orders.sql and
sql/0081_discount_rules.sql: percent 1..100, fixed amount > 0, the end after the
start, uses within the maximum, once per e-mail through discount_redemptions'
unique index); this module says the same first, naming the field. Applying a code
to an order is decant.orders.pricing (the amounts) and decant.orders.placing (the use, in the
order's own statement). Every change writes its audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import psycopg
from psycopg import errors as pg_errors
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from decant.errors import Conflict, Forbidden, NotFound, ValidationError
from decant.staff import audit
from decant.staff.audit import Actor

FIELDS = (
    "code",
    "description",
    "kind",
    "value",
    "min_subtotal_cents",
    "max_uses",
    "starts_at",
    "expires_at",
    "once_per_email",
    "is_active",
)


class DiscountIn(BaseModel):
    """A code as the owner writes it. `kind` is percent (value 1..100) or amount (value
    in cents off the goods; "fixed" is accepted as its other name)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{3,32}$")
    description: str = Field("", max_length=500)
    kind: Literal["percent", "amount"]
    value: int = Field(ge=1, le=10_000_000, strict=True)
    min_subtotal_cents: int = Field(0, ge=0, le=10_000_000, strict=True)
    max_uses: int | None = Field(None, ge=1, le=10_000_000, strict=True)
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    once_per_email: bool = False
    is_active: bool = True

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("kind", mode="before")
    @classmethod
    def _fixed_is_amount(cls, value: Any) -> Any:
        return "amount" if value == "fixed" else value

    @field_validator("starts_at", "expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DiscountIn:
        if self.kind == "percent" and self.value > 100:
            raise _field_error("value", "a percentage is 1 to 100")
        if self.expires_at and self.starts_at and self.expires_at <= self.starts_at:
            raise _field_error("expires_at", "must be after starts_at")
        return self


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _field_error(field: str, message: str) -> _FieldError:
    return _FieldError(field, message)


def parse(data: dict[str, Any]) -> DiscountIn:
    try:
        return DiscountIn.model_validate(data)
    except PydanticError as exc:
        details: dict[str, str] = {}
        for error in exc.errors(include_url=False, include_input=False):
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, _FieldError):
                details.setdefault(cause.field, str(cause))
                continue
            field = ".".join(str(part) for part in error["loc"]) or "body"
            details.setdefault(field, error["msg"])
        raise ValidationError("the discount code is not valid", details) from None


# Usage counts orders still alive (not cancelled); revenue counts what paid orders
# brought in after refunds, and what the code gave away on them.
LIST_SQL = """
SELECT d.id, d.code, d.description, d.kind::text AS kind, d.value, d.min_subtotal_cents,
       d.max_uses, d.used_count, d.starts_at, d.expires_at, d.once_per_email, d.is_active,
       d.created_at, d.updated_at,
       count(o.id) FILTER (WHERE o.status <> 'cancelled') AS uses,
       count(o.id) FILTER (WHERE o.paid_at IS NOT NULL) AS paid_orders,
       coalesce(sum(o.total_cents - o.refunded_cents) FILTER (WHERE o.paid_at IS NOT NULL), 0)
           AS revenue_cents,
       coalesce(sum(o.discount_cents) FILTER (WHERE o.paid_at IS NOT NULL), 0)
           AS discount_given_cents
  FROM discount_codes d
  LEFT JOIN orders o ON o.discount_code = d.code
"""


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("uses", "paid_orders", "revenue_cents", "discount_given_cents"):
        row[name] = int(row[name])
    return row


def list_codes(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(LIST_SQL + " GROUP BY d.id ORDER BY d.created_at DESC, d.id DESC")
    return [_shaped(row) for row in rows.fetchall()]


def get(conn: psycopg.Connection, code_id: int) -> dict[str, Any]:
    row = conn.execute(LIST_SQL + " WHERE d.id = %s GROUP BY d.id", (code_id,)).fetchone()
    if row is None:
        raise NotFound(f"no discount code {code_id}")
    return _shaped(row)


def editable(found: dict[str, Any]) -> dict[str, Any]:
    return {name: found[name] for name in FIELDS}


def _require_owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise Forbidden("only the owner may change discount codes")


# The schema's names for its rules, told to the owner as the field at fault.
CONSTRAINT_FIELDS = {
    "discount_codes_code_unique": ("code", "this code exists already"),
    "discount_codes_code_check": ("code", "3 to 32 letters, digits, _ or -"),
    "discount_codes_percent_range": ("value", "a percentage is 1 to 100"),
    "discount_codes_percent_one_to_hundred": ("value", "a percentage is 1 to 100"),
    "discount_codes_fixed_positive": ("value", "must be more than 0"),
    "discount_codes_value_check": ("value", "must be more than 0"),
    "discount_codes_ends_after_starts": ("expires_at", "must be after starts_at"),
    "discount_codes_within_limit": ("max_uses", "is below the uses already made"),
    "discount_codes_max_uses_check": ("max_uses", "must be at least 1"),
}


def _refusal(exc: psycopg.Error) -> ValidationError | Conflict:
    field, why = CONSTRAINT_FIELDS.get(exc.diag.constraint_name or "", ("body", "not allowed"))
    if field == "code" and isinstance(exc, pg_errors.UniqueViolation):
        return Conflict("a discount code with this name exists", {field: why})
    return ValidationError("the discount code is not valid", {field: why})


def create(conn: psycopg.Connection, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    _require_owner(actor)
    body = parse(data)
    try:
        with conn.transaction():
            code_id = conn.execute(
                """
                INSERT INTO discount_codes (code, description, kind, value, min_subtotal_cents,
                                            max_uses, starts_at, expires_at, once_per_email,
                                            is_active)
                VALUES (%(code)s, %(description)s, %(kind)s, %(value)s, %(min_subtotal_cents)s,
                        %(max_uses)s, coalesce(%(starts_at)s, now()), %(expires_at)s,
                        %(once_per_email)s, %(is_active)s)
                RETURNING id
                """,
                body.model_dump(),
            ).fetchone()["id"]
            created = get(conn, code_id)
            audit.record(conn, actor, "create", "discount_code", code_id, after=editable(created))
    except (pg_errors.UniqueViolation, pg_errors.CheckViolation) as exc:
        raise _refusal(exc) from None
    return created


def update(
    conn: psycopg.Connection, actor: Actor, code_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Change the given fields; the code itself stays (orders name it)."""
    _require_owner(actor)
    if "code" in data:
        data = dict(data)
        asked = str(data.pop("code") or "").strip().upper()
    else:
        asked = None
    try:
        with conn.transaction():
            conn.execute("SELECT 1 FROM discount_codes WHERE id = %s FOR UPDATE", (code_id,))
            before = editable(get(conn, code_id))
            if asked is not None and asked != before["code"]:
                raise ValidationError(
                    "a code cannot be renamed", {"code": "orders name it; create a new code"}
                )
            body = parse({**before, **data})
            conn.execute(
                """
                UPDATE discount_codes
                   SET description = %(description)s, kind = %(kind)s, value = %(value)s,
                       min_subtotal_cents = %(min_subtotal_cents)s, max_uses = %(max_uses)s,
                       starts_at = coalesce(%(starts_at)s, starts_at),
                       expires_at = %(expires_at)s,
                       once_per_email = %(once_per_email)s, is_active = %(is_active)s
                 WHERE id = %(id)s
                """,
                {**body.model_dump(), "id": code_id},
            )
            updated = get(conn, code_id)
            after = editable(updated)
            if after != before:
                action = "update"
                if before["is_active"] != after["is_active"]:
                    action = "enable" if after["is_active"] else "disable"
                audit.record(
                    conn, actor, action, "discount_code", code_id, before=before, after=after
                )
    except (pg_errors.UniqueViolation, pg_errors.CheckViolation) as exc:
        raise _refusal(exc) from None
    return updated


def disable(conn: psycopg.Connection, actor: Actor, code_id: int) -> dict[str, Any]:
    return update(conn, actor, code_id, {"is_active": False})
