"""A page per brand and per note."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from decant.site.pages import Page


class BrandAndNotePages:
    """A page per brand and per note."""

    def brand_pages(self) -> list[Page]:
        members: dict[str, list[str]] = defaultdict(list)
        for p in self.products:
            members[p["brand_slug"]].append(p["slug"])
        live = [b for b in self.site.brands if members.get(b["slug"])]
        pages = [
            self.grid_page(
                "brand",
                # the brand's own row is read too: an edit of it is a page of its own
                repr(sorted(b.items())),
                members[b["slug"]],
                functools.partial(self.brand_page, b, members[b["slug"]]),
            )
            for b in live
        ]
        pages.append(
            Page(
                "brands/index.html",
                "brands.html",
                {
                    "meta": self.meta("Perfume houses", "Every house we decant.", "/brands/"),
                    "page_kind": "brands",
                    "brands": [
                        {"name": b["name"], "slug": b["slug"], "count": len(members[b["slug"]])}
                        for b in live
                    ],
                },
                "brand index",
            )
        )
        return pages

    def brand_page(self, b: dict[str, Any], slugs: list[str]) -> Page:
        return Page(
            f"brands/{b['slug']}/index.html",
            "brand.html",
            {
                "meta": self.meta(
                    f"{b['name']} — perfume samples",
                    b["description"] or f"Fragrances by {b['name']}, decanted into samples.",
                    f"/brands/{b['slug']}/",
                ),
                "page_kind": "brand",
                "brand": {
                    "name": b["name"],
                    "slug": b["slug"],
                    "country": b["country"],
                    "founded": b["founded"],
                    "description": b["description"],
                },
                "cards": [self.cards[s] for s in slugs],
            },
            f"brand {b['slug']!r}",
            lastmod=self.latest(slugs),
        )

    def note_pages(self) -> list[Page]:
        names = {n["slug"]: n["name"] for n in self.site.notes}
        pages = []
        for slug in sorted(self.by_note):
            name = names.get(slug, slug.replace("-", " ").title())
            pages.append(
                self.grid_page(
                    "note",
                    f"{slug}\n{name}",
                    self.by_note[slug],
                    functools.partial(self.note_page, slug, name),
                )
            )
        pages.append(
            Page(
                "notes/index.html",
                "notes.html",
                {
                    "meta": self.meta("Notes", "Find fragrances by note.", "/notes/"),
                    "page_kind": "notes",
                    "notes": [
                        {"slug": s, "name": names.get(s, s), "count": len(self.by_note[s])}
                        for s in sorted(self.by_note)
                    ],
                },
                "note index",
            )
        )
        return pages

    def note_page(self, slug: str, name: str) -> Page:
        return Page(
            f"notes/{slug}/index.html",
            "note.html",
            {
                "meta": self.meta(
                    f"Fragrances with {name}",
                    f"Perfume samples with a note of {name}.",
                    f"/notes/{slug}/",
                ),
                "page_kind": "note",
                "note": {"name": name, "slug": slug},
                "cards": [self.cards[s] for s in self.by_note[slug]],
            },
            f"note {slug!r}",
            lastmod=self.latest(self.by_note[slug]),
        )
