"""Orders placed per second through `decant.orders.place`, beside a bare-SQL floor.

Run by hand: `.venv/bin/python bench/orders.py [--seconds 5]`. Uses DATABASE_URL when
set (a fresh database is created on that server), else an embedded PostgreSQL in a
temporary directory. Prints one line per scenario and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decant import db, embedded, migrations, orders  # noqa: E402
from decant.orders import Cart, CartLine  # noqa: E402

PRODUCTS = 200
ADDRESS = {"line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}

FLOOR_SQL = """
WITH offer AS (
    SELECT p.id AS product_id, p.name, p.brand, ps.size_ml, ps.price_cents
      FROM products p JOIN product_sizes ps ON ps.product_id = p.id
     WHERE p.slug = %(slug)s AND ps.size_ml = 2 AND p.is_active AND ps.is_active
), new_order AS (
    INSERT INTO orders (email, customer_name, shipping_address, shipping_country, subtotal_cents,
                        shipping_cents, tax_cents, total_cents)
    SELECT 'bench@example.com', 'Bench', '{}', 'DE', price_cents, 390,
           (price_cents + 390) * 19 / 119, price_cents + 390
      FROM offer
    RETURNING id
)
INSERT INTO order_items (order_id, product_id, product_name, brand, size_ml, quantity, unit_price_cents)
SELECT new_order.id, offer.product_id, offer.name, offer.brand, offer.size_ml, 1, offer.price_cents
  FROM new_order, offer
"""


def fresh_database(server_url: str) -> str:
    name = f"bench_orders_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    with db.connect(url) as conn:
        migrations.migrate(conn)
        conn.execute("INSERT INTO brands (name) VALUES ('Bench House')")
        for n in range(PRODUCTS):
            pid = conn.execute(
                "INSERT INTO products (slug, name, brand) VALUES (%s, %s, 'Bench House') RETURNING id",
                (f"bench-{n}", f"Bench {n}"),
            ).fetchone()["id"]
            conn.execute(
                "INSERT INTO product_sizes (product_id, size_ml, price_cents) VALUES (%s, 2, 600), (%s, 5, 1400)",
                (pid, pid),
            )
            conn.execute("UPDATE inventory SET total_volume = 900000 WHERE product_id = %s", (pid,))
    return url


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


def measure(
    url: str, buyers: int, seconds: float, work: Callable[[psycopg.Connection, random.Random], None]
) -> float:
    connections = [db.connect(url) for _ in range(buyers)]
    counts = [0] * buyers

    def buyer(index: int, stop: threading.Event) -> None:
        rng = random.Random(index)
        while not stop.is_set():
            work(connections[index], rng)
            counts[index] += 1

    elapsed = run_together(buyers, seconds, buyer)
    for connection in connections:
        connection.close()
    return sum(counts) / elapsed


def domain_order(
    pick: Callable[[random.Random], str],
) -> Callable[[psycopg.Connection, random.Random], None]:
    def work(conn: psycopg.Connection, rng: random.Random) -> None:
        orders.place(
            conn,
            Cart(
                email="bench@example.com",
                name="Bench",
                shipping_address=ADDRESS,
                items=[CartLine(pick(rng), 2, 1)],
            ),  # type: ignore[arg-type]
        )

    return work


def floor_order(
    pick: Callable[[random.Random], str],
) -> Callable[[psycopg.Connection, random.Random], None]:
    def work(conn: psycopg.Connection, rng: random.Random) -> None:
        conn.execute(FLOOR_SQL, {"slug": pick(rng)})

    return work


def domain_rate(url: str, buyers: int, seconds: float, one_product: bool = False) -> float:
    """Used by bench/api.py to put HTTP figures beside the domain's."""
    pick = (
        (lambda rng: "bench-0") if one_product else (lambda rng: f"bench-{rng.randrange(PRODUCTS)}")
    )
    return measure(url, buyers, seconds, domain_order(pick))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or embedded.postgres_url(
        Path(tempfile.mkdtemp(prefix="bench-pg-")), keep_running=False
    )
    url = fresh_database(server)
    spread = lambda rng: f"bench-{rng.randrange(PRODUCTS)}"  # noqa: E731
    single = lambda rng: "bench-0"  # noqa: E731
    print(
        f"orders/s, {args.seconds:.0f} s per scenario, {PRODUCTS} products, {os.cpu_count()} cores"
    )
    print(f"{'scenario':<28}{'decant':>10}{'floor':>10}{'ratio':>8}")
    for label, buyers, pick in [
        ("1 buyer, 200 products", 1, spread),
        ("8 buyers, 200 products", 8, spread),
        ("32 buyers, 200 products", 32, spread),
        ("32 buyers, one product", 32, single),
    ]:
        decant_rate = measure(url, buyers, args.seconds, domain_order(pick))
        floor_rate = measure(url, buyers, args.seconds, floor_order(pick))
        print(f"{label:<28}{decant_rate:>10.0f}{floor_rate:>10.0f}{decant_rate / floor_rate:>8.2f}")


if __name__ == "__main__":
    main()
