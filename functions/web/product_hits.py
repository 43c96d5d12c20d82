"""Cache hits for `GET /api/products/<slug>`, answered in front of Flask.

Every product page asks this route for live stock, so it is the hottest request
the functions see. A hit needs only two things: the product's version from
PostgreSQL and the stored answer from the cache. This WSGI layer does just that
and skips Flask's routing, request context, hooks, limiter and JSON work. Anything
else goes to Flask untouched: a miss, another method or path, a query string, a
slug Flask would refuse, the cache switched off (`uncached_app()` in bench/api.py),
and any error at all (Redis down, database down), so Flask answers those the full
way, in the envelope, and stores what it computed.

A hit is the same answer Flask gives: the bytes Flask stored, the same headers
(`Content-Type`, `X-Cache: hit`, `Cache-Control: no-cache`, `X-Request-ID`), the same
access-log line and the same request metrics.

Why a hit is never older than a stock change that committed before the request
began (the contract: "never shows stock an order already took"):

1. Every change to what a product answer shows (stock, sizes, prices, the product)
   bumps `inventory.cache_version` of that product in the same transaction
   (sql/0020). Bumps are row updates, so they are serialized by the row lock, and
   a bump that reads version v commits after the transaction that wrote v.
2. Let T commit before request R begins. R's first step is a new statement on the
   primary reading the version; in READ COMMITTED its snapshot includes T, so it
   reads v >= v_T (the version T wrote, or one written after T committed).
3. R serves only the entry stored under (product id, v). That entry was stored by
   a request W that read version v and then, in a later statement, the product.
   The later statement's snapshot includes the commit that wrote v, and by (1)
   that commit is T or came after T's commit; so W's answer includes T.
4. The id in the key means a product deleted and made again under the same slug
   never meets an old entry. Versions are read from the primary, never a replica.

Hence any entry R can reach already shows T. tests/api/test_api_products.py pins this:
an order placed, then a read at once, shows the new `available`.

Entries are never changed under their key, only left behind, so each worker process
keeps the last entries it found in Redis (`RECENT_ENTRIES`, keyed exactly as in
Redis): a hit whose version it holds skips the Redis round trip. The proof above is
unchanged, since the version is still read from the primary on every request and only
an entry stored under that very version is served.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from flask import Flask, request

from decant.catalog import cache_versions
from functions.metrics import LATENCY, REQUESTS
from functions.web.client_address import resolve
from functions.web.request_context import REQUEST_ID, access_log
from functions.web.response_cache import cache_enabled, response_cache

log = logging.getLogger("decant.functions")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PREFIX = "/api/products/"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 120
# Set on a miss so the Flask view keys its answer by the version read here (read
# before the product, as the proof above needs) instead of reading it again.
VERSION_KEY = "decant.product_version"
# Set when the hit path found the database down, so Flask answers 503 at once instead
# of waiting for a pooled connection a second time (the answer must come within 5 s).
DATABASE_DOWN_KEY = "decant.database_down"
ROUTE = "/api/products/<path:slug>"
# Entries a worker keeps in memory (about 1 KB each); past it, the memory starts over.
RECENT_ENTRIES = 4096


def product_key(version: str) -> str:
    """The cache key of one product's answer at one version (shared with the view)."""
    return f"decant:cache:product:{version}"


class ProductHits:
    """WSGI middleware: answers product cache hits, hands everything else to `inner`."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app = app
        self.inner = inner
        self.trusted = app.extensions["decant"].settings.trusted_networks
        self.requests = REQUESTS.labels(ROUTE, "GET", "200")
        self.latency = LATENCY.labels(ROUTE, "GET")
        self.recent: dict[str, bytes] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (
            not path.startswith(PREFIX)
            or environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
        ):
            return self.inner(environ, start_response)
        slug = path[len(PREFIX) :]
        if len(slug) > MAX_SLUG or not SLUG.fullmatch(slug) or not cache_enabled(self.app):
            return self.inner(environ, start_response)
        started = time.perf_counter()
        try:
            body = self._hit(slug, environ)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            environ[DATABASE_DOWN_KEY] = exc
            body = None
        except Exception:  # noqa: BLE001 - Flask answers errors, in the envelope
            log.debug("product hit path failed; Flask answers", exc_info=True)
            body = None
        if body is None:
            return self.inner(environ, start_response)
        return self._answer(body, environ, start_response, started)

    def _hit(self, slug: str, environ: dict[str, Any]) -> bytes | None:
        state = self.app.extensions["decant"]
        with state.pool.connection() as conn:
            version = cache_versions.product_version_prepared(conn, slug)
        if version is None:
            return None  # Flask answers the 404
        key = product_key(version)
        body = self.recent.get(key)
        if body is not None:
            return body
        body = response_cache(self.app).get(key)
        if body is None:
            environ[VERSION_KEY] = (slug, version)
            return None
        if len(self.recent) >= RECENT_ENTRIES:
            self.recent = {}  # old versions go with it; no lock: a dict swap is atomic
        self.recent[key] = body
        return body

    def _answer(
        self,
        body: bytes,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        started: float,
    ) -> Iterable[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("X-Cache", "hit"),
                ("Cache-Control", "no-cache"),
                ("X-Request-ID", rid),
            ],
        )
        elapsed = time.perf_counter() - started
        client = resolve(
            environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"), self.trusted
        )
        access_log.info(
            "request",
            extra={
                "request_id": rid,
                "method": "GET",
                "path": environ.get("PATH_INFO", ""),
                "status": 200,
                "client": client,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        self.requests.inc()
        self.latency.observe(elapsed)
        return [body]


def install(app: Flask) -> None:
    """Put the hit layer in front of the app's Flask handling."""
    app.wsgi_app = ProductHits(app, app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _database_found_down() -> None:
        exc = request.environ.get(DATABASE_DOWN_KEY)
        if exc is not None:
            raise exc  # the one error handler answers 503 `unavailable`
