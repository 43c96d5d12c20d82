"""The catalog's search index (catalog/index.json), read by the catalog page's filters."""

from __future__ import annotations

import json

from decant.site.pages import Page


class FeedPages:
    """The catalog's search index (catalog/index.json)."""

    def search_index(self) -> Page:
        """search-index.json for the header's search box: per product its slug, name,
        house and notes only (houses and notes as positions in shared lists), so the
        file's bytes change only when a searchable field does, never with a price or
        stock. The browser folds case and accents as decant.catalog.search_text does.
        {"houses": [...], "notes": [...], "products": [[slug, name, house, [note, ...]]]}"""
        data = self.shape.get("search_index")
        if data is None:
            data = self.shape["search_index"] = self.search_index_data()
        return Page("search-index.json", "", None, "search index", sitemap=False, data=data)

    def search_index_data(self) -> bytes:
        houses = sorted({p["brand"] for p in self.products})
        notes = sorted(
            {n for p in self.products for n in p["top_notes"] + p["heart_notes"] + p["base_notes"]}
        )
        house_at = {h: i for i, h in enumerate(houses)}
        note_at = {n: i for i, n in enumerate(notes)}
        entries = [
            [
                p["slug"],
                p["name"],
                house_at[p["brand"]],
                sorted({note_at[n] for n in p["top_notes"] + p["heart_notes"] + p["base_notes"]}),
            ]
            for p in self.products
        ]
        return json.dumps(
            {"houses": houses, "notes": notes, "products": entries},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
