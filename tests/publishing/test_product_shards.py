"""The build and Nginx agree on which shard directory holds each product page."""

from __future__ import annotations

import random
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from decant.publishing.product_shards import (
    SHARDS,
    product_file,
    product_shard,
    split_clients_block,
)
from tests.plugins.operations import wait_for_port
from tests.ports import free_port

SNIPPET = Path(__file__).resolve().parents[2] / "deploy/nginx/snippets/decant-product-shards.conf"


@pytest.fixture
def shard_echo(tmp_path: Path) -> Iterator[str]:
    """A real Nginx with the deploy snippet that answers each URL with its shard."""
    port = free_port()
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{}}
http {{
    access_log off;
    include {SNIPPET};
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "$decant_product_shard"; }}
    }}
}}
"""
    )
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", str(tmp_path), "-c", "nginx.conf"])
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def test_the_deploy_snippet_splits_as_the_build_does():
    assert split_clients_block() in SNIPPET.read_text()


def test_nginx_puts_every_slug_in_the_shard_the_build_wrote_it_to(shard_echo):
    chance = random.Random(13)  # noqa: S311 - test data
    alphabet = string.ascii_lowercase + string.digits + "-"
    slugs = ["a", "ab", "abc", "abcd", "rose-noir", *(f"scent-{n}" for n in range(200))]
    slugs += ["".join(chance.choices(alphabet, k=chance.randint(1, 40))) for _ in range(200)]
    with requests.Session() as http:
        for slug in slugs:
            for url in (f"/products/{slug}/", f"/products/{slug}"):
                assert http.get(shard_echo + url, timeout=10).text == product_shard(slug), url


def test_product_pages_spread_over_every_shard():
    shards = {product_shard(f"scent-{n}") for n in range(10_000)}
    assert len(shards) == SHARDS
    assert product_file("rose-noir") == f"products/{product_shard('rose-noir')}/rose-noir.html"
