"""A local stand-in for Stripe's API: the few calls the shop makes (create, retrieve and
cancel a PaymentIntent, refunds, balance) on a loopback port, with Stripe's
Idempotency-Key promise (the same key answers the first reply again), and Stripe's
webhook signature.

A real HTTP server rather than a mock of `requests`: the bench's shop runs in gunicorn
processes of their own, and the tests then talk to Stripe the way production does, over
a socket. STRIPE_API_BASE points the shop at it (`settings()`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

SECRET_KEY = "sk_test_decant"
PUBLISHABLE_KEY = "pk_test_decant"
WEBHOOK_SECRET = "whsec_test_secret_for_decant"

Answer = tuple[int, dict[str, Any]]
NOT_FOUND: Answer = (404, {"error": {"type": "invalid_request_error"}})
OUTAGE: Answer = (500, {"error": {"type": "api_error", "message": "down"}})


def stripe_signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe's header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class FakeStripe:
    """Records every call as (method, path, Idempotency-Key) in `calls`; `down = True`
    answers every call with Stripe's 500 until set back."""

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str, str | None]] = []
        self.down = False
        self._replies: dict[str, dict[str, Any]] = {}  # by Idempotency-Key
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settings(self) -> dict[str, str]:
        """The shop's Stripe settings for this fake, by their environment names."""
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": self.base,
        }

    def posts(self, path: str) -> list[tuple[str, str, str | None]]:
        return [call for call in self.calls if call[0] == "POST" and call[1] == path]

    def succeed(self, intent_id: str) -> dict[str, Any] | None:
        """The shopper's card went through: the intent is paid at 'Stripe'."""
        with self._lock:
            intent = self.intents.get(intent_id)
            if intent is not None:
                intent["status"] = "succeeded"
            return dict(intent) if intent else None

    def answer(self, method: str, path: str, form: dict[str, str], key: str | None) -> Answer:
        with self._lock:
            self.calls.append((method, path, key))
            if self.down:
                return OUTAGE
            if method == "POST" and key and key in self._replies:
                return 200, self._replies[key]
            parts = path.strip("/").split("/")
            if method == "POST" and parts == ["v1", "payment_intents"]:
                return self._remembered(key, self._create_intent(form))
            if parts[:2] == ["v1", "payment_intents"] and len(parts) in (3, 4):
                return self._intent(method, parts[2], parts[3:])
            if method == "POST" and parts == ["v1", "refunds"]:
                refund = {
                    "id": f"re_fake_{next(self._ids)}",
                    "object": "refund",
                    "amount": int(form["amount"]),
                    "payment_intent": form["payment_intent"],
                    "status": "succeeded",
                }
                self.refunds.append(refund)
                return self._remembered(key, refund)
            if method == "GET" and parts == ["v1", "balance"]:
                return 200, {"object": "balance"}
            return NOT_FOUND

    def _remembered(self, key: str | None, reply: dict[str, Any]) -> Answer:
        if key:
            self._replies[key] = reply
        return 200, reply

    def _create_intent(self, form: dict[str, str]) -> dict[str, Any]:
        intent_id = f"pi_fake_{next(self._ids)}"
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
        return intent

    def _intent(self, method: str, intent_id: str, action: list[str]) -> Answer:
        intent = self.intents.get(intent_id)
        if intent is None:
            return NOT_FOUND
        if method == "GET" and not action:
            return 200, intent
        if method == "POST" and action == ["cancel"]:
            if intent["status"] == "succeeded":  # as Stripe: a paid intent stays paid
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "payment_intent_unexpected_state",
                    }
                }
            intent["status"] = "canceled"
            return 200, intent
        return NOT_FOUND

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stripe = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, reply = stripe.answer(
                    self.command,
                    self.path.split("?")[0],
                    {k: v[0] for k, v in parse_qs(body).items()},
                    self.headers.get("Idempotency-Key"),
                )
                raw = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return None

        return Handler
