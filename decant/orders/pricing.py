"""Money for an order: shipping, discount and the VAT contained in EU prices.

Everything is integer cents. Shelf prices include VAT, so VAT is never added on
top: tax_cents is the part of the total that is VAT, shown for the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from decant.errors import ValidationError

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
HOME_COUNTRY = "DE"
VAT_PERCENT = 19  # the shop's home rate; EU distance sales under the OSS threshold use it
SHIPPING_HOME_CENTS = 390
SHIPPING_EU_CENTS = 690
SHIPPING_WORLD_CENTS = 1290
FREE_SHIPPING_EU_FROM_CENTS = 5000


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    shipping_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int


def shipping_cents(country: str, goods_cents: int) -> int:
    """Flat rates by destination; free in the EU once the goods reach the threshold."""
    country = country.upper()
    if country in EU_COUNTRIES and goods_cents >= FREE_SHIPPING_EU_FROM_CENTS:
        return 0
    if country == HOME_COUNTRY:
        return SHIPPING_HOME_CENTS
    if country in EU_COUNTRIES:
        return SHIPPING_EU_CENTS
    return SHIPPING_WORLD_CENTS


def vat_contained(gross_cents: int, country: str) -> int:
    """The VAT inside a gross amount (exports outside the EU carry none)."""
    if country.upper() not in EU_COUNTRIES:
        return 0
    return (gross_cents * VAT_PERCENT + (100 + VAT_PERCENT) // 2) // (100 + VAT_PERCENT)


def discount_cents(code: dict[str, Any] | None, subtotal_cents: int, now: datetime | None) -> int:
    """What a discount code takes off the goods; raises when the code cannot be used.
    `now` is the database's clock, which the code's dates are judged by (needed only
    with a code)."""
    if code is None:
        return 0
    if now is None:
        raise ValueError("a discount code is judged by the database's clock; none was given")
    fault = {"discount_code": "this code is not valid"}
    if not code["is_active"] or code["starts_at"] > now:
        raise ValidationError("discount code is not valid", fault)
    if code["expires_at"] is not None and code["expires_at"] <= now:
        raise ValidationError(
            "discount code has expired", {"discount_code": "this code has expired"}
        )
    if code["max_uses"] is not None and code["used_count"] >= code["max_uses"]:
        raise ValidationError(
            "discount code is used up", {"discount_code": "this code has been used up"}
        )
    if subtotal_cents < code["min_subtotal_cents"]:
        minimum = code["min_subtotal_cents"]
        raise ValidationError(
            "order is below the code's minimum",
            {"discount_code": f"needs a subtotal of at least {minimum} cents"},
        )
    if code["kind"] == "percent":
        return subtotal_cents * code["value"] // 100
    return min(code["value"], subtotal_cents)


def order_totals(
    subtotal_cents: int, country: str, code: dict[str, Any] | None, now: datetime | None
) -> Totals:
    discount = discount_cents(code, subtotal_cents, now)
    shipping = shipping_cents(country, subtotal_cents - discount)
    total = subtotal_cents + shipping - discount
    return Totals(
        subtotal_cents=subtotal_cents,
        shipping_cents=shipping,
        discount_cents=discount,
        tax_cents=vat_contained(total, country),
        total_cents=total,
    )
