"""Reading the catalog for a build: one consistent snapshot (Site), and the
snapshot kept beside a build so the next one re-reads only changed products."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from decant.catalog import curated_sets, reading
from decant.platform import db
from decant.publishing import build_queue
from decant.site.code import code_digest

SNAPSHOT_SUFFIX = ".catalog.pickle"  # beside <build>.json: the catalog that build read


@dataclass
class Site:
    products: list[dict[str, Any]]
    popular: list[str]
    brands: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    timestamps: dict[int, datetime]
    last_change_id: int
    horizon: int  # build_queue.snapshot_horizon of the read: where the next one looks from
    curated: list[dict[str, Any]] = field(default_factory=list)  # the owner's active sets
    changed: set[int] | None = None  # ids re-read since the previous snapshot; None: all
    fresh: list[dict[str, Any]] | None = None  # the rows of those ids


@dataclass
class CatalogSnapshot:
    """What a build read from the catalog, kept beside its manifest so the next
    incremental build re-reads only the products whose rows changed since."""

    version: str
    products: list[dict[str, Any]]
    horizon: int
    timestamps: dict[int, datetime]
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
    # Kept in memory only (decant.site.resident), by slug: cards, and product pages'
    # lastmod with the timestamp it was made from.
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    lastmods: dict[str, str] = field(default_factory=dict)
    stamps: dict[str, Any] = field(default_factory=dict)
    shape: dict[str, Any] = field(default_factory=dict)  # SitePlanner.shape


def snapshot_version() -> str:
    """Snapshots are only reused by the same build code reading with the same query."""
    digest = hashlib.sha256(code_digest())
    for module in (reading, build_queue):  # the rows' shape and their fingerprint
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def read_site(url: str, previous: CatalogSnapshot | None = None) -> Site:
    """One consistent snapshot of the catalog (REPEATABLE READ), with the change id it
    includes. With the previous build's snapshot, only the products whose rows were
    written since that snapshot are read again: the work follows the edit, not the
    catalog's size."""
    with db.connection(url) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        horizon = build_queue.snapshot_horizon(conn)  # first: it fixes the snapshot
        last_change_id = build_queue.last_change_id(conn)
        changed: set[int] | None = None
        fresh: list[dict[str, Any]] = []
        if previous is None or previous.version != snapshot_version():
            products, _ = reading.list_products(conn, reading.ProductFilters(per_page=10**9))
            notes = reading.notes(conn)
            timestamps = build_queue.product_timestamps(conn)
        else:
            before = {p["id"]: p for p in previous.products}
            active = build_queue.active_product_ids(conn)
            changed = build_queue.changed_product_ids(conn, previous.horizon) & active
            changed |= active - before.keys()
            kept = [p for pid, p in before.items() if pid in active and pid not in changed]
            fresh = build_queue.products_by_id(conn, sorted(changed))
            products = kept + fresh
            timestamps = {pid: t for pid, t in previous.timestamps.items() if pid in active}
            timestamps.update(build_queue.timestamps_of(conn, sorted(changed)))
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
            timestamps=timestamps,
            last_change_id=last_change_id,
            horizon=horizon,
            curated=curated_sets.list_sets(conn),
            changed=changed,
            fresh=fresh if changed is not None else None,
        )


def note_arrays(product: dict[str, Any]) -> tuple[list[str], ...]:
    return product["top_notes"], product["heart_notes"], product["base_notes"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
