"""SitePlanner: the catalog -> every catalog Page. Each page kind is its own module
(product_pages, catalog_pages, set_pages, brand_and_note_pages, feeds), mixed in
here; which pages an edit rewrites is written down in rules.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
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

# What the catalog-wide derivations read of a product (besides its sizes' millilitres):
# name order, note lists and related products, facets, the search index, newest first.
SHAPE_FIELDS = (
    "slug",
    "name",
    "brand",
    "brand_slug",
    "top_notes",
    "heart_notes",
    "base_notes",
    "accords",
    "gender",
    "concentration",
    "created_at",
)


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
        # Catalog-wide derivations (name order, note lists, facets, the search index,
        # newest) made by the previous build and still true when no product came, went
        # or changed a field they read: reused as they are (see same_shape); filled in
        # as made. With them, planning follows the re-read products, not the catalog.
        same = self.same_shape()
        self.shape: dict[str, Any] = dict(memory.shape) if same else {}  # type: ignore[union-attr]
        fresh = site.fresh or []
        if same:
            # the previous build's lookups, copied (a C-level copy) with the re-read rows in
            by_slug = dict(self.shape["by_slug"])
            by_slug.update((p["slug"], p) for p in fresh)
            by_id = dict(self.shape["by_id"])
            by_id.update((p["id"], p) for p in fresh)
            self.products = [by_slug[slug] for slug in self.shape["order"]]
        else:
            self.products = sorted(site.products, key=lambda p: (p["name"].lower(), p["slug"]))
            by_slug = {p["slug"]: p for p in self.products}
            by_id = {p["id"]: p for p in self.products}
            self.shape["order"] = [p["slug"] for p in self.products]
        self.shape["by_slug"], self.shape["by_id"] = by_slug, by_id
        reuse = memory is not None and memory.cards and memory.index_currency == self.currency
        if same and reuse:
            # Only re-read products can have a new card; an equal one keeps the old
            # object (and so its digest, and every grid page holding it, as it was).
            self.cards = dict(memory.cards)  # type: ignore[union-attr]
            for p in fresh:
                card = self.card(p)
                if self.cards.get(p["slug"]) != card:
                    self.cards[p["slug"]] = card
        else:
            self.cards = self.reused_cards() if reuse else {}
            for p in self.products:
                if p["slug"] not in self.cards:
                    self.cards[p["slug"]] = self.card(p)
        # Slugs whose card or page data may have moved since the previous build (None:
        # no previous build to compare with): grid pages without one are kept as planned.
        self.dirty: set[str] | None = None
        if same and reuse:
            self.dirty = {p["slug"] for p in fresh}
        self.grid_pages: dict[tuple[str, str], Page] = {}
        if "by_note" in self.shape:
            self.by_note, self.position = self.shape["by_note"], self.shape["position"]
        else:
            self.by_note = defaultdict(list)
            for p in self.products:
                for slug in dict.fromkeys(
                    slugify(n) for n in p["top_notes"] + p["heart_notes"] + p["base_notes"]
                ):
                    self.by_note[slug].append(p["slug"])
            self.position = {
                note: {slug: i for i, slug in enumerate(slugs)}
                for note, slugs in self.by_note.items()
            }
            self.shape["by_note"], self.shape["position"] = self.by_note, self.position

    def same_shape(self) -> bool:
        """True when the previous build's catalog-wide derivations still hold: the
        same products, in the same name order, none of the re-read ones changed a
        field those derivations read (SHAPE_FIELDS). A price or stock edit keeps the
        shape; a rename, a new product or a note edit does not. Looks at the re-read
        products only."""
        memory, fresh = self.memory, self.site.fresh
        if memory is None or not memory.shape or fresh is None or not memory.shape.get("by_id"):
            return False
        before = memory.shape["by_id"]
        if len(before) != len(self.site.products):
            return False
        for p in fresh:
            old = before.get(p["id"])
            if old is None or any(old[f] != p[f] for f in SHAPE_FIELDS):
                return False
            if [s["size_ml"] for s in old["sizes"]] != [s["size_ml"] for s in p["sizes"]]:
                return False
        return True

    def reused_cards(self) -> dict[str, dict[str, Any]]:
        """The previous build's card of each product whose row (the very object the
        snapshot gave back) and image are the same: the same card, the same object, so
        the page keys' card digests are reused too."""
        memory = self.memory
        assert memory is not None
        before = {p["slug"]: p for p in memory.products}
        cards = {}
        for p in self.products:
            slug = p["slug"]
            card = memory.cards.get(slug)
            if (
                card is not None
                and before.get(slug) is p
                and self.images.get(slug) == memory.images.get(slug)
            ):
                cards[slug] = card
        return cards

    def grid_page(self, kind: str, name: str, members: list[str], make: Callable[[], Page]) -> Page:
        """A page listing the cards of `members`: the previous build's page (context,
        lastmod and key) when none of them is dirty and the shape held, else made."""
        kept = self.shape.get("grids", {}).get((kind, name)) if self.dirty is not None else None
        clean = kept is not None and self.dirty.isdisjoint(members)  # type: ignore[union-attr]
        page = kept if clean else make()
        self.grid_pages[(kind, name)] = page
        return page

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
        self.stamps = {
            p["slug"]: self.site.timestamps.get(p["id"], p["updated_at"]) for p in self.products
        }
        all_slugs = [p["slug"] for p in self.products]
        pages += self.catalog_pages(all_slugs)
        pages += self.brand_pages()
        pages += self.note_pages()
        pages.append(self.home(all_slugs))
        pages += self.set_pages()
        pages += self.shop_pages()
        pages.append(self.search_index())
        self.shape["grids"] = self.grid_pages
        return pages
