"""Backups that restore: the database (pg_dump custom format) and the uploaded images
in one archive, with a SHA-256 checksum beside it, kept 7 daily / 4 weekly / 12
monthly, and copied to S3-compatible storage when a bucket is configured.

One archive per backup (`decant-YYYYmmddTHHMMSSZ.tar` holding `database.dump` and
`media.tar`) so an operator moves, checks and restores a single file. Restore only
goes into an empty database: mixing a dump into live rows would silently make a shop
that never existed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from decant.errors import Conflict, ValidationError
from decant.platform import object_storage
from decant.platform.config import Settings

NAME = re.compile(r"^decant-(\d{8}T\d{6}Z)\.tar$")
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
S3_PREFIX = "backups/"
# A backup holds every shopper's address: never readable by anyone but the bucket's
# owner, encrypted at rest whatever the bucket's default says.
PRIVATE_UPLOAD = {"ACL": "private", "ServerSideEncryption": "AES256"}


class BackupError(ValidationError):
    """A backup that cannot be made or read; the message is one line for the operator."""


def backup(settings: Settings, database_url: str, *, now: datetime | None = None) -> str:
    """Write one backup archive, prune old ones, copy to S3 when configured."""
    now = now or datetime.now(UTC)
    folder = backups_dir(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    archive = folder / f"decant-{now.strftime(TIME_FORMAT)}.tar"
    partial = archive.with_suffix(".tar.partial")
    with tempfile.TemporaryDirectory(prefix="decant-backup-") as tmp:
        dump = Path(tmp) / "database.dump"
        _pg_run(
            "pg_dump",
            database_url,
            ["--format=custom", "--no-owner", "--file", str(dump), "--dbname", DBNAME],
        )
        media = Path(tmp) / "media.tar"
        with tarfile.open(media, "w") as tar:
            if settings.media_dir.is_dir():
                tar.add(settings.media_dir, arcname="media")
        with _owner_only(partial) as out, tarfile.open(fileobj=out, mode="w") as tar:
            tar.add(dump, arcname="database.dump")
            tar.add(media, arcname="media.tar")
    digest = file_sha256(partial)
    partial.replace(archive)  # a crash mid-write never leaves a file that looks complete
    with _owner_only(checksum_path(archive)) as out:
        out.write(f"{digest}  {archive.name}\n".encode())
    removed = prune(folder, now=now)
    uploaded = ""
    if settings.s3_bucket:
        _upload(settings, archive, now)
        uploaded = f", copied to s3://{settings.s3_bucket}/{S3_PREFIX}{archive.name}"
    size = archive.stat().st_size
    return (
        f"backup {archive} ({size / 1_000_000:.1f} MB, sha256 {digest[:12]}){uploaded}"
        f"; pruned {len(removed)} old backup(s)"
    )


def restore(settings: Settings, database_url: str, file: Path | str) -> str:
    """Restore an archive into an empty database; refuse a corrupt file or a used database."""
    file = Path(file)
    verify(file)
    with tempfile.TemporaryDirectory(prefix="decant-restore-") as tmp:
        dump, media = _unpack(file, Path(tmp))
        listed = _pg_run("pg_restore", database_url, ["--list", str(dump)], check=False)
        if listed.returncode != 0:
            raise BackupError(f"{file.name} is corrupt: pg_restore cannot read its database dump")
        tables = user_tables(database_url)
        if tables:
            raise Conflict(
                f"refusing to restore: the database already has {len(tables)} table(s);"
                " restore into an empty database (createdb a new one and point DATABASE_URL at it)"
            )
        result = _pg_run(
            "pg_restore",
            database_url,
            ["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", DBNAME]
            + [str(dump)],
            check=False,
        )
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["unknown error"])[0]
            raise BackupError(f"restore of {file.name} failed: {first}")
        restored_files = _restore_media(media, settings.media_dir)
    return f"restored {file.name}: {len(user_tables(database_url))} tables, {restored_files} media file(s)"


def verify(file: Path) -> str:
    """The archive's checksum must match the `.sha256` beside it; returns the digest."""
    if not file.is_file():
        raise BackupError(f"{file} does not exist")
    sums = checksum_path(file)
    if not sums.is_file():
        raise BackupError(f"{file.name} has no checksum file ({sums.name}); cannot trust it")
    expected = sums.read_text().split()[0] if sums.read_text().split() else ""
    actual = file_sha256(file)
    if actual != expected:
        raise BackupError(f"{file.name} is corrupt: its sha256 does not match {sums.name}")
    return actual


def backups_dir(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def checksum_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def latest(settings: Settings) -> tuple[Path, datetime] | None:
    """The newest local backup and when it was taken (for `decant doctor`)."""
    found = sorted(_dated(p.name for p in backups_dir(settings).glob("decant-*.tar")))
    if not found:
        return None
    taken, name = found[-1]
    return backups_dir(settings) / name, taken


def to_keep(taken: Iterable[datetime]) -> set[datetime]:
    """Grandfather-father-son: the newest backup of each of the last 7 days with a
    backup, of the last 4 ISO weeks and of the last 12 months."""
    newest_first = sorted(set(taken), reverse=True)
    keep: set[datetime] = set()
    for limit, period in (
        (KEEP_DAILY, lambda t: t.date()),
        (KEEP_WEEKLY, lambda t: t.isocalendar()[:2]),
        (KEEP_MONTHLY, lambda t: (t.year, t.month)),
    ):
        seen: set[object] = set()
        for moment in newest_first:
            key = period(moment)
            if key in seen:
                continue
            if len(seen) == limit:
                break
            seen.add(key)
            keep.add(moment)
    return keep


def prune(folder: Path, *, now: datetime | None = None) -> list[str]:
    """Delete local archives outside the retention; returns the names removed."""
    dated = dict(_dated(p.name for p in folder.glob("decant-*.tar")))
    keep = to_keep(dated)
    removed = []
    for moment, name in sorted(dated.items()):
        if moment in keep:
            continue
        (folder / name).unlink(missing_ok=True)
        checksum_path(folder / name).unlink(missing_ok=True)
        removed.append(name)
    return removed


def user_tables(database_url: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            """
            SELECT n.nspname || '.' || c.relname
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg_toast%%'
             ORDER BY 1
            """
        ).fetchall()
    return [row[0] for row in rows]


def _upload(settings: Settings, archive: Path, now: datetime) -> None:
    """Copy archive and checksum to the bucket, then apply the same retention there."""
    client = object_storage.client(settings)
    bucket = settings.s3_bucket
    client.upload_file(str(archive), bucket, S3_PREFIX + archive.name, ExtraArgs=PRIVATE_UPLOAD)
    sums = checksum_path(archive)
    client.upload_file(str(sums), bucket, S3_PREFIX + sums.name, ExtraArgs=PRIVATE_UPLOAD)
    names = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=S3_PREFIX):
        names += [item["Key"].removeprefix(S3_PREFIX) for item in page.get("Contents", [])]
    dated = dict(_dated(names))
    keep = to_keep(dated)
    doomed = [
        {"Key": S3_PREFIX + key}
        for moment, name in dated.items()
        if moment not in keep
        for key in (name, name + ".sha256")
    ]
    for start in range(0, len(doomed), 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000]})


def _dated(names: Iterable[str]) -> list[tuple[datetime, str]]:
    found = []
    for name in names:
        match = NAME.match(name)
        if match:
            taken = datetime.strptime(match.group(1), TIME_FORMAT).replace(tzinfo=UTC)
            found.append((taken, name))
    return found


def _unpack(file: Path, into: Path) -> tuple[Path, Path]:
    try:
        with tarfile.open(file, "r") as tar:
            names = set(tar.getnames())
            if not {"database.dump", "media.tar"} <= names:
                raise BackupError(f"{file.name} is not a Decant backup (no database.dump)")
            _extract(tar, into, [tar.getmember("database.dump"), tar.getmember("media.tar")])
    except tarfile.TarError as exc:
        raise BackupError(f"{file.name} is corrupt: {exc}") from None
    return into / "database.dump", into / "media.tar"


def _extract(tar: tarfile.TarFile, into: Path, members: list[tarfile.TarInfo]) -> None:
    """Python's "data" filter where it exists (3.11.4+). Debian 12's own Python (3.11.2,
    the systemd install and a Debian-based image) has no filters, and `filter=` is a
    TypeError there: only plain files and folders inside `into` are let through."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(into, members=members, filter="data")
        return
    for member in members:
        name = Path(member.name)
        if not (member.isfile() or member.isdir()) or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"refusing to unpack {member.name!r}: not a plain file or folder")
        member.mode &= 0o755
    tar.extractall(into, members=members)  # noqa: S202 - every member checked above


def _restore_media(media: Path, media_dir: Path) -> int:
    """Put the archived images back under media_dir; returns how many files."""
    with tempfile.TemporaryDirectory(prefix="decant-media-") as tmp, tarfile.open(media) as tar:
        members = [m for m in tar.getmembers() if m.name == "media" or m.name.startswith("media/")]
        _extract(tar, Path(tmp), members)
        if (Path(tmp) / "media").is_dir():
            shutil.copytree(Path(tmp) / "media", media_dir, dirs_exist_ok=True)
        return sum(1 for m in members if m.isfile())


# --- the PostgreSQL client programs -------------------------------------------------


def client_program(name: str, server_major: int) -> Path:
    """The system's pg_dump/pg_restore when it is at least the server's major version,
    else the one shipped with the embedded server (PostgreSQL 16)."""
    candidates = [shutil.which(name)]
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")), reverse=True
    )
    try:
        from decant.platform import embedded

        candidates.append(str(embedded.postgres_bin(name)))
    except ImportError:
        pass
    versions = []
    for candidate in filter(None, candidates):
        major = _major(candidate)
        if major is not None:
            versions.append((major, candidate))
            if major >= server_major:
                return Path(candidate)
    have = ", ".join(f"{path} ({major})" for major, path in versions) or "none"
    raise BackupError(f"no {name} for PostgreSQL {server_major} found (have: {have})")


def _major(program: str) -> int | None:
    try:
        out = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)", out)
    return int(match.group(1)) if match else None


def _server_major(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.info.server_version // 10000


# Stands in argv for the database to connect to; _pg_run puts in a conninfo string
# without the password.
DBNAME = "{dbname}"


def client_connection(database_url: str) -> tuple[str, dict[str, str]]:
    """The conninfo to give pg_dump/pg_restore and the environment to run them in.

    The password goes in PGPASSWORD, never in argv: a command line is readable by every
    user of the machine (ps, /proc/<pid>/cmdline) for as long as the dump runs."""
    params = {k: v for k, v in conninfo_to_dict(database_url).items() if v is not None}
    password = params.pop("password", None)
    env = dict(os.environ)  # a PGPASSWORD or ~/.pgpass of the operator's still applies
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**params), env


def _owner_only(path: Path):  # noqa: ANN202 (a binary file object)
    """Open `path` for writing readable by its owner alone (0600), whatever the umask."""
    path.unlink(missing_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _pg_run(
    name: str, database_url: str, args: list[str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    program = client_program(name, _server_major(database_url))
    conninfo, env = client_connection(database_url)
    argv = [str(program), *(conninfo if arg == DBNAME else arg for arg in args)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if check and result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["unknown error"])[0]
        raise BackupError(f"{name} failed: {first}")
    return result
