"""The layout's rules hold: imports run one way (import-linter's contracts in
pyproject.toml), and a built wheel, not only an editable checkout, can migrate and build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_imports_run_one_way():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_domain_module_importing_flask_breaks_the_rules(tmp_path: Path):
    for name in ("decant", "functions"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    pricing = tmp_path / "decant" / "orders" / "pricing.py"
    pricing.write_text(pricing.read_text() + "\nfrom flask import request  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert "The domain knows nothing of HTTP, the build or the command line BROKEN" in (
        result.stdout
    )
    assert "decant.orders.pricing -> flask" in result.stdout


def test_a_built_wheel_migrates_and_builds_a_fresh_database(
    tmp_path: Path, database_url: str, redis_url: str
):
    """The wheel carries the migrations and the mail templates. Its dependencies come
    from this environment (a .pth naming its site-packages, whose own .pth files, the
    editable checkout's among them, are not read), so the decant imported is the
    wheel's. The shop's theme/ and content/ are the site project's files: the build
    reads them from the directory it runs in, here a copy of the repository's."""
    source = tmp_path / "source"  # built from a copy: pip leaves build/ and egg-info behind
    for name in ("decant", "functions"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "build.py"):
        shutil.copy(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("decant-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site_packages / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import decant, os; print(decant.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert installed.startswith(str(site_packages)), installed
    assert not (site_packages / "build.py").exists()  # no top-level module named build

    project = tmp_path / "shop"
    for name in ("theme", "content"):
        shutil.copytree(REPO / name, project / name)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DECANT_DATA_DIR": str(tmp_path / "var"),
        "DECANT_PUBLIC_DIR": str(tmp_path / "public"),
        "DECANT_ENV": "development",
    }
    env.pop("PYTHONPATH", None)
    decant = str(venv / "bin" / "decant")
    for command in (["migrate"], ["demo-data"], ["build"]):
        done = subprocess.run(
            [decant, *command], cwd=project, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)

    with psycopg.connect(database_url) as conn:
        applied = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
        products = conn.execute("SELECT count(*) FROM products").fetchone()[0]
    assert applied == len(list((REPO / "decant" / "sql").glob("*.sql")))
    assert products > 0
    live = tmp_path / "public" / "current"
    assert (live / "index.html").is_file() and (live / "catalog" / "index.html").is_file()
