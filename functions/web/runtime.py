"""Per-app handles on the servers: the pool, Redis and settings, set by create_app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis
from flask import current_app
from psycopg_pool import ConnectionPool

from decant.platform.config import Settings
from decant.platform.servers import Servers


@dataclass
class Runtime:
    settings: Settings
    servers: Servers
    pool: ConnectionPool
    replica_pool: ConnectionPool
    redis: redis.Redis
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.pool.close()
        if self.replica_pool is not self.pool:
            self.replica_pool.close()
        self.redis.close()


def runtime() -> Runtime:
    return current_app.extensions["decant"]


def database() -> ConnectionPool:
    return runtime().pool


def replica() -> ConnectionPool:
    return runtime().replica_pool


def redis_client() -> redis.Redis:
    return runtime().redis


def settings() -> Settings:
    return runtime().settings
