"""Uploaded product images reach every app host through the bucket."""

from __future__ import annotations

import uuid
from pathlib import Path

from decant.catalog import media_store
from decant.platform import object_storage
from decant.platform.config import load_settings


def host_settings(tmp_path: Path, name: str, bucket: str, endpoint: str):
    return load_settings(
        DECANT_DATA_DIR=tmp_path / name,
        DECANT_PUBLIC_DIR=tmp_path / name / "public",
        S3_BUCKET=bucket,
        S3_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )


def test_an_image_uploaded_on_one_host_is_fetched_by_another(tmp_path, moto_endpoint):
    bucket = f"media-{uuid.uuid4().hex[:10]}"
    host_a = host_settings(tmp_path, "a", bucket, moto_endpoint)
    host_b = host_settings(tmp_path, "b", bucket, moto_endpoint)
    object_storage.client(host_a).create_bucket(Bucket=bucket)
    stored = host_a.media_dir / "uploads" / "abc.webp"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"RIFF....WEBPVP8 fake image bytes")

    media_store.keep(host_a, "uploads/abc.webp")
    fetched = media_store.local_path(host_b, "uploads/abc.webp")

    assert fetched == host_b.media_dir / "uploads" / "abc.webp"
    assert fetched.read_bytes() == stored.read_bytes()
    head = object_storage.client(host_a).head_object(Bucket=bucket, Key="media/uploads/abc.webp")
    assert head["ContentType"] == "image/webp"


def test_a_missing_image_without_a_bucket_is_left_for_the_build_to_report(tmp_path):
    settings = load_settings(DECANT_DATA_DIR=tmp_path / "var")
    path = media_store.local_path(settings, "uploads/none.webp")
    assert path == settings.media_dir / "uploads" / "none.webp" and not path.exists()


def test_an_image_missing_from_the_bucket_too_does_not_leave_a_partial_file(
    tmp_path, moto_endpoint
):
    bucket = f"media-{uuid.uuid4().hex[:10]}"
    settings = host_settings(tmp_path, "a", bucket, moto_endpoint)
    object_storage.client(settings).create_bucket(Bucket=bucket)
    path = media_store.local_path(settings, "uploads/gone.webp")
    assert not path.exists()
    assert list((settings.media_dir / "uploads").iterdir()) == []
