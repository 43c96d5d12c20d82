"""Backup and restore of a shop with 100,000 orders, and an S3 republish after a
one-product edit. Prints seconds and sizes. Run by hand:

    .venv/bin/python bench/backup.py [--orders 100000]

Uses a throw-away embedded PostgreSQL under a temp dir and a moto S3 server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decant import backups, demo_data, embedded, migrations, object_storage, s3_publish  # noqa: E402
from decant.config import load_settings  # noqa: E402

ORDERS_SQL = """
INSERT INTO orders (email, customer_name, status, payment_status, subtotal_cents,
                    shipping_cents, tax_cents, total_cents, payment_provider, created_at)
SELECT 'shopper' || (n %% 20000) || '@example.com', 'Shopper ' || n,
       'pending', 'unpaid', 1400, 490, 302, 1890, 'demo',
       now() - (n %% 365) * interval '1 day'
  FROM generate_series(1, %(orders)s) AS n
"""

ITEMS_SQL = """
INSERT INTO order_items (order_id, product_id, product_name, size_ml, quantity, unit_price_cents)
SELECT o.id, p.id, p.name, 1, 1, 1400
  FROM orders o
  JOIN LATERAL (SELECT id, name FROM products ORDER BY id OFFSET (o.id %% %(products)s) LIMIT 1) p ON true
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    work = Path(tempfile.mkdtemp(prefix="decant-bench-backup-"))
    server = embedded.postgres_url(work / "pg", keep_running=False)
    try:
        run(server, work, args.orders)
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


def run(server: str, work: Path, orders: int) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("CREATE DATABASE shop")
        admin.execute("CREATE DATABASE restored")
    shop_url, restored_url = url_for(server, "shop"), url_for(server, "restored")
    settings = load_settings(DATABASE_URL=shop_url, DECANT_DATA_DIR=work / "var", S3_BUCKET="")
    with psycopg.connect(shop_url, autocommit=True) as conn:
        conn.row_factory = psycopg.rows.dict_row
        migrations.migrate(conn)
        demo_data.load(conn, settings.media_dir)
        products = conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"]
        # plenty of stock so the inventory trigger accepts every generated item
        conn.execute("UPDATE inventory SET total_volume = used_volume + 50000")
        started = time.perf_counter()
        conn.execute(ORDERS_SQL, {"orders": orders})
        conn.execute(ITEMS_SQL, {"products": products})
        conn.execute("VACUUM ANALYZE")
        total = conn.execute("SELECT count(*) AS n FROM orders").fetchone()["n"]
        size = conn.execute("SELECT pg_database_size('shop') AS b").fetchone()["b"]
        print(
            f"shop: {total} orders, database {size / 1e6:.1f} MB (generated in {time.perf_counter() - started:.1f}s)"
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
    with psycopg.connect(restored_url) as conn:
        restored = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(f"restore: {restore_seconds:.2f}s into an empty database ({restored} orders back)")

    publish_figures(work)


def publish_figures(work: Path) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        settings = load_settings(
            DECANT_PUBLIC_DIR=work / "public",
            S3_BUCKET="bench-site",
            S3_ENDPOINT_URL=f"http://{host}:{port}",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 (moto)
        )
        object_storage.client(settings).create_bucket(Bucket="bench-site")
        site = settings.public_dir / "build-1"
        for n in range(1000):  # a site the size of a 1,000-product shop's tree
            page = site / "products" / f"scent-{n}" / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(f"<!doctype html><h1>Scent {n}</h1>" + "x" * 2000)
        (site / "sitemap.xml").write_text("<urlset/>")
        (site.parent / "current").symlink_to(site.name)
        first = s3_publish.sync(settings)
        (site / "products" / "scent-7" / "index.html").write_text("<h1>Scent 7, new price</h1>")
        (site / "sitemap.xml").write_text("<urlset><url/></urlset>")
        second = s3_publish.sync(settings)
        share = len(second.uploaded) / second.files
        print(
            f"publish: first {len(first.uploaded)} files in {first.seconds:.1f}s;"
            f" after a one-product edit {len(second.uploaded)} of {second.files}"
            f" uploaded ({share:.2%}) in {second.seconds:.2f}s"
        )
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
