"""The worker's periodic jobs: the daily backup, `decant doctor` every 15 minutes and
the owner's daily digest, run by `decant worker` itself so a docker compose or
systemd install needs no cron or timer.

Once across any number of workers: each job has a row in `scheduled_jobs`. A worker
locks the row with FOR UPDATE SKIP LOCKED, and only when its next_run_at has come
does it move next_run_at to the following slot and commit, then run the job. Another
worker either skips the locked row or sees the slot already taken. A job that fails
records its error and runs again at its next slot (not at once: a backup failing for
a full disk would otherwise loop). A slot missed while no worker ran is caught up
once, not once per missed slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import psycopg

from decant.mail import alert_webhooks
from decant.ops import backups, doctor, owner_alerts, owner_digest
from decant.platform import db
from decant.platform.config import Settings

log = logging.getLogger("decant.schedule")

DOCTOR_EVERY = timedelta(minutes=15)
DIGEST_AT = time(7, 0)  # UTC, after the night's backup, before a shop's day starts
RESULT_MAX_CHARS = 2000

Run = Callable[[psycopg.Connection, Settings, datetime], str]


@dataclass(frozen=True)
class Job:
    name: str
    run: Run
    daily_at: time | None = None
    every: timedelta | None = None

    @property
    def schedule(self) -> str:
        if self.daily_at is not None:
            return f"daily at {self.daily_at.strftime('%H:%M')} UTC"
        return f"every {int(self.every.total_seconds() // 60)} min" if self.every else "never"

    def next_slot(self, after: datetime) -> datetime:
        """The first slot strictly after `after`."""
        if self.daily_at is not None:
            slot = datetime.combine(after.date(), self.daily_at, tzinfo=UTC)
            return slot if slot > after else slot + timedelta(days=1)
        assert self.every is not None
        step = int(self.every.total_seconds())
        epoch = int(after.timestamp())
        return datetime.fromtimestamp((epoch // step + 1) * step, tz=UTC)


def _backup(conn: psycopg.Connection, settings: Settings, now: datetime) -> str:
    return backups.backup(settings, db.database_url(settings), now=now)


def _doctor(conn: psycopg.Connection, settings: Settings, now: datetime) -> str:
    """Run the checks; each failing one is an alert, told once a day while it lasts
    (the dedupe key holds the check and the day)."""
    checks = doctor.run(settings, db.database_url(settings), now=now)
    text, _ = doctor.report(checks)
    with conn.transaction():
        for check in checks:
            if check.ok is False:
                owner_alerts.note(
                    conn,
                    "doctor",
                    f"doctor:{check.name}:{now.date().isoformat()}",
                    f"decant doctor: {check.name} is failing",
                    check.line(),
                )
    return text.splitlines()[-1]


def _digest(conn: psycopg.Connection, settings: Settings, now: datetime) -> str:
    return owner_digest.queue(conn, settings, now.date())


def jobs_for(settings: Settings) -> list[Job]:
    hours, minutes = (int(part) for part in settings.backup_at.split(":"))
    return [
        Job("backup", _backup, daily_at=time(hours, minutes)),
        Job("doctor", _doctor, every=DOCTOR_EVERY),
        Job("digest", _digest, daily_at=DIGEST_AT),
    ]


def _claim(conn: psycopg.Connection, job: Job, now: datetime) -> datetime | None:
    """The slot this worker is to run now, or None (not due, or another has it)."""
    conn.execute(
        "INSERT INTO scheduled_jobs (name, schedule, next_run_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (name) DO NOTHING",
        (job.name, job.schedule, job.next_slot(now)),
    )
    with conn.transaction():
        row = conn.execute(
            "SELECT schedule, next_run_at FROM scheduled_jobs WHERE name = %s"
            " FOR UPDATE SKIP LOCKED",
            (job.name,),
        ).fetchone()
        if row is None:
            return None
        if row["schedule"] != job.schedule:
            # DECANT_BACKUP_AT changed: the next slot is the new time's, not the old.
            conn.execute(
                "UPDATE scheduled_jobs SET schedule = %s, next_run_at = %s WHERE name = %s",
                (job.schedule, job.next_slot(now), job.name),
            )
            return None
        if row["next_run_at"] > now:
            return None
        conn.execute(
            "UPDATE scheduled_jobs SET next_run_at = %s, last_slot = %s, last_started_at = %s"
            " WHERE name = %s",
            (job.next_slot(now), row["next_run_at"], now, job.name),
        )
        return row["next_run_at"]


def run_due(
    conn: psycopg.Connection,
    settings: Settings,
    *,
    now: datetime | None = None,
    jobs: Sequence[Job] | None = None,
) -> int:
    """Run the jobs whose slot has come; return how many ran (failed ones included).
    `now` is the clock (tests pass theirs); a job's finish is stamped with it too."""
    injected = now
    now = now or datetime.now(UTC)
    ran = 0
    for job in jobs if jobs is not None else jobs_for(settings):
        slot = _claim(conn, job, now)
        if slot is None:
            continue
        ran += 1
        try:
            result, ok = job.run(conn, settings, now), True
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, the worker goes on
            log.exception("scheduled job %s failed", job.name)
            result, ok = f"{type(exc).__name__}: {exc}", False
        conn.execute(
            "UPDATE scheduled_jobs SET last_finished_at = %s, last_ok = %s, last_result = %s"
            " WHERE name = %s",
            (injected or datetime.now(UTC), ok, result[:RESULT_MAX_CHARS], job.name),
        )
    return ran


def status(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Each job's schedule and last run, for the admin."""
    return conn.execute(
        "SELECT name, schedule, next_run_at, last_slot, last_started_at, last_finished_at,"
        " last_ok, last_result FROM scheduled_jobs ORDER BY name"
    ).fetchall()


def worker_round(conn: psycopg.Connection, settings: Settings) -> dict[str, int]:
    """What decant.worker.run_due adds each round: the jobs that are due, then the owner's
    alerts (theirs and the shop's) queued and posted."""
    return {
        "scheduled jobs run": run_due(conn, settings),
        "owner notifications queued": owner_alerts.dispatch(conn, settings),
        "alerts posted": alert_webhooks.send_due(conn),
    }
