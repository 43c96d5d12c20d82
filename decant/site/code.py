"""The build code's own fingerprint: a change to any module of decant.site (or to
the stock-label and money rules it renders with) re-renders every page and drops the
kept snapshot, as a change to the single build.py did before the split."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import decant.money
from decant.inventory import stock_label


@functools.cache
def code_digest() -> bytes:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    for module in (stock_label, decant.money):  # rules the pages are rendered with
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.digest()
