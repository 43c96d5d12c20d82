"""Search index size and back-in-stock alert speed, at the demo catalog and at scale.

Run by hand: `.venv/bin/python bench/search.py [--products 10000] [--subscribers 1000]`.
Uses an embedded PostgreSQL in a temporary directory. Prints:

- search-index.json (what the build writes for the header's search box) for the demo
  catalog (68 fragrances) and for N products made from the demo fragrances' names,
  houses and notes (numbered so every one is distinct): bytes, and gzipped bytes as
  Nginx's gzip_static serves it;
- whether a price edit leaves the index byte-identical (it must);
- GET /api/products?q= matching at N products (catalog.list_products, median of 5);
- restock -> alert e-mails queued for M confirmed subscribers of one sold-out size.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
import warnings
from decimal import Decimal
from pathlib import Path

import psycopg

from bench.build import stop_postgres  # noqa: E402
from decant.catalog import reading
from decant.demo import catalog_data, loading
from decant.inventory import stock
from decant.platform import db, embedded, migrations
from decant.platform.config import load_settings  # noqa: E402
from decant.site import planner as site_planner  # noqa: E402
from decant.site import snapshot as site_snapshot  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def index_bytes(url: str, tmp: Path) -> bytes:
    settings = load_settings(
        DATABASE_URL=url,
        DECANT_DATA_DIR=tmp / "var",
        DECANT_PUBLIC_DIR=tmp / "public",
        DECANT_ENV="test",
    )
    site = site_snapshot.read_site(url)
    page = site_planner.SitePlanner(site, settings, images={}).search_index()
    assert page.data is not None
    return page.data


def sizes(data: bytes) -> str:
    return f"{len(data):,} bytes, {len(gzip.compress(data, 6)):,} gzipped"


def scale_up(conn: psycopg.Connection, products: int) -> None:
    """Products made from the demo fragrances: the same names, houses and notes."""
    fragrances = catalog_data.FRAGRANCES
    rows = []
    for n in range(products - len(fragrances)):
        f = fragrances[n % len(fragrances)]
        rows.append(
            (
                f"{f['slug']}-{n}",
                f"{f['name']} {n}",
                f["brand"],
                f["top_notes"],
                f["heart_notes"],
                f["base_notes"],
            )
        )
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO products (slug, name, brand, top_notes, heart_notes, base_notes)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
        conn.execute(
            "INSERT INTO product_sizes (product_id, size_ml, price_cents)"
            " SELECT p.id, 5, 1500 FROM products p"
            " WHERE NOT EXISTS (SELECT 1 FROM product_sizes s WHERE s.product_id = p.id)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="decant-bench-search-") as tmp_name:
        tmp = Path(tmp_name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            url = embedded.postgres_url(tmp / "pg", keep_running=False)
        with db.connection(url) as conn:
            migrations.migrate(conn)
            loading.load(conn, tmp / "media")
            count = conn.execute("SELECT count(*) AS n FROM products WHERE is_active").fetchone()
            demo = index_bytes(url, tmp)
            print(f"search-index.json at {count['n']} products (demo): {sizes(demo)}")
            conn.execute("UPDATE product_sizes SET price_cents = price_cents + 100")
            same = index_bytes(url, tmp) == demo
            print(f"after a price edit on every size: index byte-identical = {same}")

            scale_up(conn, args.products)
            count = conn.execute("SELECT count(*) AS n FROM products WHERE is_active").fetchone()
            big = index_bytes(url, tmp)
            print(f"search-index.json at {count['n']} products: {sizes(big)}")
            for q in ("tuber", "oud", "rose"):
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    _, total = reading.list_products(conn, reading.ProductFilters(q=q))
                    times.append(time.perf_counter() - started)
                print(
                    f"GET /api/products?q={q} matching at {count['n']} products: {total} found,"
                    f" {statistics.median(times) * 1000:.1f} ms (median of 5, no cache)"
                )

            slug = catalog_data.FRAGRANCES[0]["slug"]
            conn.execute(
                "UPDATE inventory SET total_volume = used_volume"
                " WHERE product_id = (SELECT id FROM products WHERE slug = %s)",
                (slug,),
            )
            size = conn.execute(
                "SELECT min(size_ml) AS s FROM product_sizes ps JOIN products p"
                " ON p.id = ps.product_id WHERE p.slug = %s",
                (slug,),
            ).fetchone()["s"]
            conn.execute(
                "INSERT INTO stock_alerts (product_id, size_ml, email, token, confirmed_at)"
                " SELECT p.id, %s, 'sub' || n || '@example.com', md5(n::text), now()"
                "   FROM products p, generate_series(1, %s) n WHERE p.slug = %s",
                (size, args.subscribers, slug),
            )
            started = time.perf_counter()
            stock.restock(conn, slug, volume_ml=Decimal(50), cost_cents=5000)
            seconds = time.perf_counter() - started
            queued = conn.execute(
                "SELECT count(*) AS n FROM email_outbox WHERE kind = 'back_in_stock'"
            ).fetchone()["n"]
            print(
                f"restock -> {queued} back-in-stock e-mails queued (committed) in {seconds:.3f} s"
            )
        stop_postgres(tmp)


if __name__ == "__main__":
    main()
