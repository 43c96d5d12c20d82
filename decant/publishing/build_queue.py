"""Publishing the static site: build requests, the build log, what is unpublished,
and which build is live.

The admin queues a build (`request_build`); `decant worker` runs queued builds one at
a time (`run_queued`, under an advisory lock) so a burst of edits becomes one build.
The build itself is decant.site, which imports this module; the domain must not
import it back, so whoever runs the queue (decant.worker) passes the build function in.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from decant.catalog import reading
from decant.errors import Conflict
from decant.platform.config import Settings

BUILD_LOCK = 4_242_001  # pg_advisory lock key: one build runs at a time, shop-wide

log = logging.getLogger("decant.builds")


def request_build(
    conn: psycopg.Connection, *, trigger: str, requested_by: str | None = None
) -> int:
    """Queue a build, or return the one already queued (a unique index keeps it to one)."""
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO build_runs (status, trigger, requested_by) VALUES ('queued', %s, %s)"
            " ON CONFLICT ((true)) WHERE status = 'queued' DO NOTHING RETURNING id",
            (trigger, requested_by),
        ).fetchone()
        if row is None:
            row = conn.execute("SELECT id FROM build_runs WHERE status = 'queued'").fetchone()
    return int(row["id"])


def start_run(
    conn: psycopg.Connection, *, trigger: str, requested_by: str | None, full: bool
) -> int:
    """A build that starts now (from the command line): recorded as running."""
    row = conn.execute(
        "INSERT INTO build_runs (status, trigger, requested_by, full_build, started_at)"
        " VALUES ('running', %s, %s, %s, now()) RETURNING id",
        (trigger, requested_by, full),
    ).fetchone()
    return int(row["id"])


def finish_run(
    conn: psycopg.Connection,
    run_id: int,
    *,
    ok: bool,
    seconds: float,
    pages_rendered: int | None = None,
    pages_carried: int | None = None,
    build_dir: str | None = None,
    last_change_id: int | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        """
        UPDATE build_runs
           SET status = %s, seconds = %s, pages_rendered = %s, pages_carried = %s,
               build_dir = %s, last_change_id = %s, error = %s, finished_at = now()
         WHERE id = %s
        """,
        (
            "succeeded" if ok else "failed",
            round(seconds, 3),
            pages_rendered,
            pages_carried,
            build_dir,
            last_change_id,
            error[:2000] if error else None,
            run_id,
        ),
    )


def last_change_id(conn: psycopg.Connection) -> int:
    return int(
        conn.execute("SELECT coalesce(max(id), 0) AS id FROM catalog_changes").fetchone()["id"]
    )


def published_change_id(conn: psycopg.Connection) -> int:
    """The last catalog change the live site includes (0 before any successful build)."""
    row = conn.execute(
        "SELECT last_change_id FROM build_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return int(row["last_change_id"] or 0) if row else 0


def unpublished_changes(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Catalog changes made since the live build, newest first, with the product they touch."""
    return conn.execute(
        """
        SELECT c.id, c.what, c.product_id, p.slug AS product_slug, p.name AS product_name,
               coalesce(c.brand, p.brand) AS brand, c.created_at
          FROM catalog_changes c
          LEFT JOIN products p ON p.id = c.product_id
         WHERE c.id > %s
         ORDER BY c.id DESC
        """,
        (published_change_id(conn),),
    ).fetchall()


def product_timestamps(conn: psycopg.Connection) -> dict[int, datetime]:
    """When each product's page data last changed (product row or any of its sizes)."""
    rows = conn.execute(
        "SELECT p.id, greatest(p.updated_at, max(s.updated_at)) AS changed"
        "  FROM products p LEFT JOIN product_sizes s ON s.product_id = p.id"
        " GROUP BY p.id"
    ).fetchall()
    return {r["id"]: r["changed"] for r in rows}


def snapshot_horizon(conn: psycopg.Connection) -> int:
    """The oldest transaction still running when this snapshot was taken (its 32-bit
    xid): every row version written by a transaction that commits after this snapshot
    has an xmin at or above it. Call first in a REPEATABLE READ transaction."""
    row = conn.execute(
        "SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::numeric % 4294967296)::bigint"
        " AS horizon"
    ).fetchone()
    return int(row["horizon"])


CHANGED_SQL = """
SELECT id AS product_id FROM products WHERE age(xmin) <= age(%(h)s::text::xid)
UNION
SELECT product_id FROM inventory WHERE age(xmin) <= age(%(h)s::text::xid)
UNION
SELECT product_id FROM product_sizes WHERE age(xmin) <= age(%(h)s::text::xid)
"""


def changed_product_ids(conn: psycopg.Connection, horizon: int) -> set[int]:
    """Products with a row (product, inventory, a size) written by a transaction at or
    after `horizon` (a previous snapshot's snapshot_horizon): a superset of what
    changed since that snapshot, found by comparing xids, whatever order the writers
    committed in. Both ages are taken against the same reference, so the comparison
    holds across xid wraparound; a size deleted touches its product (migration 0087).
    The scan is a cheap filter on three tables, not a digest of every row."""
    rows = conn.execute(CHANGED_SQL, {"h": str(horizon)}).fetchall()
    return {r["product_id"] for r in rows}


def active_product_ids(conn: psycopg.Connection) -> set[int]:
    return {r["id"] for r in conn.execute("SELECT id FROM products WHERE is_active").fetchall()}


def timestamps_of(conn: psycopg.Connection, ids: list[int]) -> dict[int, datetime]:
    """When each of these products' page data last changed (product row or a size)."""
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT p.id, greatest(p.updated_at, max(s.updated_at)) AS changed"
        "  FROM products p LEFT JOIN product_sizes s ON s.product_id = p.id"
        " WHERE p.id = ANY(%s) GROUP BY p.id",
        (ids,),
    ).fetchall()
    return {r["id"]: r["changed"] for r in rows}


def products_by_id(conn: psycopg.Connection, ids: list[int]) -> list[dict[str, Any]]:
    """The same rows catalog.list_products gives, for just these active products."""
    if not ids:
        return []
    sql = reading.LIST_SQL.format(
        popular_join="", where="p.is_active AND p.id = ANY(%(ids)s)", order="p.id"
    )
    rows = conn.execute(sql, {"ids": ids, "limit": len(ids), "offset": 0}).fetchall()
    return [reading._with_stock(row) for row in rows]  # noqa: SLF001 - the one row shape


def best_sellers(conn: psycopg.Connection, *, limit: int) -> list[str]:
    """Slugs of the active products with the most units paid in the last 90 days
    (the same measure as the API's sort=popular)."""
    rows = conn.execute(
        """
        SELECT p.slug
          FROM order_items oi
          JOIN orders o ON o.id = oi.order_id
          JOIN products p ON p.id = oi.product_id
         WHERE o.payment_status = 'paid' AND o.created_at > now() - interval '90 days'
           AND p.is_active
         GROUP BY p.id
         ORDER BY sum(oi.quantity) DESC, lower(p.name), p.id
         LIMIT %s
        """,
        (limit,),
    ).fetchall()
    return [r["slug"] for r in rows]


ABANDONED = "the process running this build stopped before it finished (killed?); queued again"


def take_over_abandoned(conn: psycopg.Connection, settings: Settings) -> int:
    """Builds left 'running' by a worker or `decant build` that died (SIGKILL, power
    loss) are marked failed and queued again; returns how many.

    Only a holder of BUILD_LOCK may call this: every build runs under that lock and a
    session's advisory locks end with it, so while we hold it a 'running' row has no
    live builder. Their half-written directories are removed; public/current never
    pointed at them (the swap is the last step of a build)."""
    with conn.transaction():
        rows = conn.execute(
            "UPDATE build_runs SET status = 'failed', finished_at = now(), error = %s"
            " WHERE status = 'running' RETURNING id, trigger, requested_by, full_build",
            (ABANDONED,),
        ).fetchall()
        for row in rows:
            log.warning("build %s was abandoned mid-way; queued again", row["id"])
            conn.execute(
                "INSERT INTO build_runs (status, trigger, requested_by, full_build)"
                " VALUES ('queued', %s, %s, %s)"
                " ON CONFLICT ((true)) WHERE status = 'queued' DO UPDATE"
                " SET full_build = build_runs.full_build OR excluded.full_build",
                (row["trigger"], row["requested_by"], row["full_build"]),
            )
    builds_dir = settings.public_dir.resolve() / "builds"
    live = live_build(settings)
    for row in rows:
        name = f"*-{row['id']:06d}"  # build.py names a build <UTC time>-<run id>
        for leftover in [*builds_dir.glob(name), *builds_dir.glob(name + ".*")]:
            if live is not None and leftover.resolve() == live:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    return len(rows)


def run_queued(
    conn: psycopg.Connection, settings: Settings, *, build: Callable[..., dict[str, Any]]
) -> int:
    """Run the queued build, if any, unless another worker is building; returns builds run.

    `build` is the site build (decant.site.run.main), called with the queued run's id."""
    if not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (BUILD_LOCK,)).fetchone()["ok"]:
        return 0
    try:
        take_over_abandoned(conn, settings)
        with conn.transaction():
            row = conn.execute(
                "UPDATE build_runs SET status = 'running', started_at = now()"
                " WHERE id = (SELECT id FROM build_runs WHERE status = 'queued'"
                "             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                " RETURNING id, trigger, requested_by, full_build"
            ).fetchone()
        if row is None:
            return 0
        try:
            build(
                settings,
                full=row["full_build"],
                trigger=row["trigger"],
                requested_by=row["requested_by"],
                run_id=row["id"],
            )
        except Exception as exc:  # the build has recorded the failure on its row
            log.error("build %s failed: %s", row["id"], exc)
        return 1
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK,))


def live_build(settings: Settings) -> Path | None:
    """The build directory public/current points at, or None before the first build."""
    current = settings.public_dir / "current"
    if not current.is_symlink():
        return None
    target = current.resolve()
    return target if target.is_dir() else None


def rollback(settings: Settings) -> str:
    """Point public/current at the build before the live one; returns its name."""
    builds_dir = settings.public_dir.resolve() / "builds"
    live = live_build(settings)
    done = (
        sorted(
            p
            for p in builds_dir.iterdir()
            if p.is_dir() and p.with_name(p.name + ".json").is_file()
        )
        if builds_dir.is_dir()
        else []
    )
    older = [p for p in done if live is None or p.name < live.name]
    if not older:
        raise Conflict("no earlier build to roll back to")
    target = older[-1]
    public = settings.public_dir.resolve()
    tmp = public / f".current.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(target, public), tmp)
    os.replace(tmp, public / "current")
    return target.name
