"""The functions under gunicorn: product reads as a share of a no-I/O Flask ping, and
orders over HTTP beside the domain-level rate of bench/orders.py.

Run by hand: `.venv/bin/python bench/api.py [--seconds 5] [--wrk] [--orders-only]`. Uses DATABASE_URL
when set (a fresh database is created on that server), else an embedded PostgreSQL,
and an embedded Redis, both in temporary directories. Four gunicorn servers with the
same settings (workers x gthread threads) run, in the same run:

- "fast layer + cache": the app as shipped (functions/web/product_hits.py answers cache
  hits before Flask);
- "Flask + cache": the same app with the fast layer taken off, so hits go through Flask;
- "fast layer, no cache": the shipped app whose cache never holds anything, so every
  read pays the fast layer's version read and miss, then Flask's full path;
- "no-I/O ping": a bare Flask view under the same route answering a product-sized JSON
  (a real product answer, serialised per request) without touching any server: the
  ceiling the cached reads are a ratio of (goal >= 0.6).

The four read scenarios take turns in one-second slices (a load elsewhere on the box
weighs on all alike). Printed per scenario: req/s, p50/p99, statuses and the hit ratio seen (`X-Cache`);
orders/s counting only 201s, with p50/p99 of every order answer and of the 201s alone
(the issue's goal: p99 < 100 ms with 32 clients); and a run where buyers place orders
(which bump the products' cache versions) while readers read, so hits and misses mix as
in a shop. The orders are measured after a second of orders that is not counted (the
workers' connections prepare the order's statements), and beside the domain's rate on
the same work (`orders.place` under the unpaid-orders limit, bench/orders.py).
`--orders-only` runs only the shipped server and the orders scenarios.
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
import statistics
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
sys.path.insert(0, str(ROOT))  # `python bench/api.py` puts bench/, not the checkout, first

from bench import orders as orders_bench  # noqa: E402
from decant.platform import embedded  # noqa: E402

WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
THREADS = int(os.environ.get("BENCH_THREADS", 8))


def uncached_app() -> Any:
    """gunicorn factory: the shipped app (fast layer included) whose response cache never
    holds anything: every read is a miss answered the full way."""
    from functions import create_app
    from functions.web.response_cache import NoCache

    app = create_app()
    app.extensions["decant"].extras["response_cache"] = NoCache()
    return app


def flask_cached_app() -> Any:
    """gunicorn factory: the shipped app with its cache, without the fast hit layer."""
    from functions import create_app
    from functions.web.product_hits import ProductHits

    app = create_app()
    outer: Any = app
    layer: Any = app.wsgi_app
    while not isinstance(layer, ProductHits):  # other middleware may wrap it
        outer, layer = layer, layer.inner
    if outer is app:
        app.wsgi_app = layer.inner  # type: ignore[method-assign]
    else:
        outer.inner = layer.inner
    return app


def ping_app() -> Any:
    """gunicorn factory: the ceiling. A bare Flask app whose view answers a real product
    answer (read from BENCH_PING_BODY once) as JSON made per request, with no I/O."""
    from flask import Flask, jsonify

    body = json.loads(Path(os.environ["BENCH_PING_BODY"]).read_bytes())
    app = Flask("ping")

    @app.get("/api/products/<path:slug>")
    def product(slug: str) -> Any:
        return jsonify(body)

    @app.get("/api/health/db")
    def health() -> Any:
        return jsonify({"success": True})

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
    created: list[list[float]] = [[] for _ in range(clients)]  # latencies of the 201s
    statuses: list[Counter] = [Counter() for _ in range(clients)]
    caches: list[Counter] = [Counter() for _ in range(clients)]

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
                caches[index][answer.getheader("X-Cache") or "-"] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 599
            latencies[index].append(time.perf_counter() - began)
            if status == 201:
                created[index].append(latencies[index][-1])
            statuses[index][status] += 1
        conn.close()

    elapsed = orders_bench.run_together(clients, seconds, client)
    every = sorted(itertools.chain(*latencies))
    made = sorted(itertools.chain(*created))
    total = sum(statuses, Counter())
    cache = sum(caches, Counter())
    looked = cache["hit"] + cache["miss"]
    return {
        "rate": len(every) / elapsed,
        "created_rate": total[201] / elapsed,
        "hit_ratio": cache["hit"] / looked if looked else float("nan"),
        "hits": cache["hit"],
        "looked": looked,
        "p50_ms": every[len(every) // 2] * 1000 if every else 0.0,
        "p99_ms": every[int(len(every) * 0.99)] * 1000 if every else 0.0,
        "p50_201_ms": made[len(made) // 2] * 1000 if made else float("nan"),
        "p99_201_ms": made[int(len(made) * 0.99)] * 1000 if made else float("nan"),
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


READS = {
    "fast layer + cache": "functions.wsgi:app",
    "Flask + cache": "bench.api:flask_cached_app()",
    "fast layer, no cache": "bench.api:uncached_app()",
    "no-I/O ping": "bench.api:ping_app()",
}


def merge(results: dict[str, dict[str, Any]], label: str, piece: dict[str, Any]) -> None:
    """Add one slice of a scenario to its total: rates averaged over equal slices,
    counts summed, latencies the worst slice's (a conservative p50/p99)."""
    total = results.setdefault(label, {"slices": []})
    total["slices"].append(piece)
    slices = total["slices"]
    total["rate"] = statistics.fmean(p["rate"] for p in slices)
    total["created_rate"] = statistics.fmean(p.get("created_rate", float("nan")) for p in slices)
    total["p50_ms"] = max(p["p50_ms"] for p in slices)
    total["p99_ms"] = max(p["p99_ms"] for p in slices)
    total["5xx"] = sum(p["5xx"] for p in slices)
    if isinstance(piece["statuses"], dict):
        total["statuses"] = dict(sum((Counter(p["statuses"]) for p in slices), Counter()))
        total["hits"] = sum(p["hits"] for p in slices)
        total["looked"] = sum(p["looked"] for p in slices)
        total["hit_ratio"] = total["hits"] / total["looked"] if total["looked"] else float("nan")
    else:
        total["statuses"] = piece["statuses"]


def together(jobs: dict[str, Callable[[], dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Run the loads at the same time (readers while buyers buy)."""
    results: dict[str, dict[str, Any]] = {}
    threads = [
        threading.Thread(target=lambda k=k, job=job: results.__setitem__(k, job()))
        for k, job in jobs.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--buyers", type=int, default=32)
    parser.add_argument(
        "--wrk", action="store_true", help="also measure the reads with wrk (apt install wrk)"
    )
    parser.add_argument(
        "--orders-only", action="store_true", help="only the orders scenarios (no read servers)"
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
        "BENCH_PING_BODY": str(work / "ping.json"),
    }
    env.pop("STRIPE_SECRET_KEY", None)
    log = work / "gunicorn.log"
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
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

    results: dict[str, dict[str, Any]] = {}
    try:
        servers["fast layer + cache"] = start_gunicorn(READS["fast layer + cache"], env, log)
        # The ping answers a real product answer, as big as the ones the reads get.
        conn = http.client.HTTPConnection("127.0.0.1", servers["fast layer + cache"][1])
        conn.request("GET", "/api/products/bench-0")
        (work / "ping.json").write_bytes(conn.getresponse().read())
        conn.close()
        for label, spec in READS.items():
            if label not in servers and not args.orders_only:
                servers[label] = start_gunicorn(spec, env, log)
        for _, port in servers.values():
            load(port, args.readers, 1.0, product)  # warm the cache and the pools
        # The scenarios take turns, a slice each per round, so a load that comes and
        # goes on a shared machine weighs on all of them alike and the ratios hold.
        rounds = 0 if args.orders_only else max(1, round(args.seconds))
        for _ in range(rounds):
            for label, (_, port) in servers.items():
                piece = load(port, args.readers, args.seconds / rounds, product)
                merge(results, f"GET product, {label}", piece)
                if args.wrk:
                    piece = wrk_reads(port, args.seconds / rounds, args.readers, work)
                    merge(results, f"GET product, {label} (wrk)", piece)
        for label in ("Flask + cache", "fast layer, no cache", "no-I/O ping"):
            if label in servers:
                stop(servers.pop(label)[0])
        port = servers["fast layer + cache"][1]
        load(port, args.buyers, 1.0, order)  # warm-up: not counted
        results[f"POST /api/orders, {args.buyers} clients"] = load(
            port, args.buyers, args.seconds, order
        )
        mixed = together(
            {
                "reads": lambda: load(port, args.readers, args.seconds, product),
                "orders": lambda: load(port, args.buyers // 2, args.seconds, order),
            }
        )
        results["GET product while orders bump versions"] = mixed["reads"]
        results[f"POST /api/orders beside the reads, {args.buyers // 2} clients"] = mixed["orders"]
    finally:
        for process, _ in servers.values():
            stop(process)
    domain = orders_bench.domain_rate(url, args.buyers, args.seconds)
    embedded.stop_redis(work / "redis")

    print(
        f"gunicorn {WORKERS} workers x {THREADS} threads, {os.cpu_count()} cores, "
        f"{args.seconds:.0f} s per scenario, {orders_bench.PRODUCTS} products"
    )
    print(
        f"{'scenario':<58}{'req/s':>8}{'201/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'hits':>6}{'5xx':>6}"
        "  statuses"
    )
    for label, r in results.items():
        hits = r.get("hit_ratio", float("nan"))
        print(
            f"{label:<58}{r['rate']:>8.0f}{r.get('created_rate', float('nan')):>8.0f}"
            f"{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}{hits:>6.2f}{r['5xx']:>6}  {r['statuses']}"
        )
        if label.startswith("POST /api/orders"):
            print(
                f"{'  the 201s alone':<58}{'':>16}{r['p50_201_ms']:>8.1f}{r['p99_201_ms']:>8.1f}"
                f"{'  (goal: p99 < 100 ms at 32 clients)' if str(args.buyers) in label else ''}"
            )
    print(f"{'orders.place, ' + str(args.buyers) + ' buyers (domain)':<58}{domain:>8.0f}")
    clients = [] if args.orders_only else [""] + ([" (wrk)"] if args.wrk else [])
    for client in clients:
        ping = results[f"GET product, no-I/O ping{client}"]["rate"]
        name = "wrk client" if client else "Python client"
        print(f"reads as a share of the no-I/O ping, {name}:")
        for label in ("fast layer + cache", "Flask + cache", "fast layer, no cache"):
            rate = results[f"GET product, {label}{client}"]["rate"]
            goal = "  (goal >= 0.6)" if label == "fast layer + cache" else ""
            print(f"  {label:<22} {rate / ping:.2f}{goal}")
    http_orders = results[f"POST /api/orders, {args.buyers} clients"]["created_rate"]
    print(f"HTTP (201s only) / domain orders: {http_orders / domain:.2f} (target >= 0.5)")
    print(f"gunicorn log: {log}")


if __name__ == "__main__":
    main()
