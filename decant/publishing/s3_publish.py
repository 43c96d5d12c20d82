"""`decant publish --s3`: the built site to S3-compatible storage for a CDN.

Only files whose MD5 differs from the object's ETag are uploaded, so a one-product
edit sends a handful of files. Order matters for visitors: assets first, then pages
(a new page never points at an asset that is not there yet), then deletion of what
the build removed — only after everything new is up.

Precompressed files: the build may write `page.html.gz` and `page.html.br` next to
`page.html` (for Nginx's gzip_static / brotli_static); the `.br` is handled as the `.gz`
with `Content-Encoding: br`. Each is uploaded under its own key; the `.gz` object carries
the Content-Type of the file it compresses and `Content-Encoding: gzip`, so a CDN
rule can serve `<key>.gz` to clients sending `Accept-Encoding: gzip` and the plain
key to the rest, exactly as gzip_static does.

Scope: publishing owns the keys under its prefix (S3_SITE_PREFIX, default `site/`) in
its bucket (S3_SITE_BUCKET, else S3_BUCKET) and nothing else. It lists only that
prefix, so backups/ and media/ (which may share the bucket) are never candidates for
deletion; and every delete is checked against the prefix once more before it is sent.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from decant.errors import NotFound
from decant.platform import object_storage
from decant.platform.config import ConfigError, Settings

# app.3f2a1c.css, logo-9f8e7d6c.svg: the name changes when the bytes do.
FINGERPRINTED = re.compile(r"[.-][0-9a-f]{6,64}\.[A-Za-z0-9]+$")
FLAT_PRODUCT_PAGE = re.compile(r"^products/\d\d/([^/]+)\.html(\.gz|\.br)?$")
# The precompressed copies the build writes beside a text file, by their encoding.
ENCODINGS = {".gz": "gzip", ".br": "br"}
IMMUTABLE = "public, max-age=31536000, immutable"
HTML = "public, max-age=60, must-revalidate"
OTHER = "public, max-age=3600"
EXTRA_TYPES = {
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".atom": "application/atom+xml",
    ".map": "application/json",
}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


@dataclass
class PublishReport:
    bucket: str
    prefix: str = ""
    files: int = 0
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def unchanged(self) -> int:
        return self.files - len(self.uploaded)

    def line(self) -> str:
        return (
            f"published to s3://{self.bucket}/{self.prefix}: {len(self.uploaded)} of {self.files} file(s)"
            f" uploaded, {self.unchanged} unchanged, {len(self.deleted)} deleted"
            f" in {self.seconds:.2f}s"
        )


def publish(settings: Settings) -> str:
    return sync(settings).line()


def sync(settings: Settings, *, client: object | None = None) -> PublishReport:
    """Make the site prefix hold exactly public/current, touching only what changed."""
    if not settings.site_bucket:
        raise ConfigError(
            "setting S3_BUCKET (or S3_SITE_BUCKET): required for `decant publish --s3`"
        )
    root = settings.public_dir / "current"
    if not root.is_dir():
        raise NotFound(f"no site to publish: {root} does not exist (run `decant build` first)")
    root = root.resolve()
    started = time.perf_counter()
    s3 = client or object_storage.client(settings)
    bucket, prefix = settings.site_bucket, settings.s3_site_prefix
    report = PublishReport(bucket=bucket, prefix=prefix)

    local = {
        prefix + object_key(os.path.relpath(os.path.join(folder, name), root)): Path(folder, name)
        # followlinks: products/<shard> are symlinks to shard directories builds share
        for folder, _, names in os.walk(root, followlinks=True)
        for name in sorted(names)
    }
    report.files = len(local)
    remote = _remote_etags(s3, bucket, prefix)
    changed = [key for key, path in local.items() if remote.get(key) != _md5(path)]
    # assets before pages, pages before the sitemap: nothing links to what is not up yet
    for batch in (
        [k for k in changed if _kind(k, prefix) == "asset"],
        [k for k in changed if _kind(k, prefix) == "page"],
        [k for k in changed if _kind(k, prefix) == "index"],
    ):
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda key: _put(s3, bucket, key, local[key]), batch))
        report.uploaded += batch
    gone = sorted(set(remote) - set(local))
    outside = [key for key in gone if not key.startswith(prefix)]
    if outside:  # cannot happen with a prefixed listing; never delete on a surprise
        raise RuntimeError(f"refusing to delete keys outside {prefix!r}: {outside[:3]}")
    for start in range(0, len(gone), 1000):
        s3.delete_objects(  # type: ignore[attr-defined]
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in gone[start : start + 1000]]}
        )
    report.deleted = gone
    report.seconds = time.perf_counter() - started
    return report


def object_key(rel: str) -> str:
    """The bucket key for a file of the build. A product page is written flat in its
    shard as products/<shard>/<slug>.html (Nginx and `decant serve` map /products/<slug>/
    to it: decant.publishing.product_shards); a CDN maps a URL to a key without such
    rules, so it is stored as products/<slug>/index.html."""
    flat = FLAT_PRODUCT_PAGE.match(rel)
    return f"products/{flat.group(1)}/index.html{flat.group(2) or ''}" if flat else rel


def headers_for(key: str) -> dict[str, str]:
    """Content-Type, Content-Encoding and Cache-Control of one object."""
    name = key
    headers: dict[str, str] = {}
    if name[-3:] in ENCODINGS:
        headers["ContentEncoding"] = ENCODINGS[name[-3:]]
        name = name[:-3]
    suffix = Path(name).suffix.lower()
    content_type = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0]
    content_type = content_type or "application/octet-stream"
    if content_type.startswith(TEXT_TYPES) or content_type.endswith("+xml"):
        content_type += "; charset=utf-8"
    headers["ContentType"] = content_type
    if FINGERPRINTED.search(name):
        headers["CacheControl"] = IMMUTABLE
    elif suffix in (".html", ".htm") or name.endswith("/") or not suffix:
        headers["CacheControl"] = HTML
    else:
        headers["CacheControl"] = OTHER
    return headers


def _kind(key: str, prefix: str = "") -> str:
    name = key.removeprefix(prefix).removesuffix(".gz").removesuffix(".br")
    if name.endswith((".html", ".htm")):
        return "page"
    if name in ("sitemap.xml", "robots.txt") or name.endswith((".xml", ".atom")):
        return "index"
    return "asset"


def _put(s3: object, bucket: str, key: str, path: Path) -> None:
    # put_object (never multipart) keeps ETag == MD5, which the next publish compares.
    with path.open("rb") as body:
        s3.put_object(Bucket=bucket, Key=key, Body=body, **headers_for(key))  # type: ignore[attr-defined]


def _remote_etags(s3: object, bucket: str, prefix: str) -> dict[str, str]:
    etags: dict[str, str] = {}
    paginator = s3.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            etags[item["Key"]] = item["ETag"].strip('"')
    return etags


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
