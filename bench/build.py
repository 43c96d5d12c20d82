"""The static build at catalog scale: 10,000 products.

Run by hand: `.venv/bin/python bench/build.py [--products 10000]`. Uses an embedded
PostgreSQL in a temporary directory (or a fresh database on DATABASE_URL's server).
Prints, in one run:

- full build: `build.main(full=True)` into an empty public dir;
- one-product incremental build after a price edit: seconds and files written (the
  disk is synced first, so it is not timed while the full build's pages are written back);
- the floor: the same product pages rendered by bare Jinja2 into files, from contexts
  prepared before the clock starts, with the build's Environment options; "the same
  pages" means the files the site serves for them, each .html with its .gz (Nginx
  gzip_static), so the ratio is taken against that; the .html-only figure is printed too;
  it runs with the cycle collector off, as the build does;

and the ratios the issue sets targets for (full <= 2x floor; incremental <= 1.0 s and
<= 1 % of the files). Products have no images here (WebP encoding is cached per source
and measured by the tests, not by this bench).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import os
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg  # noqa: E402
from jinja2 import Environment, FileSystemLoader, StrictUndefined  # noqa: E402

from decant.platform import db, embedded, migrations
from decant.platform.config import load_settings  # noqa: E402
from decant.site import assets as site_assets  # noqa: E402
from decant.site import output as site_output  # noqa: E402
from decant.site import pages as site_pages  # noqa: E402
from decant.site import paths as site_paths  # noqa: E402
from decant.site import planner as site_planner  # noqa: E402
from decant.site import run as site_run  # noqa: E402
from decant.site import snapshot as site_snapshot  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOTES = [
    "Bergamot",
    "Lemon",
    "Mandarin",
    "Pink Pepper",
    "Cardamom",
    "Grapefruit",
    "Neroli",
    "Lavender",
    "Rose",
    "Jasmine",
    "Iris",
    "Violet",
    "Tuberose",
    "Orange Blossom",
    "Geranium",
    "Cinnamon",
    "Saffron",
    "Fig",
    "Tea",
    "Magnolia",
    "Vetiver",
    "Sandalwood",
    "Cedar",
    "Patchouli",
    "Oud",
    "Amber",
    "Vanilla",
    "Tonka Bean",
    "Musk",
    "Leather",
    "Benzoin",
    "Labdanum",
    "Incense",
    "Oakmoss",
    "Ambrette",
    "Myrrh",
    "Cashmeran",
    "Guaiac Wood",
]
ACCORDS = [
    "floral",
    "woody",
    "citrus",
    "spicy",
    "fresh",
    "oriental",
    "gourmand",
    "leather",
    "aquatic",
]


def database(tmp: Path) -> str:
    server = os.environ.get("DATABASE_URL")
    if not server:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded.postgres_url(tmp / "pg", keep_running=False)
    name = f"bench_build_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def make_catalog(url: str, products: int) -> None:
    with db.connection(url) as conn:
        migrations.migrate(conn)
        with conn.transaction():
            conn.execute(
                "INSERT INTO brands (name, country, founded, description)"
                " SELECT 'House ' || n, 'France', 1900 + n % 120, 'A house of the bench.'"
                "   FROM generate_series(1, 200) n"
            )
            conn.execute(
                """
                INSERT INTO products (slug, name, brand, gender, description, top_notes,
                                      heart_notes, base_notes, accords, launch_year, perfumer)
                SELECT 'scent-' || n, 'Scent ' || n, 'House ' || (1 + n %% 200),
                       (ARRAY['women','men','unisex'])[1 + n %% 3]::gender,
                       'A fragrance made for the benchmark, number ' || n || '.',
                       ARRAY[(%(notes)s::text[])[1 + n %% 7], (%(notes)s::text[])[1 + (n / 7) %% 7]],
                       ARRAY[(%(notes)s::text[])[8 + n %% 12], (%(notes)s::text[])[8 + (n / 12) %% 12]],
                       ARRAY[(%(notes)s::text[])[20 + n %% 19], (%(notes)s::text[])[20 + (n / 19) %% 19]],
                       ARRAY[(%(accords)s::text[])[1 + n %% 9], (%(accords)s::text[])[1 + (n / 9) %% 9]],
                       1950 + n %% 75, 'Perfumer ' || (n %% 40)
                  FROM generate_series(1, %(count)s) n
                """,
                {"notes": NOTES, "accords": ACCORDS, "count": products},
            )
            conn.execute(
                "INSERT INTO product_sizes (product_id, size_ml, price_cents)"
                " SELECT p.id, s.ml, 100 + (p.id % 50) * 40 * s.ml"
                "   FROM products p, (VALUES (1), (2), (5), (10)) s(ml)"
            )
            conn.execute(
                "INSERT INTO bottle_batches (product_id, volume_ml, cost_cents)"
                " SELECT id, 100, 9000 FROM products"
            )


def floor_seconds(settings, out: Path) -> tuple[float, float, int]:
    """Bare Jinja2: the same product.html, the same contexts (prepared before the
    clock), the same Environment options as the build, written to files in a plain
    loop. Measured twice: the .html files alone, and the .html files with the .gz
    beside each that the site serves (Nginx gzip_static), at the build's level."""
    site = site_snapshot.read_site(site_run.replica_url(settings))
    assets = site_assets.theme_assets(site_paths.THEME_DIR)
    planner = site_planner.SitePlanner(site, settings, {})
    pages = [planner.product_page(p) for p in planner.products]
    contexts = {page.rel: page.template_context() for page in pages}
    env = Environment(
        loader=FileSystemLoader(site_paths.THEME_DIR / "templates"),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(
        site={"name": "Decant", "base_url": settings.base_url, "currency": settings.currency},
        css_url=assets["app.css"].url,
        js_url=assets["app.js"].url,
        card_html=site_pages.card_renderer(),
    )
    template = env.get_template("product.html")
    seconds = []
    for name, with_gz in (("html", False), ("html-gz", True)):
        started = time.perf_counter()
        for page in pages:
            target = out / name / page.rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = template.render(contexts[page.rel]).encode()
            target.write_bytes(data)
            if with_gz:
                target.with_name(target.name + ".gz").write_bytes(
                    gzip.compress(data, compresslevel=site_output.GZIP_LEVEL, mtime=0)
                )
        seconds.append(time.perf_counter() - started)
    return seconds[0], seconds[1], len(pages)


def stop_postgres(tmp: Path) -> None:
    """The embedded server outlives the process otherwise: ask its postmaster for a
    fast shutdown (SIGINT) before the temporary directory goes."""
    pid_file = tmp / "pg" / "postgres" / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
        deadline = time.monotonic() + 30
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)


def count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and p.suffix != ".gz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="decant-bench-build-") as tmp_name:
        tmp = Path(tmp_name)
        url = database(tmp)
        started = time.perf_counter()
        make_catalog(url, args.products)
        print(f"catalog of {args.products} products made in {time.perf_counter() - started:.1f} s")
        settings = load_settings(
            DATABASE_URL=url,
            DECANT_DATA_DIR=tmp / "var",
            DECANT_PUBLIC_DIR=tmp / "public",
            DECANT_ENV="test",
        )
        quiet = contextlib.redirect_stdout(io.StringIO())
        with quiet:
            full = site_run.main(settings, full=True, trigger="bench")
        files = count_files(Path(full["build_dir"]))
        print(f"full build:        {full['seconds']:.2f} s, {full['pages_written']} files written")

        # The edit comes to a settled disk, as an owner's does: not while the kernel
        # is still writing back the 20,000 files the full build just made.
        os.sync()
        with db.connection(url) as conn:
            conn.execute(
                "UPDATE product_sizes SET price_cents = price_cents + 100"
                " WHERE size_ml = 5 AND product_id = (SELECT id FROM products WHERE slug = 'scent-4242')"
            )
        with contextlib.redirect_stdout(io.StringIO()):
            one = site_run.main(settings, trigger="bench")
        share = one["pages_written"] / files
        print(
            f"one-product build: {one['seconds']:.2f} s, {one['pages_written']} files written,"
            f" {one['pages_unchanged']} carried over ({share:.3%} of {files} files);"
            f" stages: {one['stages']}"
        )

        os.sync()
        # The build runs with the cycle collector off (build.without_cycle_collection):
        # the floor runs under the same setting, so neither side is credited with it.
        with site_run.without_cycle_collection():
            html_only, floor, pages = floor_seconds(settings, tmp / "floor")
        print(
            f"floor (bare Jinja2, the same {pages} product pages into files):"
            f" {floor:.2f} s with their .gz as the site serves them"
            f" ({html_only:.2f} s for the .html alone)"
        )
        stop_postgres(tmp)
        print(
            f"ratios: full / floor = {full['seconds'] / floor:.2f} (target <= 2.0;"
            f" {full['seconds'] / html_only:.2f} against the .html-only floor);"
            f" one-product = {one['seconds']:.2f} s (target <= 1.0 s),"
            f" {share:.3%} of files (target <= 1 %)"
        )


if __name__ == "__main__":
    main()
