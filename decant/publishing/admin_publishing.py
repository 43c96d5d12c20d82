"""The admin's side of publishing: what is not yet live, "Publish", the build log,
and rolling back. The work is decant.publishing.build_queue'; this adds who asked (audit log)."""

from __future__ import annotations

from typing import Any

import psycopg

from decant.platform.config import Settings
from decant.publishing import build_queue
from decant.staff import audit
from decant.staff.audit import Actor


def status(conn: psycopg.Connection, settings: Settings, *, runs: int = 30) -> dict[str, Any]:
    live = build_queue.live_build(settings)
    return {
        "unpublished": build_queue.unpublished_changes(conn),
        "live_build": live.name if live else None,
        "queued": conn.execute(
            "SELECT id, requested_by, created_at FROM build_runs WHERE status = 'queued'"
        ).fetchone(),
        "runs": conn.execute(
            "SELECT id, status::text AS status, trigger, requested_by, full_build, pages_rendered,"
            " pages_carried, seconds, build_dir, error, created_at, started_at, finished_at"
            " FROM build_runs ORDER BY id DESC LIMIT %s",
            (runs,),
        ).fetchall(),
    }


def publish(conn: psycopg.Connection, actor: Actor) -> int:
    """Queue a build (or join the one already queued: bursts coalesce)."""
    with conn.transaction():
        build_id = build_queue.request_build(conn, trigger="admin", requested_by=actor.email)
        audit.record(conn, actor, "publish", "build", build_id)
    return build_id


def rollback(conn: psycopg.Connection, settings: Settings, actor: Actor) -> str:
    """Swap public/current back to the previous build (one symlink rename)."""
    before = build_queue.live_build(settings)
    name = build_queue.rollback(settings)
    audit.record(
        conn,
        actor,
        "rollback",
        "build",
        name,
        before={"live": before.name if before else None},
        after={"live": name},
    )
    return name
