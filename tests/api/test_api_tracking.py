"""GET /api/orders/track: the shopper's view of an order, answering the same for a
wrong e-mail as for an unknown number, and rate-limited."""

from __future__ import annotations

from flask.testing import FlaskClient

from decant.orders import placing
from tests.factories import Shop
from tests.plugins.shopper_api import shopper_address


def track(client: FlaskClient, email: str, number: str, client_address: str | None = None):
    return client.get(
        "/api/orders/track",
        query_string={"email": email, "number": number},
        headers={"X-Forwarded-For": client_address or shopper_address()},
    )


def test_tracking_shows_status_items_and_timeline_with_any_email_case(
    api_client: FlaskClient, shop: Shop
) -> None:
    shop.product("rose-noir", ml=20, sizes={5: 1400})
    order = shop.order(("rose-noir", 5, 2), email="Ada.Lovelace@Example.com")
    placing.transition(shop.conn, order["id"], status="paid", payment_status="paid")

    answer = track(api_client, "  ada.lovelace@EXAMPLE.COM ", order["order_number"].lower())
    assert answer.status_code == 200
    seen = answer.get_json()["data"]
    assert seen["order_number"] == order["order_number"]
    assert (seen["status"], seen["payment_status"]) == ("paid", "paid")
    assert [(i["slug"], i["size_ml"], i["quantity"]) for i in seen["items"]] == [
        ("rose-noir", 5, 2)
    ]
    assert [(e["status"], e["payment_status"]) for e in seen["timeline"]] == [
        ("pending", "unpaid"),
        ("paid", "paid"),
    ]
    assert "email" not in seen and "shipping_address" not in seen


def test_wrong_email_and_unknown_number_get_the_identical_answer(
    api_client: FlaskClient, shop: Shop
) -> None:
    shop.product("rose-noir", ml=20, sizes={5: 1400})
    order = shop.order(("rose-noir", 5, 1), email="ada@example.com")
    number = order["order_number"]
    unknown = number[:-4] + ("9999" if not number.endswith("9999") else "9998")

    wrong_email = track(api_client, "eve@example.com", number)
    wrong_number = track(api_client, "ada@example.com", unknown)
    assert wrong_email.status_code == wrong_number.status_code == 404
    assert wrong_email.get_data() == wrong_number.get_data()
    assert wrong_email.get_json()["error"]["code"] == "not_found"
    assert set(wrong_email.headers.keys()) == set(wrong_number.headers.keys())


def test_malformed_tracking_questions_name_the_parameter(api_client: FlaskClient) -> None:
    for query, field in [
        ({"email": "ada@example.com"}, "number"),
        ({"number": "PS250101-1001"}, "email"),
        ({"email": "ada@example.com", "number": "12345"}, "number"),
        ({"email": "ada\x00@example.com", "number": "PS250101-1001"}, "email"),
    ]:
        answer = api_client.get("/api/orders/track", query_string=query)
        assert answer.status_code == 422, query
        assert field in answer.get_json()["error"]["details"], query


def test_one_order_number_is_limited_to_five_failed_lookups_a_minute_from_anywhere(
    api_client: FlaskClient, shop: Shop
) -> None:
    shop.product("rose-noir", ml=20, sizes={5: 1400})
    number = shop.order(("rose-noir", 5, 1))["order_number"]
    guesses = [track(api_client, f"guess{n}@example.com", number) for n in range(10)]
    assert [g.status_code for g in guesses] == [404] * 5 + [429] * 5
    limited = guesses[-1]
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


def test_guesses_for_a_number_never_block_its_buyer_with_the_right_email(
    api_client: FlaskClient, shop: Shop
) -> None:
    shop.product("rose-noir", ml=20, sizes={5: 1400})
    number = shop.order(("rose-noir", 5, 1))["order_number"]
    for n in range(10):
        track(api_client, "eve@example.com", number, f"203.0.113.{100 + n}")
    buyer = track(api_client, "ada@example.com", number, "198.18.0.1")
    assert buyer.status_code == 200
    assert buyer.get_json()["data"]["order_number"] == number


def test_one_client_is_limited_to_ten_questions_a_minute(api_client: FlaskClient) -> None:
    me = "203.0.113.10"
    for n in range(10):
        answer = track(api_client, "ada@example.com", f"PS250101-{2000 + n}", me)
        assert answer.status_code == 404
    limited = track(api_client, "ada@example.com", "PS250101-3000", me)
    assert limited.status_code == 429
    body = limited.get_json()
    assert body["success"] is False and body["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert track(api_client, "ada@example.com", "PS250101-3000").status_code == 404
