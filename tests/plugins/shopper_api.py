"""Fixtures for the shopper API tests: the app on the test's database and Redis, its
test client, the same app behind a real threaded WSGI server on a free port, and a
stock of shoppers that each come from their own address (through a trusted proxy)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from decant.platform.config import Settings
from functions import create_app

_addresses = itertools.count(1)


def shopper_address() -> str:
    """A fresh client address in TEST-NET-2, as a trusted proxy would forward it."""
    n = next(_addresses)
    return f"198.51.{(n // 250) % 250}.{n % 250 + 1}"


def order_body(*lines: tuple[str, float | int, int], **fields: Any) -> dict[str, Any]:
    """A POST /api/orders body: order_body(("rose-noir", 5, 1), discount_code="X")."""
    body: dict[str, Any] = {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "shipping_address": {
            "line1": "Main St 1",
            "line2": "",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "items": [{"slug": s, "size_ml": ml, "quantity": q} for s, ml, q in lines],
    }
    body.update(fields)
    return body


@pytest.fixture
def api_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["decant"].close()


@pytest.fixture
def api_client(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


@dataclass
class Served:
    url: str
    app: Flask


@pytest.fixture
def served_api(api_app: Flask) -> Iterator[Served]:
    """The app behind werkzeug's threaded server on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, api_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}", api_app)
    server.shutdown()
    thread.join(timeout=10)
