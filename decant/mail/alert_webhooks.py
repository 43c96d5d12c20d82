"""Posting the owner's alerts to DECANT_ALERT_WEBHOOK_URL: `{"text": "..."}`, the body
Slack and Mattermost incoming webhooks and ntfy (as JSON publishing) accept.

Rows are leased as the e-mail outbox's are (decant.mail.delivery_leases): two workers
never post one row; a worker that died gives its rows back when the lease runs out. A
failed POST is retried with backoff and left 'failed' after the last attempt for the
operator to see.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import requests

from decant.mail.delivery_leases import LeasedOutbox

log = logging.getLogger("decant.alert_webhooks")
POST_TIMEOUT_SECONDS = 10
ALERTS = LeasedOutbox("webhook_outbox", ("url", "payload"))


def send_due(conn: psycopg.Connection, *, limit: int = 50) -> int:
    """Post the alerts that are due; return how many were accepted this round."""
    sent = 0
    for row in ALERTS.claim_due(conn, limit=limit):
        error = _post(row)
        if error:
            log.warning(
                "alert %s not posted (attempt %s): %s", row["dedupe_key"], row["attempts"], error
            )
            ALERTS.retry_later(conn, row, error)
            continue
        ALERTS.mark_sent(conn, row["id"])
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
