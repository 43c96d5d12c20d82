"""Posting the owner's alerts to DECANT_ALERT_WEBHOOK_URL: `{"text": "..."}`, the body
Slack and Mattermost incoming webhooks and ntfy (as JSON publishing) accept.

The same lease as decant.mail.outbox: rows are claimed with FOR UPDATE SKIP LOCKED and held
while being posted, so two workers never post one row; a worker that died gives its
rows back when the lease runs out. A failed POST is retried with backoff and left
'failed' after MAX_ATTEMPTS for the operator to see.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import requests

from decant.mail.outbox import (
    FIRST_RETRY_SECONDS,
    LEASE_SECONDS,
    LONGEST_RETRY_SECONDS,
    MAX_ATTEMPTS,
)

log = logging.getLogger("decant.alert_webhooks")
POST_TIMEOUT_SECONDS = 10

CLAIM_SQL = """
UPDATE webhook_outbox
   SET status = 'sending', attempts = attempts + 1,
       locked_until = now() + make_interval(secs => %(lease)s)
 WHERE id IN (SELECT id FROM webhook_outbox
               WHERE next_attempt_at <= now()
                 AND (status = 'pending' OR (status = 'sending' AND locked_until < now()))
               ORDER BY next_attempt_at, id
               LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED)
RETURNING id, dedupe_key, url, payload, attempts
"""


def send_due(conn: psycopg.Connection, *, limit: int = 50) -> int:
    """Post the alerts that are due; return how many were accepted this round."""
    with conn.transaction():
        claimed = conn.execute(CLAIM_SQL, {"lease": LEASE_SECONDS, "limit": limit}).fetchall()
    sent = 0
    for row in claimed:
        error = _post(row)
        if error:
            _retry_later(conn, row, error)
            continue
        conn.execute(
            "UPDATE webhook_outbox SET status = 'sent', sent_at = now(), locked_until = NULL,"
            " last_error = NULL WHERE id = %s",
            (row["id"],),
        )
        sent += 1
    return sent


def _post(row: dict[str, Any]) -> str | None:
    """None when the receiver took it, else why not (never the URL: it holds a secret)."""
    try:
        answer = requests.post(row["url"], json=row["payload"], timeout=POST_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}"
    if answer.status_code >= 300:
        return f"answered {answer.status_code}: {answer.text[:200]}"
    return None


def _retry_later(conn: psycopg.Connection, row: dict[str, Any], error: str) -> None:
    delay = min(FIRST_RETRY_SECONDS * 2 ** (row["attempts"] - 1), LONGEST_RETRY_SECONDS)
    status = "failed" if row["attempts"] >= MAX_ATTEMPTS else "pending"
    log.warning("alert %s not posted (attempt %s): %s", row["dedupe_key"], row["attempts"], error)
    conn.execute(
        "UPDATE webhook_outbox SET status = %s, last_error = %s, locked_until = NULL,"
        " next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s",
        (status, error, delay, row["id"]),
    )
