"""Discount codes the owner manages: the rules at the database and in the domain,
once per e-mail under concurrency, the date window, the minimum order, figures and
the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from decant.errors import Conflict, Forbidden, ValidationError
from decant.orders import discount_codes, placing
from decant.staff.audit import Actor
from tests.factories import cart
from tests.orders.test_orders import run_concurrently
from tests.plugins.shopper_api import order_body, shopper_address

OWNER = Actor(None, "owner@decant.test", "owner")
STAFF = Actor(None, "staff@decant.test", "staff")


@pytest.fixture
def rose(shop):
    return shop.product("rose-noir", ml=1000, sizes={10: 3000})


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ("kind, value) VALUES ('BAD1', 'percent', 0", "discount_codes_percent_one_to_hundred"),
        ("kind, value) VALUES ('BAD2', 'percent', 101", "discount_codes_percent_one_to_hundred"),
        ("kind, value) VALUES ('BAD3', 'amount', -5", "discount_codes_fixed_positive"),
        ("kind, value) VALUES ('bad4', 'amount', 500", "discount_codes_code_check"),
        (
            "kind, value, starts_at, expires_at) VALUES ('BAD5', 'amount', 500,"
            " now(), now() - interval '1 day'",
            "discount_codes_ends_after_starts",
        ),
        (
            "kind, value, max_uses) VALUES ('BAD6', 'amount', 500, 0",
            "discount_codes_max_uses_check",
        ),
        (
            "kind, value, min_subtotal_cents) VALUES ('BAD7', 'amount', 500, -1",
            "discount_codes_min_subtotal_cents_check",
        ),
    ],
)
def test_the_database_refuses_codes_that_break_the_rules(conn, columns, constraint):
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        conn.execute(f"INSERT INTO discount_codes (code, {columns})")
    assert refused.value.diag.constraint_name == constraint


def _body(**changes):
    return {
        "code": "spring20",
        "description": "Spring newsletter",
        "kind": "percent",
        "value": 20,
        "min_subtotal_cents": 2000,
        "max_uses": 100,
        "once_per_email": True,
        **changes,
    }


def test_the_owner_creates_a_code_and_the_audit_log_records_it(conn):
    created = discount_codes.create(conn, OWNER, _body())
    assert created["code"] == "SPRING20"
    assert (created["kind"], created["value"], created["once_per_email"]) == ("percent", 20, True)
    entry = conn.execute(
        "SELECT actor, action, after FROM audit_log WHERE entity = 'discount_code'"
    ).fetchone()
    assert (entry["actor"], entry["action"]) == ("owner@decant.test", "create")
    assert entry["after"]["code"] == "SPRING20"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "percent", "value": 150}, "value"),
        ({"kind": "fixed", "value": 0}, "value"),
        ({"kind": "half-off"}, "kind"),
        ({"code": "no spaces"}, "code"),
        ({"min_subtotal_cents": -1}, "min_subtotal_cents"),
        ({"max_uses": 0}, "max_uses"),
        (
            {"starts_at": "2026-05-01T00:00:00Z", "expires_at": "2026-04-01T00:00:00Z"},
            "expires_at",
        ),
    ],
)
def test_a_bad_code_is_refused_naming_the_field_and_nothing_is_written(conn, changes, field):
    with pytest.raises(ValidationError) as refused:
        discount_codes.create(conn, OWNER, _body(**changes))
    assert field in refused.value.details
    assert conn.execute("SELECT count(*) AS n FROM discount_codes").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"] == 0


def test_fixed_is_another_name_for_an_amount_off(conn):
    created = discount_codes.create(conn, OWNER, _body(kind="fixed", value=500))
    assert created["kind"] == "amount"


def test_a_second_code_with_the_same_name_is_a_conflict(conn):
    discount_codes.create(conn, OWNER, _body())
    with pytest.raises(Conflict) as refused:
        discount_codes.create(conn, OWNER, _body(code="SPRING20"))
    assert "code" in refused.value.details


def test_staff_cannot_create_or_edit_codes(conn):
    with pytest.raises(Forbidden):
        discount_codes.create(conn, STAFF, _body())
    created = discount_codes.create(conn, OWNER, _body())
    with pytest.raises(Forbidden):
        discount_codes.update(conn, STAFF, created["id"], {"value": 50})


def test_editing_and_disabling_are_audited_with_before_and_after(conn, rose, shop):
    created = discount_codes.create(conn, OWNER, _body(min_subtotal_cents=0))
    discount_codes.update(conn, OWNER, created["id"], {"value": 30})
    discount_codes.disable(conn, OWNER, created["id"])
    entries = conn.execute(
        "SELECT action, before, after FROM audit_log WHERE entity = 'discount_code' ORDER BY id"
    ).fetchall()
    assert [e["action"] for e in entries] == ["create", "update", "disable"]
    assert (entries[1]["before"]["value"], entries[1]["after"]["value"]) == (20, 30)
    with pytest.raises(ValidationError) as refused:
        shop.order(("rose-noir", 10, 1), discount_code="SPRING20")
    assert "discount_code" in refused.value.details


def test_a_code_cannot_be_renamed(conn):
    created = discount_codes.create(conn, OWNER, _body())
    with pytest.raises(ValidationError) as refused:
        discount_codes.update(conn, OWNER, created["id"], {"code": "OTHER"})
    assert "code" in refused.value.details


def test_a_code_applies_only_inside_its_date_window(conn, rose, shop):
    now = datetime.now(UTC)
    shop.discount("LATER", value=10, starts_at=now + timedelta(days=1))
    shop.discount(
        "OVER", value=10, starts_at=now - timedelta(days=2), expires_at=now - timedelta(days=1)
    )
    shop.discount(
        "NOW", value=10, starts_at=now - timedelta(days=1), expires_at=now + timedelta(days=1)
    )
    for code in ("LATER", "OVER"):
        with pytest.raises(ValidationError):
            shop.order(("rose-noir", 10, 1), discount_code=code)
    assert shop.order(("rose-noir", 10, 1), discount_code="NOW")["discount_cents"] == 300


def test_a_code_needs_its_minimum_order(rose, shop):
    shop.discount("BIG", kind="amount", value=500, min_subtotal_cents=6000)
    with pytest.raises(ValidationError) as refused:
        shop.order(("rose-noir", 10, 1), discount_code="BIG")
    assert "6000" in refused.value.details["discount_code"]
    assert shop.order(("rose-noir", 10, 2), discount_code="BIG")["discount_cents"] == 500


def test_once_per_email_refuses_a_second_order_of_the_same_address_in_any_case(conn, rose, shop):
    shop.discount("HELLO", value=10, once_per_email=True)
    first = shop.order(("rose-noir", 10, 1), discount_code="HELLO", email="ada@example.com")
    with pytest.raises(ValidationError) as refused:
        shop.order(("rose-noir", 10, 1), discount_code="HELLO", email="ADA@Example.com")
    assert refused.value.details == {"discount_code": "this code can be used once per e-mail"}
    assert shop.order(("rose-noir", 10, 1), discount_code="HELLO", email="bob@example.com")
    placing.cancel_unpaid(conn, first["id"], reason="expired")
    again = shop.order(("rose-noir", 10, 1), discount_code="HELLO", email="ada@example.com")
    assert again["discount_cents"] == 300


def test_once_per_email_holds_when_one_address_races_itself(conn, rose, shop, database_url):
    shop.discount("RACE", value=10, once_per_email=True)
    results = run_concurrently(
        database_url,
        12,
        lambda c, i: placing.place(
            c, cart(("rose-noir", 10, 1), discount_code="RACE", email="ada@example.com")
        ),
    )
    placed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(placed) == 1 and len(refused) == 11, results
    assert shop.count("orders") == 1
    assert shop.remaining_ml("rose-noir") == 990


def test_a_late_payment_does_not_take_the_code_back_from_a_newer_order(conn, rose, shop):
    shop.discount("LATE", value=10, once_per_email=True)
    first = shop.order(("rose-noir", 10, 1), discount_code="LATE")
    placing.cancel_unpaid(conn, first["id"], reason="expired")
    shop.order(("rose-noir", 10, 1), discount_code="LATE")
    placing.transition(conn, first["id"], status="paid", payment_status="paid")
    live = conn.execute(
        "SELECT count(*) AS n FROM discount_redemptions WHERE voided_at IS NULL"
    ).fetchone()["n"]
    assert live == 1


def test_usage_and_revenue_per_code(conn, rose, shop):
    created = discount_codes.create(
        conn, OWNER, _body(code="FIG", once_per_email=False, min_subtotal_cents=0)
    )
    paid = shop.order(("rose-noir", 10, 1), discount_code="FIG")
    placing.transition(conn, paid["id"], status="paid", payment_status="paid")
    shop.order(("rose-noir", 10, 2), discount_code="FIG")  # pending: a use, no revenue yet
    cancelled = shop.order(("rose-noir", 10, 1), discount_code="FIG")
    placing.cancel_unpaid(conn, cancelled["id"])
    shop.order(("rose-noir", 10, 1))  # no code
    figures = discount_codes.get(conn, created["id"])
    assert figures["uses"] == 2
    assert figures["paid_orders"] == 1
    assert figures["revenue_cents"] == paid["total_cents"] == 3000 - 600 + 390
    assert figures["discount_given_cents"] == 600
    assert [c["code"] for c in discount_codes.list_codes(conn)] == ["FIG"]


def test_over_http_a_second_order_of_one_address_is_422_naming_the_code(api_client, rose, shop):
    shop.discount("HELLO", value=10, once_per_email=True)

    def post(email: str):
        body = order_body(("rose-noir", 10, 1), email=email, discount_code="hello")
        return api_client.post(
            "/api/orders", json=body, headers={"X-Forwarded-For": shopper_address()}
        )

    assert post("ada@example.com").status_code == 201
    again = post("Ada@Example.com")
    assert again.status_code == 422
    assert again.get_json()["error"]["details"] == {
        "discount_code": "this code can be used once per e-mail"
    }
    assert shop.count("orders") == 1
