"""Reading the admin's HTML forms into the plain dicts the domain takes.

Numbers are matched against ASCII patterns before Python sees them: `int("²")` raises
and `int("٣")`, `Decimal("NaN")` and `Decimal("Infinity")` succeed, and none of those
is anything an admin meant to type. Whatever does not match is a ValidationError
naming the field (a 422), never a 500 further in.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from werkzeug.datastructures import MultiDict

from decant.errors import ValidationError

# At most 9 digits before the point and 6 after: finite, and far beyond any real value.
_DECIMAL = TypeAdapter(
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=r"^[+-]?[0-9]{1,9}(?:[.,][0-9]{1,6})?$"),
    ]
)
_AMOUNT = TypeAdapter(
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=r"^€?\s*[0-9]{1,9}(?:[.,][0-9]{1,6})?$"),
    ]
)
_WHOLE = TypeAdapter(
    Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,9}$")]
)
_DATE = TypeAdapter(
    Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    ]
)


def _matched(adapter: TypeAdapter[str], value: str | None, field: str, hint: str) -> str:
    try:
        return adapter.validate_python(value or "")
    except PydanticValidationError:
        raise ValidationError("not a valid number or date", {field: hint}) from None


def whole_number(value: str | None, field: str, *, minimum: int = 0, maximum: int) -> int:
    """ASCII digits only, within [minimum, maximum]."""
    number = int(_matched(_WHOLE, value, field, "a whole number"))
    if not minimum <= number <= maximum:
        raise ValidationError(
            f"{field} is out of range", {field: f"between {minimum} and {maximum}"}
        )
    return number


def day(value: str | None, field: str) -> date | None:
    """YYYY-MM-DD in ASCII digits, or None when left empty."""
    if not (value or "").strip():
        return None
    text = _matched(_DATE, value, field, "a date as YYYY-MM-DD")
    try:
        found = date.fromisoformat(text)
    except ValueError:
        raise ValidationError("not a date", {field: "a date as YYYY-MM-DD"}) from None
    if not 2000 <= found.year <= 2100:
        raise ValidationError("date out of range", {field: "a year from 2000 to 2100"})
    return found


def words(value: str | None) -> list[str]:
    """ "Bergamot, Pink Pepper" -> ["Bergamot", "Pink Pepper"]."""
    return [part.strip() for part in (value or "").replace("\n", ",").split(",") if part.strip()]


def cents(value: str | None, field: str) -> int:
    """ "12.90" or "12,90" (euros) -> 1290."""
    text = _matched(_AMOUNT, value, field, "write it like 12.90")
    amount = Decimal(text.lstrip("€").strip().replace(",", "."))
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
        size_ml = decimal(size, f"sizes.{index}.size_ml")
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
        "launch_year": whole_number(year, "launch_year", maximum=9999) if year else None,
        "perfumer": form.get("perfumer") or None,
        "is_active": form.get("is_active") == "on",
        "sizes": sizes,
    }


def decimal(value: str | None, field: str) -> Decimal:
    """A finite number in ASCII digits ("-2.5" or "-2,5"): never NaN or Infinity."""
    return Decimal(_matched(_DECIMAL, value, field, "a number like 12.5").replace(",", "."))
