"""Product photos uploaded in the admin, checked by what they are, not what they're called.

A file is accepted only when Pillow decodes all of it as JPEG, PNG or WebP, within
size and pixel limits (a decompression bomb is refused before it is decoded). What
is stored is a fresh WebP encoded from the pixels alone, so EXIF (GPS position,
camera serial), scripts appended to the file and any other passenger are left
behind; its name is random, so the uploader chooses nothing about the path.
"""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from decant.errors import ValidationError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2400
FORMATS = {"JPEG", "PNG", "WEBP"}
QUALITY = 85
SUBDIR = "products"


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, {"image": message})


def check(data: bytes) -> Image.Image:
    """The decoded image, or a ValidationError that says plainly what is wrong."""
    if not data:
        raise _refuse("the file is empty")
    if len(data) > MAX_BYTES:
        raise _refuse(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(
                    f"the image has too many pixels ({image.width} x {image.height});"
                    f" at most {MAX_PIXELS // 1_000_000} megapixels"
                )
            image.load()  # decodes everything: a truncated file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("the image has too many pixels (decompression bomb)") from None
    except UnidentifiedImageError:
        raise _refuse("the file is not a JPEG, PNG or WebP image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _refuse(f"the image is damaged or incomplete ({exc})") from None
    if image.format not in FORMATS:
        raise _refuse("the file is not a JPEG, PNG or WebP image")
    if getattr(image, "n_frames", 1) > 1:
        raise _refuse("animated images are not accepted")
    if _has_passenger(data, image.format):
        raise _refuse("the file carries something besides the image (script or data after its end)")
    return image


SCRIPT_MARKERS = (b"<?php", b"<script", b"<svg", b"<html", b"<!doctype", b"<?=")


def _has_passenger(data: bytes, image_format: str) -> bool:
    """A polyglot: bytes after the image's own end, or script text inside it."""
    lowered = data.lower()
    if any(marker in lowered for marker in SCRIPT_MARKERS):
        return True
    if image_format == "JPEG":
        end = data.rfind(b"\xff\xd9")
        return end < 0 or data[end + 2 :].strip(b"\x00\r\n ") != b""
    if image_format == "PNG":
        end = data.rfind(b"IEND")
        return end < 0 or len(data) > end + 8
    if image_format == "WEBP":
        return int.from_bytes(data[4:8], "little") + 8 < len(data) - 1
    return False


def store(data: bytes, media_dir: Path) -> str:
    """Check, strip, re-encode as WebP under a random name; returns the path relative
    to the media dir (what products.images holds)."""
    image = check(data)
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert(
            "RGBA" if "transparency" in image.info or image.mode in ("LA", "PA") else "RGB"
        )
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=4)  # no exif= given: none written
    name = f"{SUBDIR}/{secrets.token_hex(16)}.webp"
    target = media_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(target)
    return name
