"""Publishing the static site to S3 (moto in server mode: real HTTP, real boto3)."""

from __future__ import annotations

import gzip
import os
import shutil
import uuid
from pathlib import Path

import boto3
import pytest

from decant.catalog import media_store
from decant.ops import backups
from decant.platform import object_storage
from decant.platform.config import ConfigError, load_settings
from decant.publishing import s3_publish

SITE = "site/"  # S3_SITE_PREFIX's default


@pytest.fixture
def site(tmp_path: Path, moto_endpoint: str):
    """A built site of 300 files under public/current and an empty bucket for it."""
    bucket = f"site-{uuid.uuid4().hex[:10]}"
    settings = load_settings(
        DECANT_PUBLIC_DIR=tmp_path / "public",
        DECANT_DATA_DIR=tmp_path / "var",
        S3_BUCKET=bucket,
        S3_ENDPOINT_URL=moto_endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )
    object_storage.client(settings).create_bucket(Bucket=bucket)
    build = settings.public_dir / "build-1"
    write_site(build)
    (settings.public_dir / "current").symlink_to(build.name)
    return settings


def write_site(root: Path) -> None:
    (root / "static").mkdir(parents=True)
    (root / "static" / "app.3f2a1c.css").write_text("body{color:#222}")
    (root / "static" / "cart.9b8e7d.js").write_text("console.log('cart')")
    (root / "robots.txt").write_text("User-agent: *\n")
    (root / "sitemap.xml").write_text("<urlset/>")
    html = "<!doctype html><title>Home</title>"
    (root / "index.html").write_text(html)
    (root / "index.html.gz").write_bytes(gzip.compress(html.encode()))
    for n in range(147):
        page = root / "products" / f"scent-{n}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<!doctype html><h1>Scent {n}</h1>")
        (root / "images" / f"scent-{n}.png").parent.mkdir(exist_ok=True)
        (root / "images" / f"scent-{n}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    assert sum(1 for p in root.rglob("*") if p.is_file()) == 300


def next_build(settings, edit) -> Path:
    """Copy the live build, change it, and swap `current` to it as `decant build` does."""
    current = (settings.public_dir / "current").resolve()
    new = settings.public_dir / f"build-{uuid.uuid4().hex[:6]}"
    shutil.copytree(current, new)
    edit(new)
    link = settings.public_dir / "current.tmp"
    link.symlink_to(new.name)
    link.replace(settings.public_dir / "current")
    return new


def bucket_client(settings):
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )


def test_first_publish_uploads_every_file_with_the_headers_a_cdn_needs(site):
    report = s3_publish.sync(site)

    assert len(report.uploaded) == report.files == 300
    s3 = bucket_client(site)
    page = s3.head_object(Bucket=site.s3_bucket, Key=SITE + "products/scent-1/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == s3_publish.HTML
    css = s3.head_object(Bucket=site.s3_bucket, Key=SITE + "static/app.3f2a1c.css")
    assert css["ContentType"] == "text/css; charset=utf-8"
    assert "immutable" in css["CacheControl"] and "max-age=31536000" in css["CacheControl"]
    gz = s3.get_object(Bucket=site.s3_bucket, Key=SITE + "index.html.gz")
    assert gz["ContentEncoding"] == "gzip"
    assert gz["ContentType"] == "text/html; charset=utf-8"
    assert gzip.decompress(gz["Body"].read()).startswith(b"<!doctype html>")
    image = s3.head_object(Bucket=site.s3_bucket, Key=SITE + "images/scent-3.png")
    assert image["ContentType"] == "image/png"
    assert image["CacheControl"] == s3_publish.OTHER


def test_republish_after_an_admin_price_edit_uploads_exactly_the_changed_pages(
    settings, catalog_shop, build_site, owner, conn, moto_endpoint
):
    """The real build of a real catalog, one product edited in the admin, built again:
    the second publish sends exactly the files that build changed and deletes nothing."""
    bucket = f"site-{uuid.uuid4().hex[:10]}"
    shop_site = settings.model_copy(
        update={
            "s3_bucket": bucket,
            "s3_endpoint_url": moto_endpoint,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
    )
    object_storage.client(shop_site).create_bucket(Bucket=bucket)
    build_site(full=True)
    first = s3_publish.sync(shop_site)
    assert len(first.uploaded) == first.files > 100 and first.deleted == []

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
    build_site()
    report = s3_publish.sync(shop_site)

    # The 2 ml price is on the product's own page only; the sitemap has its new lastmod.
    assert sorted(report.uploaded) == [
        SITE + key
        for key in (
            "products/rose-noir/index.html",
            "products/rose-noir/index.html.br",
            "products/rose-noir/index.html.gz",
            "sitemap.xml",
            "sitemap.xml.br",
            "sitemap.xml.gz",
        )
    ]
    assert report.deleted == [] and report.files == first.files
    page = bucket_client(shop_site).get_object(
        Bucket=bucket, Key=SITE + "products/rose-noir/index.html"
    )
    assert "€7.40" in page["Body"].read().decode()
    assert s3_publish.sync(shop_site).uploaded == []


def test_files_the_build_removed_are_deleted_only_after_new_files_are_up(site):
    s3_publish.sync(site)

    def edit(root: Path) -> None:
        shutil.rmtree(root / "products" / "scent-0")
        (root / "images" / "scent-0.png").unlink()
        (root / "static" / "app.3f2a1c.css").unlink()
        (root / "static" / "app.77aa01.css").write_text("body{color:#111}")
        (root / "index.html").write_text('<link href="/static/app.77aa01.css">')

    next_build(site, edit)
    calls: list[str] = []
    client = object_storage.client(site)
    client.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))

    report = s3_publish.sync(site, client=client)

    assert sorted(report.deleted) == [
        SITE + "images/scent-0.png",
        SITE + "products/scent-0/index.html",
        SITE + "static/app.3f2a1c.css",
    ]
    uploads = [i for i, name in enumerate(calls) if name == "PutObject"]
    deletes = [i for i, name in enumerate(calls) if name == "DeleteObjects"]
    assert uploads and deletes and max(uploads) < min(deletes)
    keys = {
        o["Key"] for o in bucket_client(site).list_objects_v2(Bucket=site.s3_bucket)["Contents"]
    }
    assert SITE + "static/app.77aa01.css" in keys and SITE + "static/app.3f2a1c.css" not in keys
    assert len(keys) == report.files


def test_publish_without_a_bucket_names_the_missing_setting(tmp_path: Path):
    settings = load_settings(DECANT_PUBLIC_DIR=tmp_path / "public", S3_BUCKET="")

    with pytest.raises(ConfigError, match="S3_BUCKET"):
        s3_publish.publish(settings)


def test_cache_rules_for_fingerprinted_assets_pages_and_other_files():
    assert s3_publish.headers_for("static/app.3f2a1c.css")["CacheControl"] == s3_publish.IMMUTABLE
    assert s3_publish.headers_for("static/app.css")["CacheControl"] == s3_publish.OTHER
    assert s3_publish.headers_for("about/index.html")["CacheControl"] == s3_publish.HTML
    assert s3_publish.headers_for("feed.atom")["ContentType"].startswith("application/atom+xml")
    assert s3_publish.headers_for("search.json.gz") == {
        "ContentEncoding": "gzip",
        "ContentType": "application/json; charset=utf-8",
        "CacheControl": s3_publish.OTHER,
    }


def test_publish_never_touches_backups_or_uploaded_images_in_the_same_bucket(
    settings, database_url, moto_endpoint: str
):
    bucket = f"shop-{uuid.uuid4().hex[:10]}"
    shared = settings.model_copy(
        update={
            "s3_bucket": bucket,
            "s3_endpoint_url": moto_endpoint,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
    )
    s3 = bucket_client(shared)
    s3.create_bucket(Bucket=bucket)
    backups.backup(shared, database_url)
    image = shared.media_dir / "products" / "rose-noir.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    media_store.keep(shared, "products/rose-noir.png")
    build = shared.public_dir / "build-1"
    write_site(build)
    (shared.public_dir / "current").symlink_to(build.name)
    s3_publish.sync(shared)
    kept = {k for k in keys(s3, bucket) if not k.startswith(SITE)}
    assert {k.split("/")[0] for k in kept} == {"backups", "media"} and len(kept) == 3

    next_build(shared, lambda root: (root / "products" / "scent-4" / "index.html").unlink())
    report = s3_publish.sync(shared)

    after = keys(s3, bucket)
    assert report.deleted == [SITE + "products/scent-4/index.html"]
    assert SITE + "products/scent-4/index.html" not in after
    assert SITE + "products/scent-5/index.html" in after
    assert kept <= after
    assert {k for k in after if not k.startswith(SITE)} == kept


def test_publish_to_a_site_bucket_of_its_own_leaves_the_backup_bucket_alone(site):
    site_bucket = f"cdn-{uuid.uuid4().hex[:10]}"
    s3 = bucket_client(site)
    s3.create_bucket(Bucket=site_bucket)
    s3.put_object(Bucket=site.s3_bucket, Key="backups/decant-20260101T000000Z.tar", Body=b"x")
    own = load_settings(
        DECANT_PUBLIC_DIR=site.public_dir,
        S3_BUCKET=site.s3_bucket,
        S3_SITE_BUCKET=site_bucket,
        S3_SITE_PREFIX="",
        S3_ENDPOINT_URL=site.s3_endpoint_url,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )

    report = s3_publish.sync(own)

    assert len(report.uploaded) == 300 and "index.html" in keys(s3, site_bucket)
    assert keys(s3, site.s3_bucket) == {"backups/decant-20260101T000000Z.tar"}


def test_a_site_prefix_over_backups_or_media_is_refused():
    for prefix in ("backups/", "media", "/media/site/"):
        with pytest.raises(ConfigError, match="S3_SITE_PREFIX"):
            load_settings(S3_SITE_PREFIX=prefix)
    with pytest.raises(ConfigError, match="S3_SITE_PREFIX"):
        load_settings(S3_BUCKET="shop", S3_SITE_PREFIX="")


def keys(s3, bucket: str) -> set[str]:
    found: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found |= {item["Key"] for item in page.get("Contents", [])}
    return found
