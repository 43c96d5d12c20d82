"""Uploaded product photos: judged by content, stripped, re-encoded, randomly named."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from decant.catalog import image_uploads
from decant.errors import ValidationError


def photo(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), *, exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (180, 120, 90))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x0131] = "secret-software"  # Software
        image.save(out, fmt, exif=data.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


def bomb() -> bytes:
    """A tiny PNG that claims 30000 x 30000 pixels (900 megapixels) once decoded."""
    image = Image.new("1", (30000, 30000))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


BAD_FILES = {
    "php script named .jpg": (b"<?php system($_GET['c']); ?>\n", "not a JPEG, PNG or WebP"),
    "svg with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "not a JPEG, PNG or WebP",
    ),
    "truncated jpeg": (None, "damaged or incomplete"),
    "30 MB file": (b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024), "larger than 10 MB"),
    "polyglot jpeg with php": (None, "carries something besides the image"),
    "gif": (None, "not a JPEG, PNG or WebP"),
    "decompression bomb": (None, "too many pixels"),
}


def bad_file(name: str) -> bytes:
    data, _ = BAD_FILES[name]
    if data is not None:
        return data
    if name == "truncated jpeg":
        return photo()[:2000]
    if name == "polyglot jpeg with php":
        return photo() + b"<?php echo shell_exec($_GET['c']); ?>"
    if name == "gif":
        return photo("GIF")
    return bomb()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message(name, tmp_path):
    with pytest.raises(ValidationError) as refused:
        image_uploads.store(bad_file(name), tmp_path)
    assert BAD_FILES[name][1] in refused.value.message
    assert not any(tmp_path.rglob("*.*"))  # nothing was written


def test_good_photo_comes_out_as_webp_without_exif(tmp_path):
    original = photo(exif=True)
    assert b"SpyCam" in original
    name = image_uploads.store(original, tmp_path)
    assert name.startswith("products/") and name.endswith(".webp")
    stored = (tmp_path / name).read_bytes()
    assert b"SpyCam" not in stored and b"secret-software" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "WEBP"
        assert image.size == (640, 480)
        assert not image.getexif()


def test_each_upload_gets_its_own_random_name(tmp_path):
    first = image_uploads.store(photo("PNG"), tmp_path)
    second = image_uploads.store(photo("PNG"), tmp_path)
    assert first != second
    assert len(first.removeprefix("products/").removesuffix(".webp")) == 32


def test_upload_through_the_admin_attaches_the_image(owner, shop, conn, settings):
    shop.product("rose-noir")
    product_id = conn.execute("SELECT id FROM products").fetchone()["id"]
    response = owner.post(
        f"/admin/products/{product_id}/images",
        {"image": (io.BytesIO(photo(exif=True)), "holiday.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    images = conn.execute("SELECT images FROM products").fetchone()["images"]
    assert len(images) == 1 and images[0].endswith(".webp") and "holiday" not in images[0]
    assert (settings.media_dir / images[0]).is_file()


def test_disguised_script_upload_through_the_admin_is_refused(owner, shop, conn):
    shop.product("rose-noir")
    product_id = conn.execute("SELECT id FROM products").fetchone()["id"]
    response = owner.post(
        f"/admin/products/{product_id}/images",
        {"image": (io.BytesIO(bad_file("php script named .jpg")), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP" in response.get_data(as_text=True)
    assert conn.execute("SELECT images FROM products").fetchone()["images"] == []


def test_oversized_upload_is_stopped_before_it_is_read(owner, shop, conn):
    shop.product("rose-noir")
    product_id = conn.execute("SELECT id FROM products").fetchone()["id"]
    response = owner.post(
        f"/admin/products/{product_id}/images",
        {"image": (io.BytesIO(bad_file("30 MB file")), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
