"""`decant worker` SIGKILLed mid-build and mid-send, then another worker started.

The next worker finishes the build (no stale lock, the abandoned run marked failed
and queued again) while the live site stays as it was; and an e-mail whose send was
cut off goes out once through Resend: the retry carries the same Idempotency-Key.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest

from decant.mail import composing
from decant.platform.config import Settings
from decant.publishing import build_queue
from tests.command_env import decant_env
from tests.factories import Shop
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "decant.cli", "worker", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run_worker_once(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "decant.cli", "worker", "--once"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def sigkill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_a_build_cut_off_by_sigkill_is_finished_by_the_next_worker_and_the_live_site_stays(
    settings: Settings, catalog_shop: Shop, build_site, database_url: str
) -> None:
    build_site()
    current = settings.public_dir / "current"
    live_before = current.resolve()
    home_before = (current / "index.html").read_bytes()
    conn = catalog_shop.conn
    conn.execute("UPDATE products SET name = 'Rose Noire' WHERE slug = 'rose-noir'")
    run_id = build_queue.request_build(conn, trigger="admin")

    # Hold the catalog so the build blocks at a known point, after it has started.
    with psycopg.connect(database_url) as blocker:
        blocker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        worker = start_worker(decant_env(settings), "--interval", "0.2")
        try:

            def build_blocked() -> bool:
                running = conn.execute(
                    "SELECT status::text AS s FROM build_runs WHERE id = %s", (run_id,)
                ).fetchone()["s"]
                waiting = conn.execute(
                    "SELECT count(*) AS n FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchone()["n"]
                return running == "running" and waiting > 0

            wait_until(build_blocked, timeout=60, what="the worker's build to start")
            sigkill(worker)
        finally:
            if worker.poll() is None:
                worker.kill()
        blocker.rollback()

    # Meanwhile the live site is the build before, whole.
    assert current.resolve() == live_before
    assert (current / "index.html").read_bytes() == home_before
    assert (
        conn.execute(
            "SELECT status::text AS s FROM build_runs WHERE id = %s", (run_id,)
        ).fetchone()["s"]
        == "running"
    )

    run_worker_once(decant_env(settings))

    runs = conn.execute(
        "SELECT id, status::text AS status, error FROM build_runs WHERE id >= %s ORDER BY id",
        (run_id,),
    ).fetchall()
    assert runs[0]["status"] == "failed"
    assert "stopped before it finished" in runs[0]["error"]
    assert [r["status"] for r in runs[1:]] == ["succeeded"]
    live_after = current.resolve()
    assert live_after != live_before
    assert "Rose Noire" in (live_after / "index.html").read_text()
    assert not list((settings.public_dir / "builds").glob(f"*-{run_id:06d}*"))


class FakeResend:
    """Resend's POST /emails with its idempotency: the same key is one e-mail. The
    first request is held until the test lets it go (the worker is killed meanwhile)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.ids: dict[str, str] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                fake.requests.append((key, body))
                if len(fake.requests) == 1:
                    fake.first_arrived.set()
                    fake.release.wait(timeout=60)
                email_id = fake.ids.setdefault(key, f"email-{len(fake.ids) + 1}")
                answer = json.dumps({"id": email_id}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the worker that asked is dead

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def fake_resend_server() -> Iterator[FakeResend]:
    fake = FakeResend()
    yield fake
    fake.close()


def test_an_email_cut_off_mid_send_by_sigkill_goes_out_once_through_resend(
    settings: Settings, shop: Shop, fake_resend_server: FakeResend
) -> None:
    conn = shop.conn
    shop.product("amber-dusk", ml=20, sizes={5: 1400})
    order = shop.order(("amber-dusk", 5, 1))
    with conn.transaction():
        assert composing.enqueue(conn, "confirmation", order)
    env = decant_env(settings, RESEND_API_KEY="re_test_key", RESEND_API_BASE=fake_resend_server.url)

    worker = start_worker(env, "--interval", "0.2")
    try:
        assert fake_resend_server.first_arrived.wait(timeout=60), "the worker never sent"
        sigkill(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    fake_resend_server.release.set()
    row = conn.execute("SELECT status::text AS status, dedupe_key FROM email_outbox").fetchone()
    assert row["status"] == "sending"  # claimed, never marked sent

    # The dead worker's lease (delivery_leases.LEASE_SECONDS) runs out; here without the wait.
    conn.execute("UPDATE email_outbox SET locked_until = now() - interval '1 second'")
    run_worker_once(env)
    run_worker_once(env)  # and nothing is sent a third time

    keys = [key for key, _ in fake_resend_server.requests]
    assert keys == [row["dedupe_key"], row["dedupe_key"]]
    assert len(fake_resend_server.ids) == 1  # Resend delivered one e-mail
    sent = conn.execute(
        "SELECT status::text AS status, provider, provider_message_id, attempts FROM email_outbox"
    ).fetchone()
    assert (sent["status"], sent["provider"]) == ("sent", "resend")
    assert sent["provider_message_id"] == "email-1"
    assert sent["attempts"] == 2
