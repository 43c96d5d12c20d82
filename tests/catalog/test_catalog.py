"""What a shopper can find: filters, search, sorting, pages, and live stock per size."""

from __future__ import annotations

from decimal import Decimal

import pytest

import decant.orders.placing
from decant.catalog import reading
from decant.catalog.reading import ProductFilters
from decant.errors import NotFound


@pytest.fixture
def perfumes(shop):
    shop.product(
        "rose-noir",
        brand="Maison Nuit",
        gender="women",
        sizes={2: 600, 5: 1400},
        top_notes=["Pink Pepper"],
        accords=["rose", "woody"],
        concentration="Eau de Parfum",
    )
    shop.product(
        "oud-bleu",
        brand="Atelier Sel",
        gender="men",
        sizes={5: 2400, 10: 4500},
        base_notes=["Oud"],
        accords=["oud"],
        concentration="Extrait de Parfum",
    )
    shop.product(
        "vetiver-sec",
        brand="Atelier Sel",
        gender="unisex",
        sizes={1: 300, 5: 1100},
        base_notes=["Vetiver"],
        accords=["woody"],
        description="A dry grassy vetiver.",
    )
    shop.product("hidden", is_active=False)
    return shop


def slugs(filters: ProductFilters, conn) -> list[str]:
    return [p["slug"] for p in reading.list_products(conn, filters)[0]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ProductFilters(), ["oud-bleu", "rose-noir", "vetiver-sec"]),
        (ProductFilters(brand="atelier-sel"), ["oud-bleu", "vetiver-sec"]),
        (ProductFilters(gender="women"), ["rose-noir"]),
        (ProductFilters(note="pink-pepper"), ["rose-noir"]),
        (ProductFilters(accord="woody"), ["rose-noir", "vetiver-sec"]),
        (ProductFilters(concentration="extrait-de-parfum"), ["oud-bleu"]),
        (ProductFilters(q="vetiv"), ["vetiver-sec"]),
        (ProductFilters(q="grassy"), []),  # q reads name, house and notes, not descriptions
        (ProductFilters(q="ATELIER ou"), ["oud-bleu"]),  # every word, by prefix, any case
        (ProductFilters(q="pepp"), ["rose-noir"]),
        (ProductFilters(size_ml=Decimal(10)), ["oud-bleu"]),
        (ProductFilters(min_price_cents=500, max_price_cents=1200), ["rose-noir"]),
        (ProductFilters(sort="price"), ["vetiver-sec", "rose-noir", "oud-bleu"]),
        (ProductFilters(sort="-price"), ["oud-bleu", "rose-noir", "vetiver-sec"]),
    ],
)
def test_filters_and_sorts_find_the_right_fragrances(perfumes, conn, filters, expected):
    assert slugs(filters, conn) == expected


def test_search_ignores_accents_both_ways_and_matches_word_starts_only(shop, conn):
    shop.product("tubereuse-nocturne", name="Tubéreuse Nocturne", brand="Maison Ébène")
    shop.product("oud-cuir", name="Oud Cuir", base_notes=["Œillet", "Oud"])
    shop.product("nuit-douce", name="Nuit Douce", heart_notes=["Tubéreuse"])
    assert slugs(ProductFilters(q="tuber"), conn) == ["nuit-douce", "tubereuse-nocturne"]
    assert slugs(ProductFilters(q="TUBÉR noct"), conn) == ["tubereuse-nocturne"]
    assert slugs(ProductFilters(q="ebene"), conn) == ["tubereuse-nocturne"]
    assert slugs(ProductFilters(q="oeillet"), conn) == ["oud-cuir"]
    assert slugs(ProductFilters(q="octurne"), conn) == []  # inside a word is not a start
    assert slugs(ProductFilters(q="!!"), conn) == []


def test_pages_split_the_list_and_count_the_total(perfumes, conn):
    page, total = reading.list_products(conn, ProductFilters(per_page=2, page=2))
    assert total == 3 and [p["slug"] for p in page] == ["vetiver-sec"]
    empty, total = reading.list_products(conn, ProductFilters(per_page=2, page=9))
    assert empty == [] and total == 3


def test_popular_sorts_by_units_paid_recently(perfumes, conn):

    order = perfumes.order(("vetiver-sec", 5, 3))
    decant.orders.placing.transition(conn, order["id"], status="paid", payment_status="paid")
    perfumes.order(("rose-noir", 5, 5))  # unpaid: not popular yet
    assert slugs(ProductFilters(sort="popular"), conn)[0] == "vetiver-sec"


def test_stock_per_size_is_whole_decants_left_in_the_bottle(shop, conn):
    shop.product("rose-noir", ml=7, sizes={2: 600, 5: 1400, 10: 2500})
    product = reading.get_product(conn, "rose-noir")
    assert [(s["size_ml"], s["available"], s["in_stock"]) for s in product["sizes"]] == [
        (2, 3, True),
        (5, 1, True),
        (10, 0, False),
    ]


def test_inactive_and_unknown_products_are_not_found(perfumes, conn):
    for slug in ("hidden", "no-such-thing"):
        with pytest.raises(NotFound):
            reading.get_product(conn, slug)


def test_notes_and_brands_are_listed_with_counts(perfumes, conn):
    brands = {b["slug"]: b["product_count"] for b in reading.brands(conn)}
    assert brands["atelier-sel"] == 2
    notes = {n["slug"]: n["product_count"] for n in reading.notes(conn)}
    assert notes["oud"] == 1 and notes["pink-pepper"] == 1
