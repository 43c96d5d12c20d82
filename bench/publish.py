"""Edit -> live: an owner's admin edit and Publish, until Nginx serves the new page.

Run by hand: `.venv/bin/python bench/publish.py [--products 1000,10000,50000] [--edits 20]`.
Per catalog size, the production shape on loopback (bench/shop_topology.py): its own
PostgreSQL and Redis (or DATABASE_URL / REDIS_URL's servers), a catalog made by SQL
(bench/build.py), a full `decant build`, gunicorn with deploy/gunicorn.conf.py behind
the real Nginx with deploy/nginx over public/current, and `decant worker` running.

An owner logs in over HTTP (session cookie + CSRF token, as the admin's own pages do),
then per edit: `PUT /api/admin/products/<id>` with one 5 ml price changed, `POST
/admin/publishing/publish`, and the product page polled through Nginx until the new
price shows. Printed per size: p50/p95 of the edits (edit -> live), split into the
time the publish waited in the queue for the worker (poll-bound: today the worker
looks every `--interval` seconds unless woken) and the rest (build-bound: the build,
the swap of public/current and the poll of the page), the one-product build's own
seconds (build_runs) and its stage times (the build's Stopwatch, from the worker's
log). Then, through the same path, the edit of a product's lowest ("from") price (its
card changes on the catalog, brand and note pages), a sell-out (stock adjusted to 0 in
the admin) and a rename (the product moves in name order), each with files written.

Targets (issue 13): edit -> live p50 <= 1.0 s at 10,000 products; the one-product
build <= 0.5 s at 10,000, and at 50,000 no more than 2x its time at 1,000.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import build as build_bench  # noqa: E402
from bench.shop_topology import BIN, Topology, free_port, wait_for  # noqa: E402

OWNER = "owner@bench.test"
PASSWORD = "bench-owner-password-0123"  # noqa: S105 - a throwaway bench account
LIVE_TIMEOUT = 120.0


@dataclass
class Admin:
    """An owner's session over plain HTTP to Nginx. The cookies are `Secure`
    (`__Host-`), so they are kept here and sent by hand, as a browser behind TLS would."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.csrf:
            sent["X-CSRF-Token"] = self.csrf
        try:
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            data = answer.read()
            for header in answer.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return answer.status, data
        finally:
            conn.close()

    def json(self, method: str, path: str, payload: Any) -> dict[str, Any]:
        status, data = self.request(
            method,
            path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Accept": "application/json"},
        )
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data)

    def form(self, path: str, fields: dict[str, str]) -> None:
        status, data = self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status >= 400:
            raise RuntimeError(f"POST {path}: {status} {data[:300]!r}")

    def login(self) -> None:
        self.request("GET", "/admin/login")
        token = self.cookies.get("__Host-decant_login", "")
        self.csrf = token
        answer = self.json("POST", "/admin/login", {"email": OWNER, "password": PASSWORD})
        self.csrf = answer["data"]["csrf_token"]


def page(port: int, slug: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", f"/products/{slug}/")
        answer = conn.getresponse()
        return answer.read().decode() if answer.status == 200 else ""
    finally:
        conn.close()


def wait_live(port: int, slug: str, shows: str, started: float) -> float:
    """Seconds from `started` until Nginx serves the page with `shows` in it."""
    while time.perf_counter() - started < LIVE_TIMEOUT:
        if shows in page(port, slug):
            return time.perf_counter() - started
        time.sleep(0.01)
    prices = re.findall(r'class="size-price">[^<]*<', page(port, slug))
    raise RuntimeError(f"/products/{slug}/ never showed {shows!r}; it shows {prices}")


def euros(cents: int) -> str:
    from decant.money import format_money

    return format_money(cents, "EUR")


@dataclass
class Edit:
    live: float
    queued: float  # publish asked -> the worker took it
    build: float  # build_runs.seconds
    files: int
    stages: dict[str, float]


class Bench:
    def __init__(self, top: Topology, admin: Admin, interval: float) -> None:
        self.top = top
        self.admin = admin
        self.interval = interval
        self.db = psycopg.connect(top.database_url, autocommit=True, row_factory=dict_row)

    def product(self, slug: str) -> dict[str, Any]:
        """The product's id, name and sizes as the admin's edit form starts from them."""
        row = self.db.execute("SELECT id, name FROM products WHERE slug = %s", (slug,)).fetchone()
        row["sizes"] = self.db.execute(
            "SELECT size_ml, price_cents FROM product_sizes"
            " WHERE product_id = %s AND is_active ORDER BY size_ml",
            (row["id"],),
        ).fetchall()
        return row

    def last_run_id(self) -> int:
        row = self.db.execute("SELECT coalesce(max(id), 0) AS id FROM build_runs").fetchone()
        return row["id"]

    def publish_and_wait(self, slug: str, shows: str, started: float, after: int) -> Edit:
        self.admin.form("/admin/publishing/publish", {})
        live = wait_live(self.top.nginx_port, slug, shows, started)
        run = None
        deadline = time.monotonic() + LIVE_TIMEOUT
        while run is None and time.monotonic() < deadline:
            run = self.db.execute(
                "SELECT seconds, pages_rendered, extract(epoch FROM started_at - created_at)"
                " AS queued FROM build_runs WHERE id > %s AND status = 'succeeded'"
                " ORDER BY id LIMIT 1",
                (after,),
            ).fetchone()
            if run is None:
                time.sleep(0.02)
        assert run is not None, "the publish left no succeeded build run"
        return Edit(
            live=live,
            queued=float(run["queued"]),
            build=float(run["seconds"]),
            files=run["pages_rendered"],
            stages=self.last_stages(),
        )

    def last_stages(self) -> dict[str, float]:
        log = (self.top.work / "worker.log").read_text(errors="replace")
        found = re.findall(r"build stages: (\{.*\})", log)
        return json.loads(found[-1]) if found else {}

    def put(self, product: dict[str, Any], **changes: Any) -> None:
        """The admin's JSON edit: the fields given change, the others keep their value."""
        self.admin.json("PUT", f"/api/admin/products/{product['id']}", changes)

    def price_edit(self, slug: str, size_ml: int, delta: int) -> Edit:
        product = self.product(slug)
        sizes = [
            {"size_ml": int(s["size_ml"]), "price_cents": s["price_cents"]}
            for s in product["sizes"]
        ]
        for s in sizes:
            if s["size_ml"] == size_ml:
                s["price_cents"] += delta
                new = s["price_cents"]
        after = self.last_run_id()
        started = time.perf_counter()
        self.put(product, sizes=sizes)
        return self.publish_and_wait(slug, f">{euros(new)}<", started, after)

    def rename(self, slug: str) -> Edit:
        product = self.product(slug)
        name = f"Aaa Renamed {product['name']}"  # moves to the head of name order
        after = self.last_run_id()
        started = time.perf_counter()
        self.put(product, name=name)
        return self.publish_and_wait(slug, name, started, after)

    def sell_out(self, slug: str) -> Edit:
        remaining = self.db.execute(
            "SELECT remaining_volume FROM inventory i JOIN products p ON p.id = i.product_id"
            " WHERE p.slug = %s",
            (slug,),
        ).fetchone()["remaining_volume"]
        after = self.last_run_id()
        started = time.perf_counter()
        self.admin.form(
            f"/admin/inventory/{slug}/adjust",
            {"delta_ml": str(remaining), "reason": "count", "note": "bench sell-out"},
        )
        return self.publish_and_wait(slug, 'data-stock="1">Sold out<', started, after)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run_size(products: int, edits: int, interval: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="decant-bench-publish-") as tmp:
        top = Topology(Path(tmp))
        bench = None
        try:
            top.start_postgres()
            top.start_redis()
            started = time.perf_counter()
            build_bench.make_catalog(top.database_url, products)
            made = time.perf_counter() - started
            top.nginx_port = free_port()
            top.shop_env({"DECANT_DEMO_PAYMENTS": "1"})
            top.env["DECANT_ADMIN_PASSWORD"] = PASSWORD
            top.decant("admin", "create-user", OWNER, "--role", "owner")
            started = time.perf_counter()
            top.decant("build", "--full")
            full = time.perf_counter() - started
            top.start_gunicorn()
            top._spawn("worker", [str(BIN / "decant"), "worker", "--interval", str(interval)])
            top.start_nginx()
            wait_for(lambda: "scent-1" in page(top.nginx_port, "scent-1"), "the product page")
            admin = Admin(top.nginx_port)
            admin.login()
            bench = Bench(top, admin, interval)
            bench.price_edit("scent-1", 5, 100)  # warm: the worker's first build, pools
            runs = [
                bench.price_edit(f"scent-{1 + (i * 7919) % products}", 5, 100 + i)
                for i in range(edits)
            ]
            kinds = {
                "from-price edit": bench.price_edit(f"scent-{products // 3}", 1, -50),
                "sell-out": bench.sell_out(f"scent-{products // 2}"),
                "rename": bench.rename(f"scent-{products // 5}"),
            }
            return {"made": made, "full": full, "runs": runs, "kinds": kinds}
        except Exception:
            for name in ("worker", "gunicorn", "nginx"):
                with contextlib.suppress(OSError):
                    tail = (top.work / f"{name}.log").read_text(errors="replace")[-3000:]
                    print(f"--- {name}.log (tail)\n{tail}", file=sys.stderr)
            raise
        finally:
            if bench is not None:
                bench.db.close()
            top.close()


def show(products: int, r: dict[str, Any]) -> None:
    runs: list[Edit] = r["runs"]
    live = [e.live for e in runs]
    queued = [e.queued for e in runs]
    after_queue = [e.live - e.queued for e in runs]
    built = [e.build for e in runs]
    print(
        f"\n{products:,} products (catalog made in {r['made']:.1f} s, full build {r['full']:.1f} s)"
    )
    print(
        f"  price edit -> live, {len(runs)} edits: p50 {statistics.median(live):.2f} s,"
        f" p95 {pct(live, 0.95):.2f} s"
    )
    print(
        f"    waiting for the worker (poll-bound): p50 {statistics.median(queued):.2f} s;"
        f" the rest (build-bound): p50 {statistics.median(after_queue):.2f} s,"
        f" p95 {pct(after_queue, 0.95):.2f} s"
    )
    print(
        f"    one-product build: p50 {statistics.median(built):.3f} s,"
        f" p95 {pct(built, 0.95):.3f} s, files written p50 {statistics.median(e.files for e in runs):.0f}"
    )
    staged = [sum(e.stages.values()) for e in runs]
    print(
        f"    the build's own stages (Build.run, summed): p50 {statistics.median(staged):.3f} s;"
        " build_runs.seconds adds the migration check, the swap, pruning old builds"
        " and the run's bookkeeping"
    )
    print(
        f"    stages of the median build: {sorted(runs, key=lambda e: e.build)[len(runs) // 2].stages}"
    )
    for kind, e in r["kinds"].items():
        print(
            f"  {kind:<16} live in {e.live:.2f} s (queue {e.queued:.2f} s, build {e.build:.3f} s),"
            f" {e.files} files written; stages {e.stages}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", default="1000,10000,50000")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument(
        "--interval",
        type=float,
        default=5.0,
        help="the worker's poll interval (its default; a publish wake-up makes it moot)",
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.products.split(",")]
    results = {}
    for n in sizes:
        results[n] = run_size(n, args.edits, args.interval)
        show(n, results[n])
    builds = {n: statistics.median(e.build for e in r["runs"]) for n, r in results.items()}
    print("\ntargets:")
    for n, r in results.items():
        p50 = statistics.median(e.live for e in r["runs"])
        rest = statistics.median(e.live - e.queued for e in r["runs"])
        print(
            f"  {n:>6,}: edit -> live p50 {p50:.2f} s, without the queue wait {rest:.2f} s"
            f" (target <= 1.0 s at 10,000); one-product build {builds[n]:.3f} s"
            f" (target <= 0.5 s at 10,000)"
        )
    if min(sizes) < max(sizes):
        small, large = min(sizes), max(sizes)
        print(
            f"  one-product build at {large:,} / at {small:,}:"
            f" {builds[large] / builds[small]:.2f}x (target <= 2.0)"
        )


if __name__ == "__main__":
    main()
