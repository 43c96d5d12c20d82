"""Static pages through our Nginx config against bare Nginx serving the same files.

Run by hand: `.venv/bin/python bench/static.py [--seconds 2] [--rounds 9] [--connections 16]
[--threads 1]`. Needs Debian's Nginx and wrk (`apt-get install nginx wrk`; for Brotli also
`libnginx-mod-http-brotli-static`). In one run: the demo shop is loaded into an embedded
PostgreSQL and built by the real build; then deploy/nginx (decant.conf + snippets, as
installed) and a bare Nginx (root + gzip_static, nothing else) serve that build from
public/current (the symlink a publish switches, as in production) on loopback, with the
same wrk settings, for a product page, the catalog and a fingerprinted asset (all asking
for gzip, as browsers do). The two take turns, round after round (ours first in one
round, bare first in the next): the machine is shared, and a slow moment then falls on
both alike. Printed per URL: the median req/s of each side, the median of the rounds'
ratios (goal >= 0.9 each) with their spread, and each Nginx worker's CPU time per answer
with the ratio of those (steadier than req/s when other work shares the cores); first
the bytes of a product page as html / gz / br. Any answer but 2xx/3xx is counted and
printed: a 429 or 404 is not a served page.
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
from typing import NamedTuple

import psutil

from decant.demo import loading
from decant.platform import db, embedded, migrations
from decant.platform.config import load_settings  # noqa: E402
from decant.site import run as site_run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

NGINX = "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
GOAL = 0.9
SIDES = ("deploy/nginx", "bare nginx")


class Sample(NamedTuple):
    rate: float  # req/s
    bad: int  # answers that were not 2xx/3xx
    cpu_us: float  # the Nginx worker's CPU time per answer


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main_conf(prefix: Path, body: str, *, brotli: bool) -> Path:
    """The http {} around a server, as Debian's nginx.conf has it (one worker here: the
    machine is shared, and both sides get the same)."""
    load = f"load_module {BROTLI_MODULE};\n" if brotli else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""{load}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{body}
}}
"""
    )
    return conf


def ours(prefix: Path, root: Path, port: int, *, brotli: bool) -> Path:
    """deploy/nginx/decant.conf with only the machine's lines changed (port, root, log)."""
    shutil.copytree(DEPLOY / "snippets", prefix / "snippets")
    if brotli:
        shutil.copy(DEPLOY / "optional" / "decant-brotli.conf", prefix / "snippets")
    text = (DEPLOY / "decant.conf").read_text()
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;\n", "")
    text = text.replace("root /srv/decant/public/current;", f"root {root};")
    text = text.replace("/var/log/nginx/decant-access.json", str(prefix / "access.json"))
    (prefix / "decant.conf").write_text(text)
    return main_conf(prefix, f"    include {prefix}/decant.conf;", brotli=brotli)


def bare(prefix: Path, root: Path, port: int) -> Path:
    """What Nginx does with no configuration of ours: files from root, gzip_static."""
    return main_conf(
        prefix,
        f"""    server {{
        listen 127.0.0.1:{port};
        root {root};
        gzip_static on;
    }}""",
        brotli=False,
    )


@contextlib.contextmanager
def running(conf: Path, port: int):
    """Nginx on conf until the block ends; yields its one worker's pid."""
    check = subprocess.run(
        [NGINX, "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise SystemExit(check.stderr)
    proc = subprocess.Popen(
        [NGINX, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
        (worker,) = psutil.Process(proc.pid).children()
        yield worker.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cpu_ns(pid: int) -> int:
    """Time the process has spent on a CPU, in ns (the scheduler's own count)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def wrk(url: str, seconds: int, connections: int, threads: int, worker: int) -> Sample:
    """One wrk run (no Lua script: a per-response hook would slow both sides alike and
    flatter the ratio): req/s, answers that were not 2xx/3xx, and the Nginx worker's CPU
    time per answer."""
    before = cpu_ns(worker)
    out = subprocess.run(
        [
            WRK,
            f"-t{threads}",
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
    spent = cpu_ns(worker) - before
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    answers = int(re.search(r"(\d+) requests in", out)[1])
    refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Sample(rate, int(refused[1]) if refused else 0, spent / max(answers, 1) / 1000)


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
    parser.add_argument("--seconds", type=int, default=2, help="length of one wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (2 cores shared)")
    parser.add_argument("--rounds", type=int, default=9, help="turns per side; medians printed")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: apt-get install wrk")
    brotli = BROTLI_MODULE.exists()
    tmp = Path(tempfile.mkdtemp(prefix="decant-bench-static-"))
    tmp.chmod(0o755)
    try:
        build = build_demo(tmp).resolve()
        # served as production serves it: through the symlink a publish switches
        root = tmp / "public" / "current"
        assert root.resolve() == build, root
        product = sorted((build / "products").glob("*/*.html"))[0]  # products/<shard>/
        css = next((build / "assets").glob("app.*.css")).name
        paths = {
            "product page": f"/products/{product.stem}/",
            "catalog": "/catalog/",
            "fingerprinted asset": f"/assets/{css}",
        }
        # bare Nginx has no /products/<slug>/ mapping: it gets the file
        bare_paths = {**paths, "product page": "/" + product.relative_to(build).as_posix()}
        sizes = [product.stat().st_size]
        sizes += [Path(f"{product}{s}").stat().st_size for s in (".gz", ".br")]
        print(f"product page bytes: html {sizes[0]:,} / gz {sizes[1]:,} / br {sizes[2]:,}")
        print(f"brotli_static module: {'loaded' if brotli else 'not installed'}")
        print(
            f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} rounds"
            " taking turns (medians), Accept-Encoding: gzip, loopback, one Nginx worker each"
        )
        prefixes = {side: tmp / side.split()[0].replace("/", "-") for side in SIDES}
        for prefix in prefixes.values():
            prefix.mkdir()
        ports = {side: free_port() for side in SIDES}
        confs = {
            "deploy/nginx": ours(
                prefixes["deploy/nginx"], root, ports["deploy/nginx"], brotli=brotli
            ),
            "bare nginx": bare(prefixes["bare nginx"], root, ports["bare nginx"]),
        }
        urls = {
            "deploy/nginx": paths,
            "bare nginx": bare_paths,
        }
        samples: dict[str, dict[str, list[Sample]]] = {}
        with contextlib.ExitStack() as stack:
            workers = {
                side: stack.enter_context(running(confs[side], ports[side])) for side in SIDES
            }

            def run(side: str, name: str, seconds: int) -> Sample:
                url = f"http://127.0.0.1:{ports[side]}{urls[side][name]}"
                return wrk(url, seconds, args.connections, args.threads, workers[side])

            for name in paths:
                samples[name] = {side: [] for side in SIDES}
                for side in SIDES:  # warm up: page cache, open files, connections
                    run(side, name, 1)
                for turn in range(args.rounds):
                    for side in SIDES if turn % 2 == 0 else tuple(reversed(SIDES)):
                        samples[name][side].append(run(side, name, args.seconds))
        return report(samples)
    finally:
        stop_postgres(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def report(samples: dict[str, dict[str, list[Sample]]]) -> int:
    """One line per URL; 0 when every ratio reaches the goal with no refused answer."""
    all_ok = True
    for name, sides in samples.items():
        ours_runs, bare_runs = sides["deploy/nginx"], sides["bare nginx"]
        # each round's pair ran back to back: their ratio is what the noise spares
        ratios = [o.rate / b.rate for o, b in zip(ours_runs, bare_runs, strict=True)]
        ratio = statistics.median(ratios)
        bad = {side: sum(s.bad for s in runs) for side, runs in sides.items()}
        ok = ratio >= GOAL and not any(bad.values())
        all_ok &= ok
        figures = " | ".join(
            f"{side} {statistics.median(s.rate for s in runs):7,.0f} req/s"
            f" {statistics.median(s.cpu_us for s in runs):5.1f} us/answer ({bad[side]} not 2xx)"
            for side, runs in sides.items()
        )
        # the same comparison by the workers' CPU per answer: what the noise spares most
        cpu_ratio = statistics.median(s.cpu_us for s in bare_runs) / statistics.median(
            s.cpu_us for s in ours_runs
        )
        print(
            f"  {name:<20} {figures} | ratio {ratio:.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
            f" {'ok' if ok else 'BELOW 0.9'}, by CPU per answer {cpu_ratio:.2f}"
        )
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
