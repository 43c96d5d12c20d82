"""Orders placed per second through `decant.orders.placing.place`, beside two bare-SQL floors.

Run by hand: `.venv/bin/python bench/orders.py [--seconds 5] [--rounds 2]`. Uses
DATABASE_URL when set (a fresh database is created on that server), else an embedded
PostgreSQL in a temporary directory.

Four sides, each measured in the same run on the same database:
- decant: `orders.place` without the unpaid-orders limit (the back office's way);
- decant+limits: `orders.place` as `POST /api/orders` calls it, with
  DECANT_MAX_UNPAID_ORDERS' locks and count, every order from its own e-mail and client
  address (as in bench/api.py);
- floor: the same order written by one bare SQL statement, numbered by the schema's
  own `next_order_number()` (the table default);
- sequence floor: the same statement numbered by a plain sequence: the fastest a
  unique order number can be had, so what decant cannot beat.

So that the figures cannot flatter: every side warms up first; the sides take turns
at going first (round by round); after every run the database is checked (orders
written == orders counted as placed, millilitres taken == 2 ml per order); one
scenario lets a product sell out, so refusals are measured and oversold units
counted; exceptions in the buyer threads other than the refusal are counted. Any
finding is printed and the exit status is 1.

The buyers' connections are opened once per scenario and serve every side in turn,
as the app's pool serves every request: the warm-up then warms the measured
connections' prepared statements and plans (a connection lives for an hour in the
pool). `--fresh-connections` opens new ones for every run instead, as before, which
also counts each connection's first planning of each statement.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors

from decant.errors import OutOfStock  # noqa: E402
from decant.orders import placing
from decant.orders.placing import Cart, CartLine  # noqa: E402
from decant.platform import db, embedded, migrations

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PRODUCTS = 200
SELL_OUT_SLUG = "bench-sell-out"
SELL_OUT_UNITS = 100  # 2 ml units on the shelf at the start of each sell-out run
ML_PER_ORDER = Decimal(2)
ADDRESS = {"line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}

FLOOR_SQL = """
WITH offer AS (
    SELECT p.id AS product_id, p.name, p.brand, ps.size_ml, ps.price_cents
      FROM products p JOIN product_sizes ps ON ps.product_id = p.id
     WHERE p.slug = %(slug)s AND ps.size_ml = 2 AND p.is_active AND ps.is_active
), new_order AS (
    INSERT INTO orders ({number_column}email, customer_name, shipping_address, shipping_country,
                        subtotal_cents, shipping_cents, tax_cents, total_cents)
    SELECT {number_value}'bench@example.com', 'Bench', '{{}}', 'DE', price_cents, 390,
           (price_cents + 390) * 19 / 119, price_cents + 390
      FROM offer
    RETURNING id
)
INSERT INTO order_items (order_id, product_id, product_name, brand, size_ml, quantity, unit_price_cents)
SELECT new_order.id, offer.product_id, offer.name, offer.brand, offer.size_ml, 1, offer.price_cents
  FROM new_order, offer
"""
SCHEMA_NUMBERED_SQL = FLOOR_SQL.format(number_column="", number_value="")
# Eight digits: never meets the numbers the other two sides draw on the same day.
SEQUENCE_NUMBERED_SQL = FLOOR_SQL.format(
    number_column="order_number, ",
    number_value="'PS' || to_char(now() AT TIME ZONE 'UTC', 'YYMMDD') || '-'"
    " || nextval('bench_floor_order_seq'), ",
)


class Refused(Exception):
    """The shop said no for want of stock: the answer a sold-out product must get."""


def fresh_database(server_url: str) -> str:
    name = f"bench_orders_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    with db.connect(url) as conn:
        migrations.migrate(conn)
        conn.execute("CREATE SEQUENCE bench_floor_order_seq START 10000001")
        conn.execute("INSERT INTO brands (name) VALUES ('Bench House')")
        for n in range(PRODUCTS):
            add_product(conn, f"bench-{n}", ml=900000)
    return url


def add_product(conn: psycopg.Connection, slug: str, *, ml: int) -> int:
    pid = conn.execute(
        "INSERT INTO products (slug, name, brand) VALUES (%s, %s, 'Bench House') RETURNING id",
        (slug, slug.replace("-", " ").title()),
    ).fetchone()["id"]
    conn.execute(
        "INSERT INTO product_sizes (product_id, size_ml, price_cents) VALUES (%s, 2, 600), (%s, 5, 1400)",
        (pid, pid),
    )
    conn.execute("UPDATE inventory SET total_volume = %s WHERE product_id = %s", (ml, pid))
    return int(pid)


def run_together(
    workers: int, seconds: float, loop: Callable[[int, threading.Event], None]
) -> float:
    """Start `workers` threads, release them at once, stop them after `seconds`; each
    runs `loop(index, stop)` until `stop` is set. Returns the seconds actually measured.
    bench/api.py drives its HTTP clients with the same runner."""
    gate = threading.Barrier(workers + 1)
    stop = threading.Event()

    def worker(index: int) -> None:
        gate.wait()
        loop(index, stop)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


Work = Callable[[psycopg.Connection, str], None]  # places one order, or raises Refused
Pick = Callable[[random.Random], str]


@dataclass
class Outcome:
    """What one side did in one scenario, summed over its runs."""

    placed: int = 0
    refused: int = 0
    seconds: float = 0.0
    errors: Counter = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.placed / self.seconds if self.seconds else 0.0

    @property
    def answers(self) -> float:
        return (self.placed + self.refused) / self.seconds if self.seconds else 0.0


def ledger(conn: psycopg.Connection) -> tuple[int, Decimal]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM orders) AS orders,"
        " (SELECT coalesce(sum(used_volume), 0) FROM inventory) AS used"
    ).fetchone()
    return int(row["orders"]), Decimal(row["used"])


def measure(
    url: str,
    buyers: int,
    seconds: float,
    work: Work,
    pick: Pick,
    connections: list[psycopg.Connection] | None = None,
) -> Outcome:
    """One run of `buyers` threads, checked against the database afterwards; on the
    given connections (one per buyer), else on new ones closed after the run."""
    fresh = connections is None
    if connections is None:
        connections = [db.connect(url) for _ in range(buyers)]
    placed = [0] * buyers
    refused = [0] * buyers
    errors: list[Counter] = [Counter() for _ in range(buyers)]

    def buyer(index: int, stop: threading.Event) -> None:
        rng = random.Random(index)
        while not stop.is_set():
            try:
                work(connections[index], pick(rng))
            except Refused:
                refused[index] += 1
            except Exception as exc:  # counted and shown: a bench must not hide them
                errors[index][type(exc).__name__] += 1
            else:
                placed[index] += 1

    with db.connect(url) as check:
        orders_before, used_before = ledger(check)
        elapsed = run_together(buyers, seconds, buyer)
        orders_after, used_after = ledger(check)
    if fresh:
        for connection in connections:
            connection.close()
    outcome = Outcome(sum(placed), sum(refused), elapsed, sum(errors, Counter()))
    if orders_after - orders_before != outcome.placed:
        outcome.findings.append(
            f"{orders_after - orders_before} orders written, {outcome.placed} counted as placed"
        )
    if used_after - used_before != ML_PER_ORDER * outcome.placed:
        outcome.findings.append(
            f"{used_after - used_before} ml taken for {outcome.placed} orders of {ML_PER_ORDER} ml"
        )
    return outcome


def domain_order(conn: psycopg.Connection, slug: str) -> None:
    try:
        placing.place(
            conn,
            Cart(
                email="bench@example.com",
                name="Bench",
                shipping_address=ADDRESS,
                items=[CartLine(slug, 2, 1)],
            ),  # type: ignore[arg-type]
        )
    except OutOfStock:
        raise Refused from None


shoppers = itertools.count(1)
# The app's defaults (decant/platform/config.py): 3 unpaid orders, 30 minutes.
API_LIMITS = placing.OrderLimits(max_units_per_line=5, max_unpaid_orders=3, expiry_minutes=30)


def limited_order(conn: psycopg.Connection, slug: str) -> None:
    """As POST /api/orders places it: under the unpaid-orders limit, each order from its
    own shopper (e-mail and client address), so the limit's locks and counts are paid
    and never refuse."""
    n = next(shoppers)
    try:
        placing.place(
            conn,
            Cart(
                email=f"bench-{n}@example.com",
                name="Bench",
                shipping_address=ADDRESS,
                items=[CartLine(slug, 2, 1)],  # type: ignore[arg-type]
                client_address=f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
            ),
            limits=API_LIMITS,
        )
    except OutOfStock:
        raise Refused from None


def _bare(sql: str) -> Work:
    def work(conn: psycopg.Connection, slug: str) -> None:
        try:
            conn.execute(sql, {"slug": slug})
        except pg_errors.CheckViolation as exc:
            if exc.diag.constraint_name != "inventory_never_negative":
                raise
            raise Refused from None

    return work


floor_order = _bare(SCHEMA_NUMBERED_SQL)
sequence_floor_order = _bare(SEQUENCE_NUMBERED_SQL)

SIDES: dict[str, Work] = {
    "decant": domain_order,
    "decant+limits": limited_order,
    "floor": floor_order,
    "seq floor": sequence_floor_order,
}


def spread(rng: random.Random) -> str:
    return f"bench-{rng.randrange(PRODUCTS)}"


def domain_rate(url: str, buyers: int, seconds: float, one_product: bool = False) -> float:
    """Used by bench/api.py to put HTTP figures beside the domain's: as the API places
    orders (under the unpaid-orders limit), on connections warmed first."""
    pick: Pick = (lambda rng: "bench-0") if one_product else spread
    connections = [db.connect(url) for _ in range(buyers)]
    try:
        measure(url, buyers, 1.0, limited_order, pick, connections)
        return measure(url, buyers, seconds, limited_order, pick, connections).rate
    finally:
        for connection in connections:
            connection.close()


def restock(url: str, slug: str, units: int) -> None:
    with db.connect(url) as conn:
        conn.execute(
            "UPDATE inventory SET total_volume = used_volume + %s"
            " WHERE product_id = (SELECT id FROM products WHERE slug = %s)",
            (ML_PER_ORDER * units, slug),
        )


@dataclass(frozen=True)
class Scenario:
    label: str
    buyers: int
    pick: Pick
    sell_out: bool = False


def run_scenario(
    url: str,
    scenario: Scenario,
    index: int,
    seconds: float,
    rounds: int,
    warm_up: float,
    fresh_connections: bool = False,
) -> dict[str, Outcome]:
    pool = None if fresh_connections else [db.connect(url) for _ in range(scenario.buyers)]
    try:
        return _run_sides(url, scenario, index, seconds, rounds, warm_up, pool)
    finally:
        for connection in pool or []:
            connection.close()


def _run_sides(
    url: str,
    scenario: Scenario,
    index: int,
    seconds: float,
    rounds: int,
    warm_up: float,
    pool: list[psycopg.Connection] | None,
) -> dict[str, Outcome]:
    names = list(SIDES)
    for name in names:  # warm-up: connections, plans, caches; not counted
        if scenario.sell_out:
            restock(url, SELL_OUT_SLUG, SELL_OUT_UNITS)
        measure(url, scenario.buyers, warm_up, SIDES[name], scenario.pick, pool)
    with db.connect(url) as conn:
        # As autovacuum does in a shop within a minute: statistics for the orders the
        # warm-up wrote, so no plan is left as it was made for an empty table.
        conn.execute("ANALYZE")
    results = {name: Outcome() for name in names}
    for round_no in range(rounds):
        # Whoever goes first meets a colder or warmer machine: take turns.
        shift = (index + round_no) % len(names)
        order = names[shift:] + names[:shift]
        if round_no % 2:
            order.reverse()
        for name in order:
            if scenario.sell_out:
                restock(url, SELL_OUT_SLUG, SELL_OUT_UNITS)
            run = measure(url, scenario.buyers, seconds, SIDES[name], scenario.pick, pool)
            total = results[name]
            total.placed += run.placed
            total.refused += run.refused
            total.seconds += run.seconds
            total.errors += run.errors
            total.findings += run.findings
            if scenario.sell_out:
                if run.placed > SELL_OUT_UNITS:
                    total.findings.append(
                        f"oversold: {run.placed} orders for {SELL_OUT_UNITS} units"
                    )
                elif run.placed < SELL_OUT_UNITS and run.refused:
                    total.findings.append(
                        f"refused with stock left: {run.placed} of {SELL_OUT_UNITS} sold"
                    )
                elif not run.refused:
                    total.findings.append("never sold out: raise the run time")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per side per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm-up", type=float, default=1.0)
    parser.add_argument(
        "--fresh-connections",
        action="store_true",
        help="new buyer connections for every run instead of one set per scenario",
    )
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or embedded.postgres_url(
        Path(tempfile.mkdtemp(prefix="bench-pg-")), keep_running=False
    )
    url = fresh_database(server)
    with db.connect(url) as conn:
        add_product(conn, SELL_OUT_SLUG, ml=0)
    scenarios = [
        Scenario("1 buyer, 200 products", 1, spread),
        Scenario("8 buyers, 200 products", 8, spread),
        Scenario("32 buyers, 200 products", 32, spread),
        Scenario("32 buyers, one product", 32, lambda rng: "bench-0"),
        Scenario(
            f"32 buyers, {SELL_OUT_UNITS} units sell out",
            32,
            lambda rng: SELL_OUT_SLUG,
            sell_out=True,
        ),
    ]
    print(
        f"orders/s placed, {args.seconds:g} s per side x {args.rounds} rounds (sides take turns"
        f" going first), {args.warm_up:g} s warm-up, {PRODUCTS} products, {os.cpu_count()} cores,"
        f" {'new connections every run' if args.fresh_connections else 'one set of connections per scenario'}"
    )
    print(
        f"{'scenario':<32}{'decant':>8}{'+limits':>9}{'floor':>8}{'seq floor':>11}"
        f"{'/floor':>8}{'/seq':>7}{'+limits/seq':>13}  exceptions"
    )
    findings: list[str] = []
    refusals: list[str] = []
    for index, scenario in enumerate(scenarios):
        results = run_scenario(
            url, scenario, index, args.seconds, args.rounds, args.warm_up, args.fresh_connections
        )
        ours, limited = results["decant"], results["decant+limits"]
        floor, seq = results["floor"], results["seq floor"]
        # A sold-out product is measured by every answer, refusals included.
        rate = (lambda o: o.answers) if scenario.sell_out else (lambda o: o.rate)
        errors = sum((o.errors for o in results.values()), Counter())
        print(
            f"{scenario.label:<32}{rate(ours):>8.0f}{rate(limited):>9.0f}{rate(floor):>8.0f}"
            f"{rate(seq):>11.0f}{rate(ours) / rate(floor):>8.2f}{rate(ours) / rate(seq):>7.2f}"
            f"{rate(limited) / rate(seq):>13.2f}"
            f"  {sum(errors.values())}{' ' + str(dict(errors)) if errors else ''}"
        )
        for name, outcome in results.items():
            findings += [f"{scenario.label}, {name}: {f}" for f in outcome.findings]
            if outcome.errors:
                findings.append(f"{scenario.label}, {name}: exceptions {dict(outcome.errors)}")
            if scenario.sell_out:
                refusals.append(
                    f"{name}: {outcome.placed} sold, {outcome.refused} refused"
                    f" ({outcome.refused / outcome.seconds:.0f}/s)"
                )
    print(
        f"sell-out runs (answers/s above), {args.rounds} x {SELL_OUT_UNITS} units each side: "
        + "; ".join(refusals)
    )
    if findings:
        print("FINDINGS:")
        for finding in findings:
            print(f"  {finding}")
        sys.exit(1)
    print(
        "checked after every run: orders written == orders placed, 2 ml taken per order,"
        " 0 oversold, 0 exceptions"
    )


if __name__ == "__main__":
    main()
