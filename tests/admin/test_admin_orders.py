"""Orders in the back office: find, read, fulfil with the shopper told, cancel, refund."""

from __future__ import annotations

import csv
import io

from decant.orders import placing


def paid(conn, order, intent="pi_demo_1"):
    return placing.transition(
        conn, order["id"], status="paid", payment_status="paid", payment_intent_id=intent
    )


def test_list_filters_by_status_payment_and_search(owner, shop, conn):
    shop.product("rose-noir")
    first = shop.order(("rose-noir", 2, 1), email="ada@example.com")
    second = shop.order(("rose-noir", 5, 1), email="grace@example.com")
    paid(conn, second)
    by_status = owner.get("/api/admin/orders?status=paid").get_json()
    assert [o["order_number"] for o in by_status["data"]] == [second["order_number"]]
    by_payment = owner.get("/api/admin/orders?payment_status=unpaid").get_json()["data"]
    assert [o["order_number"] for o in by_payment] == [first["order_number"]]
    by_email = owner.get("/api/admin/orders?q=GRACE@").get_json()["data"]
    assert [o["order_number"] for o in by_email] == [second["order_number"]]
    by_number = owner.get(f"/api/admin/orders?q={first['order_number'].lower()}").get_json()["data"]
    assert [o["order_number"] for o in by_number] == [first["order_number"]]
    assert (
        owner.get("/api/admin/orders?from=2000-01-01&to=2000-01-31").get_json()["meta"]["total"]
        == 0
    )
    page = owner.get("/admin/orders?status=paid").get_data(as_text=True)
    assert second["order_number"] in page and first["order_number"] not in page


def test_fulfilment_moves_along_and_shipping_emails_the_shopper(staff, shop, conn):
    shop.product("rose-noir")
    order = paid(conn, shop.order(("rose-noir", 2, 1)))
    url = f"/api/admin/orders/{order['id']}"
    assert staff.send_json("PUT", url, {"status": "processing"}).status_code == 200
    no_tracking = staff.send_json("PUT", url, {"status": "shipped"})
    assert no_tracking.status_code == 422
    assert "tracking_number" in no_tracking.get_json()["error"]["details"]
    shipped = staff.send_json("PUT", url, {"status": "shipped", "tracking_number": "DHL-123"})
    assert shipped.status_code == 200
    detail = shipped.get_json()["data"]
    assert detail["status"] == "shipped" and detail["tracking_number"] == "DHL-123"
    assert [m["kind"] for m in detail["emails"]] == ["shipped"]
    assert (
        staff.send_json("PUT", url, {"status": "delivered"}).get_json()["data"]["status"]
        == "delivered"
    )
    backwards = staff.send_json("PUT", url, {"status": "processing"})
    assert backwards.status_code == 409
    history = [
        h["action"] for h in conn.execute("SELECT action FROM audit_log WHERE entity = 'order'")
    ]
    assert history == ["status", "status", "status"]


def test_ship_form_on_the_order_page(owner, shop, conn):
    shop.product("rose-noir")
    order = paid(conn, shop.order(("rose-noir", 2, 1)))
    page = owner.get(f"/admin/orders/{order['id']}").get_data(as_text=True)
    assert "Mark shipped" in page and "Rose Noir" in page
    response = owner.post(
        f"/admin/orders/{order['id']}/status", {"status": "shipped", "tracking_number": "PKG-9"}
    )
    assert response.status_code == 302
    page = owner.get(f"/admin/orders/{order['id']}").get_data(as_text=True)
    assert "PKG-9" in page and "shipped" in page


def test_cancelling_an_unpaid_order_gives_the_stock_back(staff, shop, conn):
    shop.product("rose-noir", ml=20)
    order = shop.order(("rose-noir", 5, 2))
    assert shop.remaining_ml("rose-noir") == 10
    response = staff.send_json(
        "PUT",
        f"/api/admin/orders/{order['id']}",
        {"status": "cancelled", "reason": "customer asked"},
    )
    assert response.status_code == 200 and response.get_json()["data"]["status"] == "cancelled"
    assert shop.remaining_ml("rose-noir") == 20


def test_a_paid_order_cannot_be_cancelled(staff, shop, conn):
    shop.product("rose-noir", ml=20)
    order = paid(conn, shop.order(("rose-noir", 5, 2)))
    response = staff.send_json("PUT", f"/api/admin/orders/{order['id']}", {"status": "cancelled"})
    assert response.status_code == 409
    assert shop.remaining_ml("rose-noir") == 10


def test_owner_refunds_part_then_the_rest(owner, shop, conn):
    shop.product("rose-noir")
    order = paid(conn, shop.order(("rose-noir", 5, 1)))
    url = f"/api/admin/orders/{order['id']}"
    part = owner.send_json("PUT", url, {"refund_cents": 500})
    assert part.status_code == 200, part.get_json()
    assert part.get_json()["data"]["refunded_cents"] == 500
    rest = order["total_cents"] - 500
    done = owner.send_json("PUT", url, {"refund_cents": rest}).get_json()["data"]
    assert done["status"] == "refunded" and done["refunded_cents"] == order["total_cents"]
    too_much = owner.send_json("PUT", url, {"refund_cents": 1})
    assert too_much.status_code == 409


def test_staff_cannot_refund(staff, shop, conn):
    shop.product("rose-noir")
    order = paid(conn, shop.order(("rose-noir", 5, 1)))
    response = staff.send_json("PUT", f"/api/admin/orders/{order['id']}", {"refund_cents": 100})
    assert response.status_code == 403
    assert conn.execute("SELECT refunded_cents FROM orders").fetchone()["refunded_cents"] == 0


def test_packing_slip_lists_what_to_fill(staff, shop):
    shop.product("rose-noir")
    order = shop.order(("rose-noir", 5, 2), ("rose-noir", 2, 1))
    page = staff.get(f"/admin/orders/{order['id']}/packing-slip").get_data(as_text=True)
    assert order["order_number"] in page and "Total to fill: 12 ml" in page


def test_csv_export_has_every_matching_order_and_no_formulas(staff, shop):
    shop.product("rose-noir")
    shop.order(("rose-noir", 2, 1), name='=HYPERLINK("http://evil")')
    shop.order(("rose-noir", 5, 1))
    response = staff.get("/admin/orders/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    assert rows[0]["customer_name"].startswith("'=")
    assert rows[1]["items"] == "1 x Rose Noir 5 ml"


def test_csv_export_guards_every_formula_start_but_not_numbers(staff, shop, conn):
    shop.product("rose-noir")
    starts = ["+1 555", "-2", "@SUM(A1)", "\tcmd", "\r=cmd"]
    for name in starts:
        order = shop.order(("rose-noir", 2, 1))
        conn.execute("UPDATE orders SET customer_name = %s WHERE id = %s", (name, order["id"]))
    conn.execute("UPDATE orders SET tracking_number = '=1+1'")
    response = staff.get("/admin/orders/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert [row["customer_name"] for row in rows] == ["'" + name for name in starts]
    assert {row["tracking_number"] for row in rows} == {"'=1+1"}
    assert all(row["total_cents"].isdigit() for row in rows)


def test_orders_list_pages_by_fifty_newest_first(owner, shop, conn):
    shop.product("rose-noir", ml=1000)
    numbers = [shop.order(("rose-noir", 2, 1))["order_number"] for _ in range(51)]
    first = owner.get("/admin/orders").get_data(as_text=True)
    assert numbers[-1] in first and numbers[0] not in first
    second = owner.get("/admin/orders?page=2").get_data(as_text=True)
    assert numbers[0] in second and numbers[-1] not in second
    assert owner.get("/admin/orders?page=3").status_code == 422
