"""A page the build writes (where, which template, which data) and the small
formatting rules pages share (slugs, money, JSON-LD, product cards)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, pass_environment
from markupsafe import Markup

from decant.publishing.product_shards import product_file

SLUG = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def slugify(value: str) -> str:
    """The same slug the database's decant_slug() makes."""
    return SLUG.sub("-", value.lower()).strip("-")


def json_script(data: Any) -> Markup:
    """JSON safe to put inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)  # noqa: S704 - every character that could end the script is escaped


def card_renderer(
    kept: dict[tuple[str, str], tuple[dict[str, Any], Markup]] | None = None,
) -> Callable[..., Markup]:
    """The `card_html(card, heading)` template global: each product card is rendered
    by the `card` macro once per heading, then reused on every grid it appears in
    (note, brand and catalog pages, "sharing its notes") — the same bytes, ~100,000
    fewer macro calls at 10,000 products. A planner makes one card per slug; `kept`
    (the previous build's, same theme) is reused for a card that is the very same
    object, so a note page of a thousand cards renders without one macro call."""
    cache = kept if kept is not None else {}

    @pass_environment
    def card_html(env: Environment, card: dict[str, Any], heading: str = "h3") -> Markup:
        key = (card["slug"], heading)
        hit = cache.get(key)
        if hit is None or hit[0] is not card:
            hit = cache[key] = (card, env.get_template("_cards.html").module.card(card, heading))
        return hit[1]

    card_html.cache = cache  # type: ignore[attr-defined]
    return card_html


# --------------------------------------------------------------------------- data -> pages


def product_rel(slug: str) -> str:
    """Where a product page lives on disk: products/<shard>/<slug>.html, served at
    /products/<slug>/ (Nginx maps it with the same shard, `decant serve` and S3
    publishing too). Flat files in a hundred shard directories that builds share until
    one of their pages changes (see product_shards and shard_dirs): a one-product
    rebuild copies one shard, not the catalog."""
    return product_file(slug)


PRODUCT_FILE = re.compile(r"^products/\d\d/([^/]+)\.html$")


def page_url(rel: str) -> str | None:
    """The URL path of the page written at rel (None when rel is not an HTML page)."""
    flat = PRODUCT_FILE.match(rel)
    if flat:
        return f"/products/{flat.group(1)}/"
    if rel.endswith("index.html"):
        return "/" + rel.removesuffix("index.html")
    return None


@dataclass
class Page:
    """One file the plugin writes: where, with which template, from which data."""

    rel: str
    template: str
    context: dict[str, Any] | None
    subject: str  # named in errors: "product 'rose-noir'"
    lastmod: str | None = None
    sitemap: bool = True
    key: str | None = None  # known up front when the context is made only if needed
    make: Callable[[], dict[str, Any]] | None = None
    data: bytes | None = None  # a file serialized by the planner (the catalog index)

    @property
    def url(self) -> str | None:
        """The page's URL path, or None for a file that is not a page of its own."""
        return page_url(self.rel)

    def template_context(self) -> dict[str, Any]:
        if self.context is None:
            assert self.make is not None
            self.context = self.make()
        return self.context
