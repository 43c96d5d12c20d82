"""The incremental rules written down in decant.site.rules are what the build does:
each kind of edit rewrites exactly the page kinds the table names, no more, no fewer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decant.publishing.product_shards import product_file
from decant.site import rules
from tests.factories import Shop
from tests.site_files import served_files

EDITS = {
    "price": lambda shop: shop.conn.execute(
        "UPDATE product_sizes SET price_cents = 390 WHERE size_ml = 1"
        " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')"
    ),
    "stock": lambda shop: shop.stock("rose-noir", ml=0),
    "name": lambda shop: shop.conn.execute(
        "UPDATE products SET name = 'Rose Nuit' WHERE slug = 'rose-noir'"
    ),
    "notes": lambda shop: shop.conn.execute(
        "UPDATE products SET heart_notes = heart_notes || ARRAY['Oud'] WHERE slug = 'rose-noir'"
    ),
    "brand": lambda shop: shop.conn.execute(
        "UPDATE brands SET description = 'A new house note' WHERE slug = 'maison-test'"
    ),
}


def page_kind(rel: str, slug: str) -> str:
    """What a rewritten file is to the edited product `slug`."""
    if rel == product_file(slug):
        return rules.PRODUCT
    if rel.startswith("products/"):
        return rules.RELATED_PRODUCTS
    for pattern, kind in (
        (r"brands/index\.html", rules.BRAND_LIST),
        (r"brands/.+", rules.BRAND),
        (r"notes/index\.html", rules.NOTE_LIST),
        (r"notes/.+", rules.NOTES),
        (r"catalog/index\.json", rules.CATALOG_INDEX),
        (r"catalog/.+\.html", rules.CATALOG_PAGE),
        (r"index\.html", rules.HOME),
        (r"sitemap\.xml", rules.SITEMAP),
        (r"search-index\.json", rules.SEARCH_INDEX),
        (r"sets/.+", rules.SETS),
    ):
        if re.fullmatch(pattern, rel):
            return kind
    return rel


def files(root: Path) -> dict[str, bytes]:
    """Every page a build serves, product pages in its shard directories included."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in served_files(root)
        if p.suffix not in (".gz", ".br") and "assets" not in p.parts
    }


@pytest.mark.parametrize("change", sorted(rules.REWRITES))
def test_each_edit_rewrites_exactly_the_page_kinds_the_rules_name(
    settings, catalog_shop: Shop, build_site, change: str
):
    build_site()
    before = files((settings.public_dir / "current").resolve())
    EDITS[change](catalog_shop)
    build_site()
    after = files((settings.public_dir / "current").resolve())
    rewritten = {rel for rel, data in after.items() if before.get(rel) != data}
    kinds = {page_kind(rel, "rose-noir") for rel in rewritten}
    assert kinds == set(rules.REWRITES[change]), sorted(rewritten)
