"""bench/shop.py as a short CI run: 20 shoppers for 10 s through the real Nginx,
gunicorn, worker, PostgreSQL and Redis while each of them fails once (--chaos).
What is asserted is what shoppers and the shop's owner would notice: no 500 (a 503
only while PostgreSQL is down), every order answered 201 stored with its stock
taken, every payment applied once with one confirmation e-mail. Never a timing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from bench import shop
from bench.shop_topology import Topology
from tests.ports import free_port


@pytest.fixture
def own_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench restarts PostgreSQL and Redis under --chaos, which it only does to
    the embedded servers it starts itself."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.mark.timeout(300)
def test_twenty_shoppers_with_every_server_failing_once_keep_an_exact_ledger(own_servers):
    # think 0.3-0.8 s instead of 1-3 s so that 10 s hold whole visits: orders and payments
    result = shop.run(
        shop.parse(["--shoppers", "20", "--seconds", "10", "--think", "0.3", "0.8", "--chaos"])
    )
    report = "\n".join(result.lines)

    faults = "\n".join(result.chaos_log)
    for fault in (
        "SIGKILL gunicorn worker",
        "Redis back",
        "PostgreSQL back",
        "decant worker restarted",
    ):
        assert fault in faults, report
    assert result.outcomes.placed and result.outcomes.paid, report
    assert not any(500 in route.off_2xx for route in result.routes), report
    assert not result.bad_server_errors, report
    assert result.ledger.holds, report


def publish(public: Path, build: str, home: str) -> None:
    """A build's last step: its directory complete, public/current swapped to it."""
    (public / "builds" / build).mkdir(parents=True)
    (public / "builds" / build / "index.html").write_text(home)
    (public / "next").symlink_to(Path("builds") / build)
    os.replace(public / "next", public / "current")


def test_the_benchs_nginx_serves_a_publish_made_during_the_run(tmp_path: Path):
    """Nginx's root is public/current, as in production, not the build it pointed at
    when the bench started: the worker's publishes during a run are what shoppers get."""
    topology = Topology(tmp_path)
    publish(tmp_path / "public", "first", "<h1>first build</h1>")
    topology.nginx_port, topology.app_port = free_port(), free_port()
    try:
        topology.start_nginx()
        home = f"http://127.0.0.1:{topology.nginx_port}/"
        assert "first build" in requests.get(home, timeout=10).text
        publish(tmp_path / "public", "second", "<h1>second build</h1>")
        assert "second build" in requests.get(home, timeout=10).text
    finally:
        topology.close()
