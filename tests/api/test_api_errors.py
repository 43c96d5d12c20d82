"""A table of malformed requests: each gets a 4xx in the envelope naming the field at
fault, and none of them creates an order, takes stock or records an event."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Shop
from tests.plugins.shopper_api import order_body

GOOD = order_body(("rose-noir", 5, 1))


def with_(path: str, value: Any) -> dict[str, Any]:
    """GOOD with one dotted field replaced (or removed when value is ...)."""
    body = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return body


def raw(text: str | bytes, content_type: str = "application/json") -> dict[str, Any]:
    return {"data": text, "content_type": content_type}


def js(body: Any) -> dict[str, Any]:
    return raw(json.dumps(body))


ORDERS = "/api/orders"
CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    # (id, method, path, request kwargs, status, field named in details)
    ("not-json", "POST", ORDERS, raw("email=ada"), 400, "body"),
    ("truncated-json", "POST", ORDERS, raw('{"email": "ada@'), 400, "body"),
    ("empty-body", "POST", ORDERS, raw(""), 400, "body"),
    ("nan-number", "POST", ORDERS, raw('{"items": [{"size_ml": NaN}]}'), 400, "body"),
    ("nul-byte-in-body", "POST", ORDERS, raw(b'{"name": "a\x00"}'), 400, "body"),
    ("latin1-body", "POST", ORDERS, raw('{"name": "Jos\xe9"}'.encode("latin-1")), 400, "body"),
    (
        "json-as-text-plain",
        "POST",
        ORDERS,
        raw(json.dumps(GOOD), "text/plain"),
        415,
        "Content-Type",
    ),
    ("form-encoded", "POST", ORDERS, {"data": {"email": "ada@example.com"}}, 415, "Content-Type"),
    ("no-content-type", "POST", ORDERS, {"data": json.dumps(GOOD)}, 415, "Content-Type"),
    ("oversize-body", "POST", ORDERS, js(with_("name", "x" * 70_000)), 413, "body"),
    ("array-body", "POST", ORDERS, js([GOOD]), 422, "body"),
    ("string-body", "POST", ORDERS, js("order please"), 422, "body"),
    ("nul-in-name", "POST", ORDERS, js(with_("name", "Ada\u0000")), 422, "name"),
    (
        "nul-in-line1",
        "POST",
        ORDERS,
        js(with_("shipping_address.line1", "a\u0000b")),
        422,
        "shipping_address.line1",
    ),
    ("missing-email", "POST", ORDERS, js(with_("email", ...)), 422, "email"),
    ("email-number", "POST", ORDERS, js(with_("email", 42)), 422, "email"),
    ("email-invalid", "POST", ORDERS, js(with_("email", "not-an-email")), 422, "email"),
    (
        "email-too-long",
        "POST",
        ORDERS,
        js(with_("email", "a" * 250 + "@example.com")),
        422,
        "email",
    ),
    ("missing-name", "POST", ORDERS, js(with_("name", ...)), 422, "name"),
    ("empty-name", "POST", ORDERS, js(with_("name", "   ")), 422, "name"),
    ("name-too-long", "POST", ORDERS, js(with_("name", "n" * 500)), 422, "name"),
    (
        "address-not-object",
        "POST",
        ORDERS,
        js(with_("shipping_address", "Berlin")),
        422,
        "shipping_address",
    ),
    (
        "missing-country",
        "POST",
        ORDERS,
        js(with_("shipping_address.country", ...)),
        422,
        "shipping_address.country",
    ),
    (
        "country-name",
        "POST",
        ORDERS,
        js(with_("shipping_address.country", "Germany")),
        422,
        "shipping_address.country",
    ),
    (
        "missing-city",
        "POST",
        ORDERS,
        js(with_("shipping_address.city", ...)),
        422,
        "shipping_address.city",
    ),
    ("missing-items", "POST", ORDERS, js(with_("items", ...)), 422, "items"),
    ("empty-items", "POST", ORDERS, js(with_("items", [])), 422, "items"),
    ("items-not-list", "POST", ORDERS, js(with_("items", "rose-noir")), 422, "items"),
    ("too-many-lines", "POST", ORDERS, js(with_("items", [GOOD["items"][0]] * 51)), 422, "items"),
    ("item-not-object", "POST", ORDERS, js(with_("items.0", 7)), 422, "items.0"),
    ("missing-slug", "POST", ORDERS, js(with_("items.0.slug", ...)), 422, "items.0.slug"),
    ("slug-number", "POST", ORDERS, js(with_("items.0.slug", 42)), 422, "items.0.slug"),
    (
        "slug-bad-chars",
        "POST",
        ORDERS,
        js(with_("items.0.slug", "Rose Noir!")),
        422,
        "items.0.slug",
    ),
    (
        "unknown-slug",
        "POST",
        ORDERS,
        js(with_("items.0.slug", "no-such-scent")),
        422,
        "items.0.slug",
    ),
    ("size-zero", "POST", ORDERS, js(with_("items.0.size_ml", 0)), 422, "items.0.size_ml"),
    ("size-negative", "POST", ORDERS, js(with_("items.0.size_ml", -5)), 422, "items.0.size_ml"),
    ("size-huge", "POST", ORDERS, js(with_("items.0.size_ml", 1e12)), 422, "items.0.size_ml"),
    ("size-text", "POST", ORDERS, js(with_("items.0.size_ml", "five")), 422, "items.0.size_ml"),
    ("size-not-sold", "POST", ORDERS, js(with_("items.0.size_ml", 3)), 422, "items.0.size_ml"),
    (
        "missing-quantity",
        "POST",
        ORDERS,
        js(with_("items.0.quantity", ...)),
        422,
        "items.0.quantity",
    ),
    ("quantity-zero", "POST", ORDERS, js(with_("items.0.quantity", 0)), 422, "items.0.quantity"),
    (
        "quantity-negative",
        "POST",
        ORDERS,
        js(with_("items.0.quantity", -1)),
        422,
        "items.0.quantity",
    ),
    ("quantity-101", "POST", ORDERS, js(with_("items.0.quantity", 101)), 422, "items.0.quantity"),
    (
        "quantity-huge",
        "POST",
        ORDERS,
        js(with_("items.0.quantity", 10**30)),
        422,
        "items.0.quantity",
    ),
    (
        "quantity-fraction",
        "POST",
        ORDERS,
        js(with_("items.0.quantity", 1.5)),
        422,
        "items.0.quantity",
    ),
    ("quantity-text", "POST", ORDERS, js(with_("items.0.quantity", "2")), 422, "items.0.quantity"),
    ("quantity-bool", "POST", ORDERS, js(with_("items.0.quantity", True)), 422, "items.0.quantity"),
    (
        "merged-over-units-per-line",
        "POST",
        ORDERS,
        js(with_("items", [dict(GOOD["items"][0], quantity=3)] * 2)),
        422,
        "items",
    ),
    (
        "quantity-over-units-per-line",
        "POST",
        ORDERS,
        js(with_("items.0.quantity", 6)),
        422,
        "items.0.quantity",
    ),
    ("unknown-discount", "POST", ORDERS, js(with_("discount_code", "NOPE")), 422, "discount_code"),
    ("discount-list", "POST", ORDERS, js(with_("discount_code", ["TEN"])), 422, "discount_code"),
    (
        "idempotency-key-too-long",
        "POST",
        ORDERS,
        {**js(GOOD), "headers": {"Idempotency-Key": "k" * 300}},
        400,
        "Idempotency-Key",
    ),
    ("track-nothing", "GET", "/api/orders/track", {}, 422, "email"),
    (
        "track-bad-number",
        "GET",
        "/api/orders/track?email=a@example.com&number=1",
        {},
        422,
        "number",
    ),
    ("products-per-page-text", "GET", "/api/products?per_page=many", {}, 422, "per_page"),
    ("products-nul-in-q", "GET", "/api/products?q=rose%00", {}, 422, "q"),
    ("event-unknown-type", "POST", "/api/events", js({"type": "buy_now"}), 422, "type"),
    (
        "event-unknown-field",
        "POST",
        "/api/events",
        js({"type": "page_view", "cookie": "x"}),
        422,
        "cookie",
    ),
    (
        "event-long-session",
        "POST",
        "/api/events",
        js({"type": "page_view", "session_id": "s" * 65}),
        422,
        "session_id",
    ),
    (
        "event-oversize",
        "POST",
        "/api/events",
        js({"type": "page_view", "data": {"x": "y" * 3000}}),
        413,
        "body",
    ),
    ("event-form", "POST", "/api/events", {"data": {"type": "page_view"}}, 415, "Content-Type"),
    ("event-not-json-text", "POST", "/api/events", raw("page_view", "text/plain"), 400, "body"),
]


# The contract's error code for each refusal status.
CODE_FOR_STATUS = {
    400: "validation_error",
    413: "payload_too_large",
    415: "validation_error",
    422: "validation_error",
}


def test_every_path_of_the_table_is_an_endpoint_that_takes_shopper_input(api_app) -> None:
    """A refusal from a route that does not exist (or moved) would prove nothing."""
    routes = api_app.url_map.bind("localhost")
    reached = {routes.match(path.split("?")[0], method=method)[0] for _, method, path, *_ in CASES}
    assert reached == {
        "orders.create",
        "orders.track",
        "products.list_products",
        "events.record",
    }


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_malformed_request_is_refused_naming_the_field_and_changes_nothing(
    api_client: FlaskClient,
    shop: Shop,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    field: str,
) -> None:
    shop.product("rose-noir", ml=20, sizes={2: 600, 5: 1400})
    shop.discount("TEN", value=10)

    answer = api_client.open(path, method=method, **kwargs)

    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["success"] is False
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == CODE_FOR_STATUS[status]
    assert field in body["error"]["details"], body["error"]
    assert shop.count("orders") == 0
    assert shop.remaining_ml("rose-noir") == 20
    assert shop.count("analytics_events") == 0


def test_the_good_body_of_the_table_is_accepted(api_client: FlaskClient, shop: Shop) -> None:
    shop.product("rose-noir", ml=20, sizes={2: 600, 5: 1400})
    assert api_client.post(ORDERS, json=GOOD).status_code == 201
    assert shop.remaining_ml("rose-noir") == 15


def test_a_good_event_is_recorded(api_client: FlaskClient, shop: Shop) -> None:
    """The events endpoint refused above does accept a well-formed event."""
    answer = api_client.post("/api/events", json={"type": "page_view"})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_json()["data"] == {"accepted": True}
    assert shop.count("analytics_events") == 1
