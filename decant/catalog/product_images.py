"""Responsive WebP variants of product images, made once per source image.

Encoding WebP is the slowest step of a build, so variants are cached under the data
dir by the source's content hash: a build only encodes an image whose bytes changed.
The (path, size, mtime) -> hash table spares re-reading unchanged sources.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

WIDTHS = (400, 800)
QUALITY = 80


class ImageError(Exception):
    """A product image that cannot be read or encoded."""


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    name: str  # file name, fingerprinted: <stem>-<width>.<hash>.webp
    path: Path  # the cached file


class ImageCache:
    def __init__(self, cache_dir: Path) -> None:
        self.dir = cache_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._index_path = self.dir / "sources.json"
        try:
            self._index: dict[str, list] = json.loads(self._index_path.read_text())
        except (OSError, ValueError):
            self._index = {}
        self._dirty = False

    def source_hash(self, source: Path) -> str:
        stat = source.stat()
        key = str(source.resolve())
        known = self._index.get(key)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        self._index[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self._dirty = True
        return digest

    def variants(self, source: Path, stem: str) -> list[Variant]:
        """The WebP variants of `source`, encoding only those not cached yet."""
        try:
            digest = self.source_hash(source)
        except OSError as exc:
            raise ImageError(f"cannot read {source}: {exc.strerror}") from None
        meta_path = self.dir / f"{digest}.json"
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            meta = self._encode(source, digest)
            meta_path.write_text(json.dumps(meta))
        return [
            Variant(
                width=m["width"],
                height=m["height"],
                name=f"{stem}-{m['width']}.{digest[:10]}.webp",
                path=self.dir / m["file"],
            )
            for m in meta
        ]

    def _encode(self, source: Path, digest: str) -> list[dict]:
        try:
            with Image.open(source) as image:
                image.load()
                original = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageError(f"cannot decode {source.name}: {exc}") from None
        made = []
        for width in WIDTHS:
            w = min(width, original.width)
            h = round(original.height * w / original.width)
            resized = original if w == original.width else original.resize((w, h), Image.LANCZOS)
            file = f"{digest}-{w}.webp"
            tmp = self.dir / f".{file}.{os.getpid()}.tmp"
            resized.save(tmp, "WEBP", quality=QUALITY, method=4)
            os.replace(tmp, self.dir / file)
            made.append({"width": w, "height": h, "file": file})
            if w == original.width:
                break
        return made

    def save(self) -> None:
        if self._dirty:
            tmp = self._index_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._index))
            os.replace(tmp, self._index_path)
            self._dirty = False
