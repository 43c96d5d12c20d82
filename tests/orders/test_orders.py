"""Placing orders: prices from the database, stock taken exactly, never oversold."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from decant.errors import Conflict, InvalidTransition, OutOfStock, RateLimited, ValidationError
from decant.orders import placing
from decant.orders.offer_cache import OfferCache
from decant.platform import db
from tests.factories import cart


def run_concurrently(
    database_url: str, count: int, work: Callable[[psycopg.Connection, int], Any]
) -> list[Any]:
    """Run `work` in `count` threads, each on its own connection, released together."""
    connections = [db.connect(database_url) for _ in range(count)]
    gate = threading.Barrier(count)

    def one(index: int) -> Any:
        gate.wait(timeout=60)
        try:
            return work(connections[index], index)
        except Exception as exc:  # the caller counts outcomes by type
            return exc

    try:
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(one, range(count)))
    finally:
        for connection in connections:
            connection.close()


def test_order_is_priced_from_the_database_and_takes_its_millilitres(shop, conn):
    shop.product("rose-noir", ml=100, sizes={2: 600, 5: 1400})
    order = shop.order(("rose-noir", 5, 2), ("rose-noir", 2, 1))
    assert order["subtotal_cents"] == 2 * 1400 + 600
    assert order["shipping_cents"] == 390
    assert order["total_cents"] == order["subtotal_cents"] + order["shipping_cents"]
    assert order["tax_cents"] == round(order["total_cents"] * 19 / 119)
    assert order["status"] == "pending" and order["payment_status"] == "unpaid"
    assert shop.remaining_ml("rose-noir") == 100 - 12


def test_order_number_is_ps_date_and_a_daily_sequence(shop):
    shop.product("rose-noir")
    first = shop.order(("rose-noir", 2, 1))["order_number"]
    second = shop.order(("rose-noir", 2, 1))["order_number"]
    today = datetime.now(UTC).strftime("%y%m%d")
    assert re.fullmatch(rf"PS{today}-\d{{4}}", first)
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


def test_numbers_past_the_ten_thousandth_order_of_a_day_stay_distinct(shop, conn):
    shop.product("rose-noir", ml=1000)
    conn.execute(
        "INSERT INTO order_number_days (day, last_seq) VALUES ((now() AT TIME ZONE 'UTC')::date, 9999)"
    )
    numbers = [shop.order(("rose-noir", 2, 1))["order_number"] for _ in range(2)]
    assert [n.split("-")[1] for n in numbers] == ["10000", "10001"]


def test_an_order_that_asks_for_more_than_remains_fails_whole_and_names_the_short_lines(shop, conn):
    shop.product("rose-noir", ml=8)
    shop.product("oud-bleu", ml=50)
    with pytest.raises(OutOfStock) as raised:
        shop.order(("oud-bleu", 5, 1), ("rose-noir", 5, 2))
    assert raised.value.details == [
        {"slug": "rose-noir", "size_ml": 5, "requested": 2, "available": 1}
    ]
    assert shop.count("orders") == 0 and shop.count("order_items") == 0
    assert shop.remaining_ml("rose-noir") == 8 and shop.remaining_ml("oud-bleu") == 50


def test_the_same_product_in_two_lines_counts_against_one_bottle(shop):
    shop.product("rose-noir", ml=6)
    with pytest.raises(OutOfStock):
        shop.order(("rose-noir", 5, 1), ("rose-noir", 2, 1))
    assert shop.remaining_ml("rose-noir") == 6


def test_unknown_slug_and_size_name_the_line_at_fault(shop):
    shop.product("rose-noir", sizes={2: 600})
    with pytest.raises(ValidationError) as raised:
        shop.order(("rose-noir", 10, 1), ("nope", 2, 1))
    assert set(raised.value.details) == {"items.0.size_ml", "items.1.slug"}


def test_inactive_products_cannot_be_ordered(shop):
    shop.product("gone", is_active=False)
    with pytest.raises(ValidationError):
        shop.order(("gone", 2, 1))


@pytest.mark.parametrize("quantity", [0, -1, 101])
def test_quantity_outside_one_to_a_hundred_is_refused(shop, quantity):
    shop.product("rose-noir")
    with pytest.raises(ValidationError):
        shop.order(("rose-noir", 2, quantity))
    assert shop.count("orders") == 0


def test_last_unit_goes_to_exactly_one_of_fifty_buyers_every_time(shop, conn, database_url):
    shop.product("rose-noir", ml=5)
    for _round in range(20):
        shop.stock("rose-noir", ml=5)
        before = shop.count("orders")
        results = run_concurrently(
            database_url,
            50,
            lambda c, i: placing.place(c, cart(("rose-noir", 5, 1), email=f"b{i}@example.com")),
        )
        placed = [r for r in results if isinstance(r, dict)]
        refused = [r for r in results if isinstance(r, OutOfStock)]
        assert len(placed) == 1 and len(refused) == 49, [
            r for r in results if isinstance(r, Exception) and not isinstance(r, OutOfStock)
        ]
        assert shop.count("orders") == before + 1
        assert shop.remaining_ml("rose-noir") == 0


def test_carts_with_the_same_products_in_opposite_order_never_deadlock(shop, database_url):
    shop.product("amber-a", ml=4000)
    shop.product("amber-b", ml=4000)

    def buy(c: psycopg.Connection, i: int) -> Any:
        lines = [("amber-a", 2, 1), ("amber-b", 2, 1)]
        return placing.place(c, cart(*(lines if i % 2 else lines[::-1])))

    results = run_concurrently(database_url, 50, buy)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert shop.remaining_ml("amber-a") == 4000 - 100
    assert shop.remaining_ml("amber-b") == 4000 - 100


def test_two_hundred_concurrent_orders_get_two_hundred_distinct_numbers_for_today(
    shop, database_url
):
    shop.product("rose-noir", ml=5000)
    # 40 connections (the server allows 100) each placing 5 orders at once.
    results = run_concurrently(
        database_url,
        40,
        lambda c, i: [placing.place(c, cart(("rose-noir", 2, 1))) for _ in range(5)],
    )
    numbers = [order["order_number"] for batch in results for order in batch]
    today = datetime.now(UTC).strftime("%y%m%d")
    assert len(set(numbers)) == 200
    assert all(re.fullmatch(rf"PS{today}-\d{{4,}}", n) for n in numbers)


def test_an_order_still_in_its_transaction_does_not_hold_up_the_next_one(shop, conn, database_url):
    shop.product("rose-noir", ml=1000)
    shop.product("oud-bleu", ml=1000)
    first = shop.order(("rose-noir", 2, 1))["order_number"]  # the day's numbering exists
    with db.connection(database_url) as slow, db.connection(database_url) as next_buyer:
        # Without a day-row lock the second buyer never waits; with one it would hit
        # the lock timeout (LockNotAvailable) while the first transaction stays open.
        next_buyer.execute("SET lock_timeout = '5s'")
        with slow.transaction():
            held = placing.place(slow, cart(("rose-noir", 2, 1)))["order_number"]
            placed = placing.place(next_buyer, cart(("oud-bleu", 2, 1)))["order_number"]
    sequence = [int(n.split("-")[1]) for n in (first, held, placed)]
    assert sequence == sorted(set(sequence))
    assert shop.count("orders") == 3


def test_numbering_starts_again_at_midnight_while_the_old_day_goes_on(conn, database_url):
    today, tomorrow = "2031-03-04", "2031-03-05"

    def number(day: str) -> str:
        return conn.execute("SELECT order_number_on(%s) AS n", (day,)).fetchone()["n"]

    before_midnight = [number(today), number(today)]
    # The first orders of the new day race: exactly one of them starts the day.
    results = run_concurrently(
        database_url,
        30,
        lambda c, i: c.execute("SELECT order_number_on(%s) AS n", (tomorrow,)).fetchone()["n"],
    )
    # A transaction that began before midnight still numbers its order for its own day.
    late = number(today)
    assert before_midnight == ["PS310304-1001", "PS310304-1002"]
    assert late.startswith("PS310304-") and int(late.split("-")[1]) > 1002
    assert len(set(results)) == 30 and "PS310305-1001" in results
    assert all(re.fullmatch(r"PS310305-\d{4}", n) for n in results)


def test_cancelling_an_unpaid_order_returns_exactly_its_millilitres_once(shop, conn):
    shop.product("rose-noir", ml=30)
    order = shop.order(("rose-noir", 5, 2))
    assert shop.remaining_ml("rose-noir") == 20
    placing.cancel_unpaid(conn, order["id"])
    assert shop.remaining_ml("rose-noir") == 30
    with pytest.raises(InvalidTransition):
        placing.cancel_unpaid(conn, order["id"])
    assert shop.remaining_ml("rose-noir") == 30


def test_expiry_cancels_only_orders_past_the_window_and_returns_stock_once(shop, conn):
    shop.product("rose-noir", ml=30)
    old = shop.order(("rose-noir", 5, 1))
    fresh = shop.order(("rose-noir", 5, 1))
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = %s", (old["id"],)
    )
    expired = placing.expire_unpaid(conn, older_than_minutes=30)
    assert [e["order_number"] for e in expired] == [old["order_number"]]
    assert placing.expire_unpaid(conn, older_than_minutes=30) == []
    assert shop.remaining_ml("rose-noir") == 25
    assert placing.get_order(conn, old["id"])["status"] == "cancelled"
    assert placing.get_order(conn, fresh["id"])["status"] == "pending"


def test_a_paid_order_is_not_expired(shop, conn):
    shop.product("rose-noir", ml=30)
    order = shop.order(("rose-noir", 5, 1))
    placing.transition(conn, order["id"], status="paid", payment_status="paid")
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '2 hours' WHERE id = %s", (order["id"],)
    )
    assert placing.expire_unpaid(conn, older_than_minutes=30) == []
    assert shop.remaining_ml("rose-noir") == 25


ALL_STATUSES = ["pending", "paid", "processing", "shipped", "delivered", "cancelled", "refunded"]
# The state machine as the shop promises it, written out by hand: the code's table and the
# database's table must both say exactly this.
ALLOWED_MOVES = {
    ("pending", "paid"),
    ("pending", "cancelled"),
    ("paid", "processing"),
    ("paid", "shipped"),
    ("paid", "refunded"),
    ("processing", "shipped"),
    ("processing", "refunded"),
    ("shipped", "delivered"),
    ("shipped", "refunded"),
    ("delivered", "refunded"),
    ("cancelled", "paid"),
}
ALLOWED_PAYMENT_MOVES = {
    ("unpaid", "paid"),
    ("unpaid", "failed"),
    ("failed", "paid"),
    ("paid", "refunded"),
}
# The payment move that goes with an order move, where one does.
PAYMENT_WITH = {"paid": "paid", "refunded": "refunded"}
PATH_TO = {
    "pending": [],
    "paid": [("paid", "paid")],
    "processing": [("paid", "paid"), ("processing", None)],
    "shipped": [("paid", "paid"), ("shipped", None)],
    "delivered": [("paid", "paid"), ("shipped", None), ("delivered", None)],
    "cancelled": [("cancelled", None)],
    "refunded": [("paid", "paid"), ("refunded", "refunded")],
}


def pairs(table: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    return {(start, target) for start, targets in table.items() for target in targets}


def test_the_domain_state_machine_is_exactly_the_promised_one():
    assert pairs(placing.TRANSITIONS) == ALLOWED_MOVES
    assert set(placing.TRANSITIONS) == set(ALL_STATUSES)
    assert pairs(placing.PAYMENT_TRANSITIONS) == ALLOWED_PAYMENT_MOVES


def test_the_database_state_machine_is_the_same_as_the_domain_one(conn):
    """One machine: the domain refuses early, the database refuses whoever asks."""
    orders = conn.execute(
        "SELECT from_status::text AS f, to_status::text AS t FROM order_transitions"
    ).fetchall()
    payments = conn.execute(
        "SELECT from_status::text AS f, to_status::text AS t FROM payment_transitions"
    ).fetchall()
    assert {(row["f"], row["t"]) for row in orders} == pairs(placing.TRANSITIONS)
    assert {(row["f"], row["t"]) for row in payments} == pairs(placing.PAYMENT_TRANSITIONS)


@pytest.mark.parametrize(("start", "target"), sorted(ALLOWED_MOVES))
def test_every_move_the_state_machine_allows_succeeds(shop, conn, start, target):
    shop.product("rose-noir", ml=1000)
    order = shop.order(("rose-noir", 2, 1))
    for status, payment in PATH_TO[start]:
        placing.transition(conn, order["id"], status=status, payment_status=payment)
    assert placing.get_order(conn, order["id"])["status"] == start
    moved = placing.transition(
        conn, order["id"], status=target, payment_status=PAYMENT_WITH.get(target)
    )
    assert moved["status"] == target
    assert placing.get_order(conn, order["id"])["status"] == target


@pytest.mark.parametrize("start", ALL_STATUSES)
def test_every_move_the_state_machine_does_not_allow_is_refused_and_changes_nothing(
    shop, conn, start
):
    shop.product("rose-noir", ml=1000)
    order = shop.order(("rose-noir", 2, 1))
    for status, payment in PATH_TO[start]:
        placing.transition(conn, order["id"], status=status, payment_status=payment)
    before = placing.get_order(conn, order["id"])
    remaining = shop.remaining_ml("rose-noir")
    for target in ALL_STATUSES:
        if target == start or (start, target) in ALLOWED_MOVES:
            continue
        with pytest.raises(InvalidTransition):
            placing.transition(conn, order["id"], status=target)
        # The database refuses it too, whoever asks.
        with pytest.raises(psycopg.errors.RaiseException):
            conn.execute("UPDATE orders SET status = %s WHERE id = %s", (target, order["id"]))
    after = placing.get_order(conn, order["id"])
    assert (after["status"], after["payment_status"], after["updated_at"]) == (
        before["status"],
        before["payment_status"],
        before["updated_at"],
    )
    assert shop.remaining_ml("rose-noir") == remaining


def test_a_late_payment_on_a_cancelled_order_takes_the_stock_again(shop, conn):
    shop.product("rose-noir", ml=10)
    order = shop.order(("rose-noir", 5, 1))
    placing.cancel_unpaid(conn, order["id"], reason="payment_failed")
    assert shop.remaining_ml("rose-noir") == 10
    placing.transition(conn, order["id"], status="paid", payment_status="paid")
    assert shop.remaining_ml("rose-noir") == 5


def test_tracking_answers_the_same_for_a_wrong_email_and_an_unknown_number(shop, conn):
    shop.product("rose-noir")
    order = shop.order(("rose-noir", 2, 1), email="Ada@Example.com")
    found = placing.find_for_shopper(conn, order["order_number"], "ada@example.COM")
    assert found["timeline"][0]["status"] == "pending"
    messages = []
    for number, email in [
        (order["order_number"], "eve@example.com"),
        ("PS000101-9999", "ada@example.com"),
    ]:
        with pytest.raises(Exception) as raised:
            placing.find_for_shopper(conn, number, email)
        messages.append((type(raised.value), str(raised.value)))
    assert messages[0] == messages[1]


def test_discount_code_is_applied_counted_and_refused_when_used_up(shop, conn):
    shop.product("rose-noir", ml=1000, sizes={10: 3000})
    shop.discount("ONCE", kind="percent", value=20, max_uses=1)
    order = shop.order(("rose-noir", 10, 1), discount_code="once")
    assert order["discount_cents"] == 600
    assert order["total_cents"] == 3000 + 390 - 600
    with pytest.raises(ValidationError) as raised:
        shop.order(("rose-noir", 10, 1), discount_code="ONCE")
    assert "discount_code" in raised.value.details
    placing.cancel_unpaid(conn, order["id"])
    assert shop.order(("rose-noir", 10, 1), discount_code="ONCE")["discount_cents"] == 600


def test_a_discount_use_held_by_an_expired_order_is_given_back(shop, conn):
    shop.product("rose-noir", ml=1000, sizes={10: 3000})
    shop.discount("SCARCE", kind="percent", value=20, max_uses=1)
    hoarded = shop.order(("rose-noir", 10, 1), discount_code="SCARCE")
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = %s",
        (hoarded["id"],),
    )
    assert [o["id"] for o in placing.expire_unpaid(conn, older_than_minutes=30)] == [hoarded["id"]]
    used = conn.execute("SELECT used_count FROM discount_codes WHERE code = 'SCARCE'").fetchone()
    assert used["used_count"] == 0
    assert shop.order(("rose-noir", 10, 1), discount_code="scarce")["discount_cents"] == 600


def test_free_shipping_in_the_eu_from_fifty_euros_but_not_abroad(shop):
    shop.product("rose-noir", ml=1000, sizes={10: 5000})
    eu = shop.order(
        ("rose-noir", 10, 1),
        shipping_address={"line1": "x", "city": "Paris", "postal_code": "75001", "country": "FR"},
    )
    us = shop.order(
        ("rose-noir", 10, 1),
        shipping_address={"line1": "x", "city": "NYC", "postal_code": "10001", "country": "US"},
    )
    assert eu["shipping_cents"] == 0 and eu["tax_cents"] == round(5000 * 19 / 119)
    assert us["shipping_cents"] == 1290 and us["tax_cents"] == 0


def test_same_idempotency_key_and_cart_returns_the_first_order(shop, conn):
    shop.product("rose-noir", ml=100)
    first = placing.place(conn, cart(("rose-noir", 5, 1)), idempotency_key="k-1")
    again = placing.place(conn, cart(("rose-noir", 5, 1)), idempotency_key="k-1")
    assert again["order_number"] == first["order_number"]
    assert shop.count("orders") == 1 and shop.remaining_ml("rose-noir") == 95
    with pytest.raises(Conflict):
        placing.place(conn, cart(("rose-noir", 5, 2)), idempotency_key="k-1")
    assert shop.count("orders") == 1


def test_a_price_changed_between_quote_and_write_writes_nothing_and_is_priced_again(shop, conn):
    shop.product("rose-noir", ml=100, sizes={5: 1400})
    cart_in = cart(("rose-noir", 5, 1))
    stale = placing.quote(conn, cart_in, cart_in.items)
    conn.execute("UPDATE product_sizes SET price_cents = 1600")
    assert placing.write_order(conn, cart_in, stale) is None
    assert shop.count("orders") == 0 and shop.remaining_ml("rose-noir") == 100
    assert placing.place(conn, cart_in)["subtotal_cents"] == 1600


def test_the_last_use_of_a_code_goes_to_one_order_even_when_both_were_quoted(shop, conn):
    shop.product("rose-noir", ml=100, sizes={5: 1400})
    shop.discount("LAST", value=10, max_uses=1)
    first, second = (cart(("rose-noir", 5, 1), discount_code="LAST") for _ in range(2))
    quotes = [placing.quote(conn, c, c.items) for c in (first, second)]
    assert placing.write_order(conn, first, quotes[0])["discount_cents"] == 140
    with pytest.raises(ValidationError) as raised:
        placing.write_order(conn, second, quotes[1])
    assert "discount_code" in raised.value.details
    assert shop.count("orders") == 1 and shop.remaining_ml("rose-noir") == 95


def test_item_snapshots_price_and_cost_per_ml_at_sale(shop, conn):
    shop.product("rose-noir", ml=100, cost_cents=12_000, sizes={5: 1400})
    order = shop.order(("rose-noir", 5, 1))
    conn.execute("UPDATE product_sizes SET price_cents = 9999")
    item = conn.execute(
        "SELECT unit_price_cents, cost_per_ml_cents, unit_cost_cents FROM order_items WHERE order_id = %s",
        (order["id"],),
    ).fetchone()
    assert item["unit_price_cents"] == 1400
    assert item["cost_per_ml_cents"] == Decimal("120.0000")
    assert item["unit_cost_cents"] == 600


def test_the_answer_to_a_placed_order_is_the_order_as_stored(shop, conn):
    """The answer is made from what was written, not read back: it must be exactly what
    tracking and the back office read afterwards."""
    shop.product("rose-noir", ml=100, sizes={2: 600, 5: 1400})
    shop.product("oud-bleu", ml=100, sizes={2: 700})
    shop.discount("TEN", value=10)
    placed = placing.place(
        conn,
        cart(("rose-noir", 5, 1), ("oud-bleu", 2, 2), discount_code="ten", client_address="::1"),
        idempotency_key="k-answer",
    )
    stored = placing.get_order(conn, placed["id"])

    def items(order: dict[str, Any]) -> list[dict[str, Any]]:
        return sorted(({"set": None, **item} for item in order["items"]), key=lambda i: i["slug"])

    assert {**placed, "items": None} == {**stored, "items": None}
    assert items(placed) == items(stored)


def test_a_price_changed_after_it_was_remembered_is_charged_at_the_new_price(shop, conn):
    shop.product("rose-noir", ml=100, sizes={5: 1400})
    offers = OfferCache()
    placing.place(conn, cart(("rose-noir", 5, 1)), offers=offers)
    assert offers.recall(conn, cart(("rose-noir", 5, 1)).items)[0]["price_cents"] == 1400
    conn.execute("UPDATE product_sizes SET price_cents = 1600")

    second = placing.place(conn, cart(("rose-noir", 5, 1)), offers=offers)

    assert second["subtotal_cents"] == 1600 and second["items"][0]["unit_price_cents"] == 1600
    written = conn.execute(
        "SELECT o.subtotal_cents, i.unit_price_cents FROM orders o"
        " JOIN order_items i ON i.order_id = o.id WHERE o.id = %s",
        (second["id"],),
    ).fetchone()
    assert written == {"subtotal_cents": 1600, "unit_price_cents": 1600}
    assert shop.count("orders") == 2 and shop.remaining_ml("rose-noir") == 90
    assert offers.recall(conn, cart(("rose-noir", 5, 1)).items)[0]["price_cents"] == 1600


def test_a_product_renamed_or_taken_off_sale_after_it_was_remembered(shop, conn):
    shop.product("rose-noir", ml=100, sizes={2: 600, 5: 1400})
    offers = OfferCache()
    placing.place(conn, cart(("rose-noir", 5, 1)), offers=offers)
    conn.execute("UPDATE products SET name = 'Rose Noire' WHERE slug = 'rose-noir'")

    renamed = placing.place(conn, cart(("rose-noir", 5, 1)), offers=offers)
    assert renamed["items"][0]["name"] == "Rose Noire"
    assert placing.get_order(conn, renamed["id"])["items"][0]["name"] == "Rose Noire"

    conn.execute("UPDATE product_sizes SET is_active = false WHERE size_ml = 5")
    with pytest.raises(ValidationError) as raised:
        placing.place(conn, cart(("rose-noir", 5, 1)), offers=offers)
    assert set(raised.value.details) == {"items.0.size_ml"}
    assert shop.count("orders") == 2 and shop.remaining_ml("rose-noir") == 90


def test_short_stock_of_remembered_offers_is_refused_whole_naming_the_short_lines(shop, conn):
    shop.product("rose-noir", ml=100)
    shop.product("oud-bleu", ml=100)
    offers = OfferCache()
    placing.place(conn, cart(("rose-noir", 5, 1), ("oud-bleu", 2, 1)), offers=offers)
    shop.stock("rose-noir", ml=8)

    with pytest.raises(OutOfStock) as raised:
        placing.place(conn, cart(("oud-bleu", 2, 1), ("rose-noir", 5, 2)), offers=offers)
    assert raised.value.details == [
        {"slug": "rose-noir", "size_ml": 5, "requested": 2, "available": 1}
    ]
    with pytest.raises(OutOfStock):  # two lines of one bottle count together
        placing.place(conn, cart(("rose-noir", 5, 1), ("rose-noir", 2, 2)), offers=offers)
    assert shop.count("orders") == 1 and shop.count("order_items") == 2
    assert shop.remaining_ml("rose-noir") == 8 and shop.remaining_ml("oud-bleu") == 98


def test_unpaid_orders_beyond_the_limit_are_refused_per_email_and_per_client(shop, conn):
    shop.product("rose-noir", ml=100, sizes={2: 600})
    limits = placing.OrderLimits(max_unpaid_orders=2, expiry_minutes=30)

    def order(email: str, client: str) -> dict[str, Any]:
        lines = ("rose-noir", 2, 1)
        return placing.place(conn, cart(lines, email=email, client_address=client), limits=limits)

    first = order("a@example.com", "203.0.113.7")
    order("b@example.com", "203.0.113.7")
    with pytest.raises(RateLimited) as by_client:
        order("c@example.com", "203.0.113.7")
    assert 29 * 60 <= by_client.value.retry_after <= 30 * 60 + 1
    order("A@Example.com", "198.51.100.1")
    with pytest.raises(RateLimited):  # a's second unpaid order, from another address
        order("a@example.COM", "198.51.100.2")
    assert shop.count("orders") == 3 and shop.remaining_ml("rose-noir") == 94

    placing.cancel_unpaid(conn, first["id"])
    order("c@example.com", "203.0.113.7")
    paid = conn.execute("SELECT id FROM orders WHERE email = 'A@Example.com'").fetchone()
    placing.transition(conn, paid["id"], status="paid", payment_status="paid")
    order("a@example.com", "198.51.100.3")  # a paid order is no longer held
    assert shop.count("orders") == 5


def test_the_limit_function_answers_the_seconds_until_the_oldest_unpaid_order_expires(shop, conn):
    shop.product("rose-noir", ml=100, sizes={2: 600})
    for _ in range(2):
        placing.place(conn, cart(("rose-noir", 2, 1), email="e@example.com"))
    conn.execute("UPDATE orders SET created_at = now() - interval '10 minutes'")

    def guard(email: str, address: str | None, limit: int | None) -> Any:
        return conn.execute(
            "SELECT refuse_beyond_unpaid_limit(%s, %s, %s, 30) AS passed", (email, address, limit)
        ).fetchone()["passed"]

    with pytest.raises(psycopg.errors.RaiseException) as raised:
        guard("E@example.com", None, 2)
    assert raised.value.diag.message_hint == "unpaid_orders_limit"
    assert 19 * 60 <= int(raised.value.diag.message_detail) <= 20 * 60 + 1
    assert guard("E@example.com", None, 3) is True
    assert guard("E@example.com", "203.0.113.7", None) is True
    assert guard("other@example.com", "203.0.113.7", 1) is True


def test_concurrent_orders_of_one_email_cannot_race_past_the_unpaid_limit(shop, database_url):
    shop.product("rose-noir", ml=1000, sizes={2: 600})
    limits = placing.OrderLimits(max_unpaid_orders=3)
    results = run_concurrently(
        database_url,
        20,
        lambda c, i: placing.place(
            c,
            cart(
                ("rose-noir", 2, 1),
                email="Hoarder@example.com" if i % 2 else "hoarder@example.com",
                client_address=f"198.51.100.{i}",
            ),
            limits=limits,
        ),
    )
    placed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(placed) == 3 and len(refused) == 17, results
    assert shop.count("orders") == 3 and shop.remaining_ml("rose-noir") == 994
