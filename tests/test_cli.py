"""`decant` commands that do not build start without loading Pelican and the site build
(a second of imports and their memory, paid by every `--help`, doctor run and idle
worker); a command that builds still loads them and builds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from decant.platform.config import Settings
from decant.publishing import build_queue
from tests.command_env import decant_env

REPO = Path(__file__).resolve().parents[1]

# Runs the commands through click in a fresh interpreter, then says whether Pelican was
# imported along the way.
PROBE = """
import sys
from click.testing import CliRunner
from decant.cli import main
for args in {commands!r}:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (args, result.output, result.exception)
print("pelican" in sys.modules)
"""


def pelican_loaded_after(*commands: list[str], settings: Settings | None = None) -> bool:
    env = dict(os.environ) if settings is None else decant_env(settings)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(commands=list(commands))],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {"True": True, "False": False}[done.stdout.strip().splitlines()[-1]]


def test_help_of_every_command_does_not_load_pelican() -> None:
    assert not pelican_loaded_after(
        ["--help"],
        ["build", "--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["doctor", "--help"],
        ["admin", "--help"],
    )


def test_a_worker_round_with_nothing_to_build_does_not_load_pelican(settings, conn) -> None:
    assert not pelican_loaded_after(["worker", "--once"], settings=settings)


def test_a_worker_round_with_a_queued_build_loads_the_build_and_publishes(
    settings, catalog_shop
) -> None:
    build_queue.request_build(catalog_shop.conn, trigger="admin")
    assert pelican_loaded_after(["worker", "--once"], settings=settings)
    assert (settings.public_dir / "current" / "index.html").is_file()
