"""Fixtures for the operations tests: a moto S3 server on a real HTTP port."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.ports import free_port
from tests.waiting import wait_until


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto in server mode: boto3 talks HTTP to it exactly as to a real S3."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def backup_bucket(settings, moto_endpoint: str):
    """(settings with S3 set, the bucket, an S3 client): a private bucket on moto."""
    bucket = f"shop-{uuid.uuid4().hex[:10]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=bucket)
    with_s3 = settings.model_copy(
        update={
            "s3_bucket": bucket,
            "s3_endpoint_url": moto_endpoint,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
    )
    return with_s3, bucket, s3


@pytest.fixture
def make_certificate(tmp_path_factory: pytest.TempPathFactory):
    """make_certificate(days=90) -> (cert.pem, key.pem): a self-signed certificate for
    localhost, valid from yesterday for `days` days (negative: already expired)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def make(days: int = 90) -> tuple[str, str]:
        folder = tmp_path_factory.mktemp("tls")
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(
                now - datetime.timedelta(days=1) + datetime.timedelta(days=min(days, 0))
            )
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return str(cert_path), str(key_path)

    return make


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (bound and released by the OS)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


NGINX = "/usr/sbin/nginx"
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def wait_for_port(port: int, *, timeout: float = 30.0) -> None:
    import socket

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    wait_until(listening, timeout=timeout, what=f"a server on 127.0.0.1:{port}")


class TLSNginx:
    """deploy/nginx/decant-tls.conf with its real site snippet, run by Debian's Nginx
    on free ports, with a test certificate, a given site root and app upstreams."""

    def __init__(self, prefix, http_port: int, https_port: int, cert: str, webroot) -> None:
        self.prefix = prefix
        self.http_port = http_port
        self.https_port = https_port
        self.cert = cert
        self.webroot = webroot
        self.process = None

    @property
    def https(self) -> str:
        return f"https://localhost:{self.https_port}"

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""


def render_tls_config(
    prefix, *, http_port, https_port, cert, key, root, webroot, upstreams
) -> None:
    import os
    import shutil

    text = (DEPLOY / "nginx" / "decant-tls.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;\n": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;\n": "",
        "/etc/letsencrypt/live/shop.example.com/fullchain.pem": cert,
        "/etc/letsencrypt/live/shop.example.com/privkey.pem": key,
        "/etc/letsencrypt/live/shop.example.com/chain.pem": cert,
        "/var/log/nginx/decant-access.json": str(prefix / "access.json"),
        "root /var/www/certbot;": f"root {webroot};",
        "root /srv/decant/public/current;": f"root {root};",
    }
    for old, new in replacements.items():
        assert old in text, f"decant-tls.conf no longer has {old!r}"
        text = text.replace(old, new)
    (prefix / "decant-tls.conf").write_text(text)
    (prefix / "snippets").mkdir()
    for snippet in ("decant-site.conf", "decant-product-shards.conf"):
        shutil.copy(DEPLOY / "nginx" / "snippets" / snippet, prefix / "snippets")
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=2s;" for u in upstreams)
    (prefix / "snippets" / "decant-upstream.conf").write_text(
        f"upstream decant_app {{\n{servers}\n    keepalive 16;\n}}\n"
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    include {prefix / "decant-tls.conf"};
}}
"""
    )


@pytest.fixture
def tls_nginx(tmp_path_factory: pytest.TempPathFactory, make_certificate):
    """tls_nginx(root=..., upstreams=["127.0.0.1:8000"]) -> a running TLSNginx."""
    import subprocess

    started: list[TLSNginx] = []

    def start(root=None, upstreams=("127.0.0.1:9",)) -> TLSNginx:
        prefix = tmp_path_factory.mktemp("nginx-tls")
        root = root or prefix / "public"
        root.mkdir(parents=True, exist_ok=True)
        webroot = prefix / "webroot"
        (webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
        cert, key = make_certificate(days=90)
        http_port, https_port = free_port(), free_port()
        render_tls_config(
            prefix,
            http_port=http_port,
            https_port=https_port,
            cert=cert,
            key=key,
            root=root,
            webroot=webroot,
            upstreams=upstreams,
        )
        check = subprocess.run(
            [
                NGINX,
                "-t",
                "-p",
                str(prefix),
                "-c",
                str(prefix / "nginx.conf"),
                "-e",
                str(prefix / "error.log"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stderr
        server = TLSNginx(prefix, http_port, https_port, cert, webroot)
        server.process = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(prefix),
                "-c",
                str(prefix / "nginx.conf"),
                "-e",
                str(prefix / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(server)
        wait_for_port(https_port)
        wait_for_port(http_port)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except Exception:
            server.process.kill()
            server.process.wait(timeout=20)
