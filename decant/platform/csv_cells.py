"""One guard for every cell the shop exports as CSV (catalog, orders).

Spreadsheet apps run a cell that starts with = + - @ (or a tab or carriage return
before one) as a formula, so a product name or a shopper's name could run on the
owner's computer. Such text gets a leading apostrophe, which spreadsheets hide and
`unguard` takes off again on import. Numbers are left alone: only text is guarded,
so a negative amount stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: Any) -> Any:
    """The cell as written to a CSV export; None becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unguard(value: str) -> str:
    """A cell read from a CSV import, with the export's guard taken off."""
    return value[1:] if value.startswith("'") and value[1:2].startswith(FORMULA_START) else value
