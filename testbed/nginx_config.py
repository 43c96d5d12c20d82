"""deploy/nginx/decant.conf made runnable on loopback, for the tests and the benchmarks:
only the machine's lines change (the listen address, the root, the app's port, the
access log's path), so what they exercise is the config production installs. It runs
in a main nginx.conf of its own, as Debian's wraps conf.d/, with the pid, logs and temp
files in the given folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

NGINX = "/usr/sbin/nginx"
DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
# Debian's libnginx-mod-http-brotli-static (scripts/test.sh installs it).
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
ACCESS_LOG = "logs/access.json"


def render(
    folder: Path,
    *,
    port: int,
    root: Path,
    app_port: int | None = None,
    brotli: bool = False,
    workers: str = "1",
    connections: int = 256,
) -> Path:
    """The main config to start Nginx with; the site's JSON access log is written to
    `folder / ACCESS_LOG`. `root` is served as given: production's is the
    public/current symlink, which a build swaps. `brotli` installs the optional snippet
    and loads Debian's module, as docs/operations.md says to do where it is installed.
    Without `app_port` the upstream keeps production's address (nothing is proxied)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logs").mkdir(exist_ok=True)
    shutil.copytree(DEPLOY / "snippets", folder / "snippets", dirs_exist_ok=True)
    if brotli:
        shutil.copy(DEPLOY / "optional" / "decant-brotli.conf", folder / "snippets")
    machine = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "listen [::]:80;\n": "",
        "root /srv/decant/public/current;": f"root {root};",
        "/var/log/nginx/decant-access.json": str(folder / ACCESS_LOG),
    }
    if app_port is not None:
        machine["server 127.0.0.1:8000;"] = f"server 127.0.0.1:{app_port};"
    site = (DEPLOY / "decant.conf").read_text()
    for old, new in machine.items():
        if old not in site:
            raise RuntimeError(f"deploy/nginx/decant.conf no longer has {old!r}")
        site = site.replace(old, new)
    (folder / "decant.conf").write_text(site)
    return main_config(
        folder,
        f"    include {folder}/decant.conf;",
        brotli=brotli,
        workers=workers,
        connections=connections,
    )


def main_config(
    folder: Path, body: str, *, brotli: bool = False, workers: str = "1", connections: int = 256
) -> Path:
    """The nginx.conf around `body` (lines of the http {} context)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logs").mkdir(exist_ok=True)
    load = f"load_module {BROTLI_MODULE};\n" if brotli else ""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{load}{user}worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "logs" / "error.log"} warn;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_timeout 65;
{temp}
{body}
}}
"""
    )
    return conf


def check(conf: Path) -> None:
    """`nginx -t` on the rendered config; its complaint is raised."""
    tested = subprocess.run(
        [NGINX, "-t", "-p", str(conf.parent), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if tested.returncode != 0:
        raise RuntimeError(f"nginx -t: {tested.stderr}")


def command(conf: Path) -> list[str]:
    """Nginx in the foreground on the rendered config (the caller owns the process)."""
    return [NGINX, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"]
