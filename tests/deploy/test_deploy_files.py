"""The deploy files an operator runs: compose, the image, systemd units, the settings
list. Read as data (no Docker engine needed)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from decant.platform.config import ENV_NAMES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def compose(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text())


def test_production_compose_runs_every_service_with_health_checks_and_restarts():
    spec = compose("docker-compose.yml")
    services = spec["services"]

    assert set(services) == {
        "postgres",
        "redis",
        "redis-cache",
        "app",
        "worker",
        "nginx",
        "certbot",
    }
    for name, service in services.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        test = service["healthcheck"]["test"]
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
        assert service["healthcheck"].get("interval"), name
    assert "/api/health" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["app"]["command"][-1] == "functions.wsgi:app"
    assert services["app"]["command"][0] == "gunicorn"
    assert services["worker"]["command"] == ["decant", "worker"]
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_production_compose_keeps_the_response_cache_away_from_sessions():
    services = compose("docker-compose.yml")["services"]
    main = services["redis"]["command"]
    cache = services["redis-cache"]["command"]
    assert main[main.index("--maxmemory-policy") + 1] == "noeviction"
    assert cache[cache.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert "--maxmemory" in cache
    for name in ("app", "worker"):
        env = services[name]["environment"]
        assert env["REDIS_CACHE_URL"] == "redis://redis-cache:6379/0", name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name


def test_production_compose_keeps_data_in_named_volumes():
    spec = compose("docker-compose.yml")
    declared = set(spec["volumes"])
    used = set()
    for service in spec["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used <= declared
    assert {"postgres-data", "redis-data", "decant-data", "decant-public", "letsencrypt"} <= used
    postgres = spec["services"]["postgres"]["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres)
    # files compose mounts exist in the repository
    for service in spec["services"].values():
        for volume in service.get("volumes", []):
            if volume.startswith("./"):
                source = volume.split(":")[0]
                if source.endswith("decant-site.conf"):
                    continue  # the storefront's snippet, checked in test_tls
                assert (DEPLOY / source).exists(), source


def test_dev_compose_has_databases_and_the_app():
    spec = compose("docker-compose.dev.yml")
    assert {"postgres", "redis", "app"} <= set(spec["services"])
    for service in spec["services"].values():
        assert service["healthcheck"]["test"]
    assert any(p.startswith("127.0.0.1:") for p in spec["services"]["app"]["ports"])


def stages(dockerfile: str) -> list[str]:
    return re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[1:]


def test_image_is_multi_stage_non_root_without_compilers_and_builds_at_start():
    text = (DEPLOY / "Dockerfile").read_text()
    parts = stages(text)
    assert len(parts) >= 2
    final = parts[-1]
    assert "build-essential" in parts[0]
    for compiler in ("build-essential", "gcc", "g++", "clang", "make "):
        assert compiler not in final, compiler
    users = re.findall(r"^USER (\S+)", final, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "ENTRYPOINT" in final and "docker-entrypoint.sh" in final
    entrypoint = (DEPLOY / "docker-entrypoint.sh").read_text()
    assert "decant migrate" in entrypoint and "decant build" in entrypoint
    assert (DEPLOY / "docker-entrypoint.sh").stat().st_mode & 0o111


def test_env_example_lists_every_setting():
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert set(ENV_NAMES.values()) <= listed
    assert {"POSTGRES_PASSWORD", "DECANT_TLS_CERT"} <= listed


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_systemd_units_run_gunicorn_the_worker_and_renewals():
    web = unit("decant-web.service")
    assert "functions.wsgi:app" in web["Service"]["ExecStart"]
    assert web["Service"]["User"] != "root" and web["Service"]["Restart"] == "always"
    worker = unit("decant-worker.service")
    assert worker["Service"]["ExecStart"].endswith("decant worker")
    assert "certbot renew" in unit("certbot-renew.service")["Service"]["ExecStart"]
    assert unit("certbot-renew.timer")["Timer"]["OnCalendar"]
    assert unit("certbot-renew.timer")["Install"]["WantedBy"] == "timers.target"


def test_the_worker_runs_backups_and_doctor_so_no_timer_or_cron_does():
    """decant.ops.schedule runs them inside `decant worker`: a timer beside it would run a
    second backup, and a cron line is what docker compose users forget."""
    timers = sorted(p.name for p in (DEPLOY / "systemd").glob("*.timer"))
    assert timers == ["certbot-renew.timer"]
    worker = unit("decant-worker.service")["Service"]
    assert "/var/lib/decant" in worker["ReadWritePaths"]  # where backups are written
    assert "DECANT_DOCTOR_URL=" in worker["Environment"]
    operations = (DEPLOY.parent / "docs" / "operations.md").read_text()
    assert "decant backup >>" not in operations  # the cron line compose users had to add
    assert "enable --now decant-web decant-worker decant-backup.timer" not in operations


def production_root(root: Path, units: list[Path]) -> None:
    """A machine image with just what the units name: systemd's own units, the units
    under test, and a stub for every program they run (production paths such as
    /srv/decant and certbot do not exist here), so `verify` can pass only on merit."""
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for path in units:
        shutil.copy(path, root / "etc/systemd/system" / path.name)
        for line in path.read_text().splitlines():
            command = re.match(r"\s*Exec\w+\s*=\s*[-@:+!]*(/\S+)", line)
            if command:
                stub = root / command.group(1).lstrip("/")
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text("#!/bin/sh\n")
                stub.chmod(0o755)


def test_systemd_units_pass_systemd_analyze(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze (package systemd) is needed"
    units = sorted((DEPLOY / "systemd").glob("*.*"))
    assert {p.name for p in units} >= {"decant-web.service", "decant-worker.service"}
    production_root(tmp_path, units)
    result = subprocess.run(
        [analyze, "verify", "--man=no", f"--root={tmp_path}", *(p.name for p in units)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # verify only warns (exit 0) on unknown directives: catch those from its output
    problems = [
        line
        for line in result.stderr.splitlines()
        if ("Unknown" in line or "Failed to parse" in line or "Invalid" in line)
    ]
    assert problems == []


def test_web_and_worker_units_are_sandboxed_below_exposure_5(tmp_path, capsys):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze (package systemd) is needed"
    for name in ("decant-web.service", "decant-worker.service"):
        shutil.copy(DEPLOY / "systemd" / name, tmp_path / name)
        result = subprocess.run(
            [analyze, "security", "--offline=true", "--no-pager", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
        assert found, result.stdout[-500:]
        with capsys.disabled():
            print(f"\n{name}: systemd-analyze security exposure {found.group(1)}")
        assert float(found.group(1)) < 5, result.stdout
        service = unit(name)["Service"]
        assert service["UMask"] == "0077" and service["ProtectSystem"] == "strict"
        assert service["CapabilityBoundingSet"] == ""


def test_compose_app_trusts_exactly_nginxs_fixed_address():
    import ipaddress

    spec = compose("docker-compose.yml")
    nginx_address = spec["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    subnet = spec["networks"]["default"]["ipam"]["config"][0]
    dynamic = ipaddress.ip_network(subnet["ip_range"])
    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(subnet["subnet"])
    assert ipaddress.ip_address(nginx_address) not in dynamic  # never handed to another
    for name in ("app", "worker"):
        trusted = spec["services"][name]["environment"]["DECANT_TRUSTED_PROXIES"]
        assert [p.strip() for p in trusted.split(",")] == [nginx_address], name
