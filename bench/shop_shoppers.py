"""Shoppers for bench/shop.py: each a thread with its own loopback source address
(127.0.0.2, 127.0.0.3, ...), so Nginx's and the app's per-client limits apply as
they would to real visitors, on one keep-alive connection like a browser's.

Threads rather than asyncio: a shopper spends nearly all its time thinking (1-3 s),
and http.client needs nothing installed. What each shopper placed and paid is kept
for the ledger in `Outcomes`.
"""

from __future__ import annotations

import gzip
import http.client
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.shop_webhooks import succeeded_event

ADDRESS = {
    "line1": "Main St 1",
    "line2": "",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
ORDER_SHARE = 0.30
PAY_SHARE = 0.80


def shopper_address(index: int) -> str:
    """127.0.0.2 for the first shopper, then upwards, skipping .0 and .255."""
    n = index + 2
    return f"127.0.{n // 254}.{n % 254 + 1}" if n >= 255 else f"127.0.0.{n}"


class Recorder:
    """Every request's route, start (monotonic), duration and status."""

    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[float, float, int]]] = defaultdict(list)

    def __call__(self, route: str, began: float, seconds: float, status: int) -> None:
        self.samples[route].append((began, seconds, status))  # list.append holds the GIL


@dataclass
class Outcomes:
    """What the shoppers were told: the ledger compares the database with this."""

    placed: dict[str, int] = field(default_factory=dict)  # order number -> lines sent
    unclear_orders: list[str] = field(default_factory=list)  # no answer or a 5xx: may exist
    paid: set[str] = field(default_factory=set)  # demo-confirmed or webhook sent
    intents: dict[str, str] = field(default_factory=dict)  # intent id -> order number
    crashes: list[str] = field(default_factory=list)  # a shopper that died: a bench bug


class Client:
    """One shopper's browser connection to Nginx."""

    def __init__(self, port: int, address: str, record: Recorder) -> None:
        self.port, self.address, self.record = port, address, record
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )

    def call(
        self, route: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        headers = {"Accept-Encoding": "gzip"} if method == "GET" else {}
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        began, status, payload = time.monotonic(), 599, None
        try:
            self.conn.request(method, path, body=raw, headers=headers)
            answer = self.conn.getresponse()
            data = answer.read()
            status = answer.status
            if answer.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            if answer.getheader("Content-Type", "").startswith("application/json"):
                payload = json.loads(data)
        except (OSError, http.client.HTTPException, ValueError):
            self.conn.close()
            self.conn = self._connect()
        self.record(route, began, time.monotonic() - began, status)
        return status, payload

    def close(self) -> None:
        self.conn.close()


@dataclass
class Shop:
    """What every shopper needs to know about the shop under test."""

    port: int
    slugs: list[str]
    payments: str  # "stripe" or "demo"
    think: tuple[float, float] = (1.0, 3.0)  # seconds between clicks
    stripe: Any = None  # FakeStripe
    webhooks: Any = None  # WebhookSender


class Shopper:
    def __init__(
        self, index: int, shop: Shop, record: Recorder, outcomes: Outcomes, stop: threading.Event
    ) -> None:
        self.index, self.shop, self.outcomes, self.stop = index, shop, outcomes, stop
        self.rng = random.Random(index)
        self.client = Client(shop.port, shopper_address(index), record)
        self.visits = 0

    def think(self) -> bool:
        """A pause between clicks (1-3 s by default); False once the run is over."""
        return not self.stop.wait(self.rng.uniform(*self.shop.think))

    def run(self) -> None:
        self.stop.wait(self.rng.uniform(0, self.shop.think[1]))  # arrivals spread, not one wave
        try:
            while not self.stop.is_set():
                self.visit()
                self.visits += 1
        except Exception as exc:  # noqa: BLE001 - reported, and it fails the run
            self.outcomes.crashes.append(f"shopper {self.index}: {exc!r}")
        finally:
            self.client.close()

    def visit(self) -> None:
        call, session = self.client.call, f"s{self.index}v{self.visits}"
        call("pages", "GET", "/")
        if not self.think():
            return
        call("pages", "GET", "/catalog/")
        chosen: tuple[str, Any] | None = None
        for slug in self.rng.sample(self.shop.slugs, 3):
            if not self.think():
                return
            call("pages", "GET", f"/products/{slug}/")
            status, product = call("product api", "GET", f"/api/products/{slug}")
            sizes = [
                s for s in (product or {}).get("data", {}).get("sizes", []) if s.get("in_stock")
            ]
            if status == 200 and sizes:
                chosen = (slug, self.rng.choice(sizes)["size_ml"])
        if chosen is None or not self.think():
            return
        slug, size_ml = chosen
        call(
            "events",
            "POST",
            "/api/events",
            {"type": "add_to_cart", "product_slug": slug, "session_id": session},
        )
        if self.rng.random() < ORDER_SHARE and self.think():
            self.buy(slug, size_ml)

    def buy(self, slug: str, size_ml: Any) -> None:
        email = f"shopper{self.index}.v{self.visits}@bench.example.com"
        status, answer = self.client.call(
            "orders",
            "POST",
            "/api/orders",
            {
                "email": email,
                "name": f"Shopper {self.index}",
                "shipping_address": ADDRESS,
                "items": [{"slug": slug, "size_ml": size_ml, "quantity": 1}],
            },
        )
        if status >= 500:
            self.outcomes.unclear_orders.append(email)
        if status != 201:
            return
        order = answer["data"]
        number = order["order_number"]
        self.outcomes.placed[number] = 1
        if self.rng.random() < PAY_SHARE and self.think():
            self.pay(number, email)
        if self.think():
            query = urlencode({"email": email, "number": number})
            self.client.call("tracking", "GET", f"/api/orders/track?{query}")

    def pay(self, number: str, email: str) -> None:
        status, answer = self.client.call(
            "checkout", "POST", "/api/checkout", {"order_number": number, "email": email}
        )
        if status != 200:
            return
        if self.shop.payments == "demo":
            status, _ = self.client.call(
                "demo confirm",
                "POST",
                "/api/checkout/demo-confirm",
                {"order_number": number, "email": email},
            )
            if status == 200:
                self.outcomes.paid.add(number)
            return
        intent_id = answer["data"]["payment_intent_id"]
        intent = self.shop.stripe.succeed(intent_id)
        if intent is None:
            return
        self.outcomes.intents[intent_id] = number
        self.outcomes.paid.add(number)
        self.shop.webhooks.send(succeeded_event(intent, f"evt_{intent_id}"))


def run_shoppers(
    count: int,
    seconds: float,
    shop: Shop,
    record: Recorder,
    outcomes: Outcomes,
    during: Callable[[threading.Event], None] | None = None,
) -> float:
    """`count` shoppers for `seconds`; `during(stop)` runs beside them (the chaos
    schedule). Returns the seconds measured."""
    stop = threading.Event()
    shoppers = [Shopper(i, shop, record, outcomes, stop) for i in range(count)]
    threads = [threading.Thread(target=s.run, name=f"shopper-{s.index}") for s in shoppers]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    side = None
    if during is not None:
        side = threading.Thread(target=during, args=(stop,), name="chaos")
        side.start()
    try:
        stop.wait(seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        if side is not None:
            side.join(timeout=120)
    return time.monotonic() - began
