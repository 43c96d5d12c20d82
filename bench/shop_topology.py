"""The production shape on one machine for bench/shop.py: PostgreSQL and Redis
(embedded, or the servers DATABASE_URL / REDIS_URL name), the shop migrated with its
demo catalog and built, gunicorn with deploy/gunicorn.conf.py behind the real Nginx
with deploy/nginx, and `decant worker` beside them.

Every process started here is registered in `Topology.processes` and stopped by
`Topology.close()`, which bench/shop.py runs in a `finally` (so Ctrl-C and errors
clean up too). Only loopback addresses are used.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from decant.platform import embedded
from testbed import nginx_config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
# Settings that would reach real third parties: a bench never sends real mail,
# uploads, alerts or charges.
OUTSIDE_SETTINGS = (
    "RESEND_API_KEY",
    "SMTP_URL",
    "S3_BUCKET",
    "S3_SITE_BUCKET",
    "S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "DECANT_ALERT_WEBHOOK_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "PROMETHEUS_MULTIPROC_DIR",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@dataclass
class Topology:
    work: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    server_url: str = ""
    redis_url: str = ""
    nginx_port: int = 0
    app_port: int = 0
    pg_server: object | None = None  # pgserver's handle when the database is embedded
    redis_dir: Path | None = None  # when Redis is embedded
    own_database: str = ""

    # -- servers -------------------------------------------------------------

    def start_postgres(self) -> None:
        given = os.environ.get("DATABASE_URL")
        if given:
            self.server_url = given
        else:
            self.server_url = embedded.postgres_url(self.work / "pg", keep_running=False)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import pgserver

            self.pg_server = pgserver.get_server(
                (self.work / "pg").resolve() / "postgres", cleanup_mode="stop"
            )
        self.own_database = f"bench_shop_{os.getpid()}"
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.own_database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.own_database}")
        self.database_url = urlunsplit(
            urlsplit(self.server_url)._replace(path=f"/{self.own_database}")
        )

    def start_redis(self) -> None:
        given = os.environ.get("REDIS_URL")
        if given:
            self.redis_url = given
        else:
            self.redis_dir = self.work / "redis"
            self.redis_url = embedded.redis_url(self.redis_dir)

    def shop_env(self, payments: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SETTINGS}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "DECANT_DATA_DIR": str(self.work / "var"),
                "DECANT_PUBLIC_DIR": str(self.work / "public"),
                "DECANT_ENV": "development",
                "DECANT_SECRET_KEY": secrets.token_urlsafe(32),
                "DECANT_BASE_URL": f"http://127.0.0.1:{self.nginx_port}",
                "PYTHONPATH": str(ROOT),
                **payments,
            }
        )
        self.env = env
        return env

    def decant(self, *args: str) -> None:
        """One `decant` command, run where no stray .env from the checkout is read."""
        out = subprocess.run(
            [str(BIN / "decant"), *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if out.returncode != 0:
            raise RuntimeError(f"decant {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")

    def _spawn(self, name: str, argv: list[str], **kwargs: object) -> subprocess.Popen:
        log = (self.work / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv,
            cwd=self.work,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self.processes[name] = process
        return process

    def start_gunicorn(self) -> None:
        self.app_port = free_port()
        self.env["GUNICORN_BIND"] = f"127.0.0.1:{self.app_port}"
        self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--pythonpath",
                str(ROOT),
                "--no-control-socket",
                "functions.wsgi:app",
            ],
        )
        wait_for(lambda: port_open(self.app_port), "gunicorn", timeout=90)

    def start_worker(self) -> None:
        self._spawn("worker", [str(BIN / "decant"), "worker"])

    def start_nginx(self) -> None:
        """deploy/nginx as installed, sized for a few hundred clients. Its root is the
        public/current symlink, as production's: a publish swaps the link under it."""
        conf = nginx_config.render(
            self.work / "nginx",
            port=self.nginx_port,
            root=self.work.resolve() / "public" / "current",
            app_port=self.app_port,
            workers="auto",
            connections=4096,
        )
        nginx_config.check(conf)
        self._spawn("nginx", nginx_config.command(conf))
        wait_for(lambda: port_open(self.nginx_port), "nginx", timeout=30)

    # -- faults (--chaos) ----------------------------------------------------

    def restart_postgres(self, gap_seconds: float) -> bool:
        """Fast shutdown, `gap_seconds` down, start again. Only an embedded server is ours
        to restart; returns False for a DATABASE_URL server."""
        server = self.pg_server
        if server is None:
            return False
        from pgserver._commands import pg_ctl

        socket_dir = server.get_postmaster_info().socket_dir
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
        time.sleep(gap_seconds)
        pg_ctl(
            ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log), "start"],
            pgdata=server.pgdata,
            user=server.system_user,
            timeout=30,
        )
        return True

    def restart_redis(self, gap_seconds: float) -> bool:
        if self.redis_dir is None:
            return False
        import redis

        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(self.redis_url, socket_timeout=5).shutdown(nosave=True)
        time.sleep(gap_seconds)
        embedded.redis_url(self.redis_dir)
        return True

    def kill_worker(self, down_seconds: float) -> None:
        worker = self.processes["worker"]
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        time.sleep(down_seconds)
        self.start_worker()

    def kill_one_gunicorn_worker(self) -> int | None:
        import psutil

        children = psutil.Process(self.processes["gunicorn"].pid).children()
        if not children:
            return None
        victim = children[0].pid
        os.kill(victim, signal.SIGKILL)
        return victim

    # -- teardown ------------------------------------------------------------

    def close(self) -> None:
        for name in ("nginx", "gunicorn", "worker"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self.own_database and os.environ.get("DATABASE_URL"):
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(self.server_url, autocommit=True, connect_timeout=5) as conn,
            ):
                conn.execute(f"DROP DATABASE IF EXISTS {self.own_database} WITH (FORCE)")
        if self.redis_dir is not None:
            embedded.stop_redis(self.redis_dir)
        if self.pg_server is not None:
            self._stop_postgres()

    def _stop_postgres(self) -> None:
        """pgserver's own cleanup only knows the postmaster it started; after a --chaos
        restart that one is gone, so whichever postmaster runs now is stopped here."""
        server = self.pg_server
        with contextlib.suppress(Exception):
            server.cleanup()
        if (Path(server.pgdata) / "postmaster.pid").exists():
            subprocess.run(
                [
                    str(embedded.postgres_bin("pg_ctl")),
                    "-D",
                    str(server.pgdata),
                    "-w",
                    "-m",
                    "fast",
                    "stop",
                ],
                user=server.system_user,
                capture_output=True,
                timeout=60,
            )
