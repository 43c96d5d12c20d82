"""Reading what the client sent: JSON bodies and query strings into pydantic models.

Every way a request can be malformed ends as a 4xx envelope naming what is wrong:
a wrong Content-Type (`Content-Type`), a body that is not JSON or holds a NUL byte
(`body`), a NUL character inside a value (its dotted field), and anything the
model refuses (pydantic's field paths). Oversize bodies are Flask's 413.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from flask import request
from pydantic import AfterValidator, BaseModel, StringConstraints

from decant.errors import ValidationError

M = TypeVar("M", bound=BaseModel)


class MalformedRequest(ValidationError):
    """The request cannot even be read (not JSON, wrong type): 400 rather than 422."""

    status = 400


class UnsupportedContentType(ValidationError):
    status = 415


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


def text(max_length: int, min_length: int = 0) -> Any:
    """A stripped string of bounded length with no NUL characters.

    (Constraints go before the NUL check: put after it, pydantic would measure the
    length before stripping.)
    """
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL character."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return path or "body"
            found = nul_field(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """Strict JSON (no NaN/Infinity), or MalformedRequest naming the body."""
    if b"\x00" in raw:
        raise MalformedRequest("the body holds a NUL byte", {"body": "must not contain NUL bytes"})
    if not raw.strip():
        raise MalformedRequest("the body is empty", {"body": "a JSON object is required"})
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise MalformedRequest("the body is not UTF-8", {"body": "must be UTF-8 JSON"}) from None
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        where = (
            f" at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise MalformedRequest(
            "the body is not valid JSON", {"body": f"not valid JSON{where}"}
        ) from None


def json_body(
    model: type[M], *, accept_text_plain: bool = False, max_bytes: int | None = None
) -> M:
    """The request body validated as `model`; raises a 4xx error naming the field."""
    allowed = ("application/json", "text/plain") if accept_text_plain else ("application/json",)
    if request.mimetype not in allowed:
        raise UnsupportedContentType(
            "the body must be JSON",
            {"Content-Type": f"must be {' or '.join(allowed)}"},
        )
    if max_bytes is not None:
        request.max_content_length = max_bytes
    document = parse_json(request.get_data(cache=True))
    return validated(model, document)


def query_args(model: type[M]) -> M:
    """The query string validated as `model` (the first value of each name)."""
    return validated(model, request.args.to_dict())


def validated(model: type[M], document: Any) -> M:
    field = nul_field(document)
    if field:
        raise ValidationError(
            "a value holds a NUL character", {field: "must not contain NUL characters"}
        )
    return model.model_validate(document)
