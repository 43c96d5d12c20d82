"""The demo catalog, read from catalog.json beside this module.

Every house, fragrance, perfumer and description there is invented for the demo
shop; any resemblance to real brands or products is accidental. It is data, not code,
so the owner of a fork edits a JSON file; seeding, tests and benchmarks read it here
without a database. In the file: `houses`; `fragrances` (each names its house in
`brand`; prices are `price_per_ml_cents`, the price per size is decant.demo.loading's
rule; `stock` is "normal", "low" or "sold_out"); `discount_codes`; and `curated_sets`,
the owner's picks, priced `off_percent` below their samples.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

_CATALOG: dict[str, Any] = json.loads(
    files("decant.demo").joinpath("catalog.json").read_text(encoding="utf-8")
)

BRANDS: list[dict[str, Any]] = _CATALOG["houses"]
FRAGRANCES: list[dict[str, Any]] = _CATALOG["fragrances"]
DISCOUNT_CODES: list[dict[str, Any]] = _CATALOG["discount_codes"]
CURATED_SETS: list[dict[str, Any]] = [
    {**found, "samples": [(sample["slug"], sample["size_ml"]) for sample in found["samples"]]}
    for found in _CATALOG["curated_sets"]
]
