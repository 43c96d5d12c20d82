"""Fixtures for payments and mail: a fake Stripe and a fake Resend (through
`responses`, at the addresses STRIPE_API_BASE / RESEND_API_BASE point to), signed
webhooks, apps on the demo or the Stripe provider, a real WSGI server on a free port,
and a local aiosmtpd server."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from aiosmtpd.controller import Controller
from flask import Flask
from werkzeug.serving import make_server

from decant.platform.config import Settings
from functions import create_app

STRIPE_BASE = "http://stripe.test"
RESEND_BASE = "http://resend.test"
WEBHOOK_SECRET = "whsec_test_secret_for_decant"
_ids = itertools.count(1)


class FakeStripe:
    """Just enough of Stripe's API, including its Idempotency-Key promise."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, str | None]] = []
        self.refunds: list[dict[str, Any]] = []
        self.down = False
        base = re.escape(STRIPE_BASE)
        mock.add_callback("POST", re.compile(base + r"/v1/payment_intents$"), self._create)
        mock.add_callback("GET", re.compile(base + r"/v1/payment_intents/[^/]+$"), self._retrieve)
        mock.add_callback(
            "POST", re.compile(base + r"/v1/payment_intents/[^/]+/cancel$"), self._cancel
        )
        mock.add_callback("POST", re.compile(base + r"/v1/refunds$"), self._refund)
        mock.add_callback("GET", re.compile(base + r"/v1/balance$"), self._balance)

    def posts(self, path: str) -> list[tuple[str, str, str | None]]:
        return [call for call in self.calls if call[0] == "POST" and call[1] == path]

    def _record(self, request: Any) -> tuple[str, dict[str, Any]]:
        path = request.path_url.split("?")[0]
        key = request.headers.get("Idempotency-Key")
        self.calls.append((request.method, path, key))
        body = request.body or ""
        if isinstance(body, bytes):
            body = body.decode()
        return key, {k: v[0] for k, v in parse_qs(body).items()}

    def _answer(self, status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def _outage(self) -> tuple[int, dict[str, str], str]:
        return self._answer(500, {"error": {"type": "api_error", "message": "down"}})

    def _create(self, request: Any) -> tuple[int, dict[str, str], str]:
        key, form = self._record(request)
        if self.down:
            return self._outage()
        if key and key in self.replies:
            return self._answer(200, self.replies[key])
        intent_id = f"pi_fake_{next(_ids)}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "client_secret": f"{intent_id}_secret_x",
            "status": "requires_payment_method",
            "metadata": {"order_number": form.get("metadata[order_number]")},
        }
        self.intents[intent_id] = intent
        if key:
            self.replies[key] = intent
        return self._answer(200, intent)

    def _retrieve(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        if self.down:
            return self._outage()
        intent = self.intents.get(request.path_url.rstrip("/").split("/")[-1])
        if intent is None:
            return self._answer(404, {"error": {"type": "invalid_request_error"}})
        return self._answer(200, intent)

    def _cancel(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        if self.down:
            return self._outage()
        intent = self.intents[request.path_url.split("/")[-2]]
        intent["status"] = "canceled"
        return self._answer(200, intent)

    def _refund(self, request: Any) -> tuple[int, dict[str, str], str]:
        key, form = self._record(request)
        if key and key in self.replies:
            return self._answer(200, self.replies[key])
        refund = {
            "id": f"re_fake_{next(_ids)}",
            "object": "refund",
            "amount": int(form["amount"]),
            "payment_intent": form["payment_intent"],
            "status": "succeeded",
        }
        self.refunds.append(refund)
        if key:
            self.replies[key] = refund
        return self._answer(200, refund)

    def _balance(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        return self._outage() if self.down else self._answer(200, {"object": "balance"})


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
def fake_stripe(http_fakes: responses.RequestsMock) -> FakeStripe:
    return FakeStripe(http_fakes)


@pytest.fixture
def fake_resend(http_fakes: responses.RequestsMock) -> FakeResend:
    return FakeResend(http_fakes)


@pytest.fixture
def stripe_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "stripe_secret_key": "sk_test_decant",
            "stripe_publishable_key": "pk_test_decant",
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": STRIPE_BASE,
        }
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


def stripe_signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe's header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


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
