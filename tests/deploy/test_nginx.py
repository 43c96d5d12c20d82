"""deploy/nginx/decant.conf in a real Nginx (Debian's): the built site with its headers,
gzip and caching, the 404 page, try_files, rate limits, and /api/ reaching the functions."""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli
import pytest
import requests

from decant.publishing.product_shards import product_file
from testbed import nginx_config
from tests.plugins.operations import wait_for_port
from tests.plugins.storefront import serve_wsgi
from tests.ports import free_port
from tests.waiting import wait_until

DEPLOY = nginx_config.DEPLOY
BROTLI_MODULE = nginx_config.BROTLI_MODULE


def render_config(folder: Path, *, port: int, root: Path, app_port: int) -> Path:
    """With the Brotli snippet installed and its module loaded where Debian's module is
    (as docs/operations.md says to do), so the test sees what such a server serves."""
    return nginx_config.render(
        folder, port=port, root=root, app_port=app_port, brotli=BROTLI_MODULE.exists()
    )


def start_nginx(conf: Path, port: int) -> subprocess.Popen:
    """Debian's Nginx on a rendered config, waited for until it listens."""
    nginx_config.check(conf)
    process = subprocess.Popen(
        nginx_config.command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )

    def listening() -> bool:
        assert process.poll() is None, process.stderr.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_until(listening, timeout=30, what="nginx listening")
    return process


@pytest.fixture
def nginx_shop(settings, catalog_shop, build_site, tmp_path: Path) -> Iterator[str]:
    from functions import create_app

    build_site()
    app = create_app(settings)
    app_base, stop_app = serve_wsgi(app)
    port = free_port()
    conf = render_config(
        tmp_path / "nginx",
        port=port,
        root=settings.public_dir.resolve() / "current",
        app_port=int(app_base.rsplit(":", 1)[1]),
    )
    process = start_nginx(conf, port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)
    stop_app()
    app.extensions["decant"].close()


def test_pages_carry_the_security_headers_and_a_csp_that_allows_only_stripe(nginx_shop):
    response = requests.get(nginx_shop + "/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-XSS-Protection" not in response.headers
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    foreign = set(re.findall(r"https://[^\s;]+", csp))
    assert foreign and all(host.endswith("stripe.com") for host in foreign)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Perfume samples, filled by hand" in response.text


def test_fingerprinted_assets_are_cached_for_a_year_and_served_gzipped(nginx_shop, settings):
    home = requests.get(nginx_shop + "/", timeout=10).text
    css_url = re.search(r'href="(/assets/app\.[0-9a-f]+\.css)"', home).group(1)
    response = requests.get(
        nginx_shop + css_url, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True
    )
    raw = response.raw.read()
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    on_disk = (settings.public_dir / "current" / css_url.lstrip("/")).read_bytes()
    assert gzip.decompress(raw) == on_disk
    page = requests.get(
        nginx_shop + "/catalog/", headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True
    )
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]


def test_a_browser_asking_for_brotli_gets_the_builds_br_file(nginx_shop, settings):
    assert BROTLI_MODULE.exists(), "apt-get install libnginx-mod-http-brotli-static"
    on_disk = settings.public_dir / "current" / product_file("rose-noir")
    for path in ("/products/rose-noir/", "/catalog/"):
        response = requests.get(
            nginx_shop + path, headers={"Accept-Encoding": "br, gzip"}, timeout=10, stream=True
        )
        raw = response.raw.read()
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br", path
        assert "Accept-Encoding" in response.headers["Vary"]
        assert header_values(response, "X-Content-Type-Options") == ["nosniff"]
        if path.startswith("/products/"):
            assert raw == Path(f"{on_disk}.br").read_bytes()
            assert brotli.decompress(raw) == on_disk.read_bytes()
    gzip_only = requests.get(
        nginx_shop + "/products/rose-noir/", headers={"Accept-Encoding": "gzip"}, timeout=10
    )
    assert gzip_only.headers["Content-Encoding"] == "gzip"


ENCODINGS = {"br": "br, gzip", "gzip": "gzip", "identity": "identity"}


def fetch_page(base: str, path: str, accept: str) -> tuple[str, str]:
    """The page as a browser sending Accept-Encoding: accept sees it, and the encoding
    Nginx chose (requests decodes gzip, and Brotli with the brotli package installed)."""
    response = requests.get(base + path, headers={"Accept-Encoding": accept}, timeout=10)
    assert response.status_code == 200, path
    return response.headers.get("Content-Encoding", "identity"), response.text


def warm(base: str, path: str) -> None:
    """Ask often enough for every variant's descriptor to stay in Nginx's open-file cache
    (open_file_cache_min_uses), so a stale one would be served next."""
    for accept in ENCODINGS.values():
        for _ in range(3):
            fetch_page(base, path, accept)


def test_a_publish_is_served_on_the_next_request_though_nginx_keeps_files_open(
    nginx_shop, catalog_shop, build_site
):
    """An admin's price edit goes live by the build switching public/current: Nginx's
    cached descriptors of the old build must never answer for the new one."""
    for path in ("/products/rose-noir/", "/catalog/"):
        warm(nginx_shop, path)
        for encoding, accept in ENCODINGS.items():
            served, text = fetch_page(nginx_shop, path, accept)
            assert served == encoding
            assert "€3.50" in text and "€3.90" not in text, (path, encoding)
    catalog_shop.conn.execute(
        "UPDATE product_sizes SET price_cents = 390 WHERE size_ml = 1"
        " AND product_id = (SELECT id FROM products WHERE slug = 'rose-noir')"
    )
    build_site()
    for path in ("/products/rose-noir/", "/catalog/"):
        for encoding, accept in ENCODINGS.items():
            served, text = fetch_page(nginx_shop, path, accept)
            assert served == encoding
            assert "€3.90" in text and "€3.50" not in text, (path, encoding)


def test_a_page_replaced_by_rename_in_a_symlinked_directory_is_served_on_the_next_request(
    nginx_shop, settings, tmp_path
):
    """A build may share a directory between builds by a symlink and replace a page in it
    by rename (a new inode, the old one still open in Nginx): the next request already
    gets the new page, in every encoding."""
    build = (settings.public_dir / "current").resolve()
    link = (build / product_file("rose-noir")).parent  # products/<shard>: a symlink
    assert link.is_symlink()
    shared = Path(os.path.realpath(link))
    warm(nginx_shop, "/products/rose-noir/")
    assert "<h1>Rose Noir</h1>" in fetch_page(nginx_shop, "/products/rose-noir/", "identity")[1]

    page = (
        (shared / "rose-noir.html")
        .read_bytes()
        .replace(b"<h1>Rose Noir</h1>", b"<h1>Rose Noir Intense</h1>")
    )
    for suffix, data in (("", page), (".gz", gzip.compress(page)), (".br", brotli.compress(page))):
        staged = shared / f".rose-noir.html{suffix}.new"
        staged.write_bytes(data)
        os.replace(staged, shared / f"rose-noir.html{suffix}")
    for encoding, accept in ENCODINGS.items():
        served, text = fetch_page(nginx_shop, "/products/rose-noir/", accept)
        assert served == encoding
        assert "<h1>Rose Noir Intense</h1>" in text, encoding


def test_try_files_finds_pages_without_their_trailing_slash(nginx_shop):
    for path in ("/products/rose-noir/", "/products/rose-noir", "/about", "/sitemap.xml"):
        response = requests.get(nginx_shop + path, timeout=10, allow_redirects=False)
        assert response.status_code == 200, path
    assert "<h1>Rose Noir</h1>" in requests.get(nginx_shop + "/products/rose-noir", timeout=10).text


def test_unknown_pages_get_the_shops_404_page(nginx_shop):
    for path in ("/products/no-such-scent/", "/assets/app.0000000000.css", "/media/none.webp"):
        response = requests.get(nginx_shop + path, timeout=10)
        assert response.status_code == 404, path
        assert "Page not found" in response.text, path
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_dotfiles_in_the_webroot_are_never_served(nginx_shop, settings):
    """A stray checkout or secrets file in the webroot must not reach the internet."""
    root = settings.public_dir.resolve() / "current"
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = git-secret-remote\n')
    (root / ".env").write_text("STRIPE_SECRET_KEY=sk_live_dotenv_secret\n")
    (root / "products" / ".env").write_text("DATABASE_URL=postgres://nested_dotenv_secret\n")
    for path, secret in [
        ("/.git/config", "git-secret-remote"),
        ("/.env", "sk_live_dotenv_secret"),
        ("/products/.env", "nested_dotenv_secret"),
    ]:
        response = requests.get(nginx_shop + path, timeout=10)
        assert response.status_code == 404, path
        assert secret not in response.text, path


def test_api_requests_reach_the_functions_and_are_rate_limited(nginx_shop):
    response = requests.get(nginx_shop + "/api/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["success"] is True and response.json()["data"]["status"] == "ok"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # 60 requests at once: well past 10 r/s with a burst of 20, however slow the app is
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(
            pool.map(lambda _: requests.get(nginx_shop + "/api/health", timeout=30), range(60))
        )
    statuses = [a.status_code for a in answers]
    limited = next(a for a in answers if a.status_code == 429)
    assert statuses.count(200) >= 1 and statuses.count(429) >= 20, statuses
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited.headers["Retry-After"] == "1"
    # pages have their own, larger allowance
    assert requests.get(nginx_shop + "/catalog/", timeout=10).status_code == 200


def test_a_spoofed_x_forwarded_for_never_changes_the_address_the_app_limits_on(nginx_shop):
    """Tracking allows 10 questions a minute per client: rotating a fake address in
    X-Forwarded-For must not buy an eleventh."""
    statuses = []
    for n in range(11):
        response = requests.get(
            nginx_shop + "/api/orders/track",
            params={"email": "someone@example.com", "number": f"PS250101-{1000 + n}"},
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            timeout=10,
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [404] * 10, statuses
    assert statuses[10] == 429
    assert response.json()["error"]["code"] == "rate_limited"


def header_values(response: requests.Response, name: str) -> list[str]:
    return response.raw.headers.getlist(name)


def test_security_headers_are_sent_once_and_x_xss_protection_never(nginx_shop):
    page = requests.get(nginx_shop + "/", timeout=10)
    api = requests.get(nginx_shop + "/api/health", timeout=10)
    admin = requests.get(nginx_shop + "/admin/login", timeout=10)
    css = re.search(r'href="(/assets/app\.[0-9a-f]+\.css)"', page.text).group(1)
    asset = requests.get(nginx_shop + css, timeout=10)

    for response in (page, api, admin, asset):
        assert header_values(response, "X-Content-Type-Options") == ["nosniff"], response.url
        assert header_values(response, "X-XSS-Protection") == [], response.url
        assert len(header_values(response, "Content-Security-Policy")) <= 1, response.url
        assert len(header_values(response, "Referrer-Policy")) <= 1, response.url
        assert len(header_values(response, "X-Frame-Options")) <= 1, response.url
    assert len(header_values(page, "Content-Security-Policy")) == 1
    assert header_values(page, "Referrer-Policy") == ["strict-origin-when-cross-origin"]


def raw_request(base: str, lines: list[str]) -> tuple[int, dict[str, str], bytes]:
    """Send a hand-made request (sizes requests would refuse to build) and read the answer."""
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    return int(status_line.split()[1]), headers, body


def test_too_long_urls_headers_and_bodies_get_the_envelope_from_nginx(nginx_shop):
    long_url = "/api/products?q=" + "a" * 9000
    status, headers, body = raw_request(
        nginx_shop, [f"GET {long_url} HTTP/1.1", "Host: shop", "Connection: close"]
    )
    assert status == 414 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "validation_error"

    status, headers, body = raw_request(
        nginx_shop,
        [
            "GET /api/products HTTP/1.1",
            "Host: shop",
            "X-Filler: " + "b" * 9000,
            "Connection: close",
        ],
    )
    assert status == 431 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["success"] is False
    assert json.loads(body)["error"]["code"] == "validation_error"

    status, headers, body = raw_request(
        nginx_shop,
        [
            "POST /api/orders HTTP/1.1",
            "Host: shop",
            "Content-Type: application/json",
            f"Content-Length: {13 * 1024 * 1024}",
            "Connection: close",
        ],
    )
    assert status == 413 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # a URL just under the limit still reaches the app
    ok = requests.get(nginx_shop + "/api/health", params={"pad": "r" * 7000}, timeout=10)
    assert ok.status_code == 200 and ok.json()["success"] is True


def test_nginx_takes_bodies_exactly_as_large_as_the_apps_upload_limit():
    from functions.admin.pages import UPLOAD_LIMIT

    site = (DEPLOY / "snippets" / "decant-site.conf").read_text()
    sizes = re.findall(r"^\s*client_max_body_size (\d+)([km]?);", site, re.M)
    assert len(sizes) == 1
    number, unit = sizes[0]
    assert int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit] == UPLOAD_LIMIT


GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
ROOT = DEPLOY.parent.parent


@pytest.fixture
def nginx_gunicorn_shop(settings, catalog_shop, build_site, tmp_path: Path):
    """Production's pair: deploy/nginx/decant.conf in front of gunicorn running with
    deploy/gunicorn.conf.py. Yields (base URL, nginx access log, gunicorn log)."""
    build_site()
    app_port, port = free_port(), free_port()
    gunicorn_log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "DECANT_DATA_DIR": str(settings.data_dir),
        "DECANT_PUBLIC_DIR": str(settings.public_dir),
        "DECANT_ENV": "test",
        "DECANT_DEMO_PAYMENTS": "1",
        "DECANT_SECRET_KEY": settings.secret_key,
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "GUNICORN_WORKERS": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with gunicorn_log.open("w") as log:
        app = subprocess.Popen(
            [GUNICORN, "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), "functions.wsgi:app"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    conf = render_config(
        tmp_path / "nginx",
        port=port,
        root=settings.public_dir.resolve() / "current",
        app_port=app_port,
    )
    nginx = start_nginx(conf, port)
    try:
        wait_for_port(app_port, timeout=90)
        yield f"http://127.0.0.1:{port}", conf.parent / nginx_config.ACCESS_LOG, gunicorn_log
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        app.terminate()
        app.wait(timeout=30)


def test_no_log_line_holds_a_shoppers_email_or_a_client_secret(nginx_gunicorn_shop):
    base, nginx_log, gunicorn_log = nginx_gunicorn_shop
    email = "ines.privat@example.com"
    shopper = requests.Session()
    shopper.headers["Referer"] = f"{base}/checkout/confirmation/?email={email}"
    order = shopper.post(
        base + "/api/orders",
        json={
            "email": email,
            "name": "Ines Privat",
            "shipping_address": {
                "line1": "Harbour Road 7",
                "line2": "",
                "city": "Hamburg",
                "postal_code": "20095",
                "country": "DE",
            },
            "items": [{"slug": "rose-noir", "size_ml": 2, "quantity": 1}],
        },
        timeout=30,
    )
    assert order.status_code == 201, order.text
    number = order.json()["data"]["order_number"]
    paying = shopper.post(
        base + "/api/checkout", json={"order_number": number, "email": email}, timeout=30
    )
    assert paying.status_code == 200, paying.text
    secret = paying.json()["data"]["client_secret"]
    assert secret
    paid = shopper.post(
        base + "/api/checkout/demo-confirm",
        json={"order_number": number, "email": email},
        timeout=30,
    )
    assert paid.status_code == 200, paid.text
    # Stripe's return to the confirmation page, then the page's tracking lookup
    back = shopper.get(
        base + "/checkout/confirmation/",
        params={"payment_intent": "pi_1", "payment_intent_client_secret": secret},
        timeout=30,
    )
    assert back.status_code == 200
    tracked = shopper.get(
        base + "/api/orders/track", params={"email": email, "number": number}, timeout=30
    )
    assert tracked.status_code == 200 and tracked.json()["data"]["payment_status"] == "paid"

    def logged() -> bool:
        return "/api/orders/track" in nginx_log.read_text() and (
            "/api/orders/track" in gunicorn_log.read_text()
        )

    wait_until(logged, timeout=30, what="both access logs to show the tracking request")
    for log in (nginx_log, gunicorn_log):
        text = log.read_text()
        assert "/checkout/confirmation/" in text or log == gunicorn_log
        for private in (email, email.replace("@", "%40"), "ines.privat", secret, "_secret_"):
            assert private not in text, f"{private!r} in {log.name}"


def test_the_access_log_carries_the_request_id_the_app_got_and_none_for_files(
    nginx_gunicorn_shop,
):
    """One id joins Nginx's line and the app's for a request the functions answered; a
    file Nginx served itself has no app line to join, and logs "-"."""
    base, nginx_log, gunicorn_log = nginx_gunicorn_shop
    assert requests.get(base + "/api/health", timeout=30).status_code == 200
    assert requests.get(base + "/catalog/", timeout=10).status_code == 200

    def lines(log: Path, prefix: str) -> list[dict]:
        """Access lines whose path starts with prefix: Nginx logs it as "uri" (the file it
        served, e.g. /catalog//index.html), the app as "path" (twice: gunicorn's line and
        the app's own)."""
        parsed = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        return [
            line
            for line in parsed
            if (line.get("uri") or line.get("path") or "").startswith(prefix)
        ]

    wait_until(
        lambda: (
            lines(nginx_log, "/api/health")
            and lines(nginx_log, "/catalog/")
            and lines(gunicorn_log, "/api/health")
        ),
        timeout=30,
        what="the access lines of both requests in both logs",
    )
    (proxied,) = lines(nginx_log, "/api/health")
    assert re.fullmatch(r"[0-9a-f]{32}", proxied["request_id"])
    assert {line["request_id"] for line in lines(gunicorn_log, "/api/health")} == {
        proxied["request_id"]
    }
    (served,) = lines(nginx_log, "/catalog/")
    assert served["request_id"] == "-"
