"""The static build: every page a shopper sees, rendered from the database, published
atomically, and rebuilt incrementally to exactly what a full build would write."""

from __future__ import annotations

import filecmp
import gzip
import json
import os
import random
import re
import shutil
from pathlib import Path

import brotli
import pytest
from PIL import Image

import decant.catalog.reading
from decant.publishing import build_queue
from decant.publishing.product_shards import product_file
from decant.site import run as site_build
from tests.factories import Shop
from tests.site_files import served_files
from tests.waiting import wait_until

PACKED = (".gz", ".br")  # what Nginx's gzip_static / brotli_static send instead

NOINDEX_MARK = '<meta name="robots" content="noindex">'


def live(settings) -> Path:
    return (settings.public_dir / "current").resolve()


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(b) for b in blocks]


def sitemap_paths(root: Path, base: str) -> set[str]:
    xml = (root / "sitemap.xml").read_text()
    return {loc.removeprefix(base) for loc in re.findall(r"<loc>(.*?)</loc>", xml)}


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_active_product_has_a_page_with_its_prices_from_the_database(
    settings, catalog_shop: Shop, build_site
):
    build_site()
    root = live(settings)
    rows = catalog_shop.conn.execute(
        "SELECT p.slug, p.name, s.size_ml, s.price_cents FROM products p"
        " JOIN product_sizes s ON s.product_id = p.id WHERE p.is_active ORDER BY p.slug, s.size_ml"
    ).fetchall()
    assert {r["slug"] for r in rows} == {
        "rose-noir",
        "vetiver-fumee",
        "oud-royal",
        "iris-poudre",
        "neroli-soleil",
    }
    for slug in {r["slug"] for r in rows}:
        sizes = [r for r in rows if r["slug"] == slug]
        html = (root / product_file(slug)).read_text()
        assert f"<h1>{sizes[0]['name']}</h1>" in html
        assert f'<link rel="canonical" href="{settings.base_url}/products/{slug}/">' in html
        product, crumbs = json_ld(html)
        assert product["@type"] == "Product" and product["name"] == sizes[0]["name"]
        assert [o["price"] for o in product["offers"]] == [
            f"{r['price_cents'] / 100:.2f}" for r in sizes
        ]
        assert {o["priceCurrency"] for o in product["offers"]} == {"EUR"}
        assert crumbs["@type"] == "BreadcrumbList"
        assert crumbs["itemListElement"][-1]["item"] == f"{settings.base_url}/products/{slug}/"
        for r in sizes:
            assert f"€{r['price_cents'] / 100:.2f}" in html
            assert f'value="{decant.catalog.reading.ml(r["size_ml"])}"' in html
    assert not (root / product_file("retired-scent")).exists()
    index = json.loads((root / "catalog" / "index.json").read_text())
    assert "retired-scent" not in {p["slug"] for p in index["products"]}
    assert 'property="og:type" content="product"' in (root / product_file("rose-noir")).read_text()


def test_sitemap_lists_exactly_the_live_pages(settings, catalog_shop: Shop, build_site):
    build_site()
    root = live(settings)
    pages = set()
    for page in root.rglob("index.html"):
        if NOINDEX_MARK not in page.read_text():
            pages.add("/" + page.relative_to(root).as_posix().removesuffix("index.html"))
    for page in (root / "products").glob("*/*.html"):  # one flat file per product
        pages.add(f"/products/{page.stem}/")
    listed = sitemap_paths(root, settings.base_url)
    assert listed == pages
    assert {
        "/",
        "/catalog/",
        "/products/rose-noir/",
        "/brands/atelier-nord/",
        "/notes/rose/",
    } <= listed
    assert "/about/" in listed and "/journal/" in listed
    assert "/products/retired-scent/" not in listed and "/cart/" not in listed
    robots = (root / "robots.txt").read_text()
    assert f"Sitemap: {settings.base_url}/sitemap.xml" in robots


def test_one_price_edit_rewrites_its_pages_and_keeps_the_others_inode(
    settings, catalog_shop: Shop, build_site, capsys
):
    build_site()
    before = live(settings)
    watched = [
        product_file("rose-noir"),
        "brands/maison-test/index.html",
        "catalog/index.html",
        "catalog/index.json",
        "sitemap.xml",
        product_file("neroli-soleil"),
        "notes/neroli/index.html",
        "about/index.html",
        "journal/index.html",
    ]
    old = {rel: (before / rel).stat() for rel in watched}
    old_bytes = {rel: (before / rel).read_bytes() for rel in watched}
    old_packed = {rel + x: (before / (rel + x)).stat().st_ino for rel in watched for x in PACKED}
    catalog_shop.conn.execute(
        "UPDATE product_sizes SET price_cents = 390 WHERE size_ml = 1"
        " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')"
    )
    result = build_site()
    after = live(settings)
    assert after != before
    changed = {rel for rel in watched if (after / rel).read_bytes() != old_bytes[rel]}
    assert changed == {
        product_file("rose-noir"),
        "brands/maison-test/index.html",
        "catalog/index.html",
        "catalog/index.json",
        "sitemap.xml",
    }
    assert "€3.90" in (after / product_file("rose-noir")).read_text()
    for rel in set(watched) - changed:
        assert (after / rel).stat().st_ino == old[rel].st_ino, rel
        assert (after / rel).stat().st_mtime_ns == old[rel].st_mtime_ns, rel
        for packed in PACKED:  # carried as the page is, never recompressed
            assert (after / (rel + packed)).stat().st_ino == old_packed[rel + packed], rel
    for rel in changed:  # what Nginx sends to gzip and Brotli clients is the new page
        assert gzip.decompress((after / (rel + ".gz")).read_bytes()) == (after / rel).read_bytes()
        assert brotli.decompress((after / (rel + ".br")).read_bytes()) == (after / rel).read_bytes()
    # the product, its house, its five notes, the catalog page and index, the home page,
    # the three fragrances whose "sharing its notes" shows it, and the sitemap
    assert result["pages_written"] <= 15
    assert result["pages_unchanged"] > 30
    out = capsys.readouterr().out
    assert (
        f"{result['pages_written']} pages written, {result['pages_unchanged']} unchanged in" in out
    )
    run = catalog_shop.conn.execute(
        "SELECT * FROM build_runs WHERE id = %s", (result["run_id"],)
    ).fetchone()
    assert run["status"] == "succeeded" and run["trigger"] == "cli"
    assert run["pages_rendered"] == result["pages_written"]
    assert run["pages_carried"] == result["pages_unchanged"]
    assert run["seconds"] > 0 and run["last_change_id"] == build_queue.last_change_id(
        catalog_shop.conn
    )


def random_edits(shop: Shop, rng: random.Random) -> None:
    conn = shop.conn
    slugs = [r["slug"] for r in conn.execute("SELECT slug FROM products ORDER BY slug")]
    for _ in range(4):
        slug = rng.choice(slugs)
        kind = rng.choice(["price", "name", "stock", "active", "notes", "brand", "new"])
        if kind == "price":
            conn.execute(
                "UPDATE product_sizes SET price_cents = %s WHERE id = (SELECT min(s.id) FROM"
                " product_sizes s JOIN products p ON p.id = s.product_id WHERE p.slug = %s)",
                (rng.randint(100, 5000), slug),
            )
        elif kind == "name":
            conn.execute(
                "UPDATE products SET name = %s WHERE slug = %s",
                (f"Renamed {rng.randint(1, 999)}", slug),
            )
        elif kind == "stock":
            shop.stock(slug, ml=rng.choice([0, 2, 4, 60]))
        elif kind == "active":
            conn.execute("UPDATE products SET is_active = NOT is_active WHERE slug = %s", (slug,))
        elif kind == "notes":
            conn.execute(
                "UPDATE products SET heart_notes = %s WHERE slug = %s",
                ([rng.choice(["Rose", "Iris", "Tonka Bean", "Oud"])], slug),
            )
        elif kind == "brand":
            conn.execute(
                "UPDATE brands SET description = %s WHERE name = 'Atelier Nord'",
                (f"House note {rng.randint(1, 999)}",),
            )
        else:
            shop.product(
                f"new-scent-{rng.randint(1000, 9999)}", heart_notes=["Iris"], brand="Atelier Nord"
            )


# Ten seeds, each three rounds of four edits: the incremental build reuses page keys,
# related lists and catalog rows from the previous build, and any of them wrongly kept
# shows up here as a byte that differs from a full build's.
@pytest.mark.parametrize("seed", range(10))
def test_incremental_build_after_random_edits_equals_a_full_build_byte_for_byte(
    settings, catalog_shop: Shop, build_site, tmp_path, seed: int
):
    rng = random.Random(seed)
    build_site(full=True)
    for _ in range(3):
        random_edits(catalog_shop, rng)
        build_site()
    incremental = live(settings)
    fresh = settings.model_copy(update={"public_dir": tmp_path / "fresh-public"})
    site_build.main(fresh, full=True, trigger="test")
    full = live(fresh)
    a, b = tree(incremental), tree(full)
    assert sorted(a) == sorted(b)
    assert [rel for rel in a if a[rel] != b[rel]] == []


def test_a_failed_build_leaves_the_live_site_and_names_the_product(
    settings, catalog_shop: Shop, build_site
):
    first = build_site()
    served = live(settings)
    broken = settings.media_dir / "products" / "broken.png"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"not a png at all")
    catalog_shop.product("cracked-flacon", images=["products/broken.png"])
    with pytest.raises(site_build.BuildFailed, match="cracked-flacon"):
        build_site()
    assert live(settings) == served
    assert (served / product_file("rose-noir")).is_file()
    assert not (served / product_file("cracked-flacon")).exists()
    assert sorted(p.name for p in (settings.public_dir / "builds").iterdir() if p.is_dir()) == [
        Path(first["build_dir"]).name
    ]
    run = catalog_shop.conn.execute("SELECT * FROM build_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert run["status"] == "failed" and "cracked-flacon" in run["error"]


def test_a_template_error_fails_the_build_naming_product_and_template(
    settings, catalog_shop: Shop, build_site, tmp_path, monkeypatch
):
    build_site()
    served = live(settings)
    theme = tmp_path / "theme"
    shutil.copytree(site_build.THEME_DIR, theme)
    product = theme / "templates" / "product.html"
    product.write_text(
        product.read_text().replace("{{ product.name }}</h1>", "{{ product.nickname }}</h1>")
    )
    monkeypatch.setattr(site_build, "THEME_DIR", theme)
    with pytest.raises(site_build.BuildFailed) as failure:
        build_site()
    assert "product.html" in str(failure.value) and "product '" in str(failure.value)
    assert "nickname" in str(failure.value)
    assert live(settings) == served


def test_product_images_become_responsive_webp_made_only_when_the_source_changes(
    settings, shop: Shop, build_site
):
    source = settings.media_dir / "products" / "amber-glow.png"
    source.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1000, 1250), (180, 120, 60)).save(source)
    shop.product("amber-glow", images=["products/amber-glow.png"])
    build_site()
    html = (live(settings) / product_file("amber-glow")).read_text()
    img = re.search(r"<img [^>]*>", html).group(0)
    assert 'loading="lazy"' in img and 'width="800"' in img and 'height="1000"' in img
    srcset = re.search(r'srcset="([^"]+)"', img).group(1)
    files = [part.split()[0] for part in srcset.split(", ")]
    assert [part.split()[1] for part in srcset.split(", ")] == ["400w", "800w"]
    for url in files:
        assert url.endswith(".webp")
        with Image.open(live(settings) / url.lstrip("/")) as webp:
            assert webp.format == "WEBP"
    cached = sorted((settings.data_dir / "image-cache").glob("*.webp"))
    stamps = [p.stat().st_mtime_ns for p in cached]
    shop.conn.execute("UPDATE products SET description = 'Warm.' WHERE slug = 'amber-glow'")
    build_site(full=True)
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # not encoded again
    Image.new("RGB", (1000, 1250), (20, 120, 60)).save(source)
    build_site()
    html2 = (live(settings) / product_file("amber-glow")).read_text()
    assert re.search(r'srcset="([^"]+)"', html2).group(1) != srcset
    assert len(list((settings.data_dir / "image-cache").glob("*.webp"))) == 4


def test_assets_are_minified_fingerprinted_and_gzipped(settings, catalog_shop: Shop, build_site):
    build_site()
    root = live(settings)
    css = list((root / "assets").glob("app.*.css"))
    js = list((root / "assets").glob("app.*.js"))
    assert len(css) == 1 and len(js) == 1
    assert re.fullmatch(r"app\.[0-9a-f]{10}\.css", css[0].name)
    source = (site_build.THEME_DIR / "static/app.css").read_bytes()
    minified = css[0].read_bytes()
    assert len(minified) < len(source) and b"/*" not in minified and minified.count(b"\n") <= 1
    html = (root / "index.html").read_text()
    assert f'href="/assets/{css[0].name}"' in html and f'src="/assets/{js[0].name}"' in html
    for rel in ("index.html", "sitemap.xml", "catalog/index.json", f"assets/{css[0].name}"):
        assert (root / (rel + ".gz")).is_file(), rel


def test_only_the_last_five_builds_and_the_shards_they_use_are_kept(
    settings, catalog_shop: Shop, build_site
):
    conn = catalog_shop.conn
    for n in range(7):  # each build changes a page: a shard of its own
        conn.execute(
            "UPDATE product_sizes SET price_cents = %s WHERE size_ml = 5"
            " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')",
            (500 + n,),
        )
        build_site()
    builds = settings.public_dir / "builds"
    shards = settings.public_dir / "shards"
    # Old builds and unused shards leave at once by a rename; a background rm unlinks them.
    wait_until(
        lambda: not [p for d in (builds, shards) for p in d.iterdir() if p.name.startswith(".")],
        what="pruned builds removed",
    )
    kept = [p for p in builds.iterdir() if p.is_dir()]
    assert len(kept) == 5
    assert live(settings) in [p.resolve() for p in kept]
    used = {os.path.realpath(link) for build in kept for link in (build / "products").iterdir()}
    assert {str(p) for p in shards.iterdir()} == used
    shard = product_file("rose-noir").split("/")[1]
    # rose-noir's shard: one copy per kept build, each with that build's price
    assert len({os.path.realpath(b / "products" / shard) for b in kept}) == 5


def test_publish_queue_coalesces_runs_one_build_and_rollback_restores_the_previous_site(
    settings, catalog_shop: Shop, build_site
):
    conn = catalog_shop.conn
    first = build_site()
    assert build_queue.unpublished_changes(conn) == []
    conn.execute("UPDATE products SET name = 'Rose Noire' WHERE slug = 'rose-noir'")
    pending = build_queue.unpublished_changes(conn)
    assert pending and pending[0]["product_slug"] == "rose-noir"
    a = build_queue.request_build(conn, trigger="admin", requested_by="owner@example.com")
    b = build_queue.request_build(conn, trigger="admin", requested_by="staff@example.com")
    assert a == b
    assert build_queue.run_queued(conn, settings, build=site_build.main) == 1
    assert build_queue.run_queued(conn, settings, build=site_build.main) == 0
    run = conn.execute("SELECT * FROM build_runs WHERE id = %s", (a,)).fetchone()
    assert run["status"] == "succeeded" and run["requested_by"] == "owner@example.com"
    assert build_queue.unpublished_changes(conn) == []
    assert "Rose Noire" in (live(settings) / product_file("rose-noir")).read_text()
    assert build_queue.rollback(settings) == Path(first["build_dir"]).name
    assert "Rose Noire" not in (live(settings) / product_file("rose-noir")).read_text()
    assert build_queue.live_build(settings) == Path(first["build_dir"])
    assert filecmp.cmp(live(settings) / "index.html", Path(first["build_dir"]) / "index.html")


def test_a_build_under_a_private_umask_is_still_readable_by_nginx(
    settings, catalog_shop: Shop, build_site
):
    """The systemd units run with UMask=0077; Nginx runs as another user."""
    import os
    import stat

    old = os.umask(0o077)
    try:
        build_site()
    finally:
        os.umask(old)

    root = live(settings)
    # Into the product shards too: products/<shard> links out of the build.
    served = [
        Path(folder, name)
        for folder, dirs, names in os.walk(root, followlinks=True)
        for name in [".", *dirs, *names]
    ]
    assert any(p.suffix == ".html" and p.parent.parent.name == "products" for p in served)
    unreadable = [
        p.as_posix()
        for p in served
        if stat.S_IMODE(p.stat().st_mode) & (0o055 if p.is_dir() else 0o044)
        != (0o055 if p.is_dir() else 0o044)
    ]
    assert unreadable == []


def test_each_active_curated_set_has_a_page_and_is_listed_on_home(
    settings, catalog_shop: Shop, build_site
):
    catalog_shop.curated_set(
        "night-pair", ("rose-noir", 2), ("oud-royal", 2), price_cents=2000, name="Night Pair"
    )
    catalog_shop.curated_set(
        "hidden-pair", ("rose-noir", 1), ("oud-royal", 1), price_cents=1000, is_active=False
    )
    build_site()
    root = live(settings)
    html = (root / "sets" / "night-pair" / "index.html").read_text()
    assert "<h1>Night Pair</h1>" in html
    assert "2 samples for €20.00" in html and "separately €23.00" in html
    assert 'href="/products/rose-noir/"' in html and 'href="/products/oud-royal/"' in html
    assert '"set":"night-pair"' in html.replace("&#34;", '"')
    assert f'<link rel="canonical" href="{settings.base_url}/sets/night-pair/">' in html
    assert not (root / "sets" / "hidden-pair").exists()
    home = (root / "index.html").read_text()
    assert 'href="/sets/night-pair/"' in home and "hidden-pair" not in home
    assert "/sets/night-pair/" in sitemap_paths(root, settings.base_url)

    catalog_shop.conn.execute(
        "UPDATE curated_sets SET price_cents = 1900 WHERE slug = 'night-pair'"
    )
    build_site()
    root = live(settings)
    assert "2 samples for €19.00" in (root / "sets/night-pair/index.html").read_text()
    catalog_shop.conn.execute("UPDATE curated_sets SET is_active = false")
    build_site()
    assert not (live(settings) / "sets" / "night-pair").exists()


def test_the_search_index_keeps_its_bytes_and_inode_when_only_a_price_or_stock_changes(
    settings, catalog_shop: Shop, build_site
):
    build_site()
    before = live(settings) / "search-index.json"
    old_bytes, old_inode = before.read_bytes(), before.stat().st_ino
    catalog_shop.conn.execute("UPDATE product_sizes SET price_cents = price_cents + 100")
    catalog_shop.stock("rose-noir", ml=0)
    build_site()
    after = live(settings) / "search-index.json"
    assert after.read_bytes() == old_bytes
    assert after.stat().st_ino == old_inode
    catalog_shop.conn.execute("UPDATE products SET name = 'Rose Nuit' WHERE slug = 'rose-noir'")
    build_site()
    renamed = live(settings) / "search-index.json"
    assert b'"Rose Nuit"' in renamed.read_bytes() and b'"Rose Noir"' not in renamed.read_bytes()


def served_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in served_files(root)}


def test_builds_one_after_another_in_one_process_serve_what_a_full_build_does(
    settings, catalog_shop: Shop, build_site, tmp_path
):
    """The worker's builds start from what the last one kept in memory (cards, page
    plans, the catalog rows): after every kind of edit they serve the same bytes as a
    fresh full build of the same catalog."""
    conn = catalog_shop.conn
    edits = [
        "UPDATE product_sizes SET price_cents = 333 WHERE size_ml = 1"
        " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')",
        "UPDATE products SET description = 'Dusk in a garden.' WHERE slug = 'oud-royal'",
        "UPDATE products SET name = 'Aaron Rose' WHERE slug = 'rose-noir'",
        "UPDATE products SET heart_notes = heart_notes || ARRAY['Oud'] WHERE slug = 'neroli-soleil'",
        "UPDATE products SET is_active = false WHERE slug = 'oud-royal'",
        "UPDATE brands SET description = 'A new house note' WHERE slug = 'maison-test'",
    ]
    build_site()
    for edit in edits[:3]:
        conn.execute(edit)
        build_site()
    # A full build over a live one: every page made again, none lost to the old one.
    rebuilt = build_site(full=True)
    fresh = site_build.main(settings.model_copy(update={"public_dir": tmp_path / "a"}), full=True)
    assert served_bytes(Path(rebuilt["build_dir"])) == served_bytes(Path(fresh["build_dir"]))
    for edit in edits[3:]:
        conn.execute(edit)
        build_site()
    catalog_shop.stock("neroli-soleil", ml=0)
    catalog_shop.product("zest-nouveau", sizes={1: 250, 5: 900})
    incremental = build_site()
    fresh = site_build.main(settings.model_copy(update={"public_dir": tmp_path / "b"}), full=True)
    assert incremental["pages_written"] < fresh["pages_written"]
    assert served_bytes(Path(incremental["build_dir"])) == served_bytes(Path(fresh["build_dir"]))


def test_a_change_committed_after_a_build_read_the_catalog_is_in_the_next_build(
    settings, catalog_shop: Shop, build_site, database_url
):
    """Writers commit in any order: an edit whose transaction began before a build's
    snapshot and committed after it is found by the next build all the same."""
    import psycopg

    build_site()
    with psycopg.connect(database_url) as late:
        late.execute(
            "UPDATE product_sizes SET price_cents = 1234 WHERE size_ml = 1"
            " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')"
        )
        build_site()  # does not see the uncommitted price
        assert "€12.34" not in (live(settings) / product_file("rose-noir")).read_text()
        late.commit()
    build_site()
    assert "€12.34" in (live(settings) / product_file("rose-noir")).read_text()


def test_a_one_product_edit_copies_one_shard_and_leaves_the_previous_build_as_it_was(
    settings, catalog_shop: Shop, build_site
):
    first = Path(build_site()["build_dir"])
    before = served_bytes(first)
    catalog_shop.conn.execute(
        # not its lowest price: no card elsewhere shows it, only its own page moves
        "UPDATE product_sizes SET price_cents = 777 WHERE size_ml = 2"
        " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')"
    )
    second = Path(build_site()["build_dir"])
    shard = product_file("rose-noir").split("/")[1]
    links = {p.name: os.path.realpath(p) for p in (first / "products").iterdir()}
    moved = {
        p.name for p in (second / "products").iterdir() if os.path.realpath(p) != links[p.name]
    }
    assert moved == {shard}
    assert "€7.77" in (second / product_file("rose-noir")).read_text()
    assert served_bytes(first) == before  # rollback finds it exactly as it was published
