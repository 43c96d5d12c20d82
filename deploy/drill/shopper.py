"""The drill's shopper: talks to the shop over HTTPS through Nginx only, verifying the
drill's self-signed certificate for the shop's name while dialling 127.0.0.1.

    python3 shopper.py get PATH                     -> prints status and body
    python3 shopper.py buy EMAIL SPOOFED_ADDRESS    -> places and pays an order, prints it as JSON

`buy` sends a forged X-Forwarded-For (the app must not believe it), pays through
/api/checkout (the app calls the fake Stripe) and then delivers the signed
`payment_intent.succeeded` webhook Stripe would send, and waits for the order to be paid.
Settings from the environment: SHOP_HOST, SHOP_PORT, SHOP_CA, STRIPE_WEBHOOK_SECRET.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import socket
import ssl
import sys
import time

HOST = os.environ["SHOP_HOST"]
PORT = int(os.environ["SHOP_PORT"])
CONTEXT = ssl.create_default_context(cafile=os.environ["SHOP_CA"])


class ShopConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, with SNI, Host and certificate checks for the shop's name."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", PORT), self.timeout)
        self.sock = CONTEXT.wrap_socket(sock, server_hostname=HOST)


def call(method: str, path: str, body: dict | bytes | None = None, headers: dict | None = None):
    connection = ShopConnection(HOST, PORT, timeout=30)
    headers = dict(headers or {})
    data = None
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif body is not None:
        data = body
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, dict(response.getheaders()), text


def fail(message: str) -> None:
    sys.exit(f"shopper: {message}")


def buy(email: str, spoofed: str) -> dict:
    status, _, text = call("GET", "/api/products?per_page=100")
    if status != 200:
        fail(f"GET /api/products answered {status}: {text[:300]}")
    line = None
    for product in json.loads(text)["data"]:
        status, _, text = call("GET", f"/api/products/{product['slug']}")
        sizes = [s for s in json.loads(text)["data"]["sizes"] if s.get("available")]
        if sizes:
            line = {"slug": product["slug"], "size_ml": sizes[0]["size_ml"], "quantity": 1}
            break
    if line is None:
        fail("no product in stock")
    order_body = {
        "email": email,
        "name": "Drill Shopper",
        "shipping_address": {
            "line1": "1 Rue du Test",
            "line2": "",
            "city": "Lyon",
            "postal_code": "69001",
            "country": "FR",
        },
        "items": [line],
    }
    status, headers, text = call("POST", "/api/orders", order_body, {"X-Forwarded-For": spoofed})
    if status != 201:
        fail(f"POST /api/orders answered {status}: {text[:300]}")
    order = json.loads(text)["data"]
    request_id = headers.get("X-Request-ID", "")
    number = order["order_number"]
    status, _, text = call("POST", "/api/checkout", {"order_number": number, "email": email})
    if status != 200:
        fail(f"POST /api/checkout answered {status}: {text[:300]}")
    intent = json.loads(text)["data"]
    event = {
        "id": f"evt_drill_{number}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": intent["payment_intent_id"],
                "object": "payment_intent",
                "amount": intent["amount_cents"],
                "amount_received": intent["amount_cents"],
                "currency": intent["currency"].lower(),
                "metadata": {"order_number": number},
                "status": "succeeded",
            }
        },
    }
    payload = json.dumps(event).encode()
    stamp = int(time.time())
    secret = os.environ["STRIPE_WEBHOOK_SECRET"].encode()
    digest = hmac.new(secret, f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    signature = {"Stripe-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}
    status, _, text = call("POST", "/api/webhooks/stripe", payload, signature)
    if status != 200:
        fail(f"POST /api/webhooks/stripe answered {status}: {text[:300]}")
    deadline = time.monotonic() + 60
    while True:
        status, _, text = call("GET", f"/api/orders/track?email={email}&number={number}")
        tracked = json.loads(text).get("data") or {}
        if status == 200 and tracked.get("payment_status") == "paid":
            break
        if time.monotonic() > deadline:
            fail(f"order {number} not paid after the webhook: {status} {text[:300]}")
        time.sleep(1)
    return {
        "order_number": number,
        "total_cents": order["total_cents"],
        "payment_intent_id": intent["payment_intent_id"],
        "request_id": request_id,
    }


if __name__ == "__main__":
    if sys.argv[1] == "get":
        status, _, text = call("GET", sys.argv[2])
        print(status)
        print(text)
    elif sys.argv[1] == "buy":
        print(json.dumps(buy(sys.argv[2], sys.argv[3])))
    else:
        fail(f"unknown command {sys.argv[1]}")
