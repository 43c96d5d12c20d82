"""A build's product shard directories, shared with the previous build until written.

products/<shard> in a build directory is a symlink to a directory under
public/shards/. A build starts by pointing all of its shard links where the previous
build's point (a hundred symlinks); the first page it writes into a shard gives the
build a copy of that shard made of hard links (about a hundredth of the catalog) and
repoints its link: copy-on-write, so no build ever changes a file another build
serves, and rollback finds each build exactly as it was published."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

SHARDS_DIR = "shards"  # under the public directory, beside builds/
PUBLIC_DIR_MODE = 0o755


class ShardDirs:
    def __init__(self, new_dir: Path, prev_dir: Path | None, build_id: str) -> None:
        self.links = new_dir / "products"
        self.root = new_dir.parent.parent / SHARDS_DIR
        self.prev_dir = prev_dir
        self.build_id = build_id
        self.shared: dict[str, Path] = {}  # shard -> the previous build's directory
        self.own: dict[str, Path] = {}  # shard -> a directory this build made
        self.copied: set[str] = set()  # own shards made as copies of shared ones
        self.made_links = False

    def start(self, *, share: bool) -> None:
        """Make products/ and, when sharing, point this build's shard links where the
        previous build's point."""
        self._make_links_dir()
        if not share or self.prev_dir is None:
            return
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.prev_dir / "products"):
                if entry.is_symlink() and entry.is_dir():
                    target = Path(os.path.realpath(entry.path))
                    self.shared[entry.name] = target
                    os.symlink(os.path.relpath(target, self.links), self.links / entry.name)

    def _make_links_dir(self) -> None:
        if not self.made_links:
            self.root.mkdir(mode=PUBLIC_DIR_MODE, exist_ok=True)
            os.chmod(self.root, PUBLIC_DIR_MODE)
            self.links.mkdir(exist_ok=True)
            os.chmod(self.links, PUBLIC_DIR_MODE)
            self.made_links = True

    def holds_previous(self, shard: str) -> bool:
        """True when this build's `shard` holds the previous build's pages: shared, or
        an own copy made from the shared one (not one made empty, for --full)."""
        return shard in self.shared or shard in self.copied

    def writable(self, shard: str) -> Path:
        """This build's own directory for `shard`, copied from the shared one first."""
        own = self.own.get(shard)
        if own is not None:
            return own
        self._make_links_dir()
        own = self.root / f"{shard}-{self.build_id}"
        own.mkdir()
        os.chmod(own, PUBLIC_DIR_MODE)
        self.own[shard] = own
        old = self.shared.pop(shard, None)
        if old is not None:
            self.copied.add(shard)
            for name in os.listdir(old):
                os.link(old / name, own / name)
        link = self.links / shard
        tmp = self.links / f".{shard}.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(os.path.relpath(own, self.links), tmp)
        os.replace(tmp, link)
        return own

    def remove(self, rel: str, suffixes: tuple[str, ...]) -> None:
        """A product page the previous build had and this one has not."""
        name = rel.rsplit("/", 1)[-1]
        shard = rel.split("/")[1]
        if not self.holds_previous(shard):
            return
        folder = self.writable(shard)
        for suffix in ("", *suffixes):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(folder / (name + suffix))

    def discard(self) -> None:
        """A failed build: the shard directories it made go with it."""
        for folder in self.own.values():
            shutil.rmtree(folder, ignore_errors=True)


def referenced_shards(build_dirs: list[Path]) -> set[str]:
    """Names of the shard directories these builds point at."""
    names: set[str] = set()
    for build in build_dirs:
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(build / "products"):
                if entry.is_symlink():
                    names.add(os.path.basename(os.readlink(entry.path)))
    return names
