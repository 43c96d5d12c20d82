"""Where the build reads its inputs: the site project's theme/ and content/.

Like a Pelican project, the shop's theme and editorial pages are the site's own files,
not the engine's. They are read from the directory the build runs in when it has a
theme/ (a shop deployed from a wheel: `cd /srv/shop && decant build`), else from the
repository this package sits in (decant/site/paths.py -> parents[2]; an editable or
source checkout, where `python build.py` and `decant build` run from anywhere)."""

from __future__ import annotations

from pathlib import Path


def site_root(cwd: Path | None = None) -> Path:
    here = cwd or Path.cwd()
    if (here / "theme" / "templates").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


ROOT = site_root()
THEME_DIR = ROOT / "theme"
CONTENT_DIR = ROOT / "content"
