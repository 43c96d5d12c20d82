"""What the last build in this process read and planned, kept in memory for the next.

The worker runs build after build in one process: the next one-product build starts
from the catalog rows, cards and card digests the last one left here instead of
unpickling `<build>.catalog.pickle` (half a second at 10,000 products) and making
10,000 cards again. It is used only when public/current is still the build it was
kept for; any other build (a `decant build` from a shell, a rollback, another
process) makes the next build start from the pickle, as a fresh process does."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decant.site.snapshot import CatalogSnapshot


@dataclass
class Remembered:
    build_dir: Path
    snapshot: CatalogSnapshot
    cards: dict[str, dict[str, Any]]  # slug -> the card the planner made
    card_digests: dict[str, bytes]  # slug -> the digest page keys took of that card
    lastmods: dict[str, str]  # slug -> its product page's lastmod
    stamps: dict[str, Any]  # slug -> the timestamp that lastmod was made from
    shape: dict[str, Any]  # the planner's catalog-wide derivations (SitePlanner.shape)
    fingerprint: str  # the theme's: rendered cards are kept only for the same theme
    card_html: dict[tuple[str, str], Any]  # (slug, heading) -> (card, its HTML)


_lock = threading.Lock()
_kept: dict[Path, Remembered] = {}  # by builds directory: tests build several sites


def remember(build_dir: Path, kept: Remembered) -> None:
    with _lock:
        _kept[build_dir.parent] = kept


def recall(live_dir: Path | None) -> Remembered | None:
    """What the build that made `live_dir` kept, if this process made it."""
    if live_dir is None:
        return None
    with _lock:
        kept = _kept.get(live_dir.parent)
    if kept is None or kept.build_dir != live_dir:
        return None
    return kept


def forget(builds_dir: Path) -> None:
    with _lock:
        _kept.pop(builds_dir, None)
