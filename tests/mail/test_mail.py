"""E-mails: rendered from templates, queued in the caller's transaction, once."""

from __future__ import annotations

import pytest

from decant.mail import composing
from decant.orders import placing


@pytest.fixture
def order(shop):
    shop.product("fig-leaf", ml=50, sizes={2: 600, 5: 1450}, name="Fig & Leaf")
    return shop.order(("fig-leaf", 5, 2), ("fig-leaf", 2, 1), name="Ada <Lovelace>")


def test_confirmation_shows_the_order_in_html_and_text(order):
    message = composing.render("confirmation", order, base_url="https://shop.example")

    assert message.to_address == "ada@example.com"
    assert order["order_number"] in message.subject
    for body in (message.html_body, message.text_body):
        assert order["order_number"] in body
        assert "Fig & Leaf" in body or "Fig &amp; Leaf" in body
        assert "€29.00" in body  # 2 x 14.50
        assert composing.money(order["total_cents"]) in body
        assert "https://shop.example/track/" in body
    # shopper-supplied text is escaped in HTML, left as it is in plain text
    assert "Ada &lt;Lovelace&gt;" in message.html_body
    assert "Ada <Lovelace>" in message.text_body


def test_demo_orders_say_no_money_was_taken(conn, order):
    conn.execute("UPDATE orders SET payment_provider = 'demo' WHERE id = %s", (order["id"],))
    message = composing.render("confirmation", placing.get_order(conn, order["id"]))
    assert "no money was taken" in message.text_body
    assert "no money was taken" in message.html_body


def test_shipped_mail_names_the_tracking_number(conn, order):
    conn.execute("UPDATE orders SET tracking_number = 'DHL-123' WHERE id = %s", (order["id"],))
    message = composing.render("shipped", placing.get_order(conn, order["id"]))
    assert "DHL-123" in message.html_body and "DHL-123" in message.text_body
    assert "on its way" in message.subject


def test_refund_mail_says_how_much_came_back(conn, order):
    conn.execute("UPDATE orders SET refunded_cents = 500 WHERE id = %s", (order["id"],))
    message = composing.render("refunded", placing.get_order(conn, order["id"]))
    assert "€5.00" in message.text_body
    assert "Part of your order" in message.text_body


def test_money_is_formatted_from_integer_cents():
    assert composing.money(123456, "EUR") == "€1,234.56"
    assert composing.money(5, "usd") == "$0.05"
    assert composing.money(-250, "SEK") == "-2.50 SEK"


def test_enqueue_twice_queues_one_email(conn, shop, order):
    assert composing.enqueue(conn, "confirmation", order) is True
    assert composing.enqueue(conn, "confirmation", order["id"]) is False
    row = conn.execute("SELECT * FROM email_outbox").fetchone()
    assert shop.count("email_outbox") == 1
    assert row["dedupe_key"] == f"order:{order['id']}:confirmation"
    assert (row["status"], row["to_address"], row["order_id"]) == (
        "pending",
        "ada@example.com",
        order["id"],
    )


def test_an_email_is_queued_only_if_its_transaction_commits(conn, shop, order):
    with pytest.raises(RuntimeError), conn.transaction():
        composing.enqueue(conn, "shipped", order)
        raise RuntimeError("the shipping update failed")
    assert shop.count("email_outbox") == 0


def test_each_refund_step_is_told_once(conn, shop, order):
    conn.execute("UPDATE orders SET refunded_cents = 500 WHERE id = %s", (order["id"],))
    assert composing.enqueue(conn, "refunded", order["id"]) is True
    assert composing.enqueue(conn, "refunded", order["id"]) is False
    conn.execute("UPDATE orders SET refunded_cents = 900 WHERE id = %s", (order["id"],))
    assert composing.enqueue(conn, "refunded", order["id"]) is True
    assert shop.count("email_outbox") == 2


def test_unknown_kind_is_a_programming_error(order):
    with pytest.raises(ValueError):
        composing.render("newsletter", order)
