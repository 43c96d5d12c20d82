"""POST /api/events: the storefront's analytics beacon.

Anonymous and cookie-free: the browser sends a random session id it keeps in
sessionStorage. navigator.sendBeacon posts text/plain, so that is accepted beside
JSON. Small bodies only, and only the event types the shop reports on.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from decant.analytics import events
from decant.analytics.events import EVENT_TYPES
from functions.web.envelope import ok
from functions.web.rate_limits import EVENTS, limiter
from functions.web.request_body import json_body
from functions.web.runtime import database

bp = Blueprint("events", __name__, url_prefix="/api/events")

MAX_EVENT_BYTES = 2048
MAX_DATA_KEYS = 20


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(description=f"one of {', '.join(sorted(EVENT_TYPES))}")
    product_slug: (
        Annotated[str, StringConstraints(max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
        | None
    ) = None
    session_id: (
        Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None
    ) = None
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"must be one of {', '.join(sorted(EVENT_TYPES))}")
        return value

    @field_validator("data")
    @classmethod
    def _small_data(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_DATA_KEYS:
            raise ValueError(f"at most {MAX_DATA_KEYS} keys")
        json.dumps(value)  # only JSON values arrive here; this just proves it
        return value


@bp.post("")
@limiter.limit(EVENTS)
def record() -> Response:
    event = json_body(EventIn, accept_text_plain=True, max_bytes=MAX_EVENT_BYTES)
    with database().connection() as conn:
        events.record_event(
            conn,
            event.type,
            data=event.data,
            product_slug=event.product_slug,
            session_id=event.session_id,
        )
    return ok({"accepted": True}, status=202)
