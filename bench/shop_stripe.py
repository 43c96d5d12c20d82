"""A local stand-in for Stripe for bench/shop.py: the few API calls the shop makes
(PaymentIntents, cancel, refunds, balance) on a loopback port, and signed
`payment_intent.succeeded` webhooks posted to the shop's /api/webhooks/stripe the way
Stripe delivers them: from a handful of sender addresses, retried with backoff on
anything but 2xx/400, some delivered twice.

tests/plugins/payments.py fakes Stripe inside the test process (`responses`); the
bench's shop runs in gunicorn processes, so it needs a real server instead.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

WEBHOOK_SECRET = "whsec_bench_shop"
SECRET_KEY = "sk_test_bench_shop"
SENDERS = [f"127.0.1.{n}" for n in range(1, 9)]
RETRY_DELAYS = [1, 2, 4, 8, 8, 8, 8]  # seconds; Stripe's schedule, compressed


class FakeStripe:
    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def shop_settings(self) -> dict[str, str]:
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": "pk_test_bench_shop",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": self.base,
        }

    def succeed(self, intent_id: str) -> dict[str, Any] | None:
        """The shopper's card went through: the intent is paid at 'Stripe'."""
        with self.lock:
            intent = self.intents.get(intent_id)
            if intent is not None:
                intent["status"] = "succeeded"
            return dict(intent) if intent else None

    def route(self, method: str, path: str, form: dict[str, str], key: str | None) -> tuple:
        with self.lock:
            if method == "POST" and path == "/v1/payment_intents":
                if key and key in self.by_key:
                    return 200, self.by_key[key]
                intent_id = f"pi_bench_{next(self.ids)}"
                intent = {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": int(form["amount"]),
                    "currency": form["currency"],
                    "client_secret": f"{intent_id}_secret_bench",
                    "status": "requires_payment_method",
                    "metadata": {"order_number": form.get("metadata[order_number]")},
                }
                self.intents[intent_id] = intent
                if key:
                    self.by_key[key] = intent
                return 200, intent
            parts = path.strip("/").split("/")
            if parts[:2] == ["v1", "payment_intents"] and len(parts) >= 3:
                intent = self.intents.get(parts[2])
                if intent is None:
                    return 404, {"error": {"type": "invalid_request_error"}}
                if method == "POST" and parts[3:] == ["cancel"]:
                    if intent["status"] == "succeeded":
                        return 400, {
                            "error": {
                                "type": "invalid_request_error",
                                "code": "payment_intent_unexpected_state",
                            }
                        }
                    intent["status"] = "canceled"
                return 200, intent
            if method == "POST" and path == "/v1/refunds":
                refund_id = f"re_bench_{next(self.ids)}"
                return 200, {"id": refund_id, "object": "refund", "status": "succeeded"}
            if path == "/v1/balance":
                return 200, {"object": "balance"}
            return 404, {"error": {"type": "invalid_request_error"}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stripe = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                form = {k: v[0] for k, v in parse_qs(body).items()}
                status, answer = stripe.route(
                    self.command,
                    self.path.split("?")[0],
                    form,
                    self.headers.get("Idempotency-Key"),
                )
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return None

        return Handler


def signature(payload: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """Stripe's header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def succeeded_event(intent: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                **intent,
                "amount_received": intent["amount"],
                "status": "succeeded",
            }
        },
    }


class WebhookSender:
    """Delivers events to the shop through Nginx; `record(route, began, seconds,
    status)` is the bench's recorder. `delivered` maps event id -> last status."""

    def __init__(self, port: int, record: Any, duplicate_share: float = 0.1) -> None:
        self.port = port
        self.record = record
        self.duplicate_share = duplicate_share
        self.queue: list[tuple[float, int, dict[str, Any], int]] = []
        self.order = itertools.count()
        self.lock = threading.Condition()
        self.delivered: dict[str, int] = {}
        self.given_up: list[str] = []
        self.stopping = False
        self.rng = random.Random(7)
        self.threads = [
            threading.Thread(target=self._deliver_from, args=(address,), daemon=True)
            for address in SENDERS[:4]
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def send(self, event: dict[str, Any]) -> None:
        with self.lock:
            self._push(time.monotonic(), event, 0)
            if self.rng.random() < self.duplicate_share:
                self._push(time.monotonic() + 0.5, event, 0)  # Stripe's at-least-once
            self.lock.notify()

    def _push(self, due: float, event: dict[str, Any], attempt: int) -> None:
        heapq.heappush(self.queue, (due, next(self.order), event, attempt))

    def pending(self) -> int:
        with self.lock:
            return len(self.queue)

    def drain(self, timeout: float) -> None:
        """Wait until every delivery has succeeded or given up, then stop the senders."""
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            time.sleep(0.2)
        with self.lock:
            self.given_up.extend(event["id"] for _, _, event, _ in self.queue)
            self.queue.clear()
            self.stopping = True
            self.lock.notify_all()
        for thread in self.threads:
            thread.join(timeout=30)

    def _next(self) -> tuple[dict[str, Any], int] | None:
        with self.lock:
            while not self.stopping:
                if self.queue and self.queue[0][0] <= time.monotonic():
                    _, _, event, attempt = heapq.heappop(self.queue)
                    return event, attempt
                wait = self.queue[0][0] - time.monotonic() if self.queue else 1.0
                self.lock.wait(max(0.01, min(wait, 1.0)))
            return None

    def _deliver_from(self, address: str) -> None:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(address, 0)
        )
        while (job := self._next()) is not None:
            event, attempt = job
            payload = json.dumps(event).encode()
            began, status = time.monotonic(), 599
            try:
                conn.request(
                    "POST",
                    "/api/webhooks/stripe",
                    body=payload,
                    headers={
                        "Content-Type": "application/json",
                        "Stripe-Signature": signature(payload),
                    },
                )
                answer = conn.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                conn.close()
            self.record("webhooks", began, time.monotonic() - began, status)
            with self.lock:
                self.delivered[event["id"]] = status
                if not (200 <= status < 300 or status == 400):
                    if attempt < len(RETRY_DELAYS):
                        self._push(time.monotonic() + RETRY_DELAYS[attempt], event, attempt + 1)
                    else:
                        self.given_up.append(event["id"])
        conn.close()
