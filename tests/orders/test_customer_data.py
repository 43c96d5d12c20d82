"""A customer's data on request: the owner exports it as JSON and erases it, keeping
the order lines and totals the books need; both audited, owner-only, confirmed."""

from __future__ import annotations

import json

from decant.orders import placing

ADA = "ada@example.com"


def _customer(shop, conn):
    shop.product("rose-noir", name="Rose Noir", ml=100, sizes={2: 600, 5: 1400})
    shop.product("oud-sec", name="Oud Sec", ml=0, sizes={5: 2000})
    first = shop.order(("rose-noir", 5, 2), ("rose-noir", 2, 1), email="Ada@Example.com")
    placing.transition(conn, first["id"], status="paid", payment_status="paid", payment_intent_id="pi_1")  # fmt: skip
    placing.transition(conn, first["id"], status="shipped")
    conn.execute("UPDATE orders SET client_address = '203.0.113.7' WHERE id = %s", (first["id"],))
    other = shop.order(("rose-noir", 2, 1), email="grace@example.com")
    conn.execute(
        "INSERT INTO stock_alerts (product_id, size_ml, email, token, confirmed_at)"
        " SELECT id, 5, %s, 'tok-ada', now() FROM products WHERE slug = 'oud-sec'",
        (ADA,),
    )
    conn.execute(
        "INSERT INTO email_outbox (kind, dedupe_key, to_address, subject, html_body,"
        " text_body, status) VALUES ('confirmation', 'k-ada', %s, 'Your order', '<p>Hi Ada</p>',"
        " 'Hi Ada, Main St 1', 'sent'), ('confirmation', 'k-grace', 'grace@example.com',"
        " 'Your order', '<p>Hi</p>', 'Hi Grace', 'sent'), ('shipped', 'k-ada-2', %s,"
        " 'On its way', '<p>Ada</p>', 'Ada, Main St 1', 'pending')",
        (ADA, ADA),
    )
    return first, other


def test_the_export_holds_the_customers_orders_alerts_and_emails(owner, shop, conn):
    first, _ = _customer(shop, conn)
    answer = owner.post("/admin/customers/export", {"email": " ADA@example.com "})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    found = json.loads(answer.data)
    assert found["email"] == ADA
    [order] = found["orders"]
    assert order["order_number"] == first["order_number"]
    assert order["customer_name"] == "Ada Lovelace" and order["total_cents"] == first["total_cents"]
    assert sorted((i["size_ml"], i["quantity"]) for i in order["items"]) == [(2, 1), (5, 2)]
    assert [(a["slug"], a["size_ml"]) for a in found["stock_alerts"]] == [("oud-sec", 5)]
    assert [m["text_body"] for m in found["emails"]] == ["Hi Ada, Main St 1", "Ada, Main St 1"]
    [entry] = conn.execute("SELECT * FROM audit_log WHERE entity = 'customer'").fetchall()
    assert entry["action"] == "export" and entry["actor"] == owner_email(conn)
    assert ADA not in json.dumps(entry["after"]) and ADA not in entry["entity_id"]


def owner_email(conn) -> str:
    return conn.execute("SELECT email FROM admin_users WHERE role = 'owner'").fetchone()["email"]


def test_erasing_anonymises_the_customer_and_keeps_the_books(owner, shop, conn):
    first, other = _customer(shop, conn)
    before = conn.execute(
        "SELECT id, subtotal_cents, total_cents, order_number, status::text, payment_status::text"
        " FROM orders ORDER BY id"
    ).fetchall()
    lines = conn.execute("SELECT * FROM order_items ORDER BY id").fetchall()
    wrong = owner.post("/admin/customers/erase", {"email": ADA, "confirm_email": "ada@exampel.com"})
    assert (
        wrong.status_code == 422
        and conn.execute("SELECT email FROM orders WHERE id = %s", (first["id"],)).fetchone()[
            "email"
        ]
        == "Ada@Example.com"
    )

    answer = owner.post(
        "/admin/customers/erase", {"email": ADA, "confirm_email": "ADA@example.com"}
    )
    assert answer.status_code == 200
    assert b"1 order(s) anonymised, 1 stock alert(s) deleted, 2 e-mail(s) redacted" in answer.data
    erased = conn.execute("SELECT * FROM orders WHERE id = %s", (first["id"],)).fetchone()
    assert erased["email"] == f"erased-{first['id']}@invalid"
    assert (erased["customer_name"], erased["shipping_address"], erased["client_address"]) == ("", {}, None)  # fmt: skip
    assert (
        conn.execute(
            "SELECT id, subtotal_cents, total_cents, order_number, status::text, payment_status::text"
            " FROM orders ORDER BY id"
        ).fetchall()
        == before
    )
    assert conn.execute("SELECT * FROM order_items ORDER BY id").fetchall() == lines
    kept = conn.execute("SELECT * FROM orders WHERE id = %s", (other["id"],)).fetchone()
    assert kept["email"] == "grace@example.com" and kept["customer_name"] == "Ada Lovelace"
    assert conn.execute("SELECT count(*) AS n FROM stock_alerts").fetchone()["n"] == 0
    bodies = conn.execute("SELECT to_address, text_body FROM email_outbox ORDER BY id").fetchall()
    assert bodies == [
        {"to_address": "erased@invalid", "text_body": ""},
        {"to_address": "grace@example.com", "text_body": "Hi Grace"},
    ]
    assert [e["action"] for e in conn.execute(
        "SELECT action FROM audit_log WHERE entity = 'customer' ORDER BY id").fetchall()] == ["erase"]  # fmt: skip
    again = json.loads(owner.post("/admin/customers/export", {"email": ADA}).data)
    assert (again["orders"], again["stock_alerts"], again["emails"]) == ([], [], [])


def test_a_customer_with_an_order_still_to_ship_is_not_erased_yet(owner, shop, conn):
    first, _ = _customer(shop, conn)
    waiting = shop.order(("rose-noir", 2, 1), email=ADA)
    answer = owner.post("/admin/customers/erase", {"email": ADA, "confirm_email": ADA})
    assert answer.status_code == 409
    assert waiting["order_number"].encode() in answer.data
    assert first["order_number"].encode() not in answer.data
    emails = conn.execute("SELECT email FROM orders WHERE id = ANY(%s) ORDER BY id", ([first["id"], waiting["id"]],)).fetchall()  # fmt: skip
    assert [e["email"] for e in emails] == ["Ada@Example.com", ADA]
    assert conn.execute("SELECT count(*) AS n FROM stock_alerts").fetchone()["n"] == 1


def test_staff_may_not_export_or_erase(staff, shop, conn):
    _customer(shop, conn)
    assert staff.get("/admin/customers").status_code == 403
    assert staff.post("/admin/customers/export", {"email": ADA}).status_code == 403
    assert staff.post("/admin/customers/erase", {"email": ADA, "confirm_email": ADA}).status_code == 403  # fmt: skip
    assert conn.execute("SELECT count(*) AS n FROM stock_alerts").fetchone()["n"] == 1
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE entity = 'customer'").fetchone()["n"] == 0  # fmt: skip


def test_a_bad_email_is_422_naming_the_field_and_changes_nothing(owner, shop, conn):
    _customer(shop, conn)
    page = owner.get("/admin/customers").get_data(as_text=True)
    assert 'name="confirm_email"' in page and "Download export" in page
    for path, form in [
        ("/admin/customers/export", {"email": "not-an-address"}),
        ("/admin/customers/erase", {"email": "", "confirm_email": ""}),
    ]:
        answer = owner.post(path, form)
        assert answer.status_code == 422, path
        assert b"email" in answer.data and b"not an e-mail address" in answer.data
    assert owner.post("/admin/customers/export", {"email": ADA}, csrf=False).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE entity = 'customer'").fetchone()["n"] == 0  # fmt: skip
    assert conn.execute("SELECT count(*) AS n FROM stock_alerts").fetchone()["n"] == 1
