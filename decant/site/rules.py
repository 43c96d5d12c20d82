"""What an edit rewrites: the incremental rules of the build, as data.

No code path consults a list: each page's key is a hash of exactly the data its
template reads (see product_pages, catalog_pages, ...), so a page is rewritten when,
and only when, something it shows moved. This table is what that amounts to for the
edits an owner makes to one product (or its brand), written down so "what does a
price change rewrite?" has one answer, and pinned by tests/site/test_rules.py, which
makes each edit on a real catalog and compares the rewritten files with it.

Conditional kinds: HOME when the home page shows the product (new or best seller),
RELATED_PRODUCTS for the products whose "sharing its notes" shows it, SETS for the
curated sets that hold it (none in the test catalog, so not listed below). Every
rewritten page also rewrites its .gz and .br beside it; every other file keeps its
bytes, inode and timestamp (hard-linked from the previous build).
"""

from __future__ import annotations

PRODUCT = "its product page"
RELATED_PRODUCTS = "pages of products showing it"
BRAND = "its brand's page"
BRAND_LIST = "the brands list"
NOTES = "its notes' pages"
NOTE_LIST = "the notes list"
CATALOG_PAGE = "the catalog page listing it"
CATALOG_INDEX = "catalog/index.json"  # the catalog filters' data
HOME = "the home page"
SITEMAP = "sitemap.xml"  # a page's <lastmod> moves with the product's updated_at
SEARCH_INDEX = "search-index.json"  # names and notes only: prices and stock never move it
SETS = "curated sets holding it"

# Everywhere a product's card appears (the card shows its price and whether it is in stock).
_CARD = (PRODUCT, RELATED_PRODUCTS, BRAND, NOTES, CATALOG_PAGE, CATALOG_INDEX, HOME)

REWRITES: dict[str, tuple[str, ...]] = {
    "price": (*_CARD, SITEMAP),
    # Stock is not a catalog edit (no updated_at moves): the sitemap keeps its bytes.
    "stock": _CARD,
    "name": (*_CARD, SITEMAP, SEARCH_INDEX),
    # A card shows no notes: only the note pages it joins or leaves, the notes list
    # (its counts), the product page and the filters' and search's data move.
    "notes": (PRODUCT, NOTES, NOTE_LIST, CATALOG_INDEX, SEARCH_INDEX, SITEMAP),
    # The brand's description is shown on its own page alone.
    "brand": (BRAND,),
}
