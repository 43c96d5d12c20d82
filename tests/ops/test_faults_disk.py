"""The disk fills up during `decant build`.

The live site keeps serving the build before, whole; the failed run is recorded in
build_runs with a plain reason; `decant doctor` reports it and exits non-zero; and the
next build, once there is space again, succeeds.

The public directory is a small tmpfs that the test fills (a real "No space left on
device"); where mounting is not allowed, the build runs under RLIMIT_FSIZE instead
(the kernel's "File too large" for any bigger write), and space returns by lifting it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from decant.ops import doctor
from decant.platform.config import Settings, load_settings
from tests.command_env import decant_env
from tests.factories import Shop

REPO = Path(__file__).resolve().parents[2]


class SmallDisk:
    """Where the public directory lives, and a way to fill it and free it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mounted = False
        self.limited = False
        root.mkdir(parents=True, exist_ok=True)
        mount = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(root)],
            capture_output=True,
        )
        self.mounted = mount.returncode == 0

    def fill(self) -> None:
        if not self.mounted:
            self.limited = True
            return
        chunk = b"\0" * (1 << 20)
        fd = os.open(self.root / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (len(chunk), 4096, 1):  # to the last byte
                with contextlib.suppress(OSError):
                    while True:
                        os.write(fd, chunk[:size])
        finally:
            os.close(fd)

    def free(self) -> None:
        self.limited = False
        (self.root / "filler").unlink(missing_ok=True)

    def preexec(self) -> Callable[[], None] | None:
        if not self.limited:
            return None

        def limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

        return limit

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.root)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    disk = SmallDisk(tmp_path / "small-disk")
    yield disk
    disk.close()


@pytest.fixture
def disk_settings(settings: Settings, small_disk: SmallDisk) -> Settings:
    return load_settings(
        **{
            **settings.model_dump(by_alias=True),
            "DECANT_PUBLIC_DIR": small_disk.root / "public",
        }
    )


def decant(
    settings: Settings, *args: str, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    # no shop running: the doctor's health check is not this test's point
    env = decant_env(settings, DECANT_DOCTOR_URL="http://127.0.0.1:9")
    return subprocess.run(
        [sys.executable, "-m", "decant.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,  # noqa: PLW1509 - only sets a resource limit
    )


def builds_check(database_url: str) -> doctor.Check:
    return next(c for c in doctor.database_checks(database_url) if c.name == "builds")


def test_disk_full_during_a_build_keeps_the_live_site_and_is_reported_until_space_returns(
    disk_settings: Settings, catalog_shop: Shop, small_disk: SmallDisk, database_url: str
) -> None:
    first = decant(disk_settings, "build")
    assert first.returncode == 0, first.stderr[-2000:]
    current = disk_settings.public_dir / "current"
    live = current.resolve()
    home = (current / "index.html").read_bytes()
    catalog_shop.conn.execute("UPDATE products SET name = 'Rose Noire' WHERE slug = 'rose-noir'")

    small_disk.fill()
    failed = decant(disk_settings, "build", "--full", preexec=small_disk.preexec())
    assert failed.returncode != 0

    # The live site is the build before, whole.
    assert current.resolve() == live
    assert (current / "index.html").read_bytes() == home
    run = catalog_shop.conn.execute(
        "SELECT status::text AS status, error FROM build_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    reason = "disk full: " if small_disk.mounted else "file too large: "
    assert run["status"] == "failed"
    assert run["error"].startswith(reason), run["error"]
    assert os.strerror(errno.ENOSPC if small_disk.mounted else errno.EFBIG) in run["error"]
    assert reason in failed.stderr

    check = builds_check(database_url)
    assert check.ok is False and reason in check.message
    told = decant(disk_settings, "doctor")
    assert told.returncode != 0
    assert "FAIL builds: the last build" in told.stdout and reason in told.stdout

    small_disk.free()
    again = decant(disk_settings, "build")
    assert again.returncode == 0, again.stderr[-2000:]
    assert current.resolve() != live
    assert "Rose Noire" in (current / "index.html").read_text()
    assert builds_check(database_url).ok is True
    with psycopg.connect(database_url) as conn:
        statuses = [r[0] for r in conn.execute("SELECT status::text FROM build_runs ORDER BY id")]
    assert statuses == ["succeeded", "failed", "succeeded"]
