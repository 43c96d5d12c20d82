"""GET /api/sets and curated sets as cart lines of POST /api/orders, over HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.test_api_orders import http_post, post_order
from tests.factories import Shop
from tests.plugins.shopper_api import Served, order_body, shopper_address


@pytest.fixture
def first_steps(shop: Shop) -> str:
    shop.product("rose-noir", ml=100, sizes={2: 600, 5: 1400})
    shop.product("oud-royal", ml=100, sizes={2: 900})
    shop.product("iris-pale", ml=100, sizes={2: 700})
    return shop.curated_set(
        "first-steps",
        ("rose-noir", 2),
        ("oud-royal", 2),
        ("iris-pale", 2),
        price_cents=1900,
        name="First steps",
    )


def with_sets(*sets: dict[str, Any], lines: tuple = (), **fields: Any) -> dict[str, Any]:
    body = order_body(*lines, **fields)
    body["items"] = [*body["items"], *sets]
    return body


def test_sets_lists_active_sets_with_live_availability(
    api_client: FlaskClient, shop: Shop, first_steps: str
) -> None:
    shop.curated_set(
        "hidden", ("rose-noir", 2), ("iris-pale", 2), price_cents=1000, is_active=False
    )
    shop.stock("oud-royal", ml=5)
    answer = api_client.get("/api/sets")
    assert answer.status_code == 200
    assert answer.get_json()["data"] == [
        {
            "slug": "first-steps",
            "name": "First steps",
            "price_cents": 1900,
            "items": [
                {"slug": "rose-noir", "size_ml": 2},
                {"slug": "oud-royal", "size_ml": 2},
                {"slug": "iris-pale", "size_ml": 2},
            ],
            "available": 2,
        }
    ]
    post_order(api_client, with_sets({"set": "first-steps", "quantity": 1}))
    assert api_client.get("/api/sets").get_json()["data"][0]["available"] == 1


def test_a_set_line_is_priced_from_the_database_whatever_the_client_sends(
    api_client: FlaskClient, shop: Shop, first_steps: str
) -> None:
    body = with_sets(
        {"set": "first-steps", "quantity": 2, "price_cents": 1, "unit_price_cents": 1},
        lines=(("rose-noir", 5, 1),),
    )
    answer = post_order(api_client, body)
    assert answer.status_code == 201, answer.get_json()
    order = answer.get_json()["data"]
    assert order["subtotal_cents"] == 2 * 1900 + 1400
    assert order["total_cents"] == order["subtotal_cents"] + order["shipping_cents"]
    samples = [i for i in order["items"] if i["set"] == "first-steps"]
    assert len(samples) == 3 and all(i["quantity"] == 2 for i in samples)
    assert sum(i["line_total_cents"] for i in samples) == 3800
    assert shop.remaining_ml("rose-noir") == 100 - 4 - 5
    assert shop.remaining_ml("oud-royal") == 96


def test_a_short_sample_is_409_out_of_stock_naming_the_set_and_takes_nothing(
    api_client: FlaskClient, shop: Shop, first_steps: str
) -> None:
    shop.stock("iris-pale", ml=3)
    answer = post_order(
        api_client, with_sets({"set": "first-steps", "quantity": 2}, lines=(("rose-noir", 5, 1),))
    )
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "out_of_stock"
    assert error["details"] == [
        {
            "set": "first-steps",
            "requested": 2,
            "available": 1,
            "short": [{"slug": "iris-pale", "size_ml": 2}],
        }
    ]
    assert shop.count("orders") == 0
    assert shop.remaining_ml("rose-noir") == 100


def test_an_unknown_set_is_404_naming_the_line(
    api_client: FlaskClient, shop: Shop, first_steps: str
) -> None:
    answer = post_order(
        api_client, with_sets({"set": "no-such-set", "quantity": 1}, lines=(("rose-noir", 2, 1),))
    )
    assert answer.status_code == 404
    assert answer.get_json()["error"]["details"] == {"items.1.set": "no set 'no-such-set'"}
    assert shop.count("orders") == 0


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"set": "first-steps", "quantity": 0}, "items.0.quantity"),
        ({"set": "first-steps", "quantity": "2"}, "items.0.quantity"),
        ({"set": "first-steps"}, "items.0.quantity"),
        ({"set": "First Steps!", "quantity": 1}, "items.0.set"),
        ({"quantity": 1}, "items.0.slug"),
    ],
)
def test_a_bad_set_line_is_422_naming_the_field(
    api_client: FlaskClient, shop: Shop, first_steps: str, line: dict, field: str
) -> None:
    answer = post_order(api_client, with_sets(line))
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["details"], answer.get_json()
    assert shop.count("orders") == 0


def test_many_buyers_over_http_of_a_set_with_stock_for_one_get_one_order(
    served_api: Served, shop: Shop, first_steps: str
) -> None:
    shop.stock("oud-royal", ml=2)

    def buy(i: int) -> int:
        status, _ = http_post(
            f"{served_api.url}/api/orders",
            with_sets({"set": "first-steps", "quantity": 1}, email=f"b{i}@example.com"),
            {"X-Forwarded-For": shopper_address()},
        )
        return status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(buy, range(20)))
    assert sorted(statuses) == [201] + [409] * 19
    assert shop.remaining_ml("oud-royal") == 0
    assert shop.remaining_ml("rose-noir") == 98
