"""The home page, the paginated catalog and the shop's own pages."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from typing import Any

from decant.site.pages import Page, slugify
from decant.site.snapshot import iso

CATALOG_PAGE_SIZE = 48


class CatalogPages:
    """The home page, the paginated catalog and the shop's own pages."""

    def home(self, all_slugs: list[str]) -> Page:
        newest_slugs = self.shape.get("newest")
        if newest_slugs is None:
            ordered = sorted(self.products, key=lambda p: (p["created_at"], p["id"]), reverse=True)
            newest_slugs = self.shape["newest"] = [p["slug"] for p in ordered[:8]]
        active = set(self.cards)
        best = [self.cards[slug] for slug in self.site.popular if slug in active]
        accords: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in self.products:
            if p["in_stock"]:
                for accord in p["accords"]:
                    accords[accord].append(p)
        sets = []
        for accord, members in sorted(accords.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:3]:
            if len(members) < 5:
                continue
            items = []
            for p in members[:5]:
                size = next(s for s in p["sizes"] if s["available"] > 0)
                items.append(
                    {
                        "slug": p["slug"],
                        "name": p["name"],
                        "brand": p["brand"],
                        "size_ml": size["size_ml"],
                        "price_cents": size["price_cents"],
                    }
                )
            total = sum(i["price_cents"] for i in items)
            sets.append(
                {
                    "title": f"{accord.title()} discovery set",
                    "accord_slug": slugify(accord),
                    "samples": items,
                    "total": self.money(total),
                    "items_json": json.dumps(items, sort_keys=True, separators=(",", ":")),
                }
            )
        context = {
            "meta": self.meta(
                "Decant — perfume samples, filled by hand",
                "Try a fragrance for days, not seconds: 1 to 10 ml decants from full bottles.",
                "/",
            ),
            "page_kind": "home",
            "new_arrivals": [self.cards[slug] for slug in newest_slugs],
            "best_sellers": best,
            "discovery_sets": sets,
            "curated_sets": [self.curated_card(s) for s in self.site.curated],
        }
        return Page("index.html", "home.html", context, "home page", lastmod=self.latest(all_slugs))

    def catalog_pages(self, all_slugs: list[str]) -> list[Page]:
        count = max(1, -(-len(self.products) // CATALOG_PAGE_SIZE))
        facets = self.shape.get("facets")
        if facets is None:
            facets = self.shape["facets"] = self.facets()
        return self.catalog_page_list(count, facets)

    def facets(self) -> dict[str, Any]:
        return {
            "brands": sorted({(p["brand_slug"], p["brand"]) for p in self.products}),
            "genders": sorted({p["gender"] for p in self.products}),
            "notes": sorted(
                {
                    slugify(n): n
                    for p in self.products
                    for n in p["top_notes"] + p["heart_notes"] + p["base_notes"]
                }.items()
            ),
            "accords": sorted({slugify(a): a for p in self.products for a in p["accords"]}.items()),
            "concentrations": sorted({p["concentration"] for p in self.products}),
            "sizes": sorted({s["size_ml"] for p in self.products for s in p["sizes"]}),
        }

    def catalog_page(
        self, number: int, count: int, slugs: list[str], facets: dict[str, Any]
    ) -> Page:
        path = "/catalog/" if number == 1 else f"/catalog/page/{number}/"
        title = "All fragrances" if number == 1 else f"All fragrances, page {number}"
        context = {
            "meta": self.meta(title, "Every fragrance we decant, with filters.", path),
            "page_kind": "catalog",
            "cards": [self.cards[slug] for slug in slugs],
            "total": len(self.products),
            "facets": facets,
            "page_number": number,
            "page_count": count,
        }
        return Page(
            path.lstrip("/") + "index.html",
            "catalog.html",
            context,
            f"catalog page {number}",
            lastmod=self.latest(slugs),
        )

    def catalog_page_list(self, count: int, facets: dict[str, Any]) -> list[Page]:
        pages = []
        for number in range(1, count + 1):
            members = self.products[(number - 1) * CATALOG_PAGE_SIZE : number * CATALOG_PAGE_SIZE]
            slugs = [p["slug"] for p in members]
            pages.append(
                self.grid_page(
                    "catalog",
                    str(number),
                    slugs,
                    functools.partial(self.catalog_page, number, count, slugs, facets),
                )
            )
        # The JSON index changes with any price or stock, so it is serialized in every
        # build: each entry's text is kept in the snapshot and reused while its product
        # row (the very object the snapshot gave back), image and currency are the same.
        # json.dumps of the whole object is "{"products":[" + entries joined by "," + "]}".
        memo = self.memory
        kept: dict[str, str] = {}
        before: dict[str, dict[str, Any]] = {}
        if memo is not None and memo.index_currency == self.currency:
            kept = memo.index
            before = {p["slug"]: p for p in memo.products}
        entries = self.index_entries
        for p in self.products:
            slug = p["slug"]
            text = kept.get(slug)
            if (
                text is None
                or before.get(slug) is not p
                or self.images.get(slug) != memo.images.get(slug)  # type: ignore[union-attr]
            ):
                entry = {
                    "slug": p["slug"],
                    "name": p["name"],
                    "brand": p["brand"],
                    "brand_slug": p["brand_slug"],
                    "gender": p["gender"],
                    "concentration": p["concentration"],
                    "notes": sorted(
                        {slugify(n) for n in p["top_notes"] + p["heart_notes"] + p["base_notes"]}
                    ),
                    "accords": sorted({slugify(a) for a in p["accords"]}),
                    "sizes": [s["size_ml"] for s in p["sizes"]],
                    "price_cents": p["min_price_cents"],
                    "price": self.cards[p["slug"]]["from_price"],
                    "in_stock": p["in_stock"],
                    "created": iso(p["created_at"]),
                    "image": self.cards[p["slug"]]["image"],
                }
                text = json.dumps(entry, sort_keys=True, separators=(",", ":"))
            entries[slug] = text
        index_json = '{"products":[' + ",".join(entries[p["slug"]] for p in self.products) + "]}"
        pages.append(
            Page(
                "catalog/index.json",
                "",
                {"products": index_json},
                "catalog index",
                sitemap=False,
                data=index_json.encode(),
            )
        )
        return pages

    def shop_pages(self) -> list[Page]:
        plain = [
            ("cart/index.html", "cart.html", "Your cart", "/cart/", "cart"),
            ("checkout/index.html", "checkout.html", "Checkout", "/checkout/", "checkout"),
            (
                "checkout/confirmation/index.html",
                "confirmation.html",
                "Thank you for your order",
                "/checkout/confirmation/",
                "confirmation",
            ),
            ("track/index.html", "track.html", "Track your order", "/track/", "track"),
            ("404.html", "404.html", "Page not found", "/404.html", "not-found"),
            # filled by the functions' own pages (functions/web/storefront_pages.py)
            ("shell.html", "shell.html", "decant-shell-title", "/search", "shell"),
        ]
        return [
            Page(
                rel,
                template,
                {
                    "meta": self.meta(title, title, path, noindex=True),
                    "page_kind": kind,
                },
                f"{kind} page",
                sitemap=False,
            )
            for rel, template, title, path, kind in plain
        ]
