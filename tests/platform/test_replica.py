"""DATABASE_REPLICA_URL with a real streaming replica: made with pg_basebackup from the
embedded server's binaries, started with pg_ctl on a unix socket of its own."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from decant.platform import embedded
from functions import create_app
from tests.conftest import database_url_for
from tests.waiting import wait_until

PGSERVER_USER = "pgserver"  # pgserver runs PostgreSQL as this user when we are root


def as_server_user() -> dict:
    return {"user": PGSERVER_USER} if os.geteuid() == 0 else {}


@pytest.fixture(scope="module")
def replica_socket(pg_server_url: str) -> Iterator[str]:
    """A hot standby of the test server, streaming from it; yields its socket dir."""
    primary_host = parse_qs(urlsplit(pg_server_url).query)["host"][0]
    home = Path(tempfile.mkdtemp(prefix="decant-replica-"))
    data = home / "data"
    if os.geteuid() == 0:
        account = pwd.getpwnam(PGSERVER_USER)
        os.chown(home, account.pw_uid, account.pw_gid)
    subprocess.run(
        [
            str(embedded.postgres_bin("pg_basebackup")),
            "--host",
            primary_host,
            "--username",
            "postgres",
            "--pgdata",
            str(data),
            "--wal-method",
            "stream",
            "--checkpoint",
            "fast",
            "--write-recovery-conf",
        ],
        check=True,
        capture_output=True,
        timeout=300,
        **as_server_user(),
    )
    # the primary keeps its socket in its data directory: its lock file came along
    for lock in data.glob(".s.PGSQL.*"):
        lock.unlink()
    subprocess.run(
        [
            str(embedded.postgres_bin("pg_ctl")),
            "-D",
            str(data),
            "-w",
            "-t",
            "120",
            "-o",
            f"-h '' -k {data} -c hot_standby=on",
            "-l",
            str(home / "replica.log"),
            "start",
        ],
        check=True,
        capture_output=True,
        timeout=180,
        **as_server_user(),
    )
    yield str(data)
    subprocess.run(
        [str(embedded.postgres_bin("pg_ctl")), "-D", str(data), "-m", "fast", "-w", "stop"],
        capture_output=True,
        timeout=120,
        **as_server_user(),
    )
    shutil.rmtree(home, ignore_errors=True)


def replica_url_for(database_url: str, socket_dir: str) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    return f"postgresql://postgres:@/{name}?host={socket_dir}"


def wait_for_replay(primary_url: str, replica_url: str, *, timeout: float = 60.0) -> None:
    with psycopg.connect(primary_url, autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]

    def caught_up() -> bool:
        try:
            with psycopg.connect(replica_url, autocommit=True, connect_timeout=5) as replica:
                return replica.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
                ).fetchone()[0]
        except psycopg.OperationalError:
            return False  # the database's creation is not replayed yet

    wait_until(caught_up, timeout=timeout, what="the replica catching up")


def pending_orders(app) -> float:
    body = app.test_client().get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "decant_orders" and sample.labels == {
                "status": "pending",
                "payment_status": "unpaid",
            }:
                return sample.value
    return 0.0


def test_the_replica_streams_writes_made_on_the_primary(replica_socket, database_url, shop):
    shop.product("rose-noir", ml=50)
    order = shop.order(("rose-noir", 5, 1))
    replica = replica_url_for(database_url, replica_socket)

    wait_for_replay(database_url, replica)

    with psycopg.connect(replica, autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        assert (
            conn.execute(
                "SELECT count(*) FROM orders WHERE order_number = %s", (order["order_number"],)
            ).fetchone()[0]
            == 1
        )
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO brands (name) VALUES ('Nope')")


def test_metrics_read_from_the_replica_not_the_primary(
    replica_socket, database_url, settings, shop, pg_server_url
):
    shop.product("rose-noir", ml=50)
    shop.order(("rose-noir", 5, 1))
    replica = replica_url_for(database_url, replica_socket)
    wait_for_replay(database_url, replica)
    app = create_app(settings.model_copy(update={"database_replica_url": replica}), pool_size=2)
    control = database_url_for(pg_server_url, "postgres")
    try:
        assert pending_orders(app) == 1
        # hold the replica still: an order placed now exists only on the primary
        with psycopg.connect(replica_url_for(control, replica_socket), autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                shop.order(("rose-noir", 2, 1))
                assert shop.count("orders") == 2
                assert pending_orders(app) == 1
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")
        wait_for_replay(database_url, replica)
        assert pending_orders(app) == 2
    finally:
        app.extensions["decant"].close()
