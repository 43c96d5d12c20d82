"""The owner's discount codes and sets in the admin: JSON under /api/admin, forms under
/admin, guarded by session, role and CSRF, every change audited."""

from __future__ import annotations

import pytest

from decant.orders import placing


def _code(**changes):
    return {
        "code": "SPRING20",
        "kind": "percent",
        "value": 20,
        "min_subtotal_cents": 2000,
        "max_uses": 50,
        "starts_at": "2026-01-01T00:00:00Z",
        "expires_at": "2030-01-01T00:00:00Z",
        "once_per_email": True,
        **changes,
    }


def test_owner_creates_edits_and_disables_a_code_through_the_api(owner, conn):
    created = owner.send_json("POST", "/api/admin/discounts", _code())
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["data"]
    assert (code["code"], code["value"], code["once_per_email"]) == ("SPRING20", 20, True)
    edited = owner.send_json("PUT", f"/api/admin/discounts/{code['id']}", {"value": 25})
    assert edited.status_code == 200 and edited.get_json()["data"]["value"] == 25
    kept = owner.send_json("PUT", f"/api/admin/discounts/{code['id']}", {"starts_at": None})
    assert kept.status_code == 200
    assert kept.get_json()["data"]["starts_at"].startswith("2026-01-01")
    wrong = owner.send_json("PUT", f"/api/admin/discounts/{code['id']}", {"value": "lots"})
    assert wrong.status_code == 422 and "value" in wrong.get_json()["error"]["details"]
    missing = owner.send_json("PUT", "/api/admin/discounts/999999", {"value": 5})
    assert missing.status_code == 404
    disabled = owner.send_json("PUT", f"/api/admin/discounts/{code['id']}", {"is_active": False})
    assert disabled.get_json()["data"]["is_active"] is False
    actions = [
        r["action"]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE entity = 'discount_code' ORDER BY id"
        ).fetchall()
    ]
    assert actions == ["create", "update", "disable"]
    listed = owner.get("/api/admin/discounts").get_json()["data"]
    assert [(c["code"], c["uses"], c["revenue_cents"]) for c in listed] == [("SPRING20", 0, 0)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 0}, "value"),
        ({"value": 101}, "value"),
        ({"kind": "amount", "value": -100}, "value"),
        ({"expires_at": "2025-01-01T00:00:00Z"}, "expires_at"),
        ({"code": "x"}, "code"),
        ({"max_uses": 0}, "max_uses"),
        ({"min_subtotal_cents": "lots"}, "min_subtotal_cents"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_code_is_422_naming_the_field(owner, conn, changes, field):
    answer = owner.send_json("POST", "/api/admin/discounts", _code(**changes))
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["details"], error
    assert conn.execute("SELECT count(*) AS n FROM discount_codes").fetchone()["n"] == 0


def test_discount_routes_need_a_session_the_owner_and_the_csrf_token(anonymous, staff, owner, conn):
    assert anonymous.get("/api/admin/discounts").status_code == 401
    assert anonymous.send_json("POST", "/api/admin/discounts", _code()).status_code == 401
    assert staff.get("/api/admin/discounts").status_code == 200
    assert staff.send_json("POST", "/api/admin/discounts", _code()).status_code == 403
    assert owner.send_json("POST", "/api/admin/discounts", _code(), csrf=False).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM discount_codes").fetchone()["n"] == 0
    assert anonymous.get("/admin/discounts").status_code == 302


def test_usage_and_revenue_show_per_code(owner, shop, conn):
    shop.product("rose-noir", ml=1000, sizes={10: 3000})
    owner.send_json("POST", "/api/admin/discounts", _code(min_subtotal_cents=0))
    paid = shop.order(("rose-noir", 10, 1), discount_code="SPRING20")
    placing.transition(conn, paid["id"], status="paid", payment_status="paid")
    shop.order(("rose-noir", 10, 1), discount_code="SPRING20", email="bob@example.com")
    [code] = owner.get("/api/admin/discounts").get_json()["data"]
    assert (code["uses"], code["paid_orders"], code["revenue_cents"]) == (
        2,
        1,
        paid["total_cents"],
    )
    page = owner.get("/admin/discounts").get_data(as_text=True)
    assert "SPRING20" in page and f"€{paid['total_cents'] // 100}." in page


def test_the_discount_form_creates_and_shows_errors_by_field(owner, conn):
    bad = owner.post(
        "/admin/discounts",
        {"code": "AUTUMN", "kind": "percent", "value": "150", "is_active": "on"},
    )
    assert bad.status_code == 422
    assert "value" in bad.get_data(as_text=True)
    good = owner.post(
        "/admin/discounts",
        {
            "code": "AUTUMN",
            "kind": "amount",
            "value": "5.00",
            "min_subtotal": "30",
            "expires_at": "2031-01-01T00:00",
            "once_per_email": "on",
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    row = conn.execute("SELECT * FROM discount_codes WHERE code = 'AUTUMN'").fetchone()
    assert (row["kind"], row["value"], row["min_subtotal_cents"], row["once_per_email"]) == (
        "amount",
        500,
        3000,
        True,
    )
    disabled = owner.post(f"/admin/discounts/{row['id']}/disable")
    assert disabled.status_code == 302
    assert not conn.execute(
        "SELECT is_active FROM discount_codes WHERE code = 'AUTUMN'"
    ).fetchone()["is_active"]


# -- sets ------------------------------------------------------------------------------


@pytest.fixture
def samples(shop):
    shop.product("rose-noir", ml=100, sizes={2: 600, 5: 1400})
    shop.product("oud-royal", ml=100, sizes={2: 900})


def _set(**changes):
    return {
        "slug": "night-pair",
        "name": "Night pair",
        "price_cents": 1300,
        "items": [{"slug": "rose-noir", "size_ml": 2}, {"slug": "oud-royal", "size_ml": 2}],
        **changes,
    }


def test_owner_creates_and_edits_a_set_through_the_api(owner, samples, conn, api_client):
    created = owner.send_json("POST", "/api/admin/sets", _set())
    assert created.status_code == 201, created.get_json()
    found = created.get_json()["data"]
    assert found["shelf_price_cents"] == 1500 and found["available"] == 50
    assert api_client.get("/api/sets").get_json()["data"][0]["slug"] == "night-pair"
    edited = owner.send_json("PUT", f"/api/admin/sets/{found['id']}", {"is_active": False})
    assert edited.status_code == 200
    assert api_client.get("/api/sets").get_json()["data"] == []
    actions = [
        r["action"]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE entity = 'curated_set' ORDER BY id"
        ).fetchall()
    ]
    assert actions == ["create", "deactivate"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price_cents": 1500}, "price_cents"),
        ({"items": [{"slug": "rose-noir", "size_ml": 2}]}, "items"),
        (
            {"items": [{"slug": "rose-noir", "size_ml": 3}, {"slug": "oud-royal", "size_ml": 2}]},
            "items.0.size_ml",
        ),
        ({"slug": "Night Pair"}, "slug"),
    ],
)
def test_a_bad_set_is_422_naming_the_field(owner, samples, conn, changes, field):
    answer = owner.send_json("POST", "/api/admin/sets", _set(**changes))
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["details"], answer.get_json()
    assert conn.execute("SELECT count(*) AS n FROM curated_sets").fetchone()["n"] == 0


def test_set_routes_need_a_session_the_owner_and_the_csrf_token(
    anonymous, staff, owner, samples, conn
):
    assert anonymous.send_json("POST", "/api/admin/sets", _set()).status_code == 401
    assert staff.send_json("POST", "/api/admin/sets", _set()).status_code == 403
    assert owner.send_json("POST", "/api/admin/sets", _set(), csrf=False).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM curated_sets").fetchone()["n"] == 0


def test_the_set_form_creates_a_set_and_marks_the_site_unpublished(owner, samples, conn):
    before = conn.execute("SELECT coalesce(max(id), 0) AS id FROM catalog_changes").fetchone()["id"]
    answer = owner.client.post(
        "/admin/sets",
        data={
            "csrf_token": owner.csrf,
            "name": "Night pair",
            "slug": "night-pair",
            "price": "13.00",
            "sample": ["rose-noir|2", "oud-royal|2", ""],
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert conn.execute("SELECT price_cents FROM curated_sets").fetchone()["price_cents"] == 1300
    assert (
        conn.execute(
            "SELECT count(*) AS n FROM catalog_changes WHERE id > %s", (before,)
        ).fetchone()["n"]
        >= 1
    )
    page = owner.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Night pair" in page and "€15.00" in page
