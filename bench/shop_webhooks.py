"""Stripe's side of a payment for bench/shop.py, beside the fake Stripe API
(testbed/fake_stripe.py): signed `payment_intent.succeeded` webhooks posted to the
shop's /api/webhooks/stripe the way Stripe delivers them: from a handful of sender
addresses, retried with backoff on anything but 2xx/400, some delivered twice.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import random
import threading
import time
from typing import Any

from testbed.fake_stripe import stripe_signature

SENDERS = [f"127.0.1.{n}" for n in range(1, 9)]
RETRY_DELAYS = [1, 2, 4, 8, 8, 8, 8]  # seconds; Stripe's schedule, compressed


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
                        "Stripe-Signature": stripe_signature(payload),
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
