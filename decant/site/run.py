"""Running a build: read, plan, render (through Pelican), write, swap
public/current, prune old builds, record the run. `main` is the build function the
worker and `decant build` call; `cli` is `python build.py`."""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from jinja2 import FileSystemBytecodeCache, StrictUndefined
from pelican import Pelican
from pelican.generators import Generator
from pelican.settings import read_settings

from decant.catalog import media_store
from decant.catalog.product_images import ImageCache, ImageError
from decant.platform import db, migrations
from decant.platform.config import Settings, load_settings
from decant.publishing import build_queue
from decant.site import plugin, resident
from decant.site.assets import theme_assets, theme_fingerprint
from decant.site.failure import BuildFailed, failure_reason
from decant.site.output import PRECOMPRESSED, PUBLIC_DIR_MODE, Carrying, Output
from decant.site.pages import PRODUCT_FILE, Page, card_renderer
from decant.site.paths import CONTENT_DIR, THEME_DIR
from decant.site.planner import SitePlanner
from decant.site.shard_dirs import SHARDS_DIR, ShardDirs, referenced_shards
from decant.site.snapshot import (
    SNAPSHOT_SUFFIX,
    CatalogSnapshot,
    PlanMemory,
    Site,
    read_site,
    snapshot_version,
)

KEEP_BUILDS = 5


NOINDEX = ("cart/", "checkout/", "checkout/confirmation/", "track/")


log = logging.getLogger("decant.build")


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
        for folder in (self.public, self.builds_dir, self.new_dir):  # Nginx walks through
            os.chmod(folder, PUBLIC_DIR_MODE)
        self.prev_dir = build_queue.live_build(settings)
        self.prev_manifest = self._read_manifest(self.prev_dir)
        self.shards = ShardDirs(self.new_dir, self.prev_dir, build_id)
        self.output = Output(self.new_dir, self.prev_dir, shards=self.shards)
        self.manifest: dict[str, str] = {}
        self.pelican_written: list[Path] = []
        self.pages: list[Page] = []
        self.site: Site | None = None
        self.stages: dict[str, float] = {}
        self._card_digests: dict[str, bytes] = {}  # one card per slug per build
        self._shared_digests: dict[int, tuple[Any, bytes]] = {}
        self.early: dict[str, Page] = {}  # pages carried over from the start
        self.carrying: Carrying | None = None
        # What the build that made the live site kept in this process, if it did.
        self.resident = None if full else resident.recall(self.prev_dir)
        self.card_html = card_renderer()

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
        if self.resident is not None:
            return self.resident.snapshot
        try:
            with open(self.prev_dir.with_name(self.prev_dir.name + SNAPSHOT_SUFFIX), "rb") as f:
                snapshot = pickle.load(f)  # noqa: S301 - written by the build itself, beside its manifest
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
        return snapshot if isinstance(snapshot, CatalogSnapshot) else None

    def snapshot(self) -> CatalogSnapshot:
        assert self.site is not None
        return CatalogSnapshot(
            version=snapshot_version(),
            products=self.site.products,
            horizon=self.site.horizon,
            timestamps=self.site.timestamps,
            notes=self.site.notes,
            images=self.images,
            related=self.related,
            index=self.index_entries,
            index_currency=self.settings.currency,
        )

    def write_snapshot(self) -> None:
        target = self.new_dir.with_name(self.build_id + SNAPSHOT_SUFFIX)
        partial = target.with_name(target.name + ".partial")
        with contextlib.suppress(OSError):  # pruned meanwhile, or the disk is full: no cache
            partial.write_bytes(pickle.dumps(self.snapshot(), protocol=5))
            partial.replace(target)  # never a half-written snapshot under the real name

    def remember(self) -> None:
        """Keep what this build read and planned for the next build in this process."""
        assert self.site is not None
        resident.remember(
            self.new_dir,
            resident.Remembered(
                build_dir=self.new_dir,
                snapshot=self.snapshot(),
                cards=self.cards,
                card_digests=self._card_digests,
                lastmods=self.lastmods,
                stamps=self.stamps,
                shape=self.shape,
                fingerprint=self.fingerprint,
                card_html=self.card_html.cache,
            ),
        )

    def run(self) -> None:
        clock = Stopwatch()
        self.assets = theme_assets(THEME_DIR)
        self.fingerprint = theme_fingerprint(THEME_DIR, self.assets, self.settings)
        if self.resident is not None and self.resident.fingerprint == self.fingerprint:
            self.card_html = card_renderer(dict(self.resident.card_html))
        # Product pages are carried by sharing the previous build's shard directories
        # (a hundred symlinks); with another theme or --full every page is new.
        same_theme = self.prev_manifest.get("fingerprint") == self.fingerprint
        self.shards.start(share=not self.full and same_theme)
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
        if memory is not None and self.resident is not None:
            memory.cards = self.resident.cards
            memory.lastmods, memory.stamps = self.resident.lastmods, self.resident.stamps
            memory.shape = self.resident.shape
        planner = SitePlanner(self.site, self.settings, images, memory)
        if self.resident is not None:  # digests of the cards the planner reused
            kept_cards = self.resident.cards
            self._card_digests = {
                slug: digest
                for slug, digest in self.resident.card_digests.items()
                if planner.cards.get(slug) is kept_cards.get(slug)
            }
        self.cards = planner.cards
        self.pages = planner.pages()
        self.lastmods, self.stamps = planner.lastmods, planner.stamps
        self.shape = planner.shape
        self.images, self.related = images, planner.related_slugs
        self.index_entries = planner.index_entries
        self.remove_gone_products()
        self.start_carrying()
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
            "card_html": self.card_html,
        }

    def run_pelican(self, clock: Stopwatch) -> None:
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
                "PLUGINS": [plugin],
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
        try:
            with plugin.running(self), contextlib.redirect_stdout(io.StringIO()):
                Pelican(pelican_settings).run()  # Pelican prints its own summary: kept out
        finally:
            pelican_logger.setLevel(level)
        clock.lap("pelican and catalog pages")
        for path in self.pelican_written:
            if path.is_file():
                self.output.adopt(path)

    def remove_gone_products(self) -> None:
        """Product pages the previous build had and this one has not leave the shards
        this build shares (it gets its own copy of those shards without them)."""
        before = [rel for rel in self.prev_manifest.get("pages", {}) if PRODUCT_FILE.match(rel)]
        now = {page.rel for page in self.pages}
        for rel in before:
            if rel not in now:
                self.shards.remove(rel, PRECOMPRESSED)

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
            if page.key is None:  # kept on the page: a grid page kept by the next plan has it
                page.key = self.page_key(page)
            key = page.key
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
        if "facets" in context:  # one object shared by every catalog page: pickled once
            context = context | {"facets": self.shared_digest(context["facets"])}
        data = pickle.dumps((page.template, context), protocol=5)
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def shared_digest(self, value: Any) -> bytes:
        cached = self._shared_digests.get(id(value))
        if cached is None or cached[0] is not value:
            digest = hashlib.blake2b(pickle.dumps(value, protocol=5), digest_size=16).digest()
            cached = self._shared_digests[id(value)] = (value, digest)
        return cached[1]

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


def swap_current(public_dir: Path, build_dir: Path) -> None:
    """Point public/current at build_dir in one rename, so no request sees a gap.
    (Every file and directory in it was made world-readable as it was written: see
    output.PUBLIC_FILE_MODE; no walk over the 30,000 files of a 10,000-product site.)"""
    current = public_dir / "current"
    tmp = public_dir / f".current.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(build_dir, public_dir), tmp)
    os.replace(tmp, current)


PRUNED_PREFIX = ".pruned-"  # a build on its way out: no longer a build, not yet gone


def prune(builds_dir: Path, keep: int, live: Path | None) -> None:
    """Old builds, and the product shards no kept build points at, leave by one rename
    each, now; their files are unlinked by a background `rm` on the other core, so the
    next publish does not wait for them."""
    dirs = sorted(p for p in builds_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    kept = set(dirs[-keep:] if keep else [])
    for old in dirs:
        if old in kept or (live is not None and old.resolve() == live.resolve()):
            kept.add(old)
            continue
        old.with_name(old.name + ".json").unlink(missing_ok=True)
        old.with_name(old.name + SNAPSHOT_SUFFIX).unlink(missing_ok=True)
        old.with_name(old.name + SNAPSHOT_SUFFIX + ".partial").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            old.rename(old.with_name(PRUNED_PREFIX + old.name))
    leaving = [p for p in builds_dir.iterdir() if p.name.startswith(PRUNED_PREFIX)]
    shards_dir = builds_dir.parent / SHARDS_DIR
    if shards_dir.is_dir():
        used = referenced_shards(sorted(kept))
        for shard in shards_dir.iterdir():
            if shard.name.startswith(".") or shard.name in used:
                continue
            with contextlib.suppress(OSError):
                shard.rename(shard.with_name(PRUNED_PREFIX + shard.name))
        leaving += [p for p in shards_dir.iterdir() if p.name.startswith(PRUNED_PREFIX)]
    if not leaving:
        return
    try:
        subprocess.Popen(  # noqa: S603 - fixed argv, paths the build made
            ["rm", "-rf", "--", *map(str, leaving)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives a `decant build` that exits first
        )
    except OSError:  # no rm: remove them here
        for path in leaving:
            shutil.rmtree(path, ignore_errors=True)


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
    while they are made. Plain reference counting frees them; afterwards the collector
    runs on its own schedule again (a forced full collection would hold up the swap)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()  # no full collection here: the next publish would wait for it


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
        build.remember()
        prune(build.builds_dir, KEEP_BUILDS, build.new_dir)
    except Exception as exc:
        if build is not None:
            with contextlib.suppress(Exception):
                build.output.finish()  # no write may land after the directory is gone
            shutil.rmtree(build.new_dir, ignore_errors=True)
            build.shards.discard()
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
    # The site is live: what the next build in another process starts from is saved
    # now, beside it, on a thread of its own (a `decant build` process waits for it
    # before it exits). A process that built from memory keeps building from memory:
    # it does not pickle 50,000 rows after every edit; should it stop, the next process
    # reads the whole catalog once (its pages are still carried over by their keys).
    if build.resident is None:
        threading.Thread(target=build.write_snapshot, name="decant-snapshot").start()
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
