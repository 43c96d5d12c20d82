"""The lease both outboxes share, seen from the alert webhooks (tests/mail/test_outbox.py
pins the same rules for e-mails): an alert held by a worker that died is posted by the
next one only when the lease has run out, and one the receiver keeps refusing is given
up after the last attempt, left 'failed' for the operator."""

from __future__ import annotations

import json

from decant.mail import alert_webhooks, delivery_leases
from tests.plugins.alert_receiver import AlertReceiver


def queue_alert(conn, url: str, text: str = "Low stock: Rose Noir (10 ml left)") -> None:
    conn.execute(
        "INSERT INTO webhook_outbox (dedupe_key, url, payload) VALUES (%s, %s, %s)",
        ("owner-notification:1:webhook", url, json.dumps({"text": text})),
    )


def alert_row(conn) -> dict:
    return conn.execute("SELECT * FROM webhook_outbox").fetchone()


def test_an_alert_held_by_a_dead_worker_is_posted_once_its_lease_runs_out(
    conn, alert_receiver: AlertReceiver
):
    queue_alert(conn, alert_receiver.url)
    [claimed] = alert_webhooks.ALERTS.claim_due(conn, limit=10)  # then that worker died
    assert claimed["payload"] == {"text": "Low stock: Rose Noir (10 ml left)"}

    assert alert_webhooks.send_due(conn) == 0  # the lease still runs: nobody else posts it
    assert alert_receiver.posts == [] and alert_row(conn)["status"] == "sending"

    conn.execute("UPDATE webhook_outbox SET locked_until = now() - interval '1 second'")
    assert alert_webhooks.send_due(conn) == 1
    assert alert_receiver.texts == ["Low stock: Rose Noir (10 ml left)"]
    row = alert_row(conn)
    assert (row["status"], row["attempts"], row["locked_until"]) == ("sent", 2, None)


def test_an_alert_the_receiver_keeps_refusing_is_given_up_after_the_last_attempt(
    conn, alert_receiver: AlertReceiver
):
    alert_receiver.refuse = delivery_leases.MAX_ATTEMPTS + 1
    queue_alert(conn, alert_receiver.url)
    conn.execute("UPDATE webhook_outbox SET attempts = %s", (delivery_leases.MAX_ATTEMPTS - 2,))

    assert alert_webhooks.send_due(conn) == 0
    row = alert_row(conn)
    assert row["status"] == "pending" and "503" in row["last_error"]
    assert alert_webhooks.send_due(conn) == 0  # backing off: not due again yet

    conn.execute("UPDATE webhook_outbox SET next_attempt_at = now()")
    assert alert_webhooks.send_due(conn) == 0
    row = alert_row(conn)
    assert (row["status"], row["attempts"]) == ("failed", delivery_leases.MAX_ATTEMPTS)

    alert_receiver.refuse = 0
    conn.execute("UPDATE webhook_outbox SET next_attempt_at = now()")
    assert alert_webhooks.send_due(conn) == 0  # failed stays failed for the operator
    assert alert_receiver.posts == []
