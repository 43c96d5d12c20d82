"""Backups that restore: the drill an operator runs before trusting them."""

from __future__ import annotations

import os
import stat
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner

from decant.cli import main
from decant.demo import loading
from decant.errors import Conflict
from decant.ops import backups
from tests.conftest import database_url_for


@pytest.fixture
def empty_database(pg_server_url: str):
    """A database with nothing in it, as `createdb` makes on a fresh server."""
    name = f"restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield database_url_for(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and an md5 over its rows in a stable order."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)"
                " FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                " ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')"
                f" FROM {table} t"
            ).fetchone()
            for table in tables
        }


def test_restore_drill_gives_back_every_row_of_a_shop_with_orders(
    settings, conn, shop, database_url, empty_database
):
    loading.load(conn, settings.media_dir)
    shop.product("rose-noir", ml=50)
    shop.order(("rose-noir", 5, 2), email="ines@example.com")
    assert shop.count("orders") > 10
    images = sorted(p.relative_to(settings.media_dir) for p in settings.media_dir.rglob("*.*"))
    assert images, "the demo shop has product images"
    before = table_fingerprints(database_url)

    line = backups.backup(settings, database_url)
    archive, _ = backups.latest(settings)
    assert str(archive) in line and backups.checksum_path(archive).is_file()

    # the machine burned down: only the archive is left
    for image in settings.media_dir.rglob("*.*"):
        image.unlink()
    message = backups.restore(settings, empty_database, archive)

    assert archive.name in message
    after = table_fingerprints(empty_database)
    assert after == before
    assert after["public.orders"][0] == shop.count("orders")
    assert (
        sorted(p.relative_to(settings.media_dir) for p in settings.media_dir.rglob("*.*")) == images
    )
    with psycopg.connect(empty_database) as restored:
        # sequences came back too: the next order gets a fresh id, not a clash
        restored.execute("INSERT INTO brands (name) VALUES ('After The Fire')")


def test_restore_works_on_debians_python_without_tar_filters(
    settings, conn, shop, database_url, empty_database, monkeypatch
):
    """Debian 12's Python 3.11.2 has no tarfile filters (deploy/drill.sh found
    `decant restore` failing there with a TypeError): the restore still brings the shop
    and its images back, and still refuses a member that would land outside."""
    loading.load(conn, settings.media_dir)
    shop.product("rose-noir", ml=50)
    shop.order(("rose-noir", 5, 1), email="ines@example.com")
    before = table_fingerprints(database_url)
    images = sorted(p.relative_to(settings.media_dir) for p in settings.media_dir.rglob("*.*"))
    backups.backup(settings, database_url)
    archive, _ = backups.latest(settings)
    for image in settings.media_dir.rglob("*.*"):
        image.unlink()

    # Python 3.11.2 as Debian ships it: no filters, and extractall() takes no filter=
    unfiltered = tarfile.TarFile.extractall

    def extractall_of_3_11_2(self, path=".", members=None, *, numeric_owner=False, **kw):
        if kw:
            raise TypeError(f"extractall() got an unexpected keyword argument {next(iter(kw))!r}")
        return unfiltered(self, path, members, numeric_owner=numeric_owner, filter="fully_trusted")

    monkeypatch.setattr(tarfile.TarFile, "extractall", extractall_of_3_11_2)
    monkeypatch.delattr(tarfile, "data_filter")
    backups.restore(settings, empty_database, archive)

    assert table_fingerprints(empty_database) == before
    assert (
        sorted(p.relative_to(settings.media_dir) for p in settings.media_dir.rglob("*.*")) == images
    )
    evil = settings.data_dir / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        link = tarfile.TarInfo("media/escape")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with tarfile.open(evil) as tar, pytest.raises(backups.BackupError, match="media/escape"):
        backups._extract(tar, settings.data_dir / "unpacked", tar.getmembers())


def test_restore_refuses_a_database_that_has_a_shop_in_it(settings, shop, database_url):
    shop.product("rose-noir")
    backups.backup(settings, database_url)
    archive, _ = backups.latest(settings)

    with pytest.raises(Conflict, match="refusing to restore: the database already has"):
        backups.restore(settings, database_url, archive)
    assert shop.count("products") == 1


def test_restore_refuses_an_archive_whose_checksum_does_not_match(
    settings, shop, database_url, empty_database
):
    shop.product("rose-noir")
    backups.backup(settings, database_url)
    archive, _ = backups.latest(settings)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))

    with pytest.raises(backups.BackupError, match="is corrupt: its sha256 does not match"):
        backups.restore(settings, empty_database, archive)
    assert backups.user_tables(empty_database) == []


def test_restore_refuses_a_dump_pg_restore_cannot_read(settings, tmp_path, empty_database):
    archive = tmp_path / "decant-20250101T000000Z.tar"
    garbage = tmp_path / "database.dump"
    garbage.write_bytes(b"PGDMP" + os.urandom(4096))
    media = tmp_path / "media.tar"
    with tarfile.open(media, "w"):
        pass
    with tarfile.open(archive, "w") as tar:
        tar.add(garbage, arcname="database.dump")
        tar.add(media, arcname="media.tar")
    backups.checksum_path(archive).write_text(f"{backups.file_sha256(archive)}  {archive.name}\n")

    with pytest.raises(backups.BackupError, match="pg_restore cannot read its database dump"):
        backups.restore(settings, empty_database, archive)
    assert backups.user_tables(empty_database) == []


def test_decant_restore_prints_one_plain_line_for_a_corrupt_file(
    settings, database_url, redis_url, tmp_path, monkeypatch
):
    archive = tmp_path / "decant-20250101T000000Z.tar"
    archive.write_bytes(b"not a backup")
    backups.checksum_path(archive).write_text("0" * 64 + f"  {archive.name}\n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DECANT_DATA_DIR", str(tmp_path / "var"))

    result = CliRunner().invoke(main, ["restore", str(archive)])

    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        f"decant: {archive.name} is corrupt: its sha256 does not match {archive.name}.sha256"
    ]


def test_retention_keeps_seven_daily_four_weekly_twelve_monthly():
    start = datetime(2024, 1, 1, 3, 0, tzinfo=UTC)
    taken = [start + timedelta(days=n) for n in range(500)]
    newest = taken[-1]

    keep = backups.to_keep(taken)

    assert set(taken[-7:]) <= keep
    weeks = {t.isocalendar()[:2] for t in keep}
    assert len({t.isocalendar()[:2] for t in taken[-7 * 5 :]} & weeks) >= 4
    months = {(t.year, t.month) for t in keep}
    assert len(months) == 12
    assert min(keep) > newest - timedelta(days=366)
    assert len(keep) <= 7 + 4 + 12


def test_old_backups_beyond_retention_are_deleted_from_disk(settings, database_url):
    folder = backups.backups_dir(settings)
    folder.mkdir(parents=True)
    start = datetime(2024, 1, 1, 3, 0, tzinfo=UTC)
    for n in range(60):
        name = f"decant-{(start + timedelta(days=n)).strftime(backups.TIME_FORMAT)}.tar"
        (folder / name).write_bytes(b"old")
        backups.checksum_path(folder / name).write_text("x")

    backups.backup(settings, database_url, now=start + timedelta(days=60))

    left = sorted(p.name for p in folder.glob("decant-*.tar"))
    assert len(left) <= 7 + 4 + 12
    assert left[-1] == f"decant-{(start + timedelta(days=60)).strftime(backups.TIME_FORMAT)}.tar"
    assert all(backups.checksum_path(folder / name).exists() for name in left)
    assert len(list(folder.glob("*.sha256"))) == len(left)


def test_backup_is_copied_to_s3_with_its_checksum(backup_bucket, database_url, tmp_path: Path):
    with_s3, bucket, s3 = backup_bucket

    line = backups.backup(with_s3, database_url)

    archive, _ = backups.latest(with_s3)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {f"backups/{archive.name}", f"backups/{archive.name}.sha256"}
    assert f"s3://{bucket}/backups/{archive.name}" in line
    copy = tmp_path / archive.name
    s3.download_file(bucket, f"backups/{archive.name}", str(copy))
    assert backups.file_sha256(copy) == backups.file_sha256(archive)
    for key in keys:  # shoppers' addresses: encrypted at rest, readable by the owner only
        assert s3.head_object(Bucket=bucket, Key=key)["ServerSideEncryption"] == "AES256"
        grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
        assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)


@pytest.fixture
def password_role_url(pg_server_url: str, database_url: str) -> Iterator[tuple[str, str]]:
    """(url, password) of a role that can only log in with its password (scram), on
    this test's database: the embedded server trusts everyone else."""
    role, password = f"backup_{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        admin.execute(f"GRANT pg_read_all_data TO {role}")
        hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
        original = hba.read_text()
        hba.write_text(f"local all {role} scram-sha-256\n" + original)
        admin.execute("SELECT pg_reload_conf()")
    parts = urlsplit(database_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    url = urlunsplit(parts._replace(netloc=f"{role}:{password}@{host}"))
    yield url, password
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        hba.write_text(original)
        admin.execute("SELECT pg_reload_conf()")
        admin.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        )
        admin.execute(f"REVOKE pg_read_all_data FROM {role}")
        admin.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
        admin.execute(f"DROP ROLE {role}")


def test_backup_keeps_the_database_password_off_every_command_line_and_the_archive_private(
    settings, password_role_url, monkeypatch
):
    url, password = password_role_url
    without_password = url.replace(f":{password}@", "@")
    with pytest.raises(psycopg.OperationalError):  # the role really needs its password
        psycopg.connect(without_password).close()
    commands: list[list[str]] = []
    run = subprocess.run

    def spy(argv, *args, **kwargs):
        commands.append([str(a) for a in argv])
        return run(argv, *args, **kwargs)

    monkeypatch.setattr(backups.subprocess, "run", spy)
    old_umask = os.umask(0o022)  # a default umask: files come out world-readable
    try:
        backups.backup(settings, url)
    finally:
        os.umask(old_umask)

    dumps = [a for a in commands if Path(a[0]).name == "pg_dump" and "--version" not in a]
    assert len(dumps) == 1
    assert all(password not in arg for argv in commands for arg in argv)
    archive, _ = backups.latest(settings)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(backups.checksum_path(archive).stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert {"database.dump", "media.tar"} <= set(tar.getnames())
