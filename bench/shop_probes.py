"""The server side of a bench/shop.py run, sampled once a second: CPU of the gunicorn
workers (and of Nginx, PostgreSQL, the worker and the load generator itself, since
they all share the cores), PostgreSQL connections in use, Redis memory.

CPU is summed per process id over everything seen, so a gunicorn worker that was
killed or recycled (max_requests) still counts for what it used.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field

import psutil
import psycopg
import redis


@dataclass
class Probe:
    database_url: str
    redis_url: str
    roots: dict[str, int]  # component -> pid whose children (or self) to measure
    cpu: dict[str, dict[int, float]] = field(default_factory=dict)
    pg_connections: int = 0
    redis_peak_bytes: int = 0
    seconds: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._began = time.monotonic()
        self._own = os.times()
        self._thread = threading.Thread(target=self._loop, name="probe", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.seconds = time.monotonic() - self._began
        now = os.times()
        self.cpu["load generator"] = {
            0: (now.user - self._own.user) + (now.system - self._own.system)
        }

    def update_root(self, component: str, pid: int) -> None:
        self.roots[component] = pid

    def _loop(self) -> None:
        conn = None
        while not self._stop.wait(1.0):
            self._sample_cpu()
            conn = self._sample_postgres(conn)
            self._sample_redis()
        if conn is not None:
            conn.close()

    def _sample_cpu(self) -> None:
        for component, pid in list(self.roots.items()):
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                processes = root.children(recursive=True)
                if component != "gunicorn workers":
                    processes.append(root)
                seen = self.cpu.setdefault(component, {})
                for process in processes:
                    with contextlib.suppress(psutil.Error):
                        times = process.cpu_times()
                        seen[process.pid] = max(
                            seen.get(process.pid, 0.0), times.user + times.system
                        )

    def _sample_postgres(self, conn: psycopg.Connection | None) -> psycopg.Connection | None:
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=2)
            used = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                " AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            self.pg_connections = max(self.pg_connections, used)
            return conn
        except psycopg.Error:
            if conn is not None:
                conn.close()
            return None

    def _sample_redis(self) -> None:
        with contextlib.suppress(redis.RedisError, OSError):
            info = redis.Redis.from_url(self.redis_url, socket_timeout=1).info("memory")
            self.redis_peak_bytes = max(self.redis_peak_bytes, int(info["used_memory_peak"]))

    def cpu_seconds(self, component: str) -> float:
        return sum(self.cpu.get(component, {}).values())
