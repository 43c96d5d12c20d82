"""The whole shop in its production shape under N shoppers, optionally with its servers
failing underneath it, and the ledger checked afterwards.

Run by hand: `.venv/bin/python bench/shop.py [--shoppers 200] [--seconds 60]
[--products N] [--payments stripe|demo] [--chaos]`. Starts, on loopback only: an
embedded PostgreSQL and Redis in a temporary directory (or uses DATABASE_URL /
REDIS_URL, in a fresh database), `decant migrate`, `decant demo-data`, `decant build`,
gunicorn with deploy/gunicorn.conf.py, the real Nginx with deploy/nginx, `decant
worker`, and a local fake Stripe whose signed webhooks the bench delivers. Each
shopper has its own source address (127.0.0.2, ...) and loops: home -> catalog -> 3
product pages with their live-stock call -> add to cart -> 30 % order -> 80 % of those
pay -> tracking, thinking 1-3 s between clicks.

Prints per route requests, req/s, p50/p95/p99 and non-2xx by status; the server side
(CPU, PostgreSQL connections, Redis memory); and the ledger. Exit status 1 when the
ledger fails or a 5xx was answered that is not a 503 during the PostgreSQL gap of
--chaos. Stops every process it started, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import shop_catalog, shop_ledger, shop_report  # noqa: E402
from bench.shop_probes import Probe  # noqa: E402
from bench.shop_shoppers import Client, Outcomes, Recorder, Shop, run_shoppers  # noqa: E402
from bench.shop_topology import Topology, free_port  # noqa: E402
from bench.shop_webhooks import WebhookSender  # noqa: E402
from testbed.fake_stripe import FakeStripe  # noqa: E402

MAX_SHOPPERS = 2000
MAX_SECONDS = 3600
PG_GAP_SECONDS = 2.0
WEBHOOK_DRAIN_SECONDS = 60.0


@dataclass
class Result:
    ledger: shop_ledger.Ledger
    routes: list[shop_report.RouteFigures]
    bad_server_errors: Counter  # (route, status) -> count, 503s in the gap excluded
    gap: tuple[float, float] | None
    outcomes: Outcomes
    chaos_log: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.ledger.holds and not self.bad_server_errors


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--products", type=int, default=0, help="catalog size (>= the demo's)")
    parser.add_argument("--payments", choices=["stripe", "demo"], default="stripe")
    parser.add_argument("--chaos", action="store_true")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds a shopper pauses between clicks (default 1 3)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    options = parser.parse_args(argv)
    if not 1 <= options.shoppers <= MAX_SHOPPERS:
        parser.error(f"--shoppers: 1 to {MAX_SHOPPERS}")
    if not 1 <= options.seconds <= MAX_SECONDS:
        parser.error(f"--seconds: 1 to {MAX_SECONDS}")
    if not 0.05 <= options.think[0] <= options.think[1] <= 60:
        parser.error("--think: 0.05 <= MIN <= MAX <= 60")
    return options


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def prepare(topology: Topology, options: argparse.Namespace, stripe: FakeStripe | None) -> None:
    topology.start_postgres()
    topology.start_redis()
    topology.nginx_port = free_port()
    payments = stripe.settings() if stripe else {"DECANT_DEMO_PAYMENTS": "1"}
    topology.shop_env(payments)
    began = time.monotonic()
    topology.decant("migrate")
    topology.decant("demo-data")
    say(f"migrated, demo catalog loaded: {time.monotonic() - began:.0f} s")
    demo = len(shop_catalog.active_slugs(topology.database_url))
    grown = shop_catalog.grow(topology.database_url, options.products - demo)
    topology.decant("build")
    say(f"built: {time.monotonic() - began:.0f} s")
    say(f"catalog: {demo + grown} products; starting gunicorn, nginx, worker ...")
    topology.start_gunicorn()
    topology.start_nginx()
    topology.start_worker()
    shop_catalog.restock(topology.database_url)
    warm_up(topology.app_port, shop_catalog.active_slugs(topology.database_url))


def warm_up(app_port: int, slugs: list[str]) -> None:
    """Every gunicorn worker loads the app and opens its pools before the clock starts
    (the first requests of a fresh process are not what a running shop's shoppers
    feel). Straight to gunicorn, so Nginx's per-client limit does not refuse them."""

    def reads(index: int) -> None:
        client = Client(app_port, "127.0.0.1", Recorder())
        for slug in slugs[index::8] * 3:
            client.call("warm-up", "GET", f"/api/products/{slug}")
        client.close()

    threads = [threading.Thread(target=reads, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def chaos_schedule(
    topology: Topology, seconds: float, probe: Probe, log: list[str], gap: list[float]
) -> Callable[[threading.Event], None]:
    """The faults of --chaos at fixed shares of the run, each once, logged with the
    second it happened. All of them run even when the run is shorter than they take."""
    began = time.monotonic()

    def at(share: float, stop: threading.Event) -> None:
        stop.wait(max(0.0, began + share * seconds - time.monotonic()))

    def note(what: str) -> None:
        log.append(f"  {time.monotonic() - began:6.1f} s  {what}")

    def run(stop: threading.Event) -> None:
        at(0.15, stop)
        victim = topology.kill_one_gunicorn_worker()
        note(f"SIGKILL gunicorn worker {victim} (the master respawns it)")
        at(0.30, stop)
        note("Redis shutdown")
        restarted = topology.restart_redis(1.0)
        note("Redis back" if restarted else "Redis not ours (REDIS_URL): not restarted")
        if restarted:
            probe.update_root("redis", redis_pid(topology))
        at(0.45, stop)
        down = time.monotonic()
        note("PostgreSQL fast shutdown")
        restarted = topology.restart_postgres(PG_GAP_SECONDS)
        if restarted:
            gap.extend([down, time.monotonic()])
        note(
            "PostgreSQL back" if restarted else "PostgreSQL not ours (DATABASE_URL): not restarted"
        )
        if restarted:
            probe.update_root("postgresql", postmaster_pid(topology))
        at(0.65, stop)
        note("SIGKILL decant worker (restarted after 2 s)")
        topology.kill_worker(2.0)
        probe.update_root("decant worker", topology.processes["worker"].pid)
        note("decant worker restarted")

    return run


def postmaster_pid(topology: Topology) -> int:
    return int((Path(topology.pg_server.pgdata) / "postmaster.pid").read_text().split()[0])


def redis_pid(topology: Topology) -> int:
    return int((topology.redis_dir.resolve() / "redis.pid").read_text().strip())


def start_probe(topology: Topology) -> Probe:
    roots = {
        "gunicorn workers": topology.processes["gunicorn"].pid,
        "nginx": topology.processes["nginx"].pid,
        "decant worker": topology.processes["worker"].pid,
    }
    if topology.pg_server is not None:
        roots["postgresql"] = postmaster_pid(topology)
    if topology.redis_dir is not None:
        roots["redis"] = redis_pid(topology)
    probe = Probe(topology.database_url, topology.redis_url, roots)
    probe.start()
    return probe


def run(options: argparse.Namespace) -> Result:
    work = Path(tempfile.mkdtemp(prefix="bench-shop-"))
    topology = Topology(work)
    stripe = FakeStripe() if options.payments == "stripe" else None
    webhooks = None
    try:
        if stripe:
            stripe.start()
        prepare(topology, options, stripe)
        record, outcomes = Recorder(), Outcomes()
        if stripe:
            webhooks = WebhookSender(topology.nginx_port, record)
            webhooks.start()
        shop = Shop(
            port=topology.nginx_port,
            slugs=shop_catalog.active_slugs(topology.database_url),
            payments=options.payments,
            think=tuple(options.think),
            stripe=stripe,
            webhooks=webhooks,
        )
        before = shop_ledger.snapshot(topology.database_url)
        probe = start_probe(topology)
        chaos_log: list[str] = []
        gap_marks: list[float] = []
        during = (
            chaos_schedule(topology, options.seconds, probe, chaos_log, gap_marks)
            if options.chaos
            else None
        )
        say(f"{options.shoppers} shoppers for {options.seconds:.0f} s ...")
        seconds = run_shoppers(options.shoppers, options.seconds, shop, record, outcomes, during)
        if webhooks:
            webhooks.drain(WEBHOOK_DRAIN_SECONDS)
        probe.stop()
        gap = (gap_marks[0], gap_marks[1]) if len(gap_marks) == 2 else None
        ledger = shop_ledger.check(topology.database_url, before, outcomes)
        ledger.check(not outcomes.crashes, "no shopper crashed", "; ".join(outcomes.crashes[:3]))
        if webhooks and webhooks.given_up:
            ledger.check(False, "every webhook delivered", f"gave up on {webhooks.given_up[:5]}")
        routes = shop_report.figures(record.samples, seconds, gap)
        result = Result(
            ledger,
            routes,
            shop_report.server_error_verdict(record.samples, gap),
            gap,
            outcomes,
            chaos_log,
            shop_report.exceptions_in_log(work / "gunicorn.log"),
        )
        result.lines = report_lines(options, seconds, result, probe, outcomes, work)
        return result
    finally:
        topology.close()
        if stripe:
            stripe.stop()
        if not options.keep and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


def report_lines(
    options: argparse.Namespace,
    seconds: float,
    result: Result,
    probe: Probe,
    outcomes: Outcomes,
    work: Path,
) -> list[str]:
    lines = [
        f"{options.shoppers} shoppers, {seconds:.0f} s, {os.cpu_count()} cores,"
        f" payments: {options.payments}{', chaos' if options.chaos else ''};"
        f" {len(outcomes.placed)} orders placed, {len(outcomes.paid)} paid;"
        f" load average after the run {os.getloadavg()[0]:.1f} (other work shares the cores)",
        *shop_report.route_table(result.routes),
        *shop_report.targets(result.routes),
        *shop_report.server_table(probe),
    ]
    if result.chaos_log:
        lines += ["chaos:", *result.chaos_log]
    bad = ", ".join(
        f"{route} {status}: {n}" for (route, status), n in result.bad_server_errors.items()
    )
    lines.append(f"5xx not allowed: {bad or 'none'}")
    if result.exceptions:
        lines += ["exceptions in the gunicorn log:", *(f"  {e}" for e in result.exceptions)]
    lines += shop_ledger.describe(result.ledger)
    if options.keep or os.environ.get("BENCH_KEEP"):
        lines.append(f"logs: {work}")
    return lines


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so run()'s finally stops every process it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = run(parse(argv))
    print("\n".join(result.lines), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
