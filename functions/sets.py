"""GET /api/sets: the active curated sets with live availability.

Read on every request (no response cache): `available` is how many whole sets the
bottles can fill now, so it can never offer a set an order already took.
"""

from __future__ import annotations

from flask import Blueprint, Response
from pydantic import BaseModel, Field

from decant.catalog import curated_sets
from functions.web.envelope import ok
from functions.web.runtime import database

bp = Blueprint("sets", __name__, url_prefix="/api/sets")


class SetSampleOut(BaseModel):
    slug: str
    size_ml: int | float


class SetOut(BaseModel):
    slug: str
    name: str
    price_cents: int
    items: list[SetSampleOut]
    available: int = Field(description="whole sets the current stock can fill")


@bp.get("")
def list_sets() -> Response:
    with database().connection() as conn:
        sets = curated_sets.list_sets(conn)
    return ok([SetOut.model_validate(s).model_dump(mode="json") for s in sets])
