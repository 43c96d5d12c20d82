"""Every file a build serves, walked as Nginx sees it: products/<shard> are symlinks
out of the build into the shard directories builds share (pathlib's rglob does not
follow them)."""

from __future__ import annotations

import os
from pathlib import Path


def served_files(root: Path) -> list[Path]:
    return [
        Path(folder, name)
        for folder, _, names in os.walk(root, followlinks=True)
        for name in sorted(names)
    ]
