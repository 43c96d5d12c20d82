"""Fixtures for payments and mail: the fake Stripe server (testbed/fake_stripe.py, the
bench's too) and a fake Resend (through `responses`, at the address RESEND_API_BASE
points to), signed webhooks, apps on the demo or the Stripe provider, a real WSGI server
on a free port, and a local aiosmtpd server."""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from aiosmtpd.controller import Controller
from flask import Flask
from werkzeug.serving import make_server

from decant.platform.config import Settings
from functions import create_app
from testbed.fake_stripe import FakeStripe

RESEND_BASE = "http://resend.test"
_ids = itertools.count(1)


class FakeResend:
    """Resend's POST /emails, delivering once per Idempotency-Key as Resend does."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delivered: dict[str, dict[str, Any]] = {}
        self.down = False
        mock.add_callback("POST", f"{RESEND_BASE}/emails", self._send)

    def _send(self, request: Any) -> tuple[int, dict[str, str], str]:
        seen = {"headers": dict(request.headers), "json": json.loads(request.body)}
        self.requests.append(seen)
        if self.down:
            return 503, {}, json.dumps({"message": "service unavailable"})
        key = request.headers.get("Idempotency-Key") or f"none-{next(_ids)}"
        if key not in self.delivered:
            self.delivered[key] = {"id": f"email_{next(_ids)}", **seen["json"]}
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"id": self.delivered[key]["id"]}),
        )


@pytest.fixture
def http_fakes() -> Iterator[responses.RequestsMock]:
    """Intercepts third-party HTTP only; calls to our own local servers pass through."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(re.compile(r"http://127\.0\.0\.1[:/]"))
        mock.add_passthru(re.compile(r"http://localhost[:/]"))
        yield mock


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    stripe = FakeStripe().start()
    yield stripe
    stripe.stop()


@pytest.fixture
def fake_resend(http_fakes: responses.RequestsMock) -> FakeResend:
    return FakeResend(http_fakes)


@pytest.fixture
def stripe_settings(settings: Settings, fake_stripe: FakeStripe) -> Settings:
    return settings.model_copy(
        update={name.lower(): value for name, value in fake_stripe.settings().items()}
    )


def _app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, pool_size=12)
    app.config["TESTING"] = True
    yield app
    app.extensions["decant"].close()


@pytest.fixture
def stripe_app(stripe_settings: Settings, fake_stripe: FakeStripe) -> Iterator[Flask]:
    yield from _app(stripe_settings)


@pytest.fixture
def demo_app(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings)


@pytest.fixture
def live_server() -> Iterator[Any]:
    """serve(app) -> base URL of a real threaded WSGI server on a free port."""
    servers = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=10)


def stripe_event(
    kind: str, order: dict[str, Any], *, event_id: str | None = None, **changes: Any
) -> dict[str, Any]:
    """A Stripe event about `order`'s PaymentIntent (or, for charge.*, its charge)."""
    if kind.startswith("charge."):
        obj = {
            "id": f"ch_{order['order_number']}",
            "object": "charge",
            "amount": order["total_cents"],
            "amount_refunded": order["total_cents"],
            "currency": order["currency"].lower(),
            "payment_intent": order["payment_intent_id"],
            "metadata": {},
        }
    else:
        obj = {
            "id": order["payment_intent_id"],
            "object": "payment_intent",
            "amount": order["total_cents"],
            "amount_received": order["total_cents"] if kind.endswith("succeeded") else 0,
            "currency": order["currency"].lower(),
            "metadata": {"order_number": order["order_number"]},
            "status": kind.split(".")[-1],
        }
    obj.update(changes)
    return {
        "id": event_id or f"evt_test_{next(_ids)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }


class SmtpInbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        self.received.set()
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, SmtpInbox]]:
    """A real SMTP server (aiosmtpd) on a free local port: (SMTP_URL, inbox)."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), ready_timeout=30)
    controller.start()
    yield f"smtp://127.0.0.1:{controller.port}", inbox
    controller.stop()
