"""The one rule for the stock label a shopper reads ("Sold out", "Only 3 left", "In stock").

The build renders the label into each product page and writes LOW_STOCK_UNITS into
it (`data-low-stock`); theme/static/app.js's live-stock script reads that attribute
and applies the same rule to the live count and the API's `low_stock` flag (the
inventory's low_stock_alert), so for the same stock the two say the same.
"""

from __future__ import annotations

LOW_STOCK_UNITS = 5  # at or under this many units, a product with low_stock_alert says how many


def low_stock_units(low_stock_alert: bool) -> int:
    """The threshold in force: 0 (never "Only N left") unless the product's stock is
    under its owner-set low-stock threshold (inventory.low_stock_alert)."""
    return LOW_STOCK_UNITS if low_stock_alert else 0


def stock_label(available: int, low_units: int) -> str:
    """The label for `available` units under threshold `low_units` (app.js: stockLabel)."""
    if available <= 0:
        return "Sold out"
    if available <= low_units:
        return f"Only {available} left"
    return "In stock"
