"""deploy/nginx/decant-tls.conf on a real Nginx with a self-signed certificate:
what a visitor's browser and an auditor's scanner see."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import ssl
import subprocess

import pytest


def https_get(server, path: str = "/") -> http.client.HTTPResponse:
    context = ssl.create_default_context(cafile=server.cert)
    connection = http.client.HTTPSConnection(
        "localhost", server.https_port, context=context, timeout=30
    )
    connection.request("GET", path)
    return connection.getresponse()


def test_plain_http_is_redirected_to_https_keeping_the_path(tls_nginx):
    server = tls_nginx()
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    connection.request("GET", "/products/rose-noir/?size=5", headers={"Host": "shop.example.com"})
    answer = connection.getresponse()

    assert answer.status == 301
    assert answer.getheader("Location") == "https://shop.example.com/products/rose-noir/?size=5"


def test_certbot_challenges_are_answered_over_plain_http(tls_nginx):
    server = tls_nginx()
    (server.webroot / ".well-known" / "acme-challenge" / "token-123").write_text("token-123.key")
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    connection.request("GET", "/.well-known/acme-challenge/token-123")
    answer = connection.getresponse()

    assert answer.status == 200
    assert answer.read() == b"token-123.key"


def test_https_serves_the_site_with_hsts_for_two_years(tls_nginx, tmp_path):
    root = tmp_path / "current"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>Decant</title>")
    server = tls_nginx(root=root)

    answer = https_get(server, "/")
    body = answer.read()
    missing = https_get(server, "/no-such-page")

    assert answer.status == 200 and b"Decant" in body
    assert answer.getheader("Strict-Transport-Security") == "max-age=63072000"
    assert answer.getheader("X-Frame-Options") == "SAMEORIGIN"
    assert missing.status == 404
    assert missing.getheader("Strict-Transport-Security") == "max-age=63072000"


def test_metrics_are_not_reachable_through_the_proxy(tls_nginx):
    server = tls_nginx()
    assert https_get(server, "/metrics").status == 404


def handshake(server, version: ssl.TLSVersion) -> str:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(server.cert)
    context.minimum_version = version
    context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("ALL:@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.1", server.https_port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.version()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_only_tls_1_2_and_1_3_are_accepted(tls_nginx):
    server = tls_nginx()

    assert handshake(server, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    assert handshake(server, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            handshake(server, old)


WEAK = {
    "SSLv2",
    "SSLv3",
    "TLS1",
    "TLS1_1",
    "cipherlist_NULL",
    "cipherlist_aNULL",
    "cipherlist_EXPORT",
    "cipherlist_LOW",
    "cipherlist_3DES_IDEA",
}
# CBC suites without AEAD: "AVERAGE" in testssl 3.0, "OBSOLETED" from 3.1 on
OBSOLETE_CBC = ("cipherlist_AVERAGE", "cipherlist_OBSOLETED")


def test_testssl_finds_no_weak_protocol_or_cipher(tls_nginx, tmp_path):
    testssl = shutil.which("testssl") or shutil.which("testssl.sh")
    assert testssl, "testssl.sh (Debian package testssl.sh) is needed"
    server = tls_nginx()
    report = tmp_path / "testssl.json"

    subprocess.run(
        [
            testssl,
            "--quiet",
            "--color",
            "0",
            "--warnings",
            "off",
            "--connect-timeout",
            "10",
            "--openssl-timeout",
            "10",
            "--protocols",
            "--std",
            "--jsonfile",
            str(report),
            f"127.0.0.1:{server.https_port}",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    findings = {f["id"]: f for f in json.loads(report.read_text())}
    assert set(findings) >= WEAK, sorted(findings)
    for name in WEAK:
        assert findings[name]["finding"].startswith("not offered"), findings[name]
    cbc = [findings[name] for name in OBSOLETE_CBC if name in findings]
    assert cbc and all(f["finding"].startswith("not offered") for f in cbc)
    assert findings["TLS1_2"]["finding"].startswith("offered")
    assert findings["TLS1_3"]["finding"].startswith("offered")
    bad = [f for f in findings.values() if f["severity"] in ("MEDIUM", "HIGH", "CRITICAL")]
    assert bad == []
