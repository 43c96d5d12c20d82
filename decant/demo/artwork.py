"""Generated product artwork for the demo catalogue.

The demo shop has no product photography, so each fragrance gets a flat illustration
of a full bottle and a sample atomizer drawn with Pillow from the fragrance's two
palette colours. Drawing is deterministic (no randomness, fixed fonts, no PNG metadata)
so rebuilding the site does not churn image files or invalidate caches.
"""

from __future__ import annotations

import math
import pathlib
import unicodedata
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]

_SUPERSAMPLE = 2  # shapes are drawn at 2x and reduced, which anti-aliases their edges


def _hex_to_rgb(value: str) -> RGB:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6:
        raise ValueError(f"not a hex colour: #{value}")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend from a (t=0) to b (t=1)."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _luminance(c: RGB) -> float:
    """Relative luminance (WCAG), 0 = black, 1 = white."""

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _saturation(c: RGB) -> float:
    hi, lo = max(c), min(c)
    return 0.0 if hi == 0 else (hi - lo) / hi


WHITE: RGB = (255, 255, 255)
INK_DARK: RGB = (32, 28, 26)
INK_LIGHT: RGB = (250, 247, 242)


def _ink_on(background: RGB) -> RGB:
    """Dark or light text colour, whichever contrasts more with the background."""
    lum = _luminance(background)
    dark = (lum + 0.05) / (_luminance(INK_DARK) + 0.05)
    light = (_luminance(INK_LIGHT) + 0.05) / (lum + 0.05)
    return INK_DARK if dark >= light else INK_LIGHT


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@cache
def _missing_glyph_mask(size: int) -> bytes:
    return bytes(_font(size).getmask("\uffff"))


def _printable(text: str, size: int) -> str:
    """Replace characters the built-in font cannot draw (it is ASCII-only) with their
    unaccented base letter, so "Kōboku" renders as "Koboku" instead of boxes."""
    font, missing = _font(size), _missing_glyph_mask(size)
    out = []
    for ch in text:
        if ch.isspace() or bytes(font.getmask(ch)) != missing:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        base = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}.get(
            ch, base
        )
        out.append(base if base and base.isascii() else "")
    return "".join(out)


def _text_width(text: str, size: int, tracking: int = 0) -> int:
    font = _font(size)
    if not tracking:
        return round(font.getlength(text))
    return round(sum(font.getlength(ch) for ch in text) + tracking * max(len(text) - 1, 0))


def _fit_lines(text: str, max_width: int, sizes: Sequence[int]) -> tuple[list[str], int]:
    """Largest font size at which text fits on one line, or failing that two lines."""
    for size in sizes:
        if _text_width(text, size) <= max_width:
            return [text], size
    words = text.split()
    for size in sizes:
        for cut in range(len(words) - 1, 0, -1):
            lines = [" ".join(words[:cut]), " ".join(words[cut:])]
            if all(_text_width(line, size) <= max_width for line in lines):
                return lines, size
    return [text], sizes[-1]


def _draw_text_centered(
    draw: ImageDraw.ImageDraw,
    text: str,
    cx: int,
    top: int,
    size: int,
    fill: RGB,
    tracking: int = 0,
) -> None:
    font = _font(size)
    x = cx - _text_width(text, size, tracking) / 2
    if not tracking:
        draw.text((x, top), text, font=font, fill=fill)
        return
    for ch in text:
        draw.text((x, top), ch, font=font, fill=fill)
        x += font.getlength(ch) + tracking


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """Vertical gradient, built as a one-pixel column and stretched (fast)."""
    width, height = size
    steps = max(height - 1, 1)
    column = bytearray()
    for y in range(height):
        column.extend(_mix(top, bottom, y / steps))
    return Image.frombytes("RGB", (1, height), bytes(column)).resize(
        (width, height), Image.Resampling.NEAREST
    )


# Area of the 1200x1500 design grid that holds the bottles; only it is supersampled.
_ART_BOX = (240, 320, 1020, 1090)


def _draw_shapes(
    size: tuple[int, int], glass_tint: RGB, liquid: RGB, ink: RGB
) -> tuple[Image.Image, tuple[int, int]]:
    """The halo, full bottle and atomizer vial on a transparent layer.

    Returns the layer and the top-left pixel where it belongs on the canvas.
    """
    s = _SUPERSAMPLE
    width, height = size
    k = min(width / 1200, height / 1500)  # all geometry is designed on a 1200x1500 grid
    ox, oy = (width - 1200 * k) / 2, (height - 1500 * k) / 2
    rx0, ry0 = math.floor(ox + _ART_BOX[0] * k), math.floor(oy + _ART_BOX[1] * k)
    rx1, ry1 = math.ceil(ox + _ART_BOX[2] * k), math.ceil(oy + _ART_BOX[3] * k)
    layer = Image.new("RGBA", ((rx1 - rx0) * s, (ry1 - ry0) * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (
            round((ox + x0 * k - rx0) * s),
            round((oy + y0 * k - ry0) * s),
            round((ox + x1 * k - rx0) * s),
            round((oy + y1 * k - ry0) * s),
        )

    def r(v: float) -> int:
        return max(1, round(v * k * s))

    # Halo behind the bottles and a soft floor shadow.
    d.ellipse(box(250, 330, 950, 1030), fill=(*WHITE, 60))
    d.ellipse(box(330, 410, 870, 950), fill=(*WHITE, 40))
    for i, alpha in enumerate((18, 22, 28)):
        d.ellipse(box(250 + i * 40, 1010 + i * 8, 1010 - i * 40, 1080 - i * 8), fill=(*ink, alpha))

    # Full bottle: square flacon with a heavy cap.
    glass = (*_mix(glass_tint, WHITE, 0.75), 120)
    edge = (*_mix(ink, WHITE, 0.15), 200)
    d.rounded_rectangle(box(535, 470, 665, 540), radius=r(10), fill=glass, outline=edge, width=r(4))
    d.rounded_rectangle(box(480, 330, 720, 480), radius=r(22), fill=(*ink, 235))
    d.rounded_rectangle(box(500, 350, 540, 460), radius=r(12), fill=(*WHITE, 45))
    d.rounded_rectangle(
        box(360, 530, 840, 1045), radius=r(56), fill=glass, outline=edge, width=r(5)
    )
    d.rounded_rectangle(box(378, 660, 822, 1027), radius=r(42), fill=(*liquid, 190))
    d.rectangle(box(378, 660, 822, 700), fill=(*_mix(liquid, WHITE, 0.35), 200))
    d.rounded_rectangle(box(395, 570, 430, 1000), radius=r(16), fill=(*WHITE, 110))
    d.rounded_rectangle(box(450, 760, 750, 900), radius=r(10), fill=(*WHITE, 215))
    d.rectangle(box(490, 805, 710, 811), fill=(*ink, 150))
    d.rectangle(box(530, 835, 670, 840), fill=(*ink, 110))

    # Sample atomizer in front, slightly to the right.
    vial_glass = (*_mix(glass_tint, WHITE, 0.85), 200)
    d.rounded_rectangle(
        box(780, 620, 900, 1080), radius=r(34), fill=vial_glass, outline=edge, width=r(4)
    )
    d.rounded_rectangle(box(792, 790, 888, 1068), radius=r(26), fill=(*liquid, 220))
    d.rectangle(box(792, 790, 888, 812), fill=(*_mix(liquid, WHITE, 0.4), 230))
    d.rounded_rectangle(box(798, 650, 816, 1040), radius=r(9), fill=(*WHITE, 150))
    d.rounded_rectangle(box(800, 890, 880, 990), radius=r(6), fill=(*WHITE, 235))
    d.rectangle(box(815, 925, 865, 929), fill=(*ink, 150))
    d.rectangle(box(822, 945, 858, 948), fill=(*ink, 110))
    metal_dark = (*_mix(ink, WHITE, 0.35), 255)
    metal = (*_mix(ink, WHITE, 0.7), 255)
    d.rounded_rectangle(
        box(786, 560, 894, 632), radius=r(12), fill=metal, outline=metal_dark, width=r(3)
    )
    d.rectangle(box(800, 572, 812, 620), fill=(*WHITE, 140))
    d.rounded_rectangle(box(818, 520, 862, 562), radius=r(8), fill=metal_dark)
    d.rounded_rectangle(box(826, 500, 854, 522), radius=r(6), fill=metal)

    return (layer.reduce(s) if s > 1 else layer), (rx0, ry0)


def draw_product_image(
    name: str,
    brand: str,
    palette: tuple[str, str] | Sequence[str],
    path: pathlib.Path,
    size: tuple[int, int] = (1200, 1500),
) -> None:
    """Draw a bottle-and-atomizer illustration for one fragrance and save it as PNG.

    Same inputs always produce byte-identical files, so the static build can skip
    regenerating images whose inputs did not change.
    """
    if len(palette) != 2:
        raise ValueError("palette must have exactly two colours")
    first, second = _hex_to_rgb(palette[0]), _hex_to_rgb(palette[1])
    width, height = size

    # Soft background: both palette colours washed towards white.
    top, bottom = _mix(first, WHITE, 0.45), _mix(second, WHITE, 0.3)
    image = _gradient(size, top, bottom).convert("RGBA")

    # The more saturated colour tints the liquid; a deep shade of it draws caps and lines.
    liquid = max((first, second), key=lambda c: (_saturation(c) + (1 - _luminance(c)), c))
    if _luminance(liquid) > 0.7:
        liquid = _mix(liquid, INK_DARK, 0.25)
    ink = _mix(min((first, second), key=_luminance), INK_DARK, 0.7)
    glass_tint = max((first, second), key=_luminance)

    layer, offset = _draw_shapes(size, glass_tint, liquid, ink)
    image.alpha_composite(layer, dest=offset)
    image = image.convert("RGB")

    draw = ImageDraw.Draw(image)
    scale = min(width / 1200, height / 1500)
    top_y = (height - 1500 * scale) / 2  # the design grid is centred, like the bottles
    margin = round(80 * scale)

    # Brand: small, uppercase, letter-spaced, near the top.
    brand_size = max(10, round(44 * scale))
    brand_text = _printable(brand.upper(), brand_size)
    tracking = round(8 * scale)
    while brand_size > 10 and _text_width(brand_text, brand_size, tracking) > width - 2 * margin:
        brand_size -= 2
    brand_ink = _ink_on(_mix(top, bottom, 0.12))
    _draw_text_centered(
        draw, brand_text, width // 2, round(top_y + 170 * scale), brand_size, brand_ink, tracking
    )
    rule_y = round(top_y + 250 * scale)
    half = round(40 * scale)
    draw.rectangle(
        (width // 2 - half, rule_y, width // 2 + half, rule_y + max(1, round(2 * scale))),
        fill=brand_ink,
    )

    # Fragrance name: large, one or two lines, below the bottles.
    sizes = [max(10, round(v * scale)) for v in (104, 96, 88, 80, 72, 64, 56)]
    name_lines, name_size = _fit_lines(_printable(name, sizes[0]), width - 2 * margin, sizes)
    line_height = round(name_size * 1.18)
    block_top = round(top_y + 1220 * scale) - (len(name_lines) - 1) * line_height // 2
    name_ink = _ink_on(_mix(top, bottom, 0.83))
    for i, line in enumerate(name_lines):
        _draw_text_centered(
            draw, line, width // 2, block_top + i * line_height, name_size, name_ink
        )

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=False, compress_level=6)
