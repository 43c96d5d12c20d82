"""The worker wakes when work is committed, not at its next poll.

The worker here polls once an hour, so within the test only a notification from the
database (sql/0071) can start a round: each wait_until below can only end in time
if the worker was woken.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from decant.mail import composing
from decant.publishing import build_queue
from tests.command_env import decant_env
from tests.waiting import wait_until


def build_status(conn, run_id: int) -> str:
    return conn.execute(
        "SELECT status::text AS s FROM build_runs WHERE id = %s", (run_id,)
    ).fetchone()["s"]


@pytest.fixture
def idle_worker(settings, catalog_shop, build_site, conn) -> Iterator[subprocess.Popen[str]]:
    """A worker polling once an hour, past its first round and waiting."""
    build_site(full=True)
    first = build_queue.request_build(conn, trigger="test")
    process = subprocess.Popen(
        [sys.executable, "-m", "decant.cli", "worker", "--interval", "3600"],
        env=decant_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The build is the last job of a round: once it is done, the worker waits.
        wait_until(
            lambda: process.poll() is not None or build_status(conn, first) == "succeeded",
            timeout=60,
            what="the worker's first round",
        )
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_email_put_in_the_outbox_is_sent_at_once(idle_worker, shop, conn, settings):
    order = shop.order(("rose-noir", 2, 1))
    composing.enqueue(conn, "confirmation", order)
    wait_until(
        lambda: (
            conn.execute("SELECT status::text AS s FROM email_outbox").fetchone()["s"] == "sent"
        ),
        timeout=20,
        what="the e-mail sent by the woken worker",
    )
    assert (Path(settings.data_dir) / "mail" / f"order-{order['id']}-confirmation.eml").exists()


def test_a_publish_starts_the_build_at_once(idle_worker, conn):
    run_id = build_queue.request_build(conn, trigger="admin", requested_by="owner@decant.test")
    wait_until(
        lambda: build_status(conn, run_id) in ("succeeded", "failed"),
        timeout=20,
        what="the build run by the woken worker",
    )
    assert build_status(conn, run_id) == "succeeded"
