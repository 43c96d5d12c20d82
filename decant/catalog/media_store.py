"""Product images that every app host can see.

Uploads land on the local disk under DECANT_DATA_DIR/media; with S3 configured they
are also kept in the bucket under `media/`, so a build on another host (or after a
disk is lost) fetches the ones it does not have instead of failing."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path

from decant.platform import object_storage
from decant.platform.config import Settings

log = logging.getLogger(__name__)
PREFIX = "media/"


def _key(relative: str) -> str:
    return PREFIX + relative.lstrip("/")


def keep(settings: Settings, relative: str) -> None:
    """Copy a stored image to the bucket when S3 is configured (no-op otherwise)."""
    if not settings.s3_bucket:
        return
    path = settings.media_dir / relative
    object_storage.client(settings).upload_file(
        str(path),
        settings.s3_bucket,
        _key(relative),
        ExtraArgs={"ContentType": mimetypes.guess_type(path.name)[0] or "application/octet-stream"},
    )


def local_path(settings: Settings, relative: str) -> Path:
    """The image on this host's disk, fetched from the bucket first when it is missing."""
    path = settings.media_dir / relative
    if path.exists() or not settings.s3_bucket:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    try:
        object_storage.client(settings).download_file(
            settings.s3_bucket, _key(relative), str(partial)
        )
    except Exception as exc:  # botocore's ClientError and connection errors alike
        partial.unlink(missing_ok=True)
        log.warning("image %s is neither on disk nor in the bucket: %s", relative, exc)
        return path
    partial.replace(path)
    return path
