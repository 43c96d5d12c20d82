"""Every /api answer is in the contract's envelope and carries a request id; log lines
are JSON, carry the same id, and never carry secrets or card numbers."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from functions.web.envelope import STATUS

CODES = set(STATUS) | {"method_not_allowed"}
PLACEHOLDERS = {"int": "999999", "path": "no-such-thing", "default": "no-such-thing"}


def assert_envelope(answer, where: str) -> dict:
    assert answer.is_json, f"{where}: not JSON ({answer.content_type})"
    body = answer.get_json()
    assert answer.headers.get("X-Request-ID"), where
    if body["success"] is True:
        assert set(body) == {"success", "data", "meta"}, where
        assert isinstance(body["meta"], dict), where
        assert answer.status_code < 400, where
    else:
        assert body["success"] is False, where
        assert set(body) == {"success", "error"}, where
        assert set(body["error"]) == {"code", "message", "details"}, where
        assert body["error"]["code"] in CODES, where
        assert isinstance(body["error"]["message"], str) and body["error"]["message"], where
        assert answer.status_code >= 400, where
        expected = STATUS.get(body["error"]["code"])
        if body["error"]["code"] == "validation_error":
            assert answer.status_code in (400, 415, 422), where
        elif expected:
            assert answer.status_code == expected, where
    return body


def api_routes(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule == "/api/openapi.json":
            continue
        path = rule.rule
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.removesuffix("Converter").lower()
            value = PLACEHOLDERS.get("int" if kind == "integer" else kind, "no-such-thing")
            path = re.sub(rf"<[^>]*\b{name}>", value, path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_every_api_route_answers_in_the_envelope(api_app: Flask, api_client: FlaskClient) -> None:
    routes = api_routes(api_app)
    assert ("POST", "/api/orders") in routes and ("GET", "/api/products") in routes
    for method, path in routes:
        kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        assert_envelope(api_client.open(path, method=method, **kwargs), f"{method} {path}")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/no-such-route", 404, "not_found"),
        ("DELETE", "/api/orders", 405, "method_not_allowed"),
        ("GET", "/api/orders", 405, "method_not_allowed"),
        ("PUT", "/api/products", 405, "method_not_allowed"),
        ("GET", "/api/products/no-such-scent", 404, "not_found"),
    ],
)
def test_flask_errors_are_answered_in_the_envelope(
    api_client: FlaskClient, method: str, path: str, status: int, code: str
) -> None:
    answer = api_client.open(path, method=method)
    body = assert_envelope(answer, f"{method} {path}")
    assert answer.status_code == status
    assert body["error"]["code"] == code


def test_openapi_document_is_bare_and_names_every_contract_route(api_client: FlaskClient) -> None:
    answer = api_client.get("/api/openapi.json")
    document = answer.get_json()
    assert answer.status_code == 200
    assert document["openapi"].startswith("3.1")
    assert "success" not in document
    for path in [
        "/api/products",
        "/api/products/{slug}",
        "/api/orders",
        "/api/orders/track",
        "/api/checkout",
        "/api/webhooks/stripe",
        "/api/events",
        "/api/health",
        "/api/health/db",
        "/api/health/redis",
        "/api/health/stripe",
        "/api/admin/products",
        "/api/admin/products/{id}",
        "/api/admin/orders",
        "/api/admin/orders/{id}",
        "/api/admin/inventory",
        "/api/admin/analytics",
    ]:
        assert path in document["paths"], path
    schemas = document["components"]["schemas"]
    cart = schemas["CartIn"]
    assert set(cart["required"]) >= {"email", "name", "shipping_address", "items"}
    assert schemas["ItemIn"]["properties"]["quantity"]["maximum"] == 100
    assert "price_cents" not in schemas["ItemIn"]["properties"]
    assert {"size_ml", "price_cents", "in_stock", "available"} <= set(
        schemas["SizeOut"]["properties"]
    )
    refs = re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document))
    assert set(refs) <= set(schemas)


def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(
    api_client: FlaskClient,
) -> None:
    kept = api_client.get("/api/health", headers={"X-Request-ID": "edge-4f2a.9"})
    assert kept.headers["X-Request-ID"] == "edge-4f2a.9"
    for strange in ("has spaces in it", "x" * 300, "<script>"):
        replaced = api_client.get("/api/health", headers={"X-Request-ID": strange})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    first = api_client.get("/api/health").headers["X-Request-ID"]
    second = api_client.get("/api/health").headers["X-Request-ID"]
    assert first != second


@pytest.fixture
def json_log(api_app: Flask):
    """What the app's JSON log handler writes during the test, one dict per line."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "decant_json", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    handler.setStream(previous)


def test_log_lines_are_json_with_the_request_id(
    api_app: Flask, api_client: FlaskClient, json_log
) -> None:
    @api_app.get("/api/test-logging")
    def noisy():
        logging.getLogger("decant.test").warning("something worth a look")
        return {"success": True, "data": None, "meta": {}}

    answer = api_client.get("/api/test-logging", headers={"X-Request-ID": "trace-123"})
    assert answer.status_code == 200
    lines = json_log()
    assert [line["message"] for line in lines] == ["something worth a look", "request"]
    assert {line["request_id"] for line in lines} == {"trace-123"}
    access = lines[-1]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/api/test-logging", 200)


def test_logs_never_carry_secrets_or_card_numbers(
    api_app: Flask, api_client: FlaskClient, json_log
) -> None:
    @api_app.get("/api/test-secrets")
    def leaky():
        logging.getLogger("decant.test").warning(
            "card %s declined",
            "4242 4242 4242 4242",
            extra={
                "password": "hunter2",
                "stripe_secret_key": "sk_live_x",
                "order": "PS250101-1001",
            },
        )
        return {"success": True, "data": None, "meta": {}}

    api_client.get("/api/test-secrets?email=ada@example.com")
    written = "\n".join(json.dumps(line) for line in json_log())
    assert "4242" not in written
    assert "hunter2" not in written and "sk_live_x" not in written
    assert "ada@example.com" not in written
    assert "PS250101-1001" in written


def test_openapi_describes_sets_set_lines_and_the_owners_offers(api_client: FlaskClient) -> None:
    document = api_client.get("/api/openapi.json").get_json()
    for path in [
        "/api/sets",
        "/api/admin/discounts",
        "/api/admin/discounts/{id}",
        "/api/admin/sets",
        "/api/admin/sets/{id}",
    ]:
        assert path in document["paths"], path
    schemas = document["components"]["schemas"]
    line = json.dumps(schemas["CartIn"]["properties"]["items"])
    assert "SetItemIn" in line and "ItemIn" in line
    assert set(schemas["SetItemIn"]["required"]) == {"set", "quantity"}
    assert set(schemas["SetOut"]["required"]) >= {
        "slug",
        "name",
        "price_cents",
        "items",
        "available",
    }
    assert schemas["DiscountIn"]["properties"]["kind"]["enum"] == ["percent", "amount"]
