"""GET /api/products and /api/products/<slug>: the catalog with live stock, cached.

Each answer is cached whole under a version the database bumps in the same
transaction as any stock or catalog change (decant.catalog.cache_versions), so a cached
answer can never show stock an order already took. One cheap query reads the
version; on a hit nothing else touches the database. Product hits are answered
before Flask by functions.web.product_hits (where the freshness proof is); this view
answers the misses and stores what they computed.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from decant.catalog import cache_versions, reading
from decant.catalog.reading import ProductFilters
from decant.errors import NotFound
from functions.web import product_hits
from functions.web.envelope import ok
from functions.web.request_body import query_args, text
from functions.web.response_cache import response_cache
from functions.web.runtime import database

bp = Blueprint("products", __name__, url_prefix="/api/products")

PRODUCT_TTL_SECONDS = 600
LIST_TTL_SECONDS = 60  # also bounds how stale the "popular" order may get
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)

Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=120, pattern=SLUG_PATTERN),
]

Concentration = text(60)
SearchText = text(100)


class ProductQuery(BaseModel):
    """The list's filters, from the query string; unknown names are ignored."""

    model_config = ConfigDict(extra="ignore")

    brand: Slug | None = None
    gender: Literal["women", "men", "unisex"] | None = None
    note: Slug | None = None
    accord: Slug | None = None
    concentration: Concentration | None = None
    q: SearchText | None = None
    size_ml: Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)] | None = None
    min_price_cents: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    max_price_cents: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    sort: Literal["name", "price", "-price", "newest", "popular"] = "name"
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 24

    @model_validator(mode="after")
    def _price_range(self) -> ProductQuery:
        low, high = self.min_price_cents, self.max_price_cents
        if low is not None and high is not None and low > high:
            raise ValueError("max_price_cents must not be below min_price_cents")
        return self

    def filters(self) -> ProductFilters:
        return ProductFilters(**self.model_dump())


class SizeOut(BaseModel):
    size_ml: int | float
    price_cents: int
    in_stock: bool
    available: int = Field(description="whole decants of this size the bottle still fills, live")


class ProductOut(BaseModel):
    slug: str
    name: str
    brand: str
    brand_slug: str
    concentration: str
    gender: str
    description: str
    top_notes: list[str]
    heart_notes: list[str]
    base_notes: list[str]
    accords: list[str]
    launch_year: int | None = None
    perfumer: str | None = None
    images: list[str]
    in_stock: bool
    low_stock: bool
    min_price_cents: int | None = None
    sizes: list[SizeOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, product: dict[str, Any]) -> dict[str, Any]:
        shaped = cls.model_validate({**product, "low_stock": product["low_stock_alert"]})
        return shaped.model_dump(mode="json")


class ProductListMeta(BaseModel):
    total: int
    page: int
    per_page: int
    hasMore: bool  # noqa: N815 - the contract's spelling


def _cached(body: bytes) -> Response:
    response = Response(body, status=200, mimetype="application/json")
    response.headers["X-Cache"] = "hit"
    response.cache_control.no_cache = True
    return response


def _store(key: str, response: Response, ttl: int) -> Response:
    response_cache().put(key, response.get_data(), ttl)
    response.headers["X-Cache"] = "miss"
    response.cache_control.no_cache = True
    return response


@bp.get("")
def list_products() -> Response:
    filters = query_args(ProductQuery).filters()
    fingerprint = hashlib.sha256(
        json.dumps(filters.__dict__, sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    with database().connection() as conn:
        key = f"decant:cache:products:{fingerprint}:{cache_versions.catalog_version(conn)}"
        cached = response_cache().get(key)
        if cached is not None:
            return _cached(cached)
        products, total = reading.list_products(conn, filters)
    meta = ProductListMeta(
        total=total,
        page=filters.page,
        per_page=filters.per_page,
        hasMore=filters.page * filters.per_page < total,
    )
    response = ok([ProductOut.from_domain(p) for p in products], meta=meta.model_dump())
    return _store(key, response, LIST_TTL_SECONDS)


@bp.get("/<path:slug>")
def product(slug: str) -> Response:
    if not SLUG.match(slug) or len(slug) > 120:
        raise NotFound("no such product")
    with database().connection() as conn:
        passed = request.environ.get(product_hits.VERSION_KEY)
        if passed is not None and passed[0] == slug:
            version = passed[1]  # read by functions.web.product_hits, before the product
        else:
            version = cache_versions.product_version(conn, slug)
        if version is None:
            raise NotFound("no such product")
        key = product_hits.product_key(version)
        cached = response_cache().get(key)
        if cached is not None:
            return _cached(cached)
        found = reading.get_product(conn, slug)
    return _store(key, ok(ProductOut.from_domain(found)), PRODUCT_TTL_SECONDS)
