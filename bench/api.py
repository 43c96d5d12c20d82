"""The functions under gunicorn: product reads cached and uncached, and orders over HTTP
beside the domain-level rate of bench/orders.py.

Run by hand: `.venv/bin/python bench/api.py [--seconds 5]`. Uses DATABASE_URL when set
(a fresh database is created on that server), else an embedded PostgreSQL, and an
embedded Redis, both in temporary directories. Two gunicorn servers run the same app
on free ports: one as shipped, one with the response cache switched off (the
`uncached_app()` factory below), so "uncached" is the full read path minus Redis.
Prints req/s, p50/p99 and the count of 5xx answers per scenario.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import orders as orders_bench  # noqa: E402
from decant import embedded  # noqa: E402

WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
THREADS = int(os.environ.get("BENCH_THREADS", 8))


def uncached_app() -> Any:
    """gunicorn factory: the shipped app with its response cache switched off."""
    from functions import create_app

    app = create_app()
    app.config["DECANT_RESPONSE_CACHE"] = False
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_spec: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            app_spec,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/health/db")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def load(
    port: int,
    clients: int,
    seconds: float,
    request: Callable[[random.Random], tuple[str, str, bytes | None, dict[str, str]]],
) -> dict[str, Any]:
    """`clients` threads on keep-alive connections, each sending requests back to back."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[Counter] = [Counter() for _ in range(clients)]

    def client(index: int, done: threading.Event) -> None:
        rng = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not done.is_set():
            method, path, body, headers = request(rng)
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 599
            latencies[index].append(time.perf_counter() - began)
            statuses[index][status] += 1
        conn.close()

    elapsed = orders_bench.run_together(clients, seconds, client)
    every = sorted(itertools.chain(*latencies))
    total = sum(statuses, Counter())
    return {
        "rate": len(every) / elapsed,
        "p50_ms": every[len(every) // 2] * 1000 if every else 0.0,
        "p99_ms": every[int(len(every) * 0.99)] * 1000 if every else 0.0,
        "statuses": dict(total),
        "5xx": sum(n for status, n in total.items() if status >= 500),
    }


WRK_SCRIPT = """
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/products/bench-" .. math.random(0, %d))
end
"""


def wrk_reads(port: int, seconds: float, connections: int, folder: Path) -> dict[str, Any]:
    """Product reads driven by wrk (C, Debian's package): the Python client above takes
    a core of its own on a 2-core box, which caps what it can show of the server."""
    script = folder / "products.lua"
    script.write_text(WRK_SCRIPT % (orders_bench.PRODUCTS - 1))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": float("nan"),
        "p99_ms": float(p99.group(1)) * unit[p99.group(2)] if p99 else float("nan"),
        "5xx": int(bad.group(1)) if bad else 0,
        "statuses": "wrk: non-2xx counted as 5xx",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--buyers", type=int, default=32)
    parser.add_argument(
        "--wrk", action="store_true", help="also measure the reads with wrk (apt install wrk)"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    server = os.environ.get("DATABASE_URL") or embedded.postgres_url(
        work / "pg", keep_running=False
    )
    url = orders_bench.fresh_database(server)
    redis_url = embedded.redis_url(work / "redis")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DECANT_DATA_DIR": str(work / "var"),
        "DECANT_PUBLIC_DIR": str(work / "public"),
        "DECANT_ENV": "development",
        "DECANT_DEMO_PAYMENTS": "1",
    }
    env.pop("STRIPE_SECRET_KEY", None)
    log = work / "gunicorn.log"
    cached, cached_port = start_gunicorn("functions.wsgi:app", env, log)
    uncached, uncached_port = start_gunicorn("bench.api:uncached_app()", env, log)
    addresses = itertools.count(1)

    def product(rng: random.Random) -> tuple[str, str, None, dict[str, str]]:
        return "GET", f"/api/products/bench-{rng.randrange(orders_bench.PRODUCTS)}", None, {}

    def order(rng: random.Random) -> tuple[str, str, bytes, dict[str, str]]:
        n = next(addresses)  # every order from its own shopper, as in a real shop
        body = {
            "email": f"bench-{n}@example.com",
            "name": "Bench",
            "shipping_address": orders_bench.ADDRESS,
            "items": [
                {
                    "slug": f"bench-{rng.randrange(orders_bench.PRODUCTS)}",
                    "size_ml": 2,
                    "quantity": 1,
                }
            ],
        }
        return (
            "POST",
            "/api/orders",
            json.dumps(body).encode(),
            {
                "Content-Type": "application/json",
                "X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
            },
        )

    try:
        load(cached_port, args.readers, 1.0, product)  # warm the cache and the pools
        load(uncached_port, args.readers, 1.0, product)
        results = {
            "GET /api/products/<slug> cached": load(
                cached_port, args.readers, args.seconds, product
            ),
            "GET /api/products/<slug> uncached": load(
                uncached_port, args.readers, args.seconds, product
            ),
        }
        if args.wrk:
            results["GET /api/products/<slug> cached (wrk)"] = wrk_reads(
                cached_port, args.seconds, args.readers, work
            )
            results["GET /api/products/<slug> uncached (wrk)"] = wrk_reads(
                uncached_port, args.seconds, args.readers, work
            )
        stop(uncached)
        uncached = None
        results[f"POST /api/orders, {args.buyers} clients"] = load(
            cached_port, args.buyers, args.seconds, order
        )
    finally:
        stop(cached)
        if uncached is not None:
            stop(uncached)
    domain = orders_bench.domain_rate(url, args.buyers, args.seconds)
    embedded.stop_redis(work / "redis")

    print(
        f"gunicorn {WORKERS} workers x {THREADS} threads, {os.cpu_count()} cores, "
        f"{args.seconds:.0f} s per scenario, {orders_bench.PRODUCTS} products"
    )
    print(f"{'scenario':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'5xx':>6}  statuses")
    for label, r in results.items():
        print(
            f"{label:<40}{r['rate']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['5xx']:>6}  {r['statuses']}"
        )
    print(f"{'orders.place, ' + str(args.buyers) + ' buyers (domain)':<40}{domain:>9.0f}")
    reads = (
        results["GET /api/products/<slug> cached"]["rate"]
        / results["GET /api/products/<slug> uncached"]["rate"]
    )
    http_orders = results[f"POST /api/orders, {args.buyers} clients"]["rate"]
    print(f"cached / uncached reads: {reads:.2f}x (target >= 3)")
    if args.wrk:
        by_wrk = (
            results["GET /api/products/<slug> cached (wrk)"]["rate"]
            / results["GET /api/products/<slug> uncached (wrk)"]["rate"]
        )
        print(f"cached / uncached reads, wrk client: {by_wrk:.2f}x (target >= 3)")
    print(f"HTTP / domain orders:    {http_orders / domain:.2f} (target >= 0.5)")
    print(f"gunicorn log: {log}")


if __name__ == "__main__":
    main()
