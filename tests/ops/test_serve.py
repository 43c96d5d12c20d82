"""`decant serve` — what the first README command ends in — answers its health routes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests

from functions.admin.guard import LOGIN_COOKIE
from tests.plugins.admin import OWNER_EMAIL, PASSWORD
from tests.ports import free_port
from tests.waiting import wait_until


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
    assert set(body) == {"success", "error"} and body["success"] is False
    assert body["error"]["code"] == "not_found" and body["error"]["details"] is None
    assert "not found" in body["error"]["message"].lower()


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


# The first README command's shop: `decant serve` alone, demo payments on, no worker
# started by hand. Publishing and the confirmation e-mail need the worker serve runs.


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def worker_children(pid: int) -> list[int]:
    found = []
    for child in children(pid):
        with contextlib.suppress(FileNotFoundError):  # a web worker may just have exited
            if b"worker" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
                found.append(child)
    return found


def gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody reaped yet (PID 1 in a container)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def start_serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "decant.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"decant serve exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        return False

    wait_until(listening, timeout=120, what="decant serve listening")
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def shop_env(database_url, redis_url, tmp_path: Path, catalog_shop, owner_account):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DECANT_DATA_DIR": str(tmp_path / "var"),
        "DECANT_PUBLIC_DIR": str(tmp_path / "public"),
        "DECANT_ENV": "development",
        "DECANT_DEMO_PAYMENTS": "1",
    }


class Browser:
    """Cookies kept by hand: the admin's are `Secure`, which a browser sends to
    http://127.0.0.1 (a secure context) but Python's cookie jar would not."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def send(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            **kwargs.pop("headers", {}),
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def log_in(self, email: str, password: str) -> None:
        self.send("GET", "/admin/login")
        answer = self.send(
            "POST",
            "/admin/login",
            json={"email": email, "password": password, "totp": None},
            headers={"X-CSRF-Token": self.cookies[LOGIN_COOKIE]},
        )
        assert answer.status_code == 200, answer.text
        self.csrf = answer.json()["data"]["csrf_token"]


def size_prices(html: str) -> list[str]:
    return re.findall(r'<span class="size-price">([^<]+)</span>', html)


def test_the_first_commands_shop_publishes_edits_and_mails_paid_orders(
    shop_env, conn, tmp_path: Path
):
    serve, base = start_serve(shop_env)
    try:
        page = requests.get(base + "/products/rose-noir/", timeout=30).text
        assert size_prices(page) == ["€3.50", "€6.00", "€14.00"]

        owner = Browser(base)
        owner.log_in(OWNER_EMAIL, PASSWORD)
        product = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()
        edit = owner.send(
            "PUT",
            f"/api/admin/products/{product['id']}",
            json={
                "sizes": [
                    {"size_ml": 1, "price_cents": 350},
                    {"size_ml": 2, "price_cents": 740},
                    {"size_ml": 5, "price_cents": 1400},
                ]
            },
            headers={"X-CSRF-Token": owner.csrf},
        )
        assert edit.status_code == 200, edit.text
        published = owner.send("POST", "/admin/publishing/publish", data={"csrf_token": owner.csrf})
        assert published.status_code == 302
        wait_until(
            lambda: (
                size_prices(requests.get(base + "/products/rose-noir/", timeout=30).text)
                == ["€3.50", "€7.40", "€14.00"]
            ),
            timeout=60,
            what="the new price on the product page",
        )

        shopper = {"email": "ada@example.com", "name": "Ada"}
        order = requests.post(
            base + "/api/orders",
            json={
                **shopper,
                "shipping_address": {
                    "line1": "Main St 1",
                    "city": "Berlin",
                    "postal_code": "10115",
                    "country": "DE",
                },
                "items": [{"slug": "rose-noir", "size_ml": 2, "quantity": 1}],
            },
            timeout=30,
        )
        assert order.status_code == 201, order.text
        number = order.json()["data"]["order_number"]
        ask = {"order_number": number, "email": shopper["email"]}
        assert requests.post(base + "/api/checkout", json=ask, timeout=30).status_code == 200
        paid = requests.post(base + "/api/checkout/demo-confirm", json=ask, timeout=30)
        assert paid.json()["data"]["payment_status"] == "paid", paid.text

        mail_dir = tmp_path / "var" / "mail"

        def confirmation_written() -> bool:
            return any(number in f.read_text() for f in mail_dir.glob("*.eml"))

        wait_until(confirmation_written, timeout=30, what="the confirmation in var/mail/")
    finally:
        workers = worker_children(serve.pid) if serve.poll() is None else []
        serve.terminate()
        serve.wait(timeout=60)
    # One process tree, stopped together.
    assert len(workers) == 1
    wait_until(lambda: gone(workers[0]), timeout=30, what="the worker stopping with serve")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_the_worker_stops_with_serve(shop_env, stop):
    serve, _base = start_serve(shop_env)
    try:
        wait_until(lambda: len(worker_children(serve.pid)) == 1, what="the worker started")
        worker = worker_children(serve.pid)[0]
    finally:
        serve.send_signal(stop)
        serve.wait(timeout=60)
    wait_until(lambda: gone(worker), timeout=30, what="the worker stopping with serve")


def test_no_worker_leaves_the_worker_to_its_own_service(shop_env):
    serve, base = start_serve(shop_env, "--no-worker")
    try:
        assert requests.get(base + "/api/health", timeout=30).status_code == 200
        assert worker_children(serve.pid) == []
    finally:
        serve.terminate()
        serve.wait(timeout=60)
