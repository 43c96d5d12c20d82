"""The theme's static files (minified, content-hashed) and the fingerprint that
re-renders every page when the theme or the build code changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin

from decant.platform.config import Settings
from decant.site.code import code_digest

BUILD_FORMAT = "4"  # bump when this file changes what it writes, to re-render everything


# --------------------------------------------------------------------------- assets


@dataclass(frozen=True)
class Asset:
    url: str
    rel: str
    data: bytes


def theme_assets(theme_dir: Path) -> dict[str, Asset]:
    """app.css / app.js minified, named by their content hash so Nginx caches them a year."""
    assets: dict[str, Asset] = {}
    for source in sorted((theme_dir / "static").iterdir()):
        text = source.read_text(encoding="utf-8")
        if source.suffix == ".css":
            data = rcssmin.cssmin(text).encode()
        elif source.suffix == ".js":
            data = rjsmin.jsmin(text).encode()
        else:
            data = text.encode()
        digest = hashlib.sha256(data).hexdigest()[:10]
        rel = f"assets/{source.stem}.{digest}{source.suffix}"
        assets[source.name] = Asset(url="/" + rel, rel=rel, data=data)
    return assets


def theme_fingerprint(theme_dir: Path, assets: dict[str, Asset], settings: Settings) -> str:
    digest = hashlib.sha256(BUILD_FORMAT.encode())
    for path in sorted((theme_dir / "templates").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    for name in sorted(assets):
        digest.update(assets[name].url.encode())
    digest.update(f"{settings.base_url}|{settings.currency}".encode())
    digest.update(code_digest())
    return digest.hexdigest()
