"""Admin input is validated at the edge: odd numbers answer 422 naming the field, never 500."""

from __future__ import annotations

import pytest

from tests.plugins.admin import AdminClient

PRODUCT_FORM = {
    "slug": "fig-harbour",
    "name": "Fig Harbour",
    "brand": "Maison Neuve",
    "size_ml": "2",
    "price": "6.50",
}


def form_post(owner: AdminClient, path: str, data: dict[str, str]):
    return owner.post(path, data)


NAMED_BAD_INPUTS = [
    ("GET", "/admin/products?page=²", None, "page"),
    ("GET", "/admin/orders?page=²", None, "page"),
    ("GET", "/admin/orders?page=٣", None, "page"),
    ("POST", "/admin/products", {**PRODUCT_FORM, "launch_year": "²"}, "launch_year"),
    ("POST", "/admin/products", {**PRODUCT_FORM, "launch_year": "٢٠٢١"}, "launch_year"),
    ("POST", "/admin/products/prices", {"percent": "NaN"}, "percent"),
    (
        "POST",
        "/admin/inventory/rose-noir/restock",
        {"volume_ml": "Infinity", "cost": "10"},
        "volume_ml",
    ),
    ("POST", "/admin/inventory/rose-noir/restock", {"volume_ml": "50", "cost": "NaN"}, "cost"),
    ("POST", "/admin/orders/1/refund", {"amount": "Infinity"}, "amount"),
    ("POST", "/admin/orders/1/refund", {"amount": "1e400"}, "amount"),
]


@pytest.mark.parametrize(
    ("method", "path", "form", "field"),
    NAMED_BAD_INPUTS,
    ids=[
        f"{p.split('/')[-1]}-{(f or {}).get(field, p.split('=')[-1])}-{field}"
        for _, p, f, field in NAMED_BAD_INPUTS
    ],
)
def test_bad_numbers_in_admin_forms_answer_422_naming_the_field(
    owner, shop, method, path, form, field
):
    shop.product("rose-noir", sizes={2: 600, 5: 1400})
    response = owner.get(path) if method == "GET" else form_post(owner, path, form)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert field in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/admin/products?page=²", "page"),
        ("/api/admin/products?page=٣", "page"),
        ("/api/admin/orders?per_page=Infinity", "per_page"),
    ],
)
def test_bad_numbers_in_admin_api_queries_answer_the_envelope(owner, path, field):
    response = owner.get(path)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error" and field in body["error"]["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"refund_cents": "Infinity"}, "refund_cents"),
        ({"refund_cents": 1e300}, "refund_cents"),
        ({"refund_cents": "٣"}, "refund_cents"),
    ],
)
def test_bad_numbers_in_admin_api_bodies_answer_the_envelope(owner, body, field):
    response = owner.send_json("PUT", "/api/admin/orders/1", body)
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert field in details


def test_bad_size_in_the_product_api_names_it(owner):
    body = {
        "slug": "fig-harbour",
        "name": "Fig Harbour",
        "brand": "Maison Neuve",
        "launch_year": "²",
        "sizes": [{"size_ml": "NaN", "price_cents": 650}],
    }
    response = owner.send_json("POST", "/api/admin/products", body)
    assert response.status_code == 422
    assert {"launch_year", "sizes.0.size_ml"} <= set(response.get_json()["error"]["details"])
