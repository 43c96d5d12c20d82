"""Publishing end to end: an admin price edit is not live until Publish; the queued
build then changes only the affected files; rollback brings the old page back."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

from decant.platform import object_storage
from decant.publishing import build_queue, s3_publish
from decant.publishing.product_shards import product_file
from decant.site import run as site_run
from functions.web.static_site import local_site
from tests.site_files import served_files


def snapshot(public: Path) -> dict[str, str]:
    root = (public / "current").resolve()
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in served_files(root)
    }


def size_prices(html: str) -> list[str]:
    """The prices in the product page's size picker (not related products' cards)."""
    return re.findall(r'<span class="size-price">([^<]+)</span>', html)


def test_price_edit_goes_live_on_publish_and_rollback_restores(
    owner, admin_app, catalog_shop, build_site, settings, conn
):
    build_site(full=True)
    site = local_site(admin_app, settings.public_dir).test_client()
    page = site.get("/products/rose-noir/").get_data(as_text=True)
    assert size_prices(page) == ["€3.50", "€6.00", "€14.00"]
    before = snapshot(settings.public_dir)
    assert owner.get("/admin/publishing").get_data(as_text=True).count("nothing waits") == 1

    product_id = conn.execute("SELECT id FROM products WHERE slug = 'rose-noir'").fetchone()["id"]
    edit = owner.send_json(
        "PUT",
        f"/api/admin/products/{product_id}",
        {
            "sizes": [
                {"size_ml": 1, "price_cents": 350},
                {"size_ml": 2, "price_cents": 740},
                {"size_ml": 5, "price_cents": 1400},
            ]
        },
    )
    assert edit.status_code == 200
    pending = owner.get("/admin/publishing").get_data(as_text=True)
    assert "Changes not yet published" in pending and "Rose Noir" in pending
    assert size_prices(site.get("/products/rose-noir/").get_data(as_text=True))[1] == "€6.00"

    assert owner.post("/admin/publishing/publish").status_code == 302
    assert owner.post("/admin/publishing/publish").status_code == 302  # a second click coalesces
    assert (
        conn.execute("SELECT count(*) AS n FROM build_runs WHERE status = 'queued'").fetchone()["n"]
        == 1
    )
    assert build_queue.run_queued(conn, settings, build=site_run.main) == 1
    run = conn.execute("SELECT * FROM build_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert run["status"] == "succeeded" and run["requested_by"] == "owner@decant.test"

    live = site.get("/products/rose-noir/").get_data(as_text=True)
    assert size_prices(live) == ["€3.50", "€7.40", "€14.00"]
    after = snapshot(settings.public_dir)
    changed = {path for path in after if before.get(path) != after[path]}
    # The 2 ml price shows only on the product's own page (cards and the catalog show
    # the lowest, 1 ml, price); the sitemap carries the product's new lastmod.
    assert changed == {
        f"{page}{packed}"
        for page in (product_file("rose-noir"), "sitemap.xml")
        for packed in ("", ".gz", ".br")
    }
    assert set(after) == set(before)
    page = owner.get("/admin/publishing").get_data(as_text=True)
    assert "nothing waits" in page and "succeeded" in page

    assert owner.post("/admin/publishing/rollback").status_code == 302
    restored = site.get("/products/rose-noir/").get_data(as_text=True)
    assert size_prices(restored) == ["€3.50", "€6.00", "€14.00"]
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["update", "publish", "publish", "rollback"]


def test_staff_may_publish_but_not_roll_back(staff, catalog_shop, build_site, conn):
    build_site(full=True)
    assert staff.post("/admin/publishing/publish").status_code == 302
    assert staff.post("/admin/publishing/rollback").status_code == 403


def test_product_pages_reach_the_cdn_bucket_at_their_url_paths(
    settings, catalog_shop, build_site, moto_endpoint
):
    """The build writes a product page flat (products/<slug>.html); a CDN maps URLs to
    keys without Nginx's rewrite, so the bucket holds it at products/<slug>/index.html."""
    build_site()
    bucket = f"site-{uuid.uuid4().hex[:10]}"
    site = settings.model_copy(
        update={
            "s3_bucket": bucket,
            "s3_endpoint_url": moto_endpoint,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
    )
    s3 = object_storage.client(site)
    s3.create_bucket(Bucket=bucket)
    s3_publish.sync(site)
    site_prefix = site.s3_site_prefix  # the CDN's origin path
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=site_prefix, MaxKeys=1000)["Contents"]
    keys = {o["Key"].removeprefix(site_prefix) for o in listed}
    assert {"products/rose-noir/index.html", "products/rose-noir/index.html.gz"} <= keys
    assert not any(k.startswith("products/rose-noir.") for k in keys)
    page = s3.get_object(Bucket=bucket, Key=site_prefix + "products/rose-noir/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert b"<h1>Rose Noir</h1>" in page["Body"].read()
    assert "products/retired-scent/index.html" not in keys
