"""Pages for the owner's curated sets."""

from __future__ import annotations

import json
from typing import Any

from decant.inventory.stock_label import LOW_STOCK_UNITS
from decant.site.pages import Page


class SetPages:
    """The owner's curated sets."""

    def curated_card(self, found: dict[str, Any]) -> dict[str, Any]:
        """A curated set as its page and the home page show it; `cart` is the line the
        storefront script puts in the cart (priced again by the server)."""
        items = [
            {
                "slug": i["slug"],
                "name": i["name"],
                "brand": i["brand"],
                "size_ml": i["size_ml"],
                "price": self.money(i["price_cents"]) if i["price_cents"] else None,
                "url": f"/products/{i['slug']}/",
                "image": self.images[i["slug"]]["small"] if i["slug"] in self.images else None,
            }
            for i in found["items"]
        ]
        cart = {"set": found["slug"], "name": found["name"], "price_cents": found["price_cents"]}
        return {
            "slug": found["slug"],
            "name": found["name"],
            "description": found["description"],
            "url": f"/sets/{found['slug']}/",
            "price": self.money(found["price_cents"]),
            "shelf_price": self.money(found["shelf_price_cents"]),
            "saving": self.money(found["shelf_price_cents"] - found["price_cents"]),
            "in_stock": found["available"] > 0,
            # The static page says in or out of stock; the live script may say "Only N
            # left" (a count here would rewrite the set's page on every sale).
            "low_stock_units": LOW_STOCK_UNITS,
            "samples": items,
            "cart_json": json.dumps(cart, sort_keys=True, separators=(",", ":")),
        }

    def set_pages(self) -> list[Page]:
        """One page per active curated set, at /sets/<slug>/."""
        pages = []
        for found in self.site.curated:
            card = self.curated_card(found)
            description = found["description"] or (
                f"{len(card['samples'])} samples for {card['price']}: "
                + ", ".join(i["name"] for i in card["samples"])
            )
            pages.append(
                Page(
                    f"sets/{found['slug']}/index.html",
                    "set.html",
                    {
                        "meta": self.meta(
                            f"{found['name']} — discovery set", description, card["url"]
                        ),
                        "page_kind": "set",
                        "set": card,
                    },
                    f"set {found['slug']!r}",
                    lastmod=self.latest([i["slug"] for i in found["items"]]),
                )
            )
        return pages
