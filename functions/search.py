"""GET /search?q=: the search results as an HTML page, for browsers without JavaScript.

The same matching as GET /api/products?q= (decant.catalog.reading with decant.catalog.search_text);
with JavaScript the header's search box reads the build's static index instead.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from decant.catalog import reading
from decant.catalog.reading import ProductFilters
from functions.web import storefront_pages
from functions.web.runtime import database

bp = Blueprint("search", __name__)

MAX_QUERY = 100
RESULTS = 100


@bp.get("/search")
def search_page() -> Response:
    """Never a 4xx for a shopper's typing: an over-long query is cut, not refused."""
    query = request.args.get("q", "").replace("\x00", "").strip()[:MAX_QUERY]
    products: list[dict[str, Any]] = []
    total = 0
    if query:
        with database().connection() as conn:
            products, total = reading.list_products(conn, ProductFilters(q=query, per_page=RESULTS))
    title = f"Search: {query}" if query else "Search"
    return storefront_pages.page(title, "search.html", q=query, products=products, total=total)
