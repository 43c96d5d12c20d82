"""Where the build reads its inputs. ROOT is the repository root (decant/site/paths.py
-> parents[2]): theme/ and content/ stay at the top of the repository, beside the
documented entry `python build.py`, and are read from there (an editable or source
install; the build is run from a checkout, not from a wheel)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THEME_DIR = ROOT / "theme"
CONTENT_DIR = ROOT / "content"
