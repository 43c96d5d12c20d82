"""Real servers for the tests: an embedded PostgreSQL and an embedded Redis, started
once per session, and a fresh database per test copied from a migrated template.

Set TEST_DATABASE_URL / TEST_REDIS_URL to run against external servers instead.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis as redis_lib

from decant.platform import db, embedded, migrations
from decant.platform.config import Settings, load_settings
from tests.factories import Shop

pytest_plugins = [
    "tests.plugins.browser",
    "tests.plugins.operations",
    "tests.plugins.payments",
    "tests.plugins.shopper_api",
    "tests.plugins.storefront",
    "tests.plugins.admin",
    "tests.plugins.alert_receiver",
]

TEMPLATE = "decant_template"
_names = itertools.count()


def database_url_for(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        return external
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return embedded.postgres_url(tmp_path_factory.mktemp("pg"), keep_running=False)


@pytest.fixture(scope="session")
def template_database(pg_server_url: str) -> str:
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    url = database_url_for(pg_server_url, TEMPLATE)
    with db.connect(url) as conn:
        migrations.migrate(conn)
    return url


@pytest.fixture
def database_url(pg_server_url: str, template_database: str) -> Iterator[str]:
    """A database of its own for this test, schema applied, no rows."""
    name = f"test_{os.getpid()}_{next(_names)}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield database_url_for(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    with db.connect(database_url) as connection:
        yield connection


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("TEST_REDIS_URL")
    if external:
        yield external
        return
    data_dir = tmp_path_factory.mktemp("redis")
    yield embedded.redis_url(data_dir)
    embedded.stop_redis(data_dir)


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    client = redis_lib.Redis.from_url(redis_server_url)
    client.flushall()
    client.close()
    return redis_server_url


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """Settings for a shop on this test's database, with its own data and public dirs.

    The demo payment provider is switched on (tests pay without Stripe) and the unpaid
    orders limit is raised: the test client places all its orders from one address,
    and only the tests about hoarding (which set it back) are about that limit."""
    return load_settings(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DECANT_DATA_DIR=tmp_path / "var",
        DECANT_PUBLIC_DIR=tmp_path / "public",
        DECANT_ENV="test",
        DECANT_SECRET_KEY="test-secret-key-that-is-long-enough-123",
        DECANT_DEMO_PAYMENTS="1",
        DECANT_MAX_UNPAID_ORDERS=10000,
    )


@pytest.fixture
def shop(conn: psycopg.Connection) -> Shop:
    return Shop(conn)
