"""`decant doctor`: is this shop healthy right now? One line per check, and a
non-zero exit when one is off, so cron, systemd or a monitoring agent can act on it.

Each check says plainly what is wrong and what it means for the shop; a check whose
subject is not set up here (no certificate path) reports "not configured" and does
not fail.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from decant.analytics import monitoring
from decant.ops import backups, bucket_exposure
from decant.platform import object_storage
from decant.platform.config import Settings

MIN_FREE_RATIO = 0.10
MIN_FREE_BYTES = 1 << 30
BACKUP_MAX_AGE = timedelta(hours=26)  # daily backups, with room for a slow night
CERT_MIN_DAYS = 14  # certbot renews at 30 days left; 14 means renewal has been failing
OUTBOX_MAX_WAITING = 100
OUTBOX_MAX_AGE_SECONDS = 15 * 60
BUILD_MAX_QUEUED_SECONDS = 10 * 60
HEALTH_ROUTES = ("/api/health", "/api/health/db", "/api/health/redis", "/api/health/stripe")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not configured here, not a failure
    message: str

    def line(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "--  "}[self.ok]
        return f"{mark} {self.name}: {self.message}"


def run(
    settings: Settings,
    database_url: str,
    *,
    cert_path: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> list[Check]:
    now = now or datetime.now(UTC)
    cert = cert_path if cert_path is not None else os.environ.get("DECANT_TLS_CERT", "")
    url = base_url or os.environ.get("DECANT_DOCTOR_URL") or settings.base_url
    checks = [disk(settings.data_dir), backup_age(settings, now), backup_bucket(settings)]
    checks.append(certificate(cert, now))
    checks += database_checks(database_url)
    checks += health(url)
    return checks


def report(checks: list[Check]) -> tuple[str, int]:
    """The text to print and the exit status (1 when a check failed)."""
    failed = [c for c in checks if c.ok is False]
    lines = [c.line() for c in checks]
    lines.append(
        f"{len(failed)} check(s) failed: " + ", ".join(c.name for c in failed)
        if failed
        else "all checks passed"
    )
    return "\n".join(lines), 1 if failed else 0


def disk(path: Path, *, min_free_ratio: float = MIN_FREE_RATIO) -> Check:
    existing = Path(path).resolve()
    while not existing.exists():
        existing = existing.parent
    usage = shutil.disk_usage(existing)
    free_ratio = usage.free / usage.total
    text = f"{usage.free / (1 << 30):.1f} GiB free ({free_ratio:.0%}) on {existing}"
    if free_ratio < min_free_ratio or usage.free < MIN_FREE_BYTES:
        return Check("disk", False, f"only {text}; backups and builds will start failing")
    return Check("disk", True, text)


def backup_age(settings: Settings, now: datetime) -> Check:
    newest = backups.latest(settings)
    if newest is None:
        return Check(
            "backup",
            False,
            f"no backup in {backups.backups_dir(settings)}; run `decant backup`"
            f" (the worker takes one daily at {settings.backup_at} UTC)",
        )
    path, taken = newest
    age = now - taken
    hours = age.total_seconds() / 3600
    if age > BACKUP_MAX_AGE:
        return Check(
            "backup",
            False,
            f"newest backup {path.name} is {hours:.0f} h old; is `decant worker` running?"
            " (the admin's Jobs page shows the backup job's last result)",
        )
    return Check("backup", True, f"newest {path.name}, {hours:.1f} h old")


def backup_bucket(settings: Settings) -> Check:
    """Backups must sit in a bucket nobody can read anonymously (see bucket_exposure)."""
    if not settings.s3_bucket:
        return Check("backup bucket", None, "not configured (S3_BUCKET unset)")
    where = f"s3://{settings.s3_bucket}/{backups.S3_PREFIX}"
    try:
        exposed = bucket_exposure.public_reads(
            object_storage.client(settings), settings.s3_bucket, backups.S3_PREFIX
        )
    except bucket_exposure.ExposureUnknown as exc:
        return Check("backup bucket", None, f"could not tell whether {where} is public: {exc}")
    if exposed:
        return Check(
            "backup bucket",
            False,
            f"backups in {where} are public: {exposed}; make the bucket private and point"
            " the CDN at S3_SITE_BUCKET or the site prefix only",
        )
    return Check("backup bucket", True, f"{where} is not publicly readable")


def certificate(cert_path: str, now: datetime) -> Check:
    if not cert_path:
        return Check(
            "certificate", None, "not configured (set DECANT_TLS_CERT to the fullchain.pem)"
        )
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except (OSError, ValueError) as exc:
        return Check("certificate", False, f"cannot read {cert_path}: {exc}")
    days = (cert.not_valid_after_utc - now).total_seconds() / 86400
    if days < CERT_MIN_DAYS:
        what = "has expired" if days < 0 else f"expires in {days:.0f} day(s)"
        return Check("certificate", False, f"{cert_path} {what}; certbot renewal is failing")
    return Check("certificate", True, f"valid for {days:.0f} more days")


def database_checks(database_url: str) -> list[Check]:
    try:
        with psycopg.connect(database_url, connect_timeout=5, autocommit=True) as conn:
            conn.row_factory = psycopg.rows.dict_row
            outbox = monitoring.outbox_backlog(conn)
            builds = monitoring.builds(conn)
            last_build = conn.execute(
                "SELECT id, status::text AS status, error FROM build_runs"
                " WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1"
            ).fetchone()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [Check("database", False, f"cannot connect: {first}")]
    checks = [Check("database", True, "reachable")]
    waiting, oldest, failed = outbox["waiting"], outbox["oldest_seconds"], outbox["failed"]
    if waiting > OUTBOX_MAX_WAITING or oldest > OUTBOX_MAX_AGE_SECONDS:
        checks.append(
            Check(
                "outbox",
                False,
                f"{waiting} e-mail(s) waiting, oldest {oldest / 60:.0f} min; is `decant worker` running?",
            )
        )
    elif failed:
        checks.append(Check("outbox", False, f"{failed} e-mail(s) failed for good; see admin"))
    else:
        checks.append(Check("outbox", True, f"{waiting} e-mail(s) waiting"))
    queued_for = builds["oldest_queued_seconds"]
    if builds["queued"] and queued_for > BUILD_MAX_QUEUED_SECONDS:
        checks.append(
            Check(
                "builds",
                False,
                f"a build has waited {queued_for / 60:.0f} min; is `decant worker` running?",
            )
        )
    elif last_build and last_build["status"] == "failed":
        # The live site still serves the build before; what is not published waits.
        reason = (last_build["error"] or "no reason recorded").splitlines()[0][:300]
        checks.append(
            Check(
                "builds",
                False,
                f"the last build (run {last_build['id']}) failed: {reason};"
                " the live site is the build before it",
            )
        )
    else:
        checks.append(Check("builds", True, f"{builds['queued']} queued"))
    return checks


def health(base_url: str) -> list[Check]:
    checks = []
    for route in HEALTH_ROUTES:
        url = base_url.rstrip("/") + route
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our own URL)
                body = json.loads(answer.read() or b"{}")
            status = body.get("data", {}).get("status")
            checks.append(Check(route, status == "ok", f"{answer.status} {status}"))
        except urllib.error.HTTPError as exc:
            checks.append(Check(route, False, f"{exc.code} from {url}"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            checks.append(Check(route, False, f"no answer from {url} ({reason})"))
    return checks
