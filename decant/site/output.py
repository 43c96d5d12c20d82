"""Writing a build's files: rendered, precompressed, or hard-linked from the
previous build when unchanged."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import subprocess
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import brotli

MAX_PENDING_WRITES = 256


GZIP_LEVEL = 6  # for ~8 KB pages levels 1-9 cost about the same; 6 is nginx's usual
GZIP_SUFFIXES = (".html", ".css", ".js", ".json", ".xml", ".svg")
# Brotli beside each .gz (Nginx's brotli_static where the module is loaded). Quality 5
# costs about what gzip 6 does per page (measured: 9 is ~20x, 11 ~80x slower, which a
# 10,000-page full build cannot afford) and is still a few percent smaller than the .gz.
BROTLI_QUALITY = 5
PRECOMPRESSED = (".gz", ".br")


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
    # Files a `cp -l` of a whole directory put in the new build before the plan was
    # known (see prelink_start): carried without a link of their own, replaced when
    # rendered again.
    _prelinked: set[str] = field(default_factory=set)
    _prelinking: subprocess.Popen[bytes] | None = None

    def _prev(self, rel: str) -> Path | None:
        if self.prev_dir is None:
            return None
        path = self.prev_dir / rel
        return path if path.is_file() else None

    def _mkdir(self, target: Path) -> None:
        self._mkdir_rel(os.path.dirname(target.relative_to(self.new_dir).as_posix()))

    def _mkdir_rel(self, parent: str) -> None:
        """The directory rel's file goes in: one mkdir per directory per build."""
        if not parent or parent in self._dirs:
            return
        try:
            os.mkdir(os.path.join(self.new_dir, parent))
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(os.path.join(self.new_dir, parent), exist_ok=True)
        self._dirs.add(parent)

    def carry(self, rel: str) -> bool:
        """Hard-link rel (and its .gz) from the previous build; False when it is not there."""
        if self.prev_dir is None:
            return False
        if self._link(str(self.prev_dir), str(self.new_dir), rel):
            self.unchanged += 1
            self.files.append(rel)
            return True
        return False

    def prelink_start(self, parent: str) -> None:
        """Hard-link every file of the previous build's directory `parent` into the new
        build by one `cp -lR`, started before the catalog is even read: the 20,000
        links of the product pages are most of a one-product rebuild's system time, and
        a separate process makes them on the other core with no GIL between them and
        the planning. prelink_finish() then removes what this build does not carry."""
        if self.prev_dir is None or not (self.prev_dir / parent).is_dir():
            return
        self._mkdir_rel(parent)
        with contextlib.suppress(OSError):  # no cp: prelink_finish finds nothing to keep
            self._prelinking = subprocess.Popen(  # noqa: S603 - fixed argv, paths made by the build
                ["cp", "-lR", "--", f"{self.prev_dir}/{parent}/.", f"{self.new_dir}/{parent}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def prelink_finish(self, parent: str, keep: set[str]) -> None:
        """Wait for prelink_start's copy; of what it linked, keep only the files in
        `keep` (rels, each with its .gz), so the directory holds no page this build
        does not have. Prelinked files count as carried only when carry() says so."""
        proc, self._prelinking = self._prelinking, None
        if proc is None:
            return
        if proc.wait() != 0:  # anything half-linked goes; files are linked one by one
            for name in os.listdir(self.new_dir / parent):
                os.unlink(os.path.join(self.new_dir, parent, name))
            return
        for name in os.listdir(self.new_dir / parent):
            rel = f"{parent}/{name}"
            if rel in keep or (rel.endswith(PRECOMPRESSED) and rel[:-3] in keep):
                self._prelinked.add(rel)
            else:
                os.unlink(os.path.join(self.new_dir, parent, name))

    def carry_start(self, rels: list[str]) -> Carrying:
        """carry() for many files at once, on the writer threads, while the caller
        goes on: a one-product build is mostly 20,000 links, which release the GIL."""
        if self.prev_dir is None:
            return Carrying(list(rels), [], missing=list(rels))
        prev, new = str(self.prev_dir), str(self.new_dir)
        all_rels, missing = list(rels), []
        if self._prelinked:  # already there: only a missing .gz/.br is made
            missing = [r for r in rels if r in self._prelinked and not self._link(prev, new, r)]
            rels = [r for r in rels if r not in self._prelinked]
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
        target = f"{new}/{rel}"
        if rel in self._prelinked:
            if rel.endswith(GZIP_SUFFIXES) and not all(
                rel + suffix in self._prelinked for suffix in PRECOMPRESSED
            ):
                self._precompress(Path(target), Path(target).read_bytes())
            return True
        self._mkdir_rel(os.path.dirname(rel))
        try:
            os.link(f"{prev}/{rel}", target)
        except FileNotFoundError:
            return False
        if rel.endswith(GZIP_SUFFIXES):
            try:
                for suffix in PRECOMPRESSED:
                    os.link(f"{prev}/{rel}{suffix}", target + suffix)
            except FileNotFoundError:  # an older build without it: both made afresh
                self._precompress(Path(target), Path(target).read_bytes())
        return True

    def write(self, rel: str, data: bytes) -> None:
        prev = self._prev(rel)
        if prev is not None and prev.stat().st_size == len(data) and prev.read_bytes() == data:
            self.carry(rel)
            return
        target = self.new_dir / rel
        self._mkdir(target)
        if rel in self._prelinked:
            # A link to the previous build's inode: replaced, never written through.
            self._prelinked.discard(rel)
            target.unlink()
            for suffix in PRECOMPRESSED:
                self._prelinked.discard(rel + suffix)
                target.with_name(target.name + suffix).unlink(missing_ok=True)
        self._pending.append(
            self._pool.submit(self._store, target, data, rel.endswith(GZIP_SUFFIXES))
        )
        while len(self._pending) > MAX_PENDING_WRITES:  # bounded memory
            self._pending.popleft().result()
        self.written += 1
        self.files.append(rel)

    @classmethod
    def _store(cls, target: Path, data: bytes, gz: bool) -> None:
        target.write_bytes(data)
        if gz:
            cls._precompress(target, data)

    def submit(self, job: Callable[[], None]) -> None:
        """Run job on a writer thread; finish() waits for it and raises its error."""
        self._pending.append(self._pool.submit(job))

    def finish(self) -> None:
        """Wait for every write; the first that failed raises here."""
        if self._prelinking is not None:  # a build that failed before its plan was made
            self._prelinking.kill()
            self._prelinking.wait()
            self._prelinking = None
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
        self.written += 1
        self.files.append(rel)

    @staticmethod
    def _precompress(target: Path, data: bytes) -> None:
        """The .gz and .br Nginx serves in place of the file (gzip_static, brotli_static)."""
        target.with_name(target.name + ".gz").write_bytes(
            gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        )
        target.with_name(target.name + ".br").write_bytes(
            brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
        )
