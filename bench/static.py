"""Static pages through our Nginx config against bare Nginx serving the same files.

Run by hand: `.venv/bin/python bench/static.py [--seconds 5] [--rounds 3] [--connections 32]`.
Needs Debian's Nginx and wrk (`apt-get install nginx wrk`; for Brotli also
`libnginx-mod-http-brotli-static`). In one run: the demo shop is loaded into an embedded
PostgreSQL and built by the real build; then deploy/nginx (decant.conf + snippets, as
installed) and a bare Nginx (root + gzip_static, nothing else) serve that build on
loopback, taking turns, with the same wrk settings, for a product page, the
catalog and a fingerprinted asset (all asking for gzip, as browsers do). Prints req/s of
each, the ratio (goal >= 0.9 each) and the bytes of a product page as html / gz / br.
Any answer but 2xx/3xx is counted and printed: a 429 or 404 is not a served page.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

from decant.demo import loading
from decant.platform import db, embedded, migrations
from decant.platform.config import load_settings  # noqa: E402
from decant.site import run as site_run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from testbed import nginx_config  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
GOAL = 0.9


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ours(prefix: Path, root: Path, port: int, *, brotli: bool) -> Path:
    """deploy/nginx/decant.conf with only the machine's lines changed (port, root, log);
    one worker: the machine is shared, and both sides get the same."""
    return nginx_config.render(prefix, port=port, root=root, brotli=brotli, connections=1024)


def bare(prefix: Path, root: Path, port: int) -> Path:
    """What Nginx does with no configuration of ours: files from root, gzip_static."""
    return nginx_config.main_config(
        prefix,
        f"""    server {{
        listen 127.0.0.1:{port};
        root {root};
        gzip_static on;
    }}""",
        connections=1024,
    )


@contextlib.contextmanager
def running(conf: Path, port: int):
    nginx_config.check(conf)
    proc = subprocess.Popen(
        nginx_config.command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("nginx did not start") from None
                time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int) -> tuple[float, int]:
    """req/s and the count of answers that were not 2xx/3xx, by one wrk run (no Lua
    script: a per-response hook would slow both sides alike and flatter the ratio)."""
    out = subprocess.run(
        [
            WRK,
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, int(refused[1]) if refused else 0


def build_demo(tmp: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        url = embedded.postgres_url(tmp / "pg", keep_running=False)
    settings = load_settings(
        DATABASE_URL=url,
        DECANT_DATA_DIR=tmp / "var",
        DECANT_PUBLIC_DIR=tmp / "public",
        DECANT_ENV="test",
    )
    with db.connection(url) as conn:
        migrations.migrate(conn)
        loading.load(conn, settings.media_dir)
    with contextlib.redirect_stdout(io.StringIO()):
        result = site_run.main(settings, full=True, trigger="bench")
    return Path(result["build_dir"])


def stop_postgres(tmp: Path) -> None:
    pid_file = tmp / "pg" / "postgres" / "postmaster.pid"
    if pid_file.is_file():
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="turns per side; medians printed")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: apt-get install wrk")
    brotli = nginx_config.BROTLI_MODULE.exists()
    tmp = Path(tempfile.mkdtemp(prefix="decant-bench-static-"))
    tmp.chmod(0o755)
    try:
        root = build_demo(tmp).resolve()
        product = sorted((root / "products").glob("*/*.html"))[0]
        css = next((root / "assets").glob("app.*.css")).name
        paths = {
            "product page": f"/products/{product.stem}/",
            "catalog": "/catalog/",
            "fingerprinted asset": f"/assets/{css}",
        }
        bare_paths = {"product page": "/" + product.relative_to(root).as_posix()}
        sizes = [product.stat().st_size]
        sizes += [Path(f"{product}{s}").stat().st_size for s in (".gz", ".br")]
        print(f"product page bytes: html {sizes[0]:,} / gz {sizes[1]:,} / br {sizes[2]:,}")
        print(f"brotli_static module: {'loaded' if brotli else 'not installed'}")
        print(
            f"wrk -t2 -c{args.connections} -d{args.seconds}s x {args.rounds} turns a side"
            " (median), Accept-Encoding: gzip, loopback"
        )
        # Both servers up at once and measured turn about (ours, bare, ours, bare, ...):
        # the machine is shared, and a slow moment then falls on both sides alike.
        servers = {}
        for side in ("deploy/nginx", "bare nginx"):
            prefix = tmp / side.split()[0].replace("/", "-")
            prefix.mkdir()
            port = free_port()
            conf = (
                ours(prefix, root, port, brotli=brotli)
                if side == "deploy/nginx"
                else bare(prefix, root, port)
            )
            servers[side] = (conf, port)
        results: dict[str, dict[str, tuple[float, int]]] = {}
        with running(*servers["deploy/nginx"]), running(*servers["bare nginx"]):
            for name, path in paths.items():
                samples: dict[str, list[tuple[float, int]]] = {side: [] for side in servers}
                for _ in range(args.rounds):
                    for side, (_conf, port) in servers.items():
                        # bare Nginx has no /products/<slug>/ mapping: it gets the file
                        url = f"http://127.0.0.1:{port}{bare_paths.get(name, path) if side == 'bare nginx' else path}"
                        wrk(url, 1, args.connections)  # warm up: page cache, connections
                        samples[side].append(wrk(url, args.seconds, args.connections))
                results[name] = {
                    side: (
                        statistics.median(rate for rate, _ in runs),
                        sum(bad for _, bad in runs),
                    )
                    for side, runs in samples.items()
                }
        all_ok = True
        for name, sides in results.items():
            ours_rate, ours_bad = sides["deploy/nginx"]
            bare_rate, bare_bad = sides["bare nginx"]
            ratio = ours_rate / bare_rate
            ok = ratio >= GOAL and ours_bad == 0 and bare_bad == 0
            all_ok &= ok
            print(
                f"  {name:<20} deploy/nginx {ours_rate:9,.0f} req/s ({ours_bad} not 2xx)"
                f"   bare {bare_rate:9,.0f} req/s ({bare_bad} not 2xx)"
                f"   ratio {ratio:.2f} {'ok' if ok else 'BELOW 0.9'}"
            )
        return 0 if all_ok else 1
    finally:
        stop_postgres(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
