"""The `decant` command: what operators and the README run.

Pelican and the site build are imported by the commands that build, not here: `decant
--help`, `decant doctor` or a worker with nothing to publish start without them."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

import decant.ops.backups
import decant.publishing.s3_publish
import decant.staff.accounts
import decant.staff.audit
import decant.staff.login_throttle
from decant.errors import DecantError
from decant.platform import db, migrations
from decant.platform.config import ConfigError, Settings, load_settings
from decant.platform.servers import resolve


class Context:
    """Settings and servers, resolved lazily so `decant --help` needs neither."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def database_url(self) -> str:
        return db.database_url(self.settings)


def _fail(message: str) -> None:
    click.echo(f"decant: {message}", err=True)
    sys.exit(2)


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Decant: a static-first shop for perfume samples."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ctx.obj = Context()


def _run(fn: Any) -> Any:
    try:
        return fn()
    except ConfigError as exc:
        _fail(str(exc))
    except migrations.MigrationError as exc:
        _fail(str(exc))
    except DecantError as exc:  # backups, publish, doctor: one plain line, no traceback
        _fail(exc.message)


@main.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Apply the migrations in sql/ that are not applied yet."""

    def run() -> None:
        with db.connection(obj.database_url()) as conn:
            applied = migrations.migrate(conn)
        click.echo(
            f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else "")
        )

    _run(run)


@main.command("demo-data")
@click.pass_obj
def demo_data(obj: Context) -> None:
    """Load the demo catalog (a second run changes nothing)."""
    from decant.demo import loading as demo

    def run() -> None:
        with db.connection(obj.database_url()) as conn:
            migrations.migrate(conn)
            added = demo.load(conn, obj.settings.media_dir)
        click.echo("demo data: " + ", ".join(f"{n} {what}" for what, n in added.items()))

    _run(run)


@main.command()
@click.option("--full", is_flag=True, help="Render every page, not only what changed.")
@click.pass_obj
def build(obj: Context, full: bool) -> None:
    """Render the site into public/ and swap public/current to it."""
    from decant.site import run as site_run

    def run() -> None:
        site_run.main(obj.settings, full=full, trigger="cli")

    _run(run)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not run `decant worker` beside the server (for setups that run it on their own).",
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, workers: int, threads: int, no_worker: bool) -> None:
    """Serve the built site and the functions on one port, with the worker beside them."""

    def run() -> None:
        settings = obj.settings
        with db.connection(obj.database_url()) as conn:
            migrations.migrate(conn)
        if not (settings.public_dir / "current").exists():
            from decant.site import run as site_run

            site_run.main(settings, full=True, trigger="serve")
        resolve(settings)  # start the embedded servers before the worker and web workers
        if no_worker:
            _serve_wsgi(settings, host, port, workers, threads)
            return
        from decant.worker_process import WorkerProcess

        with WorkerProcess():
            _serve_wsgi(settings, host, port, workers, threads)

    _run(run)


def _serve_wsgi(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class LocalShop(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)
            from functions.web import request_context as context

            # no query strings or referers in the log; long URLs reach the app's check
            self.cfg.set("access_log_format", context.GUNICORN_ACCESS_LOG_FORMAT)
            for name, value in context.GUNICORN_REQUEST_LIMITS.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            import functions
            from functions.web import static_site

            return static_site.local_site(functions.create_app(settings), settings.public_dir)

    click.echo(f"Decant is running at http://{host}:{port}/")
    LocalShop().run()


@main.command()
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    help="Seconds between rounds when nothing announces work (builds and e-mails wake it at once).",
)
@click.pass_obj
def worker(obj: Context, once: bool, interval: float) -> None:
    """Run queued builds, outbox e-mails and expiry of unpaid orders."""
    from decant import worker

    _run(lambda: worker.run(obj.settings, once=once, interval=interval))


@main.group()
def admin() -> None:
    """Administrator accounts."""


@admin.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["owner", "staff"]), required=True)
@click.pass_obj
def create_user(obj: Context, email: str, role: str) -> None:
    """Create an admin account; the password comes from DECANT_ADMIN_PASSWORD or a prompt."""

    password = os.environ.get("DECANT_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )

    def run() -> None:
        with db.connection(obj.database_url()) as conn:
            migrations.migrate(conn)
            user = decant.staff.accounts.create(conn, email, password, role)
        click.echo(f"created {user['role']} {user['email']}")

    _run(run)


def _redis(obj: Context) -> Any:
    import redis

    from decant.platform.servers import redis_url

    return redis.Redis.from_url(redis_url(obj.settings), socket_timeout=5)


@admin.command("unlock")
@click.argument("email")
@click.pass_obj
def unlock(obj: Context, email: str) -> None:
    """Forget the recent failed logins of an account, so it can log in at once."""

    def run() -> None:
        with db.connection(obj.database_url()) as conn:
            user = decant.staff.accounts.by_email(conn, email)
        decant.staff.login_throttle.unlock(_redis(obj), user["email"])
        click.echo(f"unlocked {user['email']}")

    _run(run)


@admin.command("set-password")
@click.argument("email")
@click.pass_obj
def set_password(obj: Context, email: str) -> None:
    """Set an account's password (DECANT_ADMIN_PASSWORD or a prompt); its sessions end."""

    def run() -> None:
        with db.connection(obj.database_url()) as conn:
            user = decant.staff.accounts.by_email(conn, email)
            password = os.environ.get("DECANT_ADMIN_PASSWORD") or click.prompt(
                "New password", hide_input=True, confirmation_prompt=True
            )
            with conn.transaction():
                user = decant.staff.accounts.set_password(conn, user["id"], password)
                decant.staff.audit.record(
                    conn,
                    decant.staff.audit.Actor(None, "decant admin set-password", "owner"),
                    "reset_password",
                    "admin_user",
                    user["id"],
                    after={"email": user["email"], "sessions_ended": True},
                )
        decant.staff.login_throttle.unlock(_redis(obj), user["email"])
        click.echo(f"new password set for {user['email']}; its sessions have ended")

    _run(run)


@main.command()
@click.pass_obj
def backup(obj: Context) -> None:
    """Dump the database (pg_dump custom format) and the uploaded images."""

    _run(lambda: click.echo(decant.ops.backups.backup(obj.settings, obj.database_url())))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore(obj: Context, file: Path) -> None:
    """Restore a backup into an empty database."""

    _run(lambda: click.echo(decant.ops.backups.restore(obj.settings, obj.database_url(), file)))


@main.command()
@click.option("--s3", "to_s3", is_flag=True, required=True, help="Upload to the S3 bucket.")
@click.pass_obj
def publish(obj: Context, to_s3: bool) -> None:
    """Upload changed files of public/current to the configured bucket."""

    _run(lambda: click.echo(decant.publishing.s3_publish.publish(obj.settings)))


@main.command()
@click.pass_obj
def doctor(obj: Context) -> None:
    """Check disk, backups, certificate, outbox, builds and health routes; exit 1 if one is off."""
    from decant.ops import doctor as checks

    def run() -> None:
        text, status = checks.report(checks.run(obj.settings, obj.database_url()))
        click.echo(text)
        sys.exit(status)

    _run(run)


if __name__ == "__main__":
    main()
