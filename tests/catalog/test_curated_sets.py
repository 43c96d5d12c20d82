"""Curated sets: priced as a whole, stocked per sample, never oversold."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from decant.catalog import curated_sets
from decant.catalog.curated_sets import SetLine
from decant.errors import Forbidden, NotFound, OutOfStock, ValidationError
from decant.orders import placing
from decant.staff.audit import Actor
from tests.factories import cart
from tests.orders.test_orders import run_concurrently

OWNER = Actor(None, "owner@decant.test", "owner")
STAFF = Actor(None, "staff@decant.test", "staff")


def set_cart(*sets: tuple[str, int], lines: tuple = (), **extra) -> placing.Cart:
    base = cart(*lines, **extra)
    return placing.Cart(
        **{**base.__dict__, "sets": [SetLine(s, q, i) for i, (s, q) in enumerate(sets)]}
    )


@pytest.fixture
def trio(shop):
    shop.product("rose-noir", ml=100, sizes={2: 600, 5: 1400})
    shop.product("oud-royal", ml=100, sizes={2: 900, 5: 2000})
    shop.product("iris-pale", ml=100, sizes={2: 700})
    return shop.curated_set(
        "first-steps", ("rose-noir", 2), ("oud-royal", 2), ("iris-pale", 2), price_cents=1900
    )


def test_price_shares_add_up_to_the_set_price_exactly():
    for price, shelf in [(1900, [600, 900, 700]), (1000, [333, 333, 334]), (7, [1, 1, 1])]:
        shares = curated_sets.price_shares(price, shelf)
        assert sum(shares) == price
        assert all(s >= 0 for s in shares)


def test_a_set_line_is_priced_as_the_set_and_takes_each_samples_millilitres(shop, trio, conn):
    order = placing.place(conn, set_cart(("first-steps", 2)))
    assert order["subtotal_cents"] == 2 * 1900
    set_items = [i for i in order["items"] if i["set"] == "first-steps"]
    assert sorted(i["slug"] for i in set_items) == ["iris-pale", "oud-royal", "rose-noir"]
    assert sum(i["line_total_cents"] for i in set_items) == 2 * 1900
    assert shop.remaining_ml("rose-noir") == 96
    assert shop.remaining_ml("oud-royal") == 96
    assert shop.remaining_ml("iris-pale") == 96
    stored = conn.execute(
        "SELECT sum(line_total_cents) AS total FROM order_items oi JOIN orders o ON o.id = oi.order_id"
        " WHERE o.order_number = %s",
        (order["order_number"],),
    ).fetchone()["total"]
    assert stored == order["subtotal_cents"]
    tracked = placing.get_order_by_number(conn, order["order_number"])
    assert {i["set"] for i in tracked["items"]} == {"first-steps"}


def test_a_set_beside_a_product_line_prices_both(shop, trio, conn):
    order = placing.place(conn, set_cart(("first-steps", 1), lines=(("rose-noir", 5, 1),)))
    assert order["subtotal_cents"] == 1900 + 1400
    assert shop.remaining_ml("rose-noir") == 100 - 2 - 5


def test_a_short_sample_refuses_the_whole_order_naming_the_set(shop, trio, conn):
    shop.stock("oud-royal", ml=3)
    with pytest.raises(OutOfStock) as refused:
        placing.place(conn, set_cart(("first-steps", 2), lines=(("rose-noir", 5, 1),)))
    assert refused.value.details == [
        {
            "set": "first-steps",
            "requested": 2,
            "available": 1,
            "short": [{"slug": "oud-royal", "size_ml": 2}],
        }
    ]
    assert shop.count("orders") == 0
    assert shop.remaining_ml("rose-noir") == 100
    assert shop.remaining_ml("oud-royal") == 3


def test_a_set_and_a_product_line_sharing_a_bottle_count_against_it_together(shop, trio, conn):
    shop.stock("rose-noir", ml=6)
    with pytest.raises(OutOfStock) as refused:
        placing.place(conn, set_cart(("first-steps", 1), lines=(("rose-noir", 5, 1),)))
    assert {line.get("set", line.get("slug")) for line in refused.value.details} == {
        "first-steps",
        "rose-noir",
    }
    assert shop.remaining_ml("rose-noir") == 6
    order = placing.place(conn, set_cart(("first-steps", 1), lines=(("rose-noir", 2, 2),)))
    assert order["subtotal_cents"] == 1900 + 1200
    assert shop.remaining_ml("rose-noir") == 0


def test_unknown_and_inactive_sets_are_not_found_naming_the_line(shop, trio, conn):
    shop.curated_set(
        "sleeping", ("rose-noir", 2), ("iris-pale", 2), price_cents=1000, is_active=False
    )
    for slug in ("no-such-set", "sleeping"):
        with pytest.raises(NotFound) as missing:
            placing.place(conn, set_cart((slug, 1)))
        assert missing.value.details == {"items.0.set": f"no set {slug!r}"}
    assert shop.count("orders") == 0


def test_a_set_whose_sample_is_no_longer_sold_cannot_be_ordered(shop, trio, conn):
    conn.execute("UPDATE products SET is_active = false WHERE slug = 'iris-pale'")
    with pytest.raises(OutOfStock) as refused:
        placing.place(conn, set_cart(("first-steps", 1)))
    assert refused.value.details[0]["available"] == 0
    assert [s["slug"] for s in curated_sets.list_sets(conn)] == ["first-steps"]
    assert curated_sets.list_sets(conn)[0]["available"] == 0


def test_cancelling_an_order_with_a_set_gives_every_sample_back(shop, trio, conn):
    order = placing.place(conn, set_cart(("first-steps", 3)))
    placing.cancel_unpaid(conn, order["id"], reason="expired")
    for slug in ("rose-noir", "oud-royal", "iris-pale"):
        assert shop.remaining_ml(slug) == 100


def test_availability_is_the_number_of_whole_sets_the_bottles_fill(shop, trio, conn):
    shop.stock("oud-royal", ml=7)
    [found] = curated_sets.list_sets(conn)
    assert found["available"] == 3
    assert found["price_cents"] == 1900
    assert found["items"][0] == {
        "slug": "rose-noir",
        "name": "Rose Noir",
        "brand": "Maison Test",
        "size_ml": 2,
        "price_cents": 600,
    }


def test_many_buyers_of_a_set_whose_sample_has_stock_for_one_exactly_one_wins(
    shop, trio, database_url
):
    for _round in range(5):
        shop.stock("iris-pale", ml=2)
        before = shop.count("orders")
        results = run_concurrently(
            database_url,
            30,
            lambda c, i: placing.place(c, set_cart(("first-steps", 1), email=f"b{i}@example.com")),
        )
        placed = [r for r in results if isinstance(r, dict)]
        refused = [r for r in results if isinstance(r, OutOfStock)]
        assert len(placed) == 1 and len(refused) == 29, [
            r for r in results if isinstance(r, Exception) and not isinstance(r, OutOfStock)
        ]
        assert shop.count("orders") == before + 1
        assert shop.remaining_ml("iris-pale") == 0


def test_a_set_and_product_buyers_racing_for_one_bottle_never_oversell(shop, trio, database_url):
    shop.stock("rose-noir", ml=20)

    def buy(c: psycopg.Connection, i: int):
        if i % 2:
            return placing.place(c, set_cart(("first-steps", 1), email=f"s{i}@example.com"))
        return placing.place(c, cart(("rose-noir", 5, 1), email=f"p{i}@example.com"))

    results = run_concurrently(database_url, 30, buy)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, OutOfStock)]
    assert unexpected == []
    placed = [r for r in results if isinstance(r, dict)]
    taken = sum(
        Decimal(str(i["size_ml"])) * i["quantity"]
        for order in placed
        for i in order["items"]
        if i["slug"] == "rose-noir"
    )
    assert taken <= 20
    assert shop.remaining_ml("rose-noir") == 20 - taken


# -- the owner's side --------------------------------------------------------------


def _body(**changes):
    return {
        "slug": "evening",
        "name": "Evening set",
        "description": "Three for the night.",
        "price_cents": 2000,
        "items": [
            {"slug": "rose-noir", "size_ml": 2},
            {"slug": "oud-royal", "size_ml": 2},
            {"slug": "iris-pale", "size_ml": 2},
        ],
        **changes,
    }


def test_the_owner_creates_a_set_and_the_audit_log_records_it(trio, conn):
    created = curated_sets.create(conn, OWNER, _body())
    assert created["price_cents"] == 2000 and created["shelf_price_cents"] == 2200
    entry = conn.execute(
        "SELECT action, after FROM audit_log WHERE entity = 'curated_set' AND entity_id = %s",
        (str(created["id"]),),
    ).fetchone()
    assert entry["action"] == "create"
    assert entry["after"]["price_cents"] == 2000


def test_a_set_price_not_below_its_samples_is_refused_naming_the_price(trio, conn):
    with pytest.raises(ValidationError) as refused:
        curated_sets.create(conn, OWNER, _body(price_cents=2200))
    assert "price_cents" in refused.value.details
    assert conn.execute("SELECT count(*) AS n FROM curated_sets").fetchone()["n"] == 1


def test_the_database_refuses_a_set_price_not_below_its_samples(trio, conn):
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        conn.execute("UPDATE curated_sets SET price_cents = 2200 WHERE slug = 'first-steps'")
    assert refused.value.diag.constraint_name == "curated_sets_price_below_sum"
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "DELETE FROM curated_set_items WHERE set_id = (SELECT id FROM curated_sets"
            " WHERE slug = 'first-steps') AND size_ml = 2 AND product_id IN"
            " (SELECT id FROM products WHERE slug IN ('oud-royal', 'iris-pale'))"
        )


def test_bad_sets_name_each_field_at_fault(trio, conn):
    with pytest.raises(ValidationError) as refused:
        curated_sets.create(
            conn, OWNER, _body(slug="Not A Slug", items=[{"slug": "rose-noir", "size_ml": 2}])
        )
    assert {"slug", "items"} <= set(refused.value.details)
    with pytest.raises(ValidationError) as unsold:
        curated_sets.create(
            conn, OWNER, _body(items=[*_body()["items"][:2], {"slug": "iris-pale", "size_ml": 5}])
        )
    assert "items.2.size_ml" in unsold.value.details


def test_staff_cannot_change_sets(trio, conn):
    with pytest.raises(Forbidden):
        curated_sets.create(conn, STAFF, _body())


def test_deactivating_a_set_takes_it_off_the_list_and_is_audited(trio, conn):
    set_id = curated_sets.list_sets(conn)[0]["id"]
    curated_sets.update(conn, OWNER, set_id, {"is_active": False})
    assert curated_sets.list_sets(conn) == []
    action = conn.execute(
        "SELECT action FROM audit_log WHERE entity = 'curated_set' ORDER BY id DESC LIMIT 1"
    ).fetchone()["action"]
    assert action == "deactivate"


def test_one_set_in_two_lines_counts_as_one_line_within_the_quantity_limit(shop, trio, conn):
    shop.stock("rose-noir", ml=1000)
    with pytest.raises(ValidationError) as refused:
        placing.place(conn, set_cart(("first-steps", 60), ("first-steps", 60)))
    assert refused.value.details == {"items.0.quantity": "at most 100 of one set in total"}
    assert shop.count("orders") == 0
