"""SitePlanner: the catalog -> every catalog Page. Each page kind is its own module
(product_pages, catalog_pages, set_pages, brand_and_note_pages, feeds), mixed in
here; which pages an edit rewrites is written down in rules.py."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from decant.money import format_money
from decant.platform.config import Settings
from decant.site.brand_and_note_pages import BrandAndNotePages
from decant.site.catalog_pages import CatalogPages
from decant.site.feeds import FeedPages
from decant.site.pages import Page, slugify
from decant.site.product_pages import ProductPages
from decant.site.set_pages import SetPages
from decant.site.snapshot import PlanMemory, Site


class SitePlanner(ProductPages, CatalogPages, SetPages, BrandAndNotePages, FeedPages):
    """Turns the catalog into Pages: pure data, so the same catalog gives the same pages."""

    def __init__(
        self,
        site: Site,
        settings: Settings,
        images: dict[str, dict[str, Any]],
        memory: PlanMemory | None = None,
    ):
        self.site = site
        self.memory = memory
        self.related_slugs: dict[str, list[str]] = {}
        self.index_entries: dict[str, str] = {}  # slug -> its catalog/index.json entry
        self.settings = settings
        self.currency = settings.currency
        self.base = settings.base_url
        self.images = images
        self.products = sorted(site.products, key=lambda p: (p["name"].lower(), p["slug"]))
        self.cards = {p["slug"]: self.card(p) for p in self.products}
        self.by_note: dict[str, list[str]] = defaultdict(list)
        for p in self.products:
            for slug in dict.fromkeys(
                slugify(n) for n in p["top_notes"] + p["heart_notes"] + p["base_notes"]
            ):
                self.by_note[slug].append(p["slug"])
        self.position = {
            note: {slug: i for i, slug in enumerate(slugs)} for note, slugs in self.by_note.items()
        }

    def money(self, cents: int) -> str:
        return format_money(cents, self.currency)

    def image(self, product: dict[str, Any]) -> dict[str, Any] | None:
        return self.images.get(product["slug"])

    def card(self, p: dict[str, Any], image: Any = ...) -> dict[str, Any]:
        if image is ...:
            image = self.image(p)
        return {
            "slug": p["slug"],
            "name": p["name"],
            "brand": p["brand"],
            "url": f"/products/{p['slug']}/",
            "from_price": self.money(p["min_price_cents"]) if p["min_price_cents"] else None,
            "in_stock": p["in_stock"],
            "image": image["small"] if image else None,
        }

    def meta(self, title: str, description: str, path: str, **extra: Any) -> dict[str, Any]:
        return {
            "title": title,
            "description": description[:300],
            "path": path,
            "canonical": self.base + path,
            "og_type": extra.pop("og_type", "website"),
            "image": extra.pop("image", None),
            "noindex": extra.pop("noindex", False),
            **extra,
        }

    def latest(self, slugs: list[str]) -> str | None:
        stamps = [self.lastmods[s] for s in slugs if s in self.lastmods]
        return max(stamps) if stamps else None

    def pages(self) -> list[Page]:
        known = self.unchanged_product_keys()
        pages = [self.product_page(p, known.get(p["slug"])) for p in self.products]
        self.lastmods = {
            p["slug"]: page.lastmod for p, page in zip(self.products, pages, strict=True)
        }
        all_slugs = [p["slug"] for p in self.products]
        pages += self.catalog_pages(all_slugs)
        pages += self.brand_pages()
        pages += self.note_pages()
        pages.append(self.home(all_slugs))
        pages += self.set_pages()
        pages += self.shop_pages()
        pages.append(self.search_index())
        return pages
