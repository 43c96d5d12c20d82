"""Leases on the rows of an outbox table, the one rule the e-mail outbox (outbox.py,
table email_outbox) and the alert webhooks (alert_webhooks.py, table webhook_outbox)
share.

A row is claimed with FOR UPDATE SKIP LOCKED and leased: status 'sending' until
`locked_until`. Two workers never deliver one row, and a worker that died mid-delivery
gives its rows back when the lease runs out. A failed delivery is retried with
exponential backoff (30 s, 1 min, 2 min ... at most 6 h) and left 'failed' after
MAX_ATTEMPTS for the operator to see. Both tables have the columns this needs: status,
attempts, locked_until, next_attempt_at, last_error, sent_at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

MAX_ATTEMPTS = 10
LEASE_SECONDS = 300
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 6 * 3600

CLAIM_SQL = """
UPDATE {table}
   SET status = 'sending', attempts = attempts + 1,
       locked_until = now() + make_interval(secs => %(lease)s)
 WHERE id IN (SELECT id FROM {table}
               WHERE next_attempt_at <= now()
                 AND (status = 'pending' OR (status = 'sending' AND locked_until < now()))
               ORDER BY next_attempt_at, id
               LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED)
RETURNING id, dedupe_key, attempts, {columns}
"""


@dataclass(frozen=True)
class LeasedOutbox:
    """One outbox table; `columns` are what a claim hands the sender besides id,
    dedupe_key and attempts."""

    table: str
    columns: Sequence[str]

    def claim_due(self, conn: psycopg.Connection, *, limit: int) -> list[dict[str, Any]]:
        """Lease up to `limit` due rows, committed before any delivery starts."""
        query = sql.SQL(CLAIM_SQL).format(
            table=sql.Identifier(self.table),
            columns=sql.SQL(", ").join(map(sql.Identifier, self.columns)),
        )
        with conn.transaction():
            return conn.execute(query, {"lease": LEASE_SECONDS, "limit": limit}).fetchall()

    def mark_sent(self, conn: psycopg.Connection, row_id: int, **recorded: str) -> None:
        """Delivered: the lease ends; `recorded` names columns to set with it."""
        extra = sql.SQL("").join(
            sql.SQL(", {} = {}").format(sql.Identifier(name), sql.Placeholder(name))
            for name in recorded
        )
        conn.execute(
            sql.SQL(
                "UPDATE {table} SET status = 'sent', sent_at = now(), locked_until = NULL,"
                " last_error = NULL{extra} WHERE id = %(id)s"
            ).format(table=sql.Identifier(self.table), extra=extra),
            {**recorded, "id": row_id},
        )

    def retry_later(self, conn: psycopg.Connection, row: dict[str, Any], error: str) -> str:
        """Give a claimed row back with its error: 'pending' for a later attempt, or
        'failed' after the last one; returns which."""
        delay = min(FIRST_RETRY_SECONDS * 2 ** (row["attempts"] - 1), LONGEST_RETRY_SECONDS)
        status = "failed" if row["attempts"] >= MAX_ATTEMPTS else "pending"
        conn.execute(
            sql.SQL(
                "UPDATE {table} SET status = %s, last_error = %s, locked_until = NULL,"
                " next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s"
            ).format(table=sql.Identifier(self.table)),
            (status, error, delay, row["id"]),
        )
        return status
