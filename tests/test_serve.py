"""`decant serve` — what the first README command ends in — answers its health routes."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ports import free_port


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def serve_process(database_url, redis_url, tmp_path: Path):
    """(base URL, the `decant serve` process; its output, the access log, on stdout)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DECANT_DATA_DIR": str(tmp_path / "var"),
        "DECANT_PUBLIC_DIR": str(tmp_path / "public"),
        "DECANT_DEMO_PAYMENTS": "1",  # as scripts/run.sh sets it without a Stripe key
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "decant.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"decant serve exited: {process.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            # Not listening yet: wait a moment on the process itself (it may exit).
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
    yield base, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def served_shop(serve_process):
    return serve_process[0]


def test_serve_answers_health_in_the_envelope(served_shop):
    for path in ("/api/health", "/api/health/db", "/api/health/redis"):
        status, body = get_json(served_shop + path)
        assert status == 200, body
        assert body["success"] is True and body["data"]["status"] == "ok"


def test_unknown_api_route_is_a_404_in_the_envelope(served_shop):
    status, body = get_json(served_shop + "/api/nothing-here")
    assert status == 404
    assert body == {
        "success": False,
        "error": {"code": "not_found", "message": body["error"]["message"], "details": None},
    }


def raw_get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A GET built by hand: urllib would refuse some of these sizes itself."""
    import http.client

    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    return answer.status, answer.read()


def test_over_long_urls_and_headers_are_answered_in_the_envelope(served_shop):
    status, body = raw_get(served_shop, "/api/products?q=" + "a" * 9000)
    assert status == 414
    assert json.loads(body)["error"]["code"] == "validation_error"
    assert "url" in json.loads(body)["error"]["details"]

    status, body = raw_get(served_shop, "/api/products", {"X-Filler": "b" * 9000})
    assert status == 431
    assert json.loads(body)["error"]["details"] == {"X-Filler": "longer than 8 KiB"}


def test_serves_access_log_has_paths_without_query_strings(serve_process):
    base, process = serve_process
    email = "secret.shopper@example.com"
    status, _ = get_json(f"{base}/api/orders/track?email={email}&number=PS250101-1234")
    assert status == 404
    get_json(f"{base}/api/health")

    process.terminate()
    output = process.communicate(timeout=30)[0]

    assert "/api/orders/track" in output
    assert email not in output and "secret.shopper" not in output
