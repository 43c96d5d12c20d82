"""`decant doctor`: the operator's one command that says whether the shop is well."""

from __future__ import annotations

import contextlib
import errno
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from decant.cli import main
from decant.ops import backups, doctor
from functions import create_app


@pytest.fixture
def live_shop(settings) -> Iterator[str]:
    """The functions answering on a real port, as gunicorn would."""
    app = create_app(settings, pool_size=2)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["decant"].close()


def by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.name: c for c in checks}


def test_a_healthy_shop_passes_every_check(settings, database_url, live_shop, make_certificate):
    backups.backup(settings, database_url)
    cert, _ = make_certificate(days=60)

    checks = doctor.run(settings, database_url, cert_path=cert, base_url=live_shop)
    text, status = doctor.report(checks)

    assert status == 0, text
    assert text.endswith("all checks passed")
    assert {
        "disk",
        "backup",
        "certificate",
        "database",
        "outbox",
        "builds",
        "/api/health/db",
    } <= set(by_name(checks))


def test_certificate_not_configured_is_reported_but_not_a_failure(
    settings, database_url, live_shop
):
    backups.backup(settings, database_url)

    checks = doctor.run(settings, database_url, cert_path="", base_url=live_shop)

    assert by_name(checks)["certificate"].ok is None
    assert "not configured" in by_name(checks)["certificate"].line()
    assert doctor.report(checks)[1] == 0


def test_a_certificate_about_to_expire_fails_with_a_plain_message(make_certificate):
    cert, _ = make_certificate(days=5)

    check = doctor.certificate(cert, datetime.now(UTC))

    assert check.ok is False
    assert "expires in" in check.message and "renewal is failing" in check.message


def test_missing_and_stale_backups_fail(settings, database_url):
    assert "no backup" in doctor.backup_age(settings, datetime.now(UTC)).message

    backups.backup(settings, database_url, now=datetime.now(UTC) - timedelta(days=2))
    stale = doctor.backup_age(settings, datetime.now(UTC))

    assert stale.ok is False
    assert "48 h old" in stale.message


def test_outbox_backlog_and_a_stuck_build_queue_fail(conn, database_url):
    conn.execute(
        "INSERT INTO email_outbox (kind, dedupe_key, to_address, subject, html_body, text_body, created_at)"
        " VALUES ('order_confirmation', 'late', 'ada@example.com', 's', 'h', 't', now() - interval '1 hour')"
    )
    conn.execute(
        "INSERT INTO build_runs (status, created_at) VALUES ('queued', now() - interval '30 minutes')"
    )

    checks = by_name(doctor.database_checks(database_url))

    assert checks["outbox"].ok is False and "worker" in checks["outbox"].message
    assert checks["builds"].ok is False and "30 min" in checks["builds"].message


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A filesystem of a known size (needs root, as the test machine runs)."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_full_disk_fails_naming_the_filesystem(tmp_path):
    with tmpfs(tmp_path / "full", "1M") as full:
        with (full / "filler").open("wb") as filler, pytest.raises(OSError) as raised:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        assert raised.value.errno == errno.ENOSPC
        check = doctor.disk(full / "media" / "not-yet")
        assert check.ok is False
        assert check.message.startswith("only 0.0 GiB free (0%) on " + str(full))
        assert "backups and builds will start failing" in check.message


def test_a_roomy_disk_passes(tmp_path):
    with tmpfs(tmp_path / "roomy", "2G") as roomy:
        check = doctor.disk(roomy / "media")
        assert check.ok is True
        assert check.message == f"2.0 GiB free (100%) on {roomy}"


def test_decant_doctor_exits_non_zero_naming_what_is_off(
    settings, database_url, redis_url, tmp_path, monkeypatch, unused_port
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DECANT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DECANT_DOCTOR_URL", f"http://127.0.0.1:{unused_port}")
    monkeypatch.delenv("DECANT_TLS_CERT", raising=False)

    result = CliRunner().invoke(main, ["doctor"])

    assert result.exit_code == 1
    assert "FAIL backup: no backup" in result.output
    assert (
        f"FAIL /api/health: no answer from http://127.0.0.1:{unused_port}/api/health"
        in result.output
    )
    last = result.output.strip().splitlines()[-1]
    assert "check(s) failed:" in last
    assert {"backup", "/api/health", "/api/health/db"} <= set(last.split(": ", 1)[1].split(", "))


def public_read_policy(bucket: str, resource: str) -> str:
    import json

    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "cdn",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/{resource}",
                }
            ],
        }
    )


def test_backups_in_a_private_bucket_pass(backup_bucket):
    settings, _, _ = backup_bucket

    check = doctor.backup_bucket(settings)

    assert check.ok is True, check.message


def test_backups_in_a_bucket_with_a_public_read_acl_fail(backup_bucket):
    settings, bucket, s3 = backup_bucket
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")

    check = doctor.backup_bucket(settings)
    text, status = doctor.report([check])

    assert check.ok is False and "AllUsers" in check.message
    assert status == 1 and f"s3://{bucket}/backups/" in text


def test_backups_in_a_bucket_whose_policy_opens_everything_fail(backup_bucket):
    settings, bucket, s3 = backup_bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket, "*"))

    check = doctor.backup_bucket(settings)

    assert check.ok is False and "policy" in check.message


def test_a_policy_that_opens_only_the_site_prefix_does_not_expose_backups(backup_bucket):
    settings, bucket, s3 = backup_bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket, "site/*"))

    assert doctor.backup_bucket(settings).ok is True


def test_without_s3_the_bucket_check_is_not_configured(settings):
    assert doctor.backup_bucket(settings).ok is None
