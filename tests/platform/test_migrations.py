"""Migrations run once each, in order, and refuse a file edited after it ran."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from decant.platform import db, migrations
from tests.conftest import database_url_for


@pytest.fixture
def empty_database(pg_server_url):
    name = "migrations_empty"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    yield database_url_for(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_fresh_run_applies_everything_and_a_second_run_nothing(empty_database):
    with db.connect(empty_database) as conn:
        applied = migrations.migrate(conn)
        assert applied == [m.name for m in migrations.discover()]
        assert migrations.migrate(conn) == []
        count = conn.execute("SELECT count(*) AS n FROM schema_migrations").fetchone()["n"]
    assert count == len(applied)


def test_an_edited_migration_is_refused_with_its_name(empty_database, tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, sql_dir)
    with db.connect(empty_database) as conn:
        migrations.migrate(conn, sql_dir)
        first = sorted(sql_dir.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")
        with pytest.raises(migrations.MigrationError, match=first.name):
            migrations.migrate(conn, sql_dir)


def test_a_failing_migration_leaves_nothing_half_applied(empty_database, tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, sql_dir)
    (sql_dir / "9999_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n"
    )
    with db.connect(empty_database) as conn:
        with pytest.raises(psycopg.errors.UndefinedFunction):
            migrations.migrate(conn, sql_dir)
        assert conn.execute("SELECT to_regclass('half_done') AS t").fetchone()["t"] is None
        assert (
            conn.execute("SELECT max(version) AS v FROM schema_migrations").fetchone()["v"] < 9999
        )


def test_two_migrations_at_once_do_not_collide(empty_database):
    results: list[object] = []
    gate = threading.Barrier(2)

    def run() -> None:
        with db.connect(empty_database) as conn:
            gate.wait()
            try:
                results.append(migrations.migrate(conn))
            except Exception as exc:
                results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(len(r) for r in results) == [0, len(migrations.discover())]


def test_migration_files_are_named_by_number(tmp_path: Path):
    (tmp_path / "create_things.sql").write_text("SELECT 1;")
    with pytest.raises(migrations.MigrationError):
        migrations.discover(tmp_path)
