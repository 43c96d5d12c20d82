"""Product pages: one per product, keyed by exactly the data its template reads."""

from __future__ import annotations

import functools
import hashlib
import pickle
from typing import Any

from decant.inventory.stock_label import LOW_STOCK_UNITS, low_stock_units, stock_label
from decant.site.pages import Page, json_script, product_rel, slugify
from decant.site.snapshot import iso, note_arrays

# Everything product.html reads from a product row (besides sizes, image and related):
# the inputs of a product page's key. Not the same list as catalog_admin.FIELDS /
# catalog_csv.COLUMNS (what an owner may write): it has derived values (brand_slug,
# in_stock) and leaves out is_active; one changing must not change the other.
PRODUCT_PAGE_FIELDS = (
    "slug",
    "name",
    "brand",
    "brand_slug",
    "concentration",
    "gender",
    "description",
    "top_notes",
    "heart_notes",
    "base_notes",
    "accords",
    "launch_year",
    "perfumer",
    "in_stock",
)
RELATED_COUNT = 4


class ProductPages:
    """Product pages and what they read: related products, the stock label."""

    def related(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """Fragrances that share a note, nearest in name order: cheap and stable."""
        return [self.cards[s] for s in self.related_to(p)]

    def related_to(self, p: dict[str, Any]) -> list[str]:
        chosen: list[str] = []
        for note in dict.fromkeys(
            slugify(n) for n in p["heart_notes"] + p["top_notes"] + p["base_notes"]
        ):
            slugs = self.by_note[note]
            start = self.position[note][p["slug"]]
            for step in range(1, min(len(slugs), RELATED_COUNT + 1)):
                other = slugs[(start + step) % len(slugs)]
                if other != p["slug"] and other not in chosen:
                    chosen.append(other)
                if len(chosen) == RELATED_COUNT:
                    return chosen
        return chosen

    def unchanged_product_keys(self) -> dict[str, str]:
        """Product pages whose key the previous build computed from the very same inputs.

        A product page reads its own row, its image and the cards of its related
        fragrances. When no product came or went and no changed product moved in name
        order or changed its notes, every related list is what it was; then only the
        changed products and those whose related cards changed need their key again.
        Anything else (or no previous plan) returns {}: every key is computed."""
        memo = self.memory
        if memo is None:
            return {}
        before = {p["slug"]: p for p in memo.products}
        now = {p["slug"]: p for p in self.products}
        if before.keys() != now.keys():
            return {}
        # Rows the snapshot did not read again are the very objects the memory holds:
        # only the re-read ones are compared field by field.
        changed = [
            s
            for s, p in now.items()
            if (p is not before[s] and p != before[s]) or self.images.get(s) != memo.images.get(s)
        ]
        for s in changed:
            old, new = before[s], now[s]
            if old["name"] != new["name"] or note_arrays(old) != note_arrays(new):
                return {}
        moved = {s for s in changed if self.cards[s] != self.card(before[s], memo.images.get(s))}
        dirty = set(changed)
        for slug, related in memo.related.items():
            if moved.intersection(related):
                dirty.add(slug)
        keys = {}
        for slug in now:
            key = memo.keys.get(product_rel(slug))
            if slug not in dirty and key is not None and slug in memo.related:
                keys[slug] = key
        return keys

    def stock_label(self, product: dict[str, Any], available: int) -> str:
        return stock_label(available, low_stock_units(product["low_stock_alert"]))

    def notes_of(self, names: list[str]) -> list[dict[str, str]]:
        return [{"name": n, "slug": slugify(n)} for n in names]

    def product_page(self, p: dict[str, Any], key: str | None = None) -> Page:
        """The page with its key from the few values the template reads; the context
        itself (JSON-LD and all) is only made when the page has to be rendered. A key
        known from the previous build (see unchanged_product_keys) is taken as is."""
        stamp = self.site.timestamps.get(p["id"], p["updated_at"])
        rel = product_rel(p["slug"])
        if key is not None:
            assert self.memory is not None
            self.related_slugs[p["slug"]] = self.memory.related[p["slug"]]
            lastmod = self.memory.lastmods.get(p["slug"])
            if lastmod is None or self.memory.stamps.get(p["slug"]) != stamp:
                lastmod = iso(max(stamp, p["updated_at"]))
            return Page(
                rel,
                "product.html",
                None,
                f"product {p['slug']!r}",
                lastmod=lastmod,
                key=key,
                make=lambda: self.product_context(p, self.related(p)),
            )
        related_slugs = self.related_slugs[p["slug"]] = self.related_to(p)
        related = [self.cards[s] for s in related_slugs]
        image = self.image(p)
        inputs = (
            [p[k] for k in PRODUCT_PAGE_FIELDS],
            [
                (
                    s["size_ml"],
                    s["price_cents"],
                    s["available"] > 0,
                    self.stock_label(p, s["available"]),
                )
                for s in p["sizes"]
            ],
            image,
            related,
        )
        digest = hashlib.blake2b(pickle.dumps(("product.html", inputs), protocol=5), digest_size=16)
        return Page(
            rel,
            "product.html",
            None,
            f"product {p['slug']!r}",
            lastmod=iso(max(stamp, p["updated_at"])),
            key=digest.hexdigest(),
            make=functools.partial(self.product_context, p, related),
        )

    def product_context(self, p: dict[str, Any], related: list[dict[str, Any]]) -> dict[str, Any]:
        path = f"/products/{p['slug']}/"
        image = self.image(p)
        sizes = [
            {
                "size_ml": s["size_ml"],
                "label": f"{s['size_ml']} ml",
                "price_cents": s["price_cents"],
                "price": self.money(s["price_cents"]),
                "in_stock": s["available"] > 0,
                "stock": self.stock_label(p, s["available"]),
            }
            for s in p["sizes"]
        ]
        brand_slug = p["brand_slug"]
        crumbs = [
            {"name": "Home", "path": "/"},
            {"name": "Catalog", "path": "/catalog/"},
            {"name": p["brand"], "path": f"/brands/{brand_slug}/"},
            {"name": p["name"], "path": path},
        ]
        product_ld = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": p["name"],
            "sku": p["slug"],
            "url": self.base + path,
            "description": p["description"] or p["name"],
            "brand": {"@type": "Brand", "name": p["brand"]},
            "offers": [
                {
                    "@type": "Offer",
                    "name": s["label"],
                    "sku": f"{p['slug']}-{s['size_ml']}ml",
                    "price": f"{s['price_cents'] / 100:.2f}",
                    "priceCurrency": self.currency,
                    "availability": "https://schema.org/InStock"
                    if s["in_stock"]
                    else "https://schema.org/OutOfStock",
                    "url": self.base + path,
                }
                for s in sizes
            ],
        }
        if image:
            product_ld["image"] = self.base + image["large"]["src"]
        breadcrumb_ld = {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": i,
                    "name": c["name"],
                    "item": self.base + c["path"],
                }
                for i, c in enumerate(crumbs, start=1)
            ],
        }
        summary = (p["description"] or "").split("\n\n")[0]
        context = {
            "meta": self.meta(
                f"{p['name']} by {p['brand']} — samples",
                summary or f"{p['name']} by {p['brand']}, decanted in small sizes.",
                path,
                og_type="product",
                image=self.base + image["large"]["src"] if image else None,
            ),
            "page_kind": "product",
            "product": {
                "slug": p["slug"],
                "name": p["name"],
                "brand": p["brand"],
                "brand_slug": brand_slug,
                "concentration": p["concentration"],
                "gender": p["gender"],
                "paragraphs": [
                    x.strip() for x in (p["description"] or "").split("\n\n") if x.strip()
                ],
                "top_notes": self.notes_of(p["top_notes"]),
                "heart_notes": self.notes_of(p["heart_notes"]),
                "base_notes": self.notes_of(p["base_notes"]),
                "accords": self.notes_of(p["accords"]),
                "launch_year": p["launch_year"],
                "perfumer": p["perfumer"],
                "in_stock": p["in_stock"],
                # app.js applies the same rule to the live count and low_stock flag
                "low_stock_units": LOW_STOCK_UNITS,
                "sizes": sizes,
                "image": image,
            },
            "crumbs": crumbs,
            "related": related,
            "json_ld": [json_script(product_ld), json_script(breadcrumb_ld)],
        }
        return context
