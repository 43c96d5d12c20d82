"""Backup and restore of a shop with a year of trade, and an S3 republish after a
one-product edit of the real build. Prints seconds and sizes. Run by hand (the S3 part
needs moto: `pip install -e '.[bench]'`):

    .venv/bin/python bench/backup.py [--orders 100000] [--events 1000000]

Uses a throw-away embedded PostgreSQL under a temp dir and a moto S3 server. The shop is
the demo catalog with orders as a year of trade makes them: one to four items each, a
shipping address, paid, shipped, delivered, cancelled and unpaid ones, and the analytics
events bench/admin.py uses. The restore is checked row by row: every table's rows are
hashed in the source and in the restored database and must be equal, not only counted.
The publish figure is from the real build of that shop, then a one-price edit rebuilt.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psycopg

from decant.demo import loading
from decant.ops import backups
from decant.platform import embedded, migrations, object_storage
from decant.platform.config import load_settings  # noqa: E402
from decant.publishing import s3_publish

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ORDERS_SQL = """
INSERT INTO orders (email, customer_name, shipping_address, shipping_country, status,
                    payment_status, subtotal_cents, shipping_cents, total_cents,
                    payment_provider, payment_intent_id, tracking_number, paid_at,
                    shipped_at, delivered_at, cancelled_at, created_at)
SELECT 'shopper' || (n %% 20000) || '@example.com', 'Shopper ' || n,
       jsonb_build_object('line1', (n %% 200) || ' Harbour Road', 'line2', '',
                          'city', (ARRAY['Hamburg', 'Lyon', 'Vienna', 'Ghent'])[n %% 4 + 1],
                          'postal_code', lpad((n %% 99999)::text, 5, '0'),
                          'country', (ARRAY['DE', 'FR', 'AT', 'BE'])[n %% 4 + 1]),
       (ARRAY['DE', 'FR', 'AT', 'BE'])[n %% 4 + 1],
       s.status::order_status, s.payment::payment_status, 0, 490, 490, 'demo',
       CASE WHEN s.payment = 'paid' THEN 'pi_bench_' || n END,
       CASE WHEN s.status IN ('shipped', 'delivered') THEN 'TRACK' || n END,
       CASE WHEN s.payment = 'paid' THEN t.at + interval '2 minutes' END,
       CASE WHEN s.status IN ('shipped', 'delivered') THEN t.at + interval '1 day' END,
       CASE WHEN s.status = 'delivered' THEN t.at + interval '3 days' END,
       CASE WHEN s.status = 'cancelled' THEN t.at + interval '1 hour' END,
       t.at
  FROM generate_series(1, %(orders)s) AS n
  CROSS JOIN LATERAL (SELECT now() - (n %% 365) * interval '1 day' - (n %% 1440) * interval '1 minute' AS at) t
  CROSS JOIN LATERAL (SELECT (ARRAY['cancelled', 'pending', 'paid', 'shipped', 'delivered',
                                     'delivered', 'delivered', 'delivered', 'shipped', 'paid'])[n %% 10 + 1] AS status,
                             (ARRAY['unpaid', 'unpaid', 'paid', 'paid', 'paid',
                                     'paid', 'paid', 'paid', 'paid', 'paid'])[n %% 10 + 1] AS payment) s
"""

# One to four items an order, each a real size of a real product at its price.
ITEMS_SQL = """
WITH sizes AS (SELECT array_agg(ps.id ORDER BY ps.id) AS ids FROM product_sizes ps)
INSERT INTO order_items (order_id, product_id, product_name, brand, size_ml, quantity,
                         unit_price_cents, cost_per_ml_cents)
SELECT o.id, p.id, p.name, p.brand, ps.size_ml, 1 + (o.id + line) %% 3, ps.price_cents,
       40 + p.id %% 30
  FROM orders o
  CROSS JOIN sizes
  CROSS JOIN LATERAL generate_series(1, 1 + o.id %% 4) AS line
  JOIN product_sizes ps ON ps.id = sizes.ids[1 + (o.id * 7 + line * 13) %% cardinality(sizes.ids)]
  JOIN products p ON p.id = ps.product_id
"""

TOTALS_SQL = """
UPDATE orders o SET subtotal_cents = i.sum, total_cents = i.sum + o.shipping_cents,
                    tax_cents = round(i.sum * 19 / 119.0)
  FROM (SELECT order_id, sum(line_total_cents) AS sum FROM order_items GROUP BY order_id) i
 WHERE i.order_id = o.id
"""

EVENTS_SQL = """
INSERT INTO analytics_events (event_type, product_id, session_id, created_at)
SELECT (ARRAY['page_view', 'page_view', 'product_view', 'product_view', 'product_view',
              'product_view', 'add_to_cart', 'add_to_cart', 'checkout_started', 'purchase'])[g %% 10 + 1],
       (SELECT array_agg(id ORDER BY id) FROM products) [g %% %(products)s + 1], 's' || (g %% 200000),
       now() - make_interval(secs => (g * (31536000.0 / %(events)s))::int)
  FROM generate_series(1, %(events)s) g
"""

# Every row's text, hashed, in a fixed order: equal digests mean equal rows.
TABLE_DIGEST = (
    "SELECT count(*) AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
    " AS digest FROM {} t"
)


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT quote_ident(table_name) FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        return {t: tuple(conn.execute(TABLE_DIGEST.format(t)).fetchone()) for t in tables}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    work = Path(tempfile.mkdtemp(prefix="decant-bench-backup-"))
    server = embedded.postgres_url(work / "pg", keep_running=False)
    try:
        return run(server, work, args.orders, args.events)
    finally:
        subprocess.run(
            [
                str(embedded.postgres_bin("pg_ctl")),
                "-D",
                str(work.resolve() / "pg" / "postgres"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
            **({"user": "pgserver"} if os.geteuid() == 0 else {}),
        )
        shutil.rmtree(work, ignore_errors=True)


def url_for(server: str, name: str) -> str:
    return server.replace("/postgres?", f"/{name}?", 1)


def run(server: str, work: Path, orders: int, events: int) -> int:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("CREATE DATABASE shop")
        admin.execute("CREATE DATABASE restored")
    shop_url, restored_url = url_for(server, "shop"), url_for(server, "restored")
    settings = load_settings(DATABASE_URL=shop_url, DECANT_DATA_DIR=work / "var", S3_BUCKET="")
    with psycopg.connect(shop_url, autocommit=True) as conn:
        conn.row_factory = psycopg.rows.dict_row
        migrations.migrate(conn)
        loading.load(conn, settings.media_dir)
        products = conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"]
        # plenty of stock so the inventory trigger accepts every generated item
        conn.execute("UPDATE inventory SET total_volume = used_volume + 900000")
        started = time.perf_counter()
        conn.execute(ORDERS_SQL, {"orders": orders})
        conn.execute(ITEMS_SQL, {})
        conn.execute(TOTALS_SQL)
        conn.execute(EVENTS_SQL, {"products": products, "events": events})
        conn.execute("VACUUM ANALYZE")
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM orders) AS orders,"
            " (SELECT count(*) FROM order_items) AS items,"
            " (SELECT count(*) FROM orders WHERE payment_status = 'paid') AS paid,"
            " (SELECT count(*) FROM orders WHERE shipped_at IS NOT NULL) AS shipped,"
            " (SELECT count(*) FROM analytics_events) AS events"
        ).fetchone()
        size = conn.execute("SELECT pg_database_size('shop') AS b").fetchone()["b"]
        print(
            f"shop: {counts['orders']:,} orders ({counts['paid']:,} paid, {counts['shipped']:,}"
            f" shipped) with {counts['items']:,} items, {counts['events']:,} analytics events;"
            f" database {size / 1e6:.1f} MB (generated in {time.perf_counter() - started:.1f}s)"
        )

    started = time.perf_counter()
    backups.backup(settings, shop_url)
    backup_seconds = time.perf_counter() - started
    archive, _ = backups.latest(settings)
    print(
        f"backup:  {backup_seconds:.2f}s, archive {archive.stat().st_size / 1e6:.1f} MB ({archive.name})"
    )

    started = time.perf_counter()
    backups.restore(settings, restored_url, archive)
    restore_seconds = time.perf_counter() - started
    started = time.perf_counter()
    source, restored = table_digests(shop_url), table_digests(restored_url)
    differ = sorted(t for t in source.keys() | restored.keys() if source.get(t) != restored.get(t))
    rows = sum(n for n, _ in source.values())
    print(
        f"restore: {restore_seconds:.2f}s into an empty database; {len(source)} tables,"
        f" {rows:,} rows hashed row by row in {time.perf_counter() - started:.1f}s:"
        f" {'every table equal' if not differ else 'DIFFERENT: ' + ', '.join(differ)}"
    )
    publish_figures(work, shop_url)
    return 1 if differ else 0


def publish_figures(work: Path, shop_url: str) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    from decant.site import run as site_run

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        settings = load_settings(
            DATABASE_URL=shop_url,
            DECANT_DATA_DIR=work / "var",
            DECANT_PUBLIC_DIR=work / "public",
            S3_BUCKET="bench-site",
            S3_ENDPOINT_URL=f"http://{host}:{port}",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 (moto)
        )
        object_storage.client(settings).create_bucket(Bucket="bench-site")
        with contextlib.redirect_stdout(io.StringIO()):
            site_run.main(settings, full=True, trigger="bench")
        first = s3_publish.sync(settings)
        with psycopg.connect(shop_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE product_sizes SET price_cents = price_cents + 100"
                " WHERE id = (SELECT min(id) FROM product_sizes)"
            )
        with contextlib.redirect_stdout(io.StringIO()):
            rebuilt = site_run.main(settings, trigger="bench")
        second = s3_publish.sync(settings)
        share = len(second.uploaded) / second.files
        print(
            f"publish (real build): first {len(first.uploaded)} files in {first.seconds:.1f}s;"
            f" after a one-price edit ({rebuilt['pages_written']} files rebuilt)"
            f" {len(second.uploaded)} of {second.files} uploaded ({share:.2%}) in"
            f" {second.seconds:.2f}s"
        )
    finally:
        moto.stop()


if __name__ == "__main__":
    raise SystemExit(main())
