"""Reading the admin's HTML forms into the plain dicts the domain takes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict

from decant.errors import ValidationError


def words(value: str | None) -> list[str]:
    """ "Bergamot, Pink Pepper" -> ["Bergamot", "Pink Pepper"]."""
    return [part.strip() for part in (value or "").replace("\n", ",").split(",") if part.strip()]


def cents(value: str | None, field: str) -> int:
    """ "12.90" or "12,90" (euros) -> 1290."""
    text = (value or "").strip().replace(",", ".").lstrip("€").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError("not an amount", {field: "write it like 12.90"}) from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("too many decimals", {field: "at most two decimals"})
    return int(amount * 100)


def product(form: MultiDict[str, str]) -> dict[str, Any]:
    sizes = []
    for index, (size, price) in enumerate(
        zip(form.getlist("size_ml"), form.getlist("price"), strict=False)
    ):
        if not size.strip() and not price.strip():
            continue
        try:
            size_ml = Decimal(size.strip().replace(",", "."))
        except InvalidOperation:
            raise ValidationError(
                "not a size", {f"sizes.{index}.size_ml": "a number of ml"}
            ) from None
        sizes.append({"size_ml": size_ml, "price_cents": cents(price, f"sizes.{index}.price")})
    year = (form.get("launch_year") or "").strip()
    return {
        "slug": (form.get("slug") or "").strip(),
        "name": form.get("name", ""),
        "brand": form.get("brand", ""),
        "concentration": form.get("concentration", "") or "Eau de Parfum",
        "gender": form.get("gender", "unisex"),
        "description": form.get("description", "").replace("\r\n", "\n"),
        "top_notes": words(form.get("top_notes")),
        "heart_notes": words(form.get("heart_notes")),
        "base_notes": words(form.get("base_notes")),
        "accords": words(form.get("accords")),
        "launch_year": int(year) if year.isdigit() else (year or None),
        "perfumer": form.get("perfumer") or None,
        "is_active": form.get("is_active") == "on",
        "sizes": sizes,
    }


def decimal(value: str | None, field: str) -> Decimal:
    try:
        return Decimal((value or "").strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError("not a number", {field: "a number"}) from None
