"""A tiny stand-in for Stripe's API on the drill's host, for the app containers to call.

No payment provider is reachable from the drill, and the demo provider is refused in
production, so the app runs with DECANT_ENV=production and STRIPE_API_BASE pointing
here. Just enough of the API for checkout and the health check: PaymentIntents
(create, with Idempotency-Key, retrieve, cancel) and the balance.

    python3 fake_stripe.py HOST PORT
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_ids = itertools.count(1)
_lock = threading.Lock()
intents: dict[str, dict] = {}
replies: dict[str, dict] = {}


class FakeStripe(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        return {key: values[0] for key, values in parse_qs(body).items()}

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?")[0].rstrip("/")
        form = self._form()
        if path == "/v1/payment_intents":
            key = self.headers.get("Idempotency-Key")
            with _lock:
                if key and key in replies:
                    return self._answer(200, replies[key])
                intent_id = f"pi_drill_{next(_ids)}"
                intent = {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": int(form["amount"]),
                    "currency": form["currency"],
                    "client_secret": f"{intent_id}_secret_drill",
                    "status": "requires_payment_method",
                    "metadata": {"order_number": form.get("metadata[order_number]")},
                }
                intents[intent_id] = intent
                if key:
                    replies[key] = intent
            return self._answer(200, intent)
        if path.startswith("/v1/payment_intents/") and path.endswith("/cancel"):
            intent = intents.get(path.split("/")[-2])
            if intent is None:
                return self._answer(404, {"error": {"type": "invalid_request_error"}})
            intent["status"] = "canceled"
            return self._answer(200, intent)
        return self._answer(404, {"error": {"type": "invalid_request_error"}})

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0].rstrip("/")
        if path == "/v1/balance":
            return self._answer(200, {"object": "balance", "available": []})
        if path.startswith("/v1/payment_intents/"):
            intent = intents.get(path.split("/")[-1])
            if intent is not None:
                return self._answer(200, intent)
        return self._answer(404, {"error": {"type": "invalid_request_error"}})

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        sys.stderr.write("fake-stripe: " + (format % args) + "\n")


if __name__ == "__main__":
    ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), FakeStripe).serve_forever()
