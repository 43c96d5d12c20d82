"""The one way an amount is shown: storefront pages, mail and the admin all say a
price the same way. Integer arithmetic on cents only — a float never touches money
(12.345 cannot be rounded wrongly if it never exists)."""

from __future__ import annotations

CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF "}


def format_money(cents: int, currency: str = "EUR") -> str:
    """1250, "EUR" -> "€12.50"; -250, "SEK" -> "-2.50 SEK" (no sign known: code after)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    code = str(currency).upper()
    symbol = CURRENCY_SIGNS.get(code)
    amount = f"{whole:,}.{rest:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"
