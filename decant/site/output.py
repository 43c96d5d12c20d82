"""Writing a build's files: rendered, precompressed, or hard-linked from the
previous build when unchanged."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import brotli

from decant.site.shard_dirs import ShardDirs

MAX_PENDING_WRITES = 256


GZIP_LEVEL = 6  # for ~8 KB pages levels 1-9 cost about the same; 6 is nginx's usual
GZIP_SUFFIXES = (".html", ".css", ".js", ".json", ".xml", ".svg")
# Brotli beside each .gz (Nginx's brotli_static where the module is loaded). Quality 5
# costs about what gzip 6 does per page (measured: 9 is ~20x, 11 ~80x slower, which a
# 10,000-page full build cannot afford) and is still a few percent smaller than the .gz.
BROTLI_QUALITY = 5
PRECOMPRESSED = (".gz", ".br")
# The site is public: Nginx runs as another user and must read every file whatever
# the umask the build runs under (the systemd units set UMask=0077, so everything else
# the service writes stays private). Every file and directory a build makes gets these
# modes as it is made; files carried over are links to inodes that already have them.
PUBLIC_FILE_MODE = 0o644
PUBLIC_DIR_MODE = 0o755


@dataclass
class Carrying:
    """Links under way (Output.carry_start) until Output.carry_finish."""

    rels: list[str]
    futures: list[Future[list[str]]]
    missing: list[str] = field(default_factory=list)


@dataclass
class Output:
    """Writes files into the new build, carrying over what did not change."""

    new_dir: Path
    prev_dir: Path | None
    written: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)
    _dirs: set[str] = field(default_factory=set)
    # Writing and gzipping overlap the rendering: zlib and file I/O release the GIL.
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=3))
    _pending: deque[Future[None]] = field(default_factory=deque)
    # Product pages live in shard directories shared with the previous build until
    # written (shard_dirs.ShardDirs); None: a build that writes every file itself.
    shards: ShardDirs | None = None

    def _prev(self, rel: str) -> Path | None:
        if self.prev_dir is None:
            return None
        path = self.prev_dir / rel
        return path if path.is_file() else None

    def _mkdir(self, target: Path) -> None:
        self._mkdir_rel(os.path.dirname(target.relative_to(self.new_dir).as_posix()))

    def _mkdir_rel(self, parent: str) -> None:
        """The directory rel's file goes in: one mkdir per directory per build, made
        listable by Nginx (another user) whatever the umask (see PUBLIC_DIR_MODE)."""
        if not parent or parent in self._dirs:
            return
        self._mkdir_rel(os.path.dirname(parent))
        path = os.path.join(self.new_dir, parent)
        with contextlib.suppress(FileExistsError):  # Pelican may have made it first
            os.mkdir(path)
        os.chmod(path, PUBLIC_DIR_MODE)
        self._dirs.add(parent)

    def _shard(self, rel: str) -> str | None:
        """The shard of a product page's rel (products/<shard>/<slug>.html)."""
        if self.shards is not None and rel.startswith("products/") and rel.count("/") == 2:
            return rel.split("/", 2)[1]
        return None

    def carry(self, rel: str) -> bool:
        """Hard-link rel (and its .gz) from the previous build; False when it is not there."""
        if self.prev_dir is None:
            return False
        if self._link(str(self.prev_dir), str(self.new_dir), rel):
            self.unchanged += 1
            self.files.append(rel)
            return True
        return False

    def carry_start(self, rels: list[str]) -> Carrying:
        """carry() for many files at once, on the writer threads, while the caller
        goes on: a one-product build is mostly 20,000 links, which release the GIL."""
        if self.prev_dir is None:
            return Carrying(list(rels), [], missing=list(rels))
        prev, new = str(self.prev_dir), str(self.new_dir)
        all_rels, missing = list(rels), []
        if self.shards is not None:  # in a shard this build shares or copied: there
            plain = []
            for rel in rels:
                shard = self._shard(rel)
                if shard is None:
                    plain.append(rel)
                elif not self.shards.holds_previous(shard):
                    missing.append(rel)
            rels = plain
        # Directories many of these files share ("products/") first: no race on them.
        for parent in {os.path.dirname(rel) for rel in rels if rel.count("/") == 1}:
            self._mkdir_rel(parent)

        def chunk(part: list[str]) -> list[str]:
            return [rel for rel in part if not self._link(prev, new, rel)]

        size = max(256, len(rels) // 8)
        futures = [self._pool.submit(chunk, rels[i : i + size]) for i in range(0, len(rels), size)]
        return Carrying(all_rels, futures, missing=missing)

    def carry_finish(self, carrying: Carrying) -> list[str]:
        """Wait for carry_start's links; returns the rels the previous build did not
        have (to be rendered instead)."""
        missing = carrying.missing + [rel for f in carrying.futures for rel in f.result()]
        lost = set(missing)
        carried = [rel for rel in carrying.rels if rel not in lost]
        self.unchanged += len(carried)
        self.files.extend(carried)
        return missing

    def _link(self, prev: str, new: str, rel: str) -> bool:
        shard = self._shard(rel)
        if shard is not None and self.shards.holds_previous(shard):  # type: ignore[union-attr]
            return True  # the shard this build shares or copied holds it already
        if shard is not None:  # a shard of this build's own (another theme, --full)
            target = str(self.shards.writable(shard) / rel.rsplit("/", 1)[1])  # type: ignore[union-attr]
        else:
            target = f"{new}/{rel}"
        if shard is None:
            self._mkdir_rel(os.path.dirname(rel))
        try:
            os.link(f"{prev}/{rel}", target)
        except FileNotFoundError:
            return False
        except FileExistsError:
            return True
        if rel.endswith(GZIP_SUFFIXES):
            try:
                for suffix in PRECOMPRESSED:
                    os.link(f"{prev}/{rel}{suffix}", target + suffix)
            except FileNotFoundError:  # an older build without it: both made afresh
                self._precompress(Path(target), Path(target).read_bytes())
        return True

    def write(self, rel: str, data: bytes) -> None:
        prev = self._prev(rel)
        if (
            prev is not None
            and prev.stat().st_size == len(data)
            and prev.read_bytes() == data
            and self.carry(rel)
        ):
            return
        shard = self._shard(rel)
        if shard is not None:
            # A link to the previous build's inode: replaced, never written through.
            target = self.shards.writable(shard) / rel.rsplit("/", 1)[1]  # type: ignore[union-attr]
            for suffix in ("", *PRECOMPRESSED):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{target}{suffix}")
        else:
            target = self.new_dir / rel
            self._mkdir(target)
        self._pending.append(
            self._pool.submit(self._store, target, data, rel.endswith(GZIP_SUFFIXES))
        )
        while len(self._pending) > MAX_PENDING_WRITES:  # bounded memory
            self._pending.popleft().result()
        self.written += 1
        self.files.append(rel)

    @classmethod
    def _store(cls, target: Path, data: bytes, gz: bool) -> None:
        write_public(target, data)
        if gz:
            cls._precompress(target, data)

    def submit(self, job: Callable[[], None]) -> None:
        """Run job on a writer thread; finish() waits for it and raises its error."""
        self._pending.append(self._pool.submit(job))

    def finish(self) -> None:
        """Wait for every write; the first that failed raises here."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def adopt(self, path: Path) -> None:
        """A file Pelican wrote: keep the previous copy when the bytes are the same."""
        rel = path.relative_to(self.new_dir).as_posix()
        data = path.read_bytes()
        path.unlink()
        self.write(rel, data)

    def link_file(self, rel: str, source: Path) -> None:
        """A file made elsewhere (an image variant in the cache): linked, never copied twice."""
        prev = self._prev(rel)
        if prev is not None:
            self.carry(rel)
            return
        target = self.new_dir / rel
        self._mkdir(target)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        os.chmod(target, PUBLIC_FILE_MODE)  # the cache's inode: it is served as it is
        self.written += 1
        self.files.append(rel)

    @staticmethod
    def _precompress(target: Path, data: bytes) -> None:
        """The .gz and .br Nginx serves in place of the file (gzip_static, brotli_static)."""
        write_public(
            target.with_name(target.name + ".gz"),
            gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0),
        )
        write_public(
            target.with_name(target.name + ".br"),
            brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY),
        )


def write_public(target: Path, data: bytes) -> None:
    """Write a file Nginx can read whatever the umask: no walk over the build after."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PUBLIC_FILE_MODE)
    try:
        os.fchmod(fd, PUBLIC_FILE_MODE)
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(data)
    finally:
        os.close(fd)
