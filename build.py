"""The build step: the catalog in PostgreSQL -> the static site shoppers see.

Pelican renders the editorial Markdown in content/ and the journal's Atom feed; the
plugin below (a Pelican generator) renders the catalog pages with the theme's
templates. Each build writes a fresh directory under public/builds/ and only when
everything succeeded is public/current swapped to it (rename of a symlink), so Nginx
never serves a half-built site.

Incremental: every catalog page's key is a hash of exactly the data its template
reads (plus the theme's fingerprint). A page whose key equals the one in the previous
build's manifest is not rendered at all but hard-linked from the previous build, so
its bytes, inode and timestamp stay. A page rendered again whose bytes came out the
same is linked too (its ETag does not move). `catalog_changes` says what is not yet
published; each build records the last change id it published in `build_runs`.

What keeps a one-product rebuild at 10,000 products near a second: the build keeps
the catalog rows it read beside its manifest (`<build>.catalog.pickle`) and the next
one re-reads only products whose row versions moved (decant.publishing.build_queue.catalog_fingerprints);
product pages whose inputs provably did not change keep their key without being
planned again (SitePlanner.unchanged_product_keys); product pages are flat files
(products/<slug>.html, served at /products/<slug>/), so carrying them over is two
hard links each and no directory per product; those 20,000 links are made by one
`cp -lR` of the previous products/ directory, started before the catalog is read, on
the other core (Output.prelink_start); the catalog index keeps each product's JSON
entry in the snapshot and re-serializes only the changed products' entries.

Run as `decant build [--full]` or `python build.py [--full]`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import gzip
import hashlib
import importlib
import io
import json
import logging
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import brotli
import click
import rcssmin
import rjsmin
from jinja2 import Environment, FileSystemBytecodeCache, StrictUndefined, pass_environment
from markupsafe import Markup
from pelican import Pelican, signals
from pelican.generators import Generator
from pelican.settings import read_settings

from decant.catalog import curated_sets, media_store, reading
from decant.catalog.product_images import ImageCache, ImageError
from decant.platform import db, migrations
from decant.platform.config import Settings, load_settings
from decant.publishing import build_queue

ROOT = Path(__file__).resolve().parent
THEME_DIR = ROOT / "theme"
CONTENT_DIR = ROOT / "content"
BUILD_FORMAT = "4"  # bump when this file changes what it writes, to re-render everything
KEEP_BUILDS = 5
SNAPSHOT_SUFFIX = ".catalog.pickle"  # beside <build>.json: the catalog that build read
MAX_PENDING_WRITES = 256
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
CATALOG_PAGE_SIZE = 48
RELATED_COUNT = 4
LOW_STOCK_UNITS = 5
GZIP_LEVEL = 6  # for ~8 KB pages levels 1-9 cost about the same; 6 is nginx's usual
GZIP_SUFFIXES = (".html", ".css", ".js", ".json", ".xml", ".svg")
# Brotli beside each .gz (Nginx's brotli_static where the module is loaded). Quality 5
# costs about what gzip 6 does per page (measured: 9 is ~20x, 11 ~80x slower, which a
# 10,000-page full build cannot afford) and is still a few percent smaller than the .gz.
BROTLI_QUALITY = 5
PRECOMPRESSED = (".gz", ".br")
NOINDEX = ("cart/", "checkout/", "checkout/confirmation/", "track/")
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
SLUG = re.compile(r"[^a-z0-9]+")

log = logging.getLogger("decant.build")


class BuildFailed(click.ClickException):
    """The build stopped; the live site is the one it was. The message says what failed."""


@functools.lru_cache(maxsize=4096)
def slugify(value: str) -> str:
    """The same slug the database's decant_slug() makes."""
    return SLUG.sub("-", value.lower()).strip("-")


def money(cents: int, currency: str) -> str:
    amount = f"{cents / 100:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def json_script(data: Any) -> Markup:
    """JSON safe to put inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)  # noqa: S704 - every character that could end the script is escaped


def card_renderer() -> Callable[..., Markup]:
    """The `card_html(card, heading)` template global: each product card is rendered
    by the `card` macro once per build and heading, then reused on every grid it
    appears in (note, brand and catalog pages, "sharing its notes") — the same bytes,
    ~100,000 fewer macro calls at 10,000 products. A planner makes one card per slug."""
    cache: dict[tuple[str, str], Markup] = {}

    @pass_environment
    def card_html(env: Environment, card: dict[str, Any], heading: str = "h3") -> Markup:
        key = (card["slug"], heading)
        html = cache.get(key)
        if html is None:
            html = cache[key] = env.get_template("_cards.html").module.card(card, heading)
        return html

    return card_html


# --------------------------------------------------------------------------- assets


@dataclass(frozen=True)
class Asset:
    url: str
    rel: str
    data: bytes


def theme_assets(theme_dir: Path) -> dict[str, Asset]:
    """app.css / app.js minified, named by their content hash so Nginx caches them a year."""
    assets: dict[str, Asset] = {}
    for source in sorted((theme_dir / "static").iterdir()):
        text = source.read_text(encoding="utf-8")
        if source.suffix == ".css":
            data = rcssmin.cssmin(text).encode()
        elif source.suffix == ".js":
            data = rjsmin.jsmin(text).encode()
        else:
            data = text.encode()
        digest = hashlib.sha256(data).hexdigest()[:10]
        rel = f"assets/{source.stem}.{digest}{source.suffix}"
        assets[source.name] = Asset(url="/" + rel, rel=rel, data=data)
    return assets


def theme_fingerprint(theme_dir: Path, assets: dict[str, Asset], settings: Settings) -> str:
    digest = hashlib.sha256(BUILD_FORMAT.encode())
    for path in sorted((theme_dir / "templates").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    for name in sorted(assets):
        digest.update(assets[name].url.encode())
    digest.update(f"{settings.base_url}|{settings.currency}".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- data -> pages


def product_rel(slug: str) -> str:
    """Where a product page lives on disk: products/<slug>.html, served at
    /products/<slug>/ (Nginx rewrites it, `decant serve` and S3 publishing map it).
    A flat file, not products/<slug>/index.html: no directory per product to create
    in every build, which is most of a one-product rebuild at 10,000 products."""
    return f"products/{slug}.html"


PRODUCT_FILE = re.compile(r"^products/([^/]+)\.html$")


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


@dataclass
class Site:
    products: list[dict[str, Any]]
    popular: list[str]
    brands: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    timestamps: dict[int, datetime]
    last_change_id: int
    fingerprints: dict[int, str]
    curated: list[dict[str, Any]] = field(default_factory=list)  # the owner's active sets


@dataclass
class CatalogSnapshot:
    """What a build read from the catalog, kept beside its manifest so the next
    incremental build re-reads only the products whose rows changed since."""

    version: str
    products: list[dict[str, Any]]
    fingerprints: dict[int, str]
    notes: list[dict[str, Any]]
    images: dict[str, Any] = field(default_factory=dict)
    related: dict[str, list[str]] = field(default_factory=dict)
    index: dict[str, str] = field(default_factory=dict)  # catalog/index.json entries
    index_currency: str = ""


@dataclass
class PlanMemory:
    """The previous build's plan inputs the planner may reuse: its catalog rows,
    image variants, related lists, and page keys (from its manifest)."""

    products: list[dict[str, Any]]
    images: dict[str, Any]
    related: dict[str, list[str]]
    keys: dict[str, str]
    index: dict[str, str] = field(default_factory=dict)
    index_currency: str = ""


def snapshot_version() -> str:
    """Snapshots are only reused by the same build code reading with the same query."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for module in (reading, build_queue):  # the rows' shape and their fingerprint
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def read_site(url: str, previous: CatalogSnapshot | None = None) -> Site:
    """One consistent snapshot of the catalog (REPEATABLE READ), with the change id it
    includes. With the previous build's snapshot, only changed products are read."""
    with db.connection(url) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        last_change_id = build_queue.last_change_id(conn)
        marks = build_queue.catalog_fingerprints(conn)
        fingerprints = {pid: mark[0] for pid, mark in marks.items()}
        if previous is None or previous.version != snapshot_version():
            products, _ = reading.list_products(conn, reading.ProductFilters(per_page=10**9))
            notes = reading.notes(conn)
        else:
            before = {p["id"]: p for p in previous.products}
            kept = [
                p
                for pid, p in before.items()
                if previous.fingerprints[pid] == fingerprints.get(pid)
            ]
            fresh = build_queue.products_by_id(
                conn,
                [
                    pid
                    for pid in marks
                    if pid not in before or previous.fingerprints[pid] != fingerprints[pid]
                ],
            )
            products = kept + fresh
            # The notes list is made from active products' note arrays alone.
            same_notes = len(products) == len(before) and all(
                p["id"] in before and note_arrays(before[p["id"]]) == note_arrays(p) for p in fresh
            )
            notes = previous.notes if same_notes else reading.notes(conn)
        popular = build_queue.best_sellers(conn, limit=8)
        return Site(
            products=products,
            popular=popular,
            brands=reading.brands(conn),
            notes=notes,
            timestamps={pid: mark[1] for pid, mark in marks.items()},
            last_change_id=last_change_id,
            fingerprints=fingerprints,
            curated=curated_sets.list_sets(conn),
        )


def note_arrays(product: dict[str, Any]) -> tuple[list[str], ...]:
    return product["top_notes"], product["heart_notes"], product["base_notes"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class SitePlanner:
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
        return money(cents, self.currency)

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
        changed = [
            s for s, p in now.items() if p != before[s] or self.images.get(s) != memo.images.get(s)
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
        if available <= 0:
            return "Sold out"
        if product["low_stock_alert"] and available <= LOW_STOCK_UNITS:
            return f"Only {available} left"
        return "In stock"

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
            return Page(
                rel,
                "product.html",
                None,
                f"product {p['slug']!r}",
                lastmod=iso(max(stamp, p["updated_at"])),
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
                "sizes": sizes,
                "image": image,
            },
            "crumbs": crumbs,
            "related": related,
            "json_ld": [json_script(product_ld), json_script(breadcrumb_ld)],
        }
        return context

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

    def search_index(self) -> Page:
        """search-index.json for the header's search box: per product its slug, name,
        house and notes only (houses and notes as positions in shared lists), so the
        file's bytes change only when a searchable field does, never with a price or
        stock. The browser folds case and accents as decant.catalog.search_text does.
        {"houses": [...], "notes": [...], "products": [[slug, name, house, [note, ...]]]}"""
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
        data = json.dumps(
            {"houses": houses, "notes": notes, "products": entries},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        return Page("search-index.json", "", None, "search index", sitemap=False, data=data)

    def home(self, all_slugs: list[str]) -> Page:
        newest = sorted(self.products, key=lambda p: (p["created_at"], p["id"]), reverse=True)[:8]
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
            "new_arrivals": [self.cards[p["slug"]] for p in newest],
            "best_sellers": best,
            "discovery_sets": sets,
            "curated_sets": [self.curated_card(s) for s in self.site.curated],
        }
        return Page("index.html", "home.html", context, "home page", lastmod=self.latest(all_slugs))

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

    def catalog_pages(self, all_slugs: list[str]) -> list[Page]:
        count = max(1, -(-len(self.products) // CATALOG_PAGE_SIZE))
        facets = {
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
        pages = []
        for number in range(1, count + 1):
            members = self.products[(number - 1) * CATALOG_PAGE_SIZE : number * CATALOG_PAGE_SIZE]
            path = "/catalog/" if number == 1 else f"/catalog/page/{number}/"
            title = "All fragrances" if number == 1 else f"All fragrances, page {number}"
            context = {
                "meta": self.meta(title, "Every fragrance we decant, with filters.", path),
                "page_kind": "catalog",
                "cards": [self.cards[p["slug"]] for p in members],
                "total": len(self.products),
                "facets": facets,
                "page_number": number,
                "page_count": count,
            }
            pages.append(
                Page(
                    path.lstrip("/") + "index.html",
                    "catalog.html",
                    context,
                    f"catalog page {number}",
                    lastmod=self.latest([p["slug"] for p in members]),
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

    def brand_pages(self) -> list[Page]:
        members: dict[str, list[str]] = defaultdict(list)
        for p in self.products:
            members[p["brand_slug"]].append(p["slug"])
        live = [b for b in self.site.brands if members.get(b["slug"])]
        pages = [
            Page(
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
                    "cards": [self.cards[s] for s in members[b["slug"]]],
                },
                f"brand {b['slug']!r}",
                lastmod=self.latest(members[b["slug"]]),
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

    def note_pages(self) -> list[Page]:
        names = {n["slug"]: n["name"] for n in self.site.notes}
        pages = []
        for slug in sorted(self.by_note):
            name = names.get(slug, slug.replace("-", " ").title())
            pages.append(
                Page(
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


# --------------------------------------------------------------------------- writing


@dataclass
class Carrying:
    """Links under way (Output.carry_start) until Output.carry_finish."""

    rels: list[str]
    futures: list[Future[list[str]]]
    missing: list[str] = field(default_factory=list)


@dataclass
class Output:
    """Writes files into the new build, carrying over what did not change."""

    new_dir: Path
    prev_dir: Path | None
    written: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)
    _dirs: set[str] = field(default_factory=set)
    # Writing and gzipping overlap the rendering: zlib and file I/O release the GIL.
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=3))
    _pending: deque[Future[None]] = field(default_factory=deque)
    # Files a `cp -l` of a whole directory put in the new build before the plan was
    # known (see prelink_start): carried without a link of their own, replaced when
    # rendered again.
    _prelinked: set[str] = field(default_factory=set)
    _prelinking: subprocess.Popen[bytes] | None = None

    def _prev(self, rel: str) -> Path | None:
        if self.prev_dir is None:
            return None
        path = self.prev_dir / rel
        return path if path.is_file() else None

    def _mkdir(self, target: Path) -> None:
        self._mkdir_rel(os.path.dirname(target.relative_to(self.new_dir).as_posix()))

    def _mkdir_rel(self, parent: str) -> None:
        """The directory rel's file goes in: one mkdir per directory per build."""
        if not parent or parent in self._dirs:
            return
        try:
            os.mkdir(os.path.join(self.new_dir, parent))
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(os.path.join(self.new_dir, parent), exist_ok=True)
        self._dirs.add(parent)

    def carry(self, rel: str) -> bool:
        """Hard-link rel (and its .gz) from the previous build; False when it is not there."""
        if self.prev_dir is None:
            return False
        if self._link(str(self.prev_dir), str(self.new_dir), rel):
            self.unchanged += 1
            self.files.append(rel)
            return True
        return False

    def prelink_start(self, parent: str) -> None:
        """Hard-link every file of the previous build's directory `parent` into the new
        build by one `cp -lR`, started before the catalog is even read: the 20,000
        links of the product pages are most of a one-product rebuild's system time, and
        a separate process makes them on the other core with no GIL between them and
        the planning. prelink_finish() then removes what this build does not carry."""
        if self.prev_dir is None or not (self.prev_dir / parent).is_dir():
            return
        self._mkdir_rel(parent)
        with contextlib.suppress(OSError):  # no cp: prelink_finish finds nothing to keep
            self._prelinking = subprocess.Popen(  # noqa: S603 - fixed argv, paths made by the build
                ["cp", "-lR", "--", f"{self.prev_dir}/{parent}/.", f"{self.new_dir}/{parent}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def prelink_finish(self, parent: str, keep: set[str]) -> None:
        """Wait for prelink_start's copy; of what it linked, keep only the files in
        `keep` (rels, each with its .gz), so the directory holds no page this build
        does not have. Prelinked files count as carried only when carry() says so."""
        proc, self._prelinking = self._prelinking, None
        if proc is None:
            return
        if proc.wait() != 0:  # anything half-linked goes; files are linked one by one
            for name in os.listdir(self.new_dir / parent):
                os.unlink(os.path.join(self.new_dir, parent, name))
            return
        for name in os.listdir(self.new_dir / parent):
            rel = f"{parent}/{name}"
            if rel in keep or (rel.endswith(PRECOMPRESSED) and rel[:-3] in keep):
                self._prelinked.add(rel)
            else:
                os.unlink(os.path.join(self.new_dir, parent, name))

    def carry_start(self, rels: list[str]) -> Carrying:
        """carry() for many files at once, on the writer threads, while the caller
        goes on: a one-product build is mostly 20,000 links, which release the GIL."""
        if self.prev_dir is None:
            return Carrying(list(rels), [], missing=list(rels))
        prev, new = str(self.prev_dir), str(self.new_dir)
        all_rels, missing = list(rels), []
        if self._prelinked:  # already there: only a missing .gz/.br is made
            missing = [r for r in rels if r in self._prelinked and not self._link(prev, new, r)]
            rels = [r for r in rels if r not in self._prelinked]
        # Directories many of these files share ("products/") first: no race on them.
        for parent in {os.path.dirname(rel) for rel in rels if rel.count("/") == 1}:
            self._mkdir_rel(parent)

        def chunk(part: list[str]) -> list[str]:
            return [rel for rel in part if not self._link(prev, new, rel)]

        size = max(256, len(rels) // 8)
        futures = [self._pool.submit(chunk, rels[i : i + size]) for i in range(0, len(rels), size)]
        return Carrying(all_rels, futures, missing=missing)

    def carry_finish(self, carrying: Carrying) -> list[str]:
        """Wait for carry_start's links; returns the rels the previous build did not
        have (to be rendered instead)."""
        missing = carrying.missing + [rel for f in carrying.futures for rel in f.result()]
        lost = set(missing)
        carried = [rel for rel in carrying.rels if rel not in lost]
        self.unchanged += len(carried)
        self.files.extend(carried)
        return missing

    def _link(self, prev: str, new: str, rel: str) -> bool:
        target = f"{new}/{rel}"
        if rel in self._prelinked:
            if rel.endswith(GZIP_SUFFIXES) and not all(
                rel + suffix in self._prelinked for suffix in PRECOMPRESSED
            ):
                self._precompress(Path(target), Path(target).read_bytes())
            return True
        self._mkdir_rel(os.path.dirname(rel))
        try:
            os.link(f"{prev}/{rel}", target)
        except FileNotFoundError:
            return False
        if rel.endswith(GZIP_SUFFIXES):
            try:
                for suffix in PRECOMPRESSED:
                    os.link(f"{prev}/{rel}{suffix}", target + suffix)
            except FileNotFoundError:  # an older build without it: both made afresh
                self._precompress(Path(target), Path(target).read_bytes())
        return True

    def write(self, rel: str, data: bytes) -> None:
        prev = self._prev(rel)
        if prev is not None and prev.stat().st_size == len(data) and prev.read_bytes() == data:
            self.carry(rel)
            return
        target = self.new_dir / rel
        self._mkdir(target)
        if rel in self._prelinked:
            # A link to the previous build's inode: replaced, never written through.
            self._prelinked.discard(rel)
            target.unlink()
            for suffix in PRECOMPRESSED:
                self._prelinked.discard(rel + suffix)
                target.with_name(target.name + suffix).unlink(missing_ok=True)
        self._pending.append(
            self._pool.submit(self._store, target, data, rel.endswith(GZIP_SUFFIXES))
        )
        while len(self._pending) > MAX_PENDING_WRITES:  # bounded memory
            self._pending.popleft().result()
        self.written += 1
        self.files.append(rel)

    @classmethod
    def _store(cls, target: Path, data: bytes, gz: bool) -> None:
        target.write_bytes(data)
        if gz:
            cls._precompress(target, data)

    def submit(self, job: Callable[[], None]) -> None:
        """Run job on a writer thread; finish() waits for it and raises its error."""
        self._pending.append(self._pool.submit(job))

    def finish(self) -> None:
        """Wait for every write; the first that failed raises here."""
        if self._prelinking is not None:  # a build that failed before its plan was made
            self._prelinking.kill()
            self._prelinking.wait()
            self._prelinking = None
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def adopt(self, path: Path) -> None:
        """A file Pelican wrote: keep the previous copy when the bytes are the same."""
        rel = path.relative_to(self.new_dir).as_posix()
        data = path.read_bytes()
        path.unlink()
        self.write(rel, data)

    def link_file(self, rel: str, source: Path) -> None:
        """A file made elsewhere (an image variant in the cache): linked, never copied twice."""
        prev = self._prev(rel)
        if prev is not None:
            self.carry(rel)
            return
        target = self.new_dir / rel
        self._mkdir(target)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        self.written += 1
        self.files.append(rel)

    @staticmethod
    def _precompress(target: Path, data: bytes) -> None:
        """The .gz and .br Nginx serves in place of the file (gzip_static, brotli_static)."""
        target.with_name(target.name + ".gz").write_bytes(
            gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        )
        target.with_name(target.name + ".br").write_bytes(
            brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
        )


# --------------------------------------------------------------------------- the plugin

_active: Build | None = None  # the build Pelican is running; set around Pelican.run()


class CatalogGenerator(Generator):
    """Pelican generator for every page made from the catalog."""

    def generate_context(self) -> None:
        """The catalog was read before Pelican started, in one snapshot."""

    def generate_output(self, writer: Any) -> None:
        assert _active is not None, "the catalog generator runs only inside build.main"
        _active.render_catalog(self)


def _generators(pelican_object: Any) -> type[Generator]:
    return CatalogGenerator


def _written(path: str, context: Any = None) -> None:
    if _active is not None:
        _active.pelican_written.append(Path(path))


def register() -> None:
    signals.get_generators.connect(_generators)
    signals.content_written.connect(_written)


# --------------------------------------------------------------------------- the build


class Stopwatch:
    """Seconds per stage of a build, in the result, so a slow build says where."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = round(now - self._last, 3)
        self._last = now


class Build:
    def __init__(self, settings: Settings, *, full: bool, build_id: str) -> None:
        self.settings = settings
        self.full = full
        self.public = settings.public_dir.resolve()
        self.builds_dir = self.public / "builds"
        self.builds_dir.mkdir(parents=True, exist_ok=True)
        self.build_id = build_id
        self.new_dir = self.builds_dir / build_id
        self.new_dir.mkdir()
        self.prev_dir = build_queue.live_build(settings)
        self.prev_manifest = self._read_manifest(self.prev_dir)
        self.output = Output(self.new_dir, self.prev_dir)
        self.manifest: dict[str, str] = {}
        self.pelican_written: list[Path] = []
        self.pages: list[Page] = []
        self.site: Site | None = None
        self.stages: dict[str, float] = {}
        self._card_digests: dict[str, bytes] = {}  # one card per slug per build
        self.early: dict[str, Page] = {}  # pages carried over from the start
        self.carrying: Carrying | None = None

    @staticmethod
    def _read_manifest(prev_dir: Path | None) -> dict[str, Any]:
        if prev_dir is None:
            return {}
        try:
            return json.loads(prev_dir.with_name(prev_dir.name + ".json").read_text())
        except (OSError, ValueError):
            return {}

    def _read_snapshot(self) -> CatalogSnapshot | None:
        if self.full or self.prev_dir is None:
            return None
        try:
            with open(self.prev_dir.with_name(self.prev_dir.name + SNAPSHOT_SUFFIX), "rb") as f:
                snapshot = pickle.load(f)  # noqa: S301 - written by the build itself, beside its manifest
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
        return snapshot if isinstance(snapshot, CatalogSnapshot) else None

    def _write_snapshot(self) -> None:
        assert self.site is not None
        snapshot = CatalogSnapshot(
            version=snapshot_version(),
            products=self.site.products,
            fingerprints=self.site.fingerprints,
            notes=self.site.notes,
            images=self.images,
            related=self.related,
            index=self.index_entries,
            index_currency=self.settings.currency,
        )
        target = self.new_dir.with_name(self.build_id + SNAPSHOT_SUFFIX)
        target.write_bytes(pickle.dumps(snapshot, protocol=5))

    def run(self) -> None:
        clock = Stopwatch()
        self.assets = theme_assets(THEME_DIR)
        self.fingerprint = theme_fingerprint(THEME_DIR, self.assets, self.settings)
        if not self.full and self.prev_manifest.get("fingerprint") == self.fingerprint:
            # Most product pages will be carried over: their links start now.
            self.output.prelink_start("products")
        previous = self._read_snapshot()
        clock.lap("snapshot read")
        self.site = read_site(replica_url(self.settings), previous)
        clock.lap("catalog read")
        images = self.product_images()
        memory = None
        if previous is not None and previous.version == snapshot_version():
            memory = PlanMemory(
                products=previous.products,
                images=previous.images,
                related=previous.related,
                keys=self.prev_manifest.get("pages", {}),
                index=previous.index,
                index_currency=previous.index_currency,
            )
        planner = SitePlanner(self.site, self.settings, images, memory)
        self.pages = planner.pages()
        self.images, self.related = images, planner.related_slugs
        self.index_entries = planner.index_entries
        self.output.prelink_finish(
            "products", {p.rel for p in self.pages if p.rel.startswith("products/")}
        )
        self.start_carrying()
        # Saved on a writer thread while Pelican runs; output.finish() waits for it.
        self.output.submit(self._write_snapshot)
        clock.lap("plan")
        for asset in self.assets.values():
            self.output.write(asset.rel, asset.data)
        self.run_pelican(clock)
        self.write_sitemap()
        self.output.write("robots.txt", self.robots().encode())
        self.output.finish()
        clock.lap("sitemap and writes")
        manifest = {"fingerprint": self.fingerprint, "pages": self.manifest}
        self.new_dir.with_name(self.build_id + ".json").write_text(
            json.dumps(manifest, sort_keys=True)
        )
        clock.lap("manifest")
        self.stages = clock.laps
        # One line per build in the worker's log: bench/publish.py reads it.
        log.info("build stages: %s", json.dumps(clock.laps))

    def product_images(self) -> dict[str, dict[str, Any]]:
        assert self.site is not None
        cache = ImageCache(self.settings.data_dir / "image-cache")
        found: dict[str, dict[str, Any]] = {}
        for p in self.site.products:
            if not p["images"]:
                continue
            # Fetched from the bucket first when another host stored the upload.
            source = media_store.local_path(self.settings, p["images"][0])
            try:
                variants = cache.variants(source, p["slug"])
            except ImageError as exc:
                raise BuildFailed(
                    f"product {p['slug']!r} failed: image {p['images'][0]}: {exc}"
                ) from None
            entries = []
            for v in variants:
                rel = f"media/products/{v.name}"
                self.output.link_file(rel, v.path)
                entries.append({"src": "/" + rel, "width": v.width, "height": v.height})
            found[p["slug"]] = {
                "small": entries[0],
                "large": entries[-1],
                "srcset": ", ".join(f"{e['src']} {e['width']}w" for e in entries),
            }
        cache.save()
        return found

    def jinja_cache_dir(self) -> Path:
        path = self.settings.data_dir / "jinja-cache"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def jinja_globals(self) -> dict[str, Any]:
        return {
            "site": {
                "name": "Decant",
                "base_url": self.settings.base_url,
                "currency": self.settings.currency,
            },
            "css_url": self.assets["app.css"].url,
            "js_url": self.assets["app.js"].url,
            "card_html": card_renderer(),
        }

    def run_pelican(self, clock: Stopwatch) -> None:
        global _active
        pelican_settings = read_settings(
            override={
                "PATH": str(CONTENT_DIR),
                "OUTPUT_PATH": str(self.new_dir),
                "THEME": str(THEME_DIR),
                "SITENAME": "Decant",
                "SITEURL": "",
                "FEED_DOMAIN": self.settings.base_url,
                "TIMEZONE": "UTC",
                "DEFAULT_LANG": "en",
                "DEFAULT_DATE": "fs",
                "PLUGINS": [sys.modules[__name__]],
                "PAGE_PATHS": ["pages"],
                "ARTICLE_PATHS": ["journal"],
                "STATIC_PATHS": ["images"],
                "PAGE_URL": "{slug}/",
                "PAGE_SAVE_AS": "{slug}/index.html",
                "ARTICLE_URL": "journal/{slug}/",
                "ARTICLE_SAVE_AS": "journal/{slug}/index.html",
                "INDEX_SAVE_AS": "journal/index.html",
                "DIRECT_TEMPLATES": ["index"],
                "DEFAULT_PAGINATION": False,
                "THEME_STATIC_PATHS": [],
                "CATEGORY_SAVE_AS": "",
                "TAG_SAVE_AS": "",
                "AUTHOR_SAVE_AS": "",
                "ARCHIVES_SAVE_AS": "",
                "CATEGORIES_SAVE_AS": "",
                "TAGS_SAVE_AS": "",
                "AUTHORS_SAVE_AS": "",
                "YEAR_ARCHIVE_SAVE_AS": "",
                "MONTH_ARCHIVE_SAVE_AS": "",
                "DAY_ARCHIVE_SAVE_AS": "",
                "DRAFT_SAVE_AS": "",
                "DRAFT_PAGE_SAVE_AS": "",
                "FEED_ATOM": "feeds/journal.atom.xml",
                "FEED_ALL_ATOM": None,
                "CATEGORY_FEED_ATOM": None,
                "TRANSLATION_FEED_ATOM": None,
                "AUTHOR_FEED_ATOM": None,
                "AUTHOR_FEED_RSS": None,
                "CACHE_CONTENT": False,
                "LOAD_CONTENT_CACHE": False,
                "DELETE_OUTPUT_DIRECTORY": False,
                "JINJA_ENVIRONMENT": {
                    "undefined": StrictUndefined,
                    "autoescape": True,
                    "trim_blocks": True,
                    "lstrip_blocks": True,
                    # The theme does not change during a build: no stat of every
                    # template file on each of the 10,000 renders that include it.
                    "auto_reload": False,
                    # Compiled templates kept between builds (keyed by source checksum).
                    "bytecode_cache": FileSystemBytecodeCache(str(self.jinja_cache_dir())),
                },
                "JINJA_GLOBALS": self.jinja_globals(),
            }
        )
        pelican_logger = logging.getLogger("pelican")
        level = pelican_logger.level
        pelican_logger.setLevel(logging.WARNING)
        _active = self
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # Pelican prints its own summary
                Pelican(pelican_settings).run()
        finally:
            _active = None
            pelican_logger.setLevel(level)
        clock.lap("pelican and catalog pages")
        for path in self.pelican_written:
            if path.is_file():
                self.output.adopt(path)

    def start_carrying(self) -> None:
        """Pages whose key is known from the plan alone (product pages) and equals the
        previous build's start linking now, while Pelican reads and renders content."""
        previous = self.prev_manifest.get("pages", {}) if not self.full else {}
        same_theme = self.prev_manifest.get("fingerprint") == self.fingerprint
        rels = []
        for page in self.pages:
            if page.key is not None and same_theme and previous.get(page.rel) == page.key:
                rels.append(page.rel)
                self.early[page.rel] = page
        self.carrying = self.output.carry_start(rels)

    def render_catalog(self, generator: Generator) -> None:
        previous = self.prev_manifest.get("pages", {}) if not self.full else {}
        same_theme = self.prev_manifest.get("fingerprint") == self.fingerprint
        carried: list[str] = []
        by_rel: dict[str, Page] = dict(self.early)
        for page in self.pages:
            if page.rel in self.early:
                self.manifest[page.rel] = page.key  # type: ignore[assignment]
                continue
            if not page.template:
                # JSON (the catalog index): serializing it costs what a key would, and
                # it changes with any price or stock; write() keeps equal bytes' inode.
                data = self.render(generator, page)
                self.manifest[page.rel] = hashlib.blake2b(data, digest_size=16).hexdigest()
                self.output.write(page.rel, data)
                continue
            key = page.key or self.page_key(page)
            self.manifest[page.rel] = key
            if same_theme and previous.get(page.rel) == key:
                carried.append(page.rel)
                by_rel[page.rel] = page
                continue
            self.output.write(page.rel, self.render(generator, page))
        assert self.carrying is not None
        missing = self.output.carry_finish(self.carrying)
        missing += self.output.carry_finish(self.output.carry_start(carried))
        for rel in missing:  # gone from the previous build: render
            self.output.write(rel, self.render(generator, by_rel[rel]))

    def page_key(self, page: Page) -> str:
        # The planner builds contexts in a fixed order from plain values, so their
        # pickle is a stable fingerprint of exactly what the template will read.
        # A grid of cards (note, brand, catalog pages: 80,000 cards at 10,000
        # products) enters as one digest per card, made once per build.
        context = page.context
        assert context is not None
        if "cards" in context:
            cards = [self.card_digest(c) for c in context["cards"]]
            context = {k: v for k, v in context.items() if k != "cards"} | {"cards": cards}
        data = pickle.dumps((page.template, context), protocol=5)
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def card_digest(self, card: dict[str, Any]) -> bytes:
        digest = self._card_digests.get(card["slug"])
        if digest is None:
            data = pickle.dumps(card, protocol=5)
            digest = self._card_digests[card["slug"]] = hashlib.blake2b(
                data, digest_size=16
            ).digest()
        return digest

    def render(self, generator: Generator, page: Page) -> bytes:
        if page.data is not None:
            return page.data
        if not page.template:
            return json.dumps(page.context, sort_keys=True, separators=(",", ":")).encode()
        try:
            context = page.template_context()
            return (
                generator.get_template(page.template.removesuffix(".html")).render(context).encode()
            )
        except Exception as exc:
            raise BuildFailed(
                f"{page.subject} failed to render with template {page.template}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def live_pages(self) -> list[tuple[str, str | None]]:
        urls: dict[str, str | None] = {}
        for page in self.pages:
            url = page.url
            if page.sitemap and url is not None:
                urls[url] = page.lastmod
        for path in self.pelican_written:
            rel = path.relative_to(self.new_dir).as_posix()
            if rel.endswith("index.html"):
                urls.setdefault("/" + rel.removesuffix("index.html"), None)
        return sorted(urls.items())

    def write_sitemap(self) -> None:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>']
        lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        base = self.settings.base_url
        for url, lastmod in self.live_pages():
            entry = f"<url><loc>{base}{url}</loc>"
            if lastmod:
                entry += f"<lastmod>{lastmod}</lastmod>"
            lines.append(entry + "</url>")
        lines.append("</urlset>\n")
        self.output.write("sitemap.xml", "\n".join(lines).encode())

    def robots(self) -> str:
        disallow = "".join(f"Disallow: /{p}\n" for p in NOINDEX)
        return (
            "User-agent: *\n"
            f"{disallow}Disallow: /api/\nDisallow: /admin\n\n"
            f"Sitemap: {self.settings.base_url}/sitemap.xml\n"
        )


def replica_url(settings: Settings) -> str:
    """Where the build reads the catalog: the replica when there is one (as
    servers.resolve says), without starting the embedded Redis a build never needs."""
    return settings.database_replica_url or db.database_url(settings)


def world_readable(build_dir: Path) -> None:
    """The site is public: Nginx (another user) must read every file whatever the
    umask the build ran under (the systemd units set UMask=0077, so everything else the
    service writes — backups, uploads — stays private)."""
    for folder, _, files in os.walk(build_dir):
        if os.stat(folder).st_mode & 0o055 != 0o055:
            os.chmod(folder, 0o755)  # noqa: S103 (the public site: Nginx must list it)
        for name in files:
            path = os.path.join(folder, name)
            if os.lstat(path).st_mode & 0o044 != 0o044 and not os.path.islink(path):
                os.chmod(path, 0o644)


def swap_current(public_dir: Path, build_dir: Path) -> None:
    """Point public/current at build_dir in one rename, so no request sees a gap."""
    world_readable(build_dir)
    current = public_dir / "current"
    tmp = public_dir / f".current.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(build_dir, public_dir), tmp)
    os.replace(tmp, current)


def prune(builds_dir: Path, keep: int, live: Path | None) -> None:
    dirs = sorted(p for p in builds_dir.iterdir() if p.is_dir())
    for old in dirs[:-keep] if keep else dirs:
        if live is not None and old.resolve() == live.resolve():
            continue
        shutil.rmtree(old, ignore_errors=True)
        old.with_name(old.name + ".json").unlink(missing_ok=True)
        old.with_name(old.name + SNAPSHOT_SUFFIX).unlink(missing_ok=True)


def main(
    settings: Settings,
    *,
    full: bool = False,
    trigger: str = "cli",
    requested_by: str | None = None,
    run_id: int | None = None,
) -> dict[str, Any]:
    """Build the site, swap public/current to it, record the run; raise BuildFailed on failure."""
    with without_cycle_collection():
        if run_id is not None:  # a queued build: run_queued already holds the build lock
            return _build(settings, full, trigger, requested_by, run_id)
        with db.connection(db.database_url(settings)) as lock:
            # One build at a time, shop-wide: a `decant build` waits for the worker's.
            lock.execute("SELECT pg_advisory_lock(%s)", (build_queue.BUILD_LOCK,))
            try:
                return _build(settings, full, trigger, requested_by, None)
            finally:
                lock.execute("SELECT pg_advisory_unlock(%s)", (build_queue.BUILD_LOCK,))


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """A build makes a few hundred thousand long-lived dicts and lists (catalog rows,
    contexts, the snapshot); Python's cycle collector would walk them again and again
    while they are made. Plain reference counting frees them; one collection after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


# Out of space (or over a file-size or quota limit): said plainly in build_runs and by
# `decant doctor`, whatever layer the error surfaced through.
DISK_FULL = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large",
}


def failure_reason(exc: BaseException) -> str:
    """The one line build_runs.error records for a failed build."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in DISK_FULL:
            where = f" ({seen.filename})" if seen.filename else ""
            return f"{DISK_FULL[seen.errno]}: {seen.strerror}{where}"
        seen = seen.__cause__ or seen.__context__
    return str(exc) if isinstance(exc, BuildFailed) else f"{type(exc).__name__}: {exc}"


def _build(
    settings: Settings, full: bool, trigger: str, requested_by: str | None, run_id: int | None
) -> dict[str, Any]:
    started = time.perf_counter()
    url = db.database_url(settings)
    with db.connection(url) as conn:
        migrations.migrate(conn)
        if run_id is None:
            run_id = build_queue.start_run(
                conn, trigger=trigger, requested_by=requested_by, full=full
            )
    build_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{run_id:06d}"
    build: Build | None = None
    try:
        build = Build(settings, full=full, build_id=build_id)
        build.run()
        swap_current(build.public, build.new_dir)
        prune(build.builds_dir, KEEP_BUILDS, build.new_dir)
    except Exception as exc:
        if build is not None:
            with contextlib.suppress(Exception):
                build.output.finish()  # no write may land after the directory is gone
            shutil.rmtree(build.new_dir, ignore_errors=True)
            build.new_dir.with_name(build_id + ".json").unlink(missing_ok=True)
            build.new_dir.with_name(build_id + SNAPSHOT_SUFFIX).unlink(missing_ok=True)
        message = failure_reason(exc)
        seconds = time.perf_counter() - started
        with db.connection(url) as conn:
            build_queue.finish_run(conn, run_id, ok=False, seconds=seconds, error=message)
        if isinstance(exc, BuildFailed):
            raise
        raise BuildFailed(message) from exc
    seconds = time.perf_counter() - started
    assert build.site is not None
    result = {
        "run_id": run_id,
        "build_dir": str(build.new_dir),
        "pages_written": build.output.written,
        "pages_unchanged": build.output.unchanged,
        "seconds": round(seconds, 3),
        "last_change_id": build.site.last_change_id,
        "full": full,
        "stages": build.stages,
    }
    with db.connection(url) as conn:
        build_queue.finish_run(
            conn,
            run_id,
            ok=True,
            seconds=seconds,
            pages_rendered=build.output.written,
            pages_carried=build.output.unchanged,
            build_dir=str(build.new_dir),
            last_change_id=build.site.last_change_id,
        )
    click.echo(
        f"{build.output.written} pages written, {build.output.unchanged} unchanged in {seconds:.2f} s"
    )
    return result


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Decant storefront.")
    parser.add_argument("--full", action="store_true", help="render every page")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        main(load_settings(), full=args.full, trigger="cli")
    except click.ClickException as exc:
        print(f"decant build: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # One module instance for the Pelican plugin and the caller: run through "build".
    sys.exit(importlib.import_module("build").cli())
