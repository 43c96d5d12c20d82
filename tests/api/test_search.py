"""Search: GET /api/products?q= and GET /search?q= (the page for browsers without
JavaScript) find the same fragrances, by word prefix, ignoring case and accents."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from tests.factories import Shop


@pytest.fixture
def searchable(catalog_shop: Shop) -> Shop:
    catalog_shop.product(
        "tubereuse-nocturne",
        name="Tubéreuse Nocturne",
        brand="Maison Ébène",
        heart_notes=["Tuberose"],
        base_notes=["Oud", "Benzoin"],
    )
    return catalog_shop


def api_slugs(client: FlaskClient, q: str) -> list[str]:
    answer = client.get("/api/products", query_string={"q": q})
    assert answer.status_code == 200
    return [p["slug"] for p in answer.get_json()["data"]]


def page_slugs(client: FlaskClient, q: str) -> list[str]:
    answer = client.get("/search", query_string={"q": q})
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    return re.findall(r'<a href="/products/([a-z0-9-]+)/">', answer.get_data(as_text=True))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tuber", ["tubereuse-nocturne"]),
        ("TUBÉREUSE", ["tubereuse-nocturne"]),
        ("oud", ["oud-royal", "tubereuse-nocturne"]),  # by name and by note
        ("ebene", ["tubereuse-nocturne"]),  # the house, accent typed or not
        ("neroli sol", ["neroli-soleil"]),
        ("atelier", ["iris-poudre", "neroli-soleil", "oud-royal"]),
        ("retired", []),  # inactive
        ("oyal", []),  # not a word's start
    ],
)
def test_the_api_and_the_search_page_find_the_same_fragrances(searchable, api_client, q, expected):
    assert api_slugs(api_client, q) == expected
    assert page_slugs(api_client, q) == expected


def test_the_search_page_escapes_the_query_and_answers_any_typing(searchable, api_client):
    answer = api_client.get("/search", query_string={"q": '<script>alert("x")</script> oud'})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "frame-ancestors" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in answer.headers
    assert api_client.get("/search", query_string={"q": "x" * 5000}).status_code == 200
    assert api_client.get("/search?q=%00").status_code == 200
    assert "Search" in api_client.get("/search").get_data(as_text=True)


def test_the_search_page_wears_the_storefront_after_a_build(searchable, api_client, build_site):
    build_site()
    html = api_client.get("/search", query_string={"q": "oud"}).get_data(as_text=True)
    assert "<title>Search: oud · Decant</title>" in html
    assert 'role="combobox"' in html  # the header, with its search box
    assert re.search(r'<link rel="stylesheet" href="/assets/app\.[0-9a-f]+\.css">', html)
    assert "2 fragrances for “oud”" in html


def test_the_build_writes_a_compact_index_of_names_houses_and_notes(
    searchable, settings, build_site
):
    build_site()
    index = json.loads((settings.public_dir / "current" / "search-index.json").read_text())
    houses, notes = index["houses"], index["notes"]
    entry = next(p for p in index["products"] if p[0] == "tubereuse-nocturne")
    assert entry[1] == "Tubéreuse Nocturne" and houses[entry[2]] == "Maison Ébène"
    assert {notes[i] for i in entry[3]} == {"Tuberose", "Oud", "Benzoin", "Bergamot"}
    assert "retired-scent" not in {p[0] for p in index["products"]}
