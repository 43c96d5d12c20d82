"""The worker's periodic jobs: each slot runs once across any number of workers, a job
not due does not run, a failure is recorded and retried at the next slot, the admin
shows each job's last run. The clock is injected: nothing sleeps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import psycopg

from decant.ops import schedule
from decant.ops.schedule import Job
from decant.platform import db


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


class Recorder:
    """A job that counts its runs, optionally blocking or failing."""

    def __init__(self, *, fail: bool = False) -> None:
        self.runs: list[datetime] = []
        self.fail = fail
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, conn, settings, now) -> str:
        self.runs.append(now)
        self.started.set()
        assert self.release.wait(30)
        if self.fail:
            raise OSError("No space left on device")
        return f"ran at {now:%H:%M}"


def daily(recorder: Recorder, hhmm: time = time(3, 15)) -> list[Job]:
    return [Job("nightly", recorder, daily_at=hhmm)]


def test_a_due_job_runs_once_across_two_concurrent_workers(conn, settings, database_url):
    job = Recorder()
    schedule.run_due(conn, settings, now=at(2), jobs=daily(job))  # first seen: due 03:15
    assert job.runs == []
    job.release.clear()
    first = threading.Thread(
        target=lambda: _other_worker(database_url, settings, at(3, 16), daily(job))
    )
    first.start()
    assert job.started.wait(30)
    # The first worker is mid-job; the second, on the same slot, leaves it alone.
    assert schedule.run_due(conn, settings, now=at(3, 16), jobs=daily(job)) == 0
    job.release.set()
    first.join(30)
    assert schedule.run_due(conn, settings, now=at(3, 30), jobs=daily(job)) == 0
    assert job.runs == [at(3, 16)]
    [row] = schedule.status(conn)
    assert row["last_slot"] == at(3, 15) and row["next_run_at"] == at(3, 15, day=11)
    assert (row["last_ok"], row["last_result"]) == (True, "ran at 03:16")


def _other_worker(database_url, settings, now, jobs) -> None:
    with db.connection(database_url) as other:
        schedule.run_due(other, settings, now=now, jobs=jobs)


def test_two_workers_racing_for_the_claim_run_the_slot_once(database_url, settings, conn):
    job = Recorder()
    every = [Job("often", job, every=timedelta(minutes=15))]
    schedule.run_due(conn, settings, now=at(9, 1), jobs=every)
    barrier = threading.Barrier(4)

    def worker() -> None:
        with db.connection(database_url) as mine:
            barrier.wait(30)
            schedule.run_due(mine, settings, now=at(9, 15), jobs=every)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert job.runs == [at(9, 15)]


def test_a_job_not_due_does_not_run(conn, settings):
    job = Recorder()
    for now in (at(2), at(3, 14), at(3, 14, day=10)):
        assert schedule.run_due(conn, settings, now=now, jobs=daily(job)) == 0
    assert job.runs == []
    assert schedule.run_due(conn, settings, now=at(3, 15), jobs=daily(job)) == 1
    assert schedule.run_due(conn, settings, now=at(23, 59), jobs=daily(job)) == 0
    assert job.runs == [at(3, 15)]


def test_a_missed_night_is_caught_up_once(conn, settings):
    job = Recorder()
    schedule.run_due(conn, settings, now=at(2), jobs=daily(job))
    assert schedule.run_due(conn, settings, now=at(12, day=13), jobs=daily(job)) == 1
    assert schedule.run_due(conn, settings, now=at(12, 5, day=13), jobs=daily(job)) == 0
    assert schedule.status(conn)[0]["next_run_at"] == at(3, 15, day=14)


def test_a_failing_job_records_its_error_and_runs_again_next_slot(conn, settings, caplog):
    job = Recorder(fail=True)
    schedule.run_due(conn, settings, now=at(2), jobs=daily(job))
    assert schedule.run_due(conn, settings, now=at(3, 15), jobs=daily(job)) == 1
    [row] = schedule.status(conn)
    assert (row["last_ok"], row["last_result"]) == (False, "OSError: No space left on device")
    assert schedule.run_due(conn, settings, now=at(4), jobs=daily(job)) == 0  # not in a loop
    job.fail = False
    assert schedule.run_due(conn, settings, now=at(3, 15, day=11), jobs=daily(job)) == 1
    [row] = schedule.status(conn)
    assert (row["last_ok"], row["last_result"]) == (True, "ran at 03:15")
    assert len(job.runs) == 2


def test_the_backup_time_comes_from_the_setting_and_a_change_moves_the_next_run(conn, settings):
    names = {j.name: j for j in schedule.jobs_for(settings)}
    assert names["backup"].schedule == "daily at 03:15 UTC"
    assert names["doctor"].schedule == "every 15 min" and "digest" in names
    job = Recorder()
    schedule.run_due(conn, settings, now=at(2), jobs=daily(job))
    later = daily(job, time(4, 30))
    schedule.run_due(conn, settings, now=at(2, 1), jobs=later)
    assert schedule.status(conn)[0]["next_run_at"] == at(4, 30)
    assert schedule.run_due(conn, settings, now=at(3, 15), jobs=later) == 0
    assert schedule.run_due(conn, settings, now=at(4, 30), jobs=later) == 1


def test_the_worker_round_schedules_the_real_jobs_without_running_them_early(conn, settings):
    from decant import worker

    done = worker.run_due(conn, settings)
    assert done["scheduled jobs run"] == 0
    assert [r["name"] for r in schedule.status(conn)] == ["backup", "digest", "doctor"]


def test_the_admin_shows_each_jobs_last_run_and_result(conn, settings, staff):
    schedule.run_due(conn, settings, now=at(2), jobs=daily(Recorder(fail=True)))
    schedule.run_due(conn, settings, now=at(3, 15), jobs=daily(Recorder(fail=True)))
    schedule.run_due(conn, settings, now=at(2), jobs=[Job("fine", Recorder(), daily_at=time(3))])
    schedule.run_due(conn, settings, now=at(3), jobs=[Job("fine", Recorder(), daily_at=time(3))])
    page = staff.get("/admin/jobs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "2026-03-10 03:15" in text
    assert "<strong>failed</strong>: OSError: No space left on device" in text
    assert "ok: ran at 03:00" in text


def test_concurrent_claims_do_not_block_a_worker(conn, settings, database_url):
    """A worker holding a job's row lock (mid-claim) makes another skip, not wait."""
    job = Recorder()
    schedule.run_due(conn, settings, now=at(2), jobs=daily(job))
    with psycopg.connect(database_url, autocommit=True) as holder, holder.transaction():
        holder.execute("SELECT * FROM scheduled_jobs WHERE name = 'nightly' FOR UPDATE")
        assert schedule.run_due(conn, settings, now=at(3, 15), jobs=daily(job)) == 0
    assert job.runs == []
    assert schedule.run_due(conn, settings, now=at(3, 15), jobs=daily(job)) == 1
