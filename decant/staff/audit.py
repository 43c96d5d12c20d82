"""The audit log: who changed what in the admin, before and after, when and from where.

A row is written by the same transaction as the change it describes, so the log
can never miss a change that happened nor show one that was rolled back; the
table refuses UPDATE and DELETE (sql/0005), so nothing here can edit it either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg


@dataclass(frozen=True)
class Actor:
    """The admin user behind a change and the address it came from."""

    id: int | None
    email: str
    role: str
    ip: str | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def record(
    conn: psycopg.Connection,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    """Write one entry; call it inside the transaction that makes the change."""
    conn.execute(
        "INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, before, after, ip)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            actor.id,
            actor.email,
            action,
            entity,
            None if entity_id is None else str(entity_id),
            None if before is None else json.dumps(_plain(before)),
            None if after is None else json.dumps(_plain(after)),
            actor.ip,
        ),
    )


def recent(
    conn: psycopg.Connection, *, entity: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, actor, action, entity, entity_id, before, after, host(ip) AS ip, created_at"
        " FROM audit_log WHERE %(entity)s::text IS NULL OR entity = %(entity)s"
        " ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
        {"entity": entity, "limit": limit},
    ).fetchall()
