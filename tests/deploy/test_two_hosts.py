"""Past one machine: two gunicorn app hosts behind the real Nginx (TLS config, its
upstream listing both), sharing PostgreSQL and Redis. Orders placed through Nginx
land on both hosts, and every one is in the database exactly once."""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.operations import wait_for_port
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


@pytest.fixture
def two_app_hosts(settings, tmp_path: Path) -> Iterator[list[tuple[int, Path, subprocess.Popen]]]:
    """Two gunicorn processes running functions.wsgi:app, each with its access log."""
    hosts, processes = [], []
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "DECANT_DATA_DIR": str(settings.data_dir),
        "DECANT_PUBLIC_DIR": str(settings.public_dir),
        "DECANT_ENV": "test",
        "DECANT_SECRET_KEY": settings.secret_key,
        "DECANT_DEMO_PAYMENTS": "1",
        "DECANT_MAX_UNPAID_ORDERS": "1000",  # all orders come through one Nginx here
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for n in range(2):
        port, log = free_port(), tmp_path / f"host-{n}.log"
        processes.append(
            subprocess.Popen(
                [
                    GUNICORN,
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--no-control-socket",
                    "--pythonpath",
                    str(ROOT),
                    "--access-logfile",
                    str(log),
                    "functions.wsgi:app",
                ],
                cwd=tmp_path,  # no stray .env from the checkout
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / f"host-{n}.err").open("w"),
            )
        )
        hosts.append((port, log, processes[-1]))
    try:
        for port, _, _ in hosts:
            wait_for_port(port, timeout=90)
        yield hosts
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def place_order(nginx, n: int) -> http.client.HTTPResponse:
    context = ssl.create_default_context(cafile=nginx.cert)
    connection = http.client.HTTPSConnection(
        "localhost", nginx.https_port, context=context, timeout=60
    )
    body = {
        "email": f"shopper{n}@example.com",
        "name": f"Shopper {n}",
        "shipping_address": {
            "line1": "Main St 1",
            "line2": "",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "items": [{"slug": "rose-noir", "size_ml": 2, "quantity": 1}],
    }
    connection.request(
        "POST",
        "/api/orders",
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Idempotency-Key": f"two-hosts-{n}"},
    )
    return connection.getresponse()


def test_orders_placed_through_nginx_are_served_by_both_app_hosts(
    tls_nginx, two_app_hosts, shop, conn
):
    shop.product("rose-noir", ml=100, sizes={2: 600})
    nginx = tls_nginx(upstreams=[f"127.0.0.1:{port}" for port, _, _ in two_app_hosts])

    numbers = []
    for n in range(8):
        answer = place_order(nginx, n)
        payload = json.loads(answer.read())
        assert answer.status == 201, payload
        assert answer.getheader("Strict-Transport-Security") == "max-age=63072000"
        numbers.append(payload["data"]["order_number"])

    assert len(set(numbers)) == 8
    assert shop.count("orders") == 8
    assert shop.remaining_ml("rose-noir") == 100 - 8 * 2
    served = [
        len(re.findall(r'"POST /api/orders HTTP', log.read_text())) for _, log, _ in two_app_hosts
    ]
    assert sum(served) == 8
    assert all(count > 0 for count in served), served


def test_shop_keeps_taking_orders_when_one_app_host_dies(tls_nginx, two_app_hosts, shop):
    shop.product("rose-noir", ml=100, sizes={2: 600})
    nginx = tls_nginx(upstreams=[f"127.0.0.1:{port}" for port, _, _ in two_app_hosts])
    assert place_order(nginx, 100).status == 201

    # stop the first host: Nginx moves its share to the second
    first = two_app_hosts[0][2]
    first.terminate()
    first.wait(timeout=30)

    statuses = [place_order(nginx, 101 + n).status for n in range(4)]

    assert statuses == [201] * 4
    assert shop.count("orders") == 5
