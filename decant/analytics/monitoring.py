"""What an operator watches, read from the database: orders and payments, the e-mail
outbox backlog, builds waiting and how long builds take.

`/metrics` and `decant doctor` both read these figures, so the dashboard and the
command-line check never disagree. Reads are cheap aggregates meant for a replica.
"""

from __future__ import annotations

from typing import Any

import psycopg

# upper bounds (seconds) of the build-duration histogram; a one-product build is ~1 s
BUILD_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def orders_by_state(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Order counts and money by status and payment status."""
    return conn.execute(
        """
        SELECT status::text AS status, payment_status::text AS payment_status,
               count(*) AS orders, coalesce(sum(total_cents), 0) AS total_cents
          FROM orders GROUP BY 1, 2 ORDER BY 1, 2
        """
    ).fetchall()


def payment_events(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Webhook events received, by type and outcome (a rise in failures shows here)."""
    return conn.execute(
        """
        SELECT event_type, outcome, count(*) AS events
          FROM webhook_events GROUP BY 1, 2 ORDER BY 1, 2
        """
    ).fetchall()


def outbox_backlog(conn: psycopg.Connection) -> dict[str, Any]:
    """E-mails not sent yet, failed for good, and how old the oldest waiting one is."""
    return conn.execute(
        """
        SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')) AS waiting,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               coalesce(extract(epoch FROM now() - min(created_at)
                        FILTER (WHERE status IN ('pending', 'sending'))), 0)::float
                   AS oldest_seconds
          FROM email_outbox
        """
    ).fetchone()


def builds(conn: psycopg.Connection) -> dict[str, Any]:
    """Builds queued, running, failed, and the durations of finished ones."""
    row = conn.execute(
        """
        SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
               count(*) FILTER (WHERE status = 'running') AS running,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
               coalesce(extract(epoch FROM now() - min(created_at)
                        FILTER (WHERE status = 'queued')), 0)::float AS oldest_queued_seconds
          FROM build_runs
        """
    ).fetchone()
    cumulative = ", ".join(
        f"count(*) FILTER (WHERE seconds <= {bound}) AS le_{i}"
        for i, bound in enumerate(BUILD_BUCKETS)
    )
    timing = conn.execute(
        f"SELECT count(*) AS count, coalesce(sum(seconds), 0)::float AS sum, {cumulative}"
        " FROM build_runs WHERE seconds IS NOT NULL AND finished_at IS NOT NULL"
    ).fetchone()
    last = conn.execute(
        "SELECT status::text AS status, seconds FROM build_runs"
        " WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    return {
        **row,
        "seconds_count": timing["count"],
        "seconds_sum": timing["sum"],
        "seconds_buckets": [(b, timing[f"le_{i}"]) for i, b in enumerate(BUILD_BUCKETS)],
        "last_status": last["status"] if last else None,
        "last_seconds": float(last["seconds"]) if last and last["seconds"] is not None else None,
    }
