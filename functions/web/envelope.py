"""The contract's JSON envelope, and the one place errors become answers."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import redis
from flask import Flask, Response, jsonify, request
from pydantic import ValidationError as PydanticValidationError
from werkzeug.exceptions import HTTPException

from decant.errors import DecantError

log = logging.getLogger("decant.functions")

STATUS = {
    "validation_error": 422,
    "invalid_signature": 400,
    "not_found": 404,
    "unauthorized": 401,
    "forbidden": 403,
    "out_of_stock": 409,
    "conflict": 409,
    "rate_limited": 429,
    "payload_too_large": 413,
    "unavailable": 503,
    "internal": 500,
}
HTTP_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
# A server the shop needs is down or restarting: the client may try again shortly.
RETRY_AFTER_UNAVAILABLE_SECONDS = 5
# Every way PostgreSQL or Redis being down, restarting or killed reaches a request:
# psycopg's OperationalError covers a refused or broken connection, AdminShutdown and
# the other server-side shutdowns, statement_timeout (QueryCanceled) and the pool's
# PoolTimeout; InterfaceError a connection the server already closed.
SERVER_DOWN = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def ok(data: Any, *, status: int = 200, meta: dict[str, Any] | None = None) -> Response:
    response = jsonify({"success": True, "data": data, "meta": meta or {}})
    response.status_code = status
    return response


def paged(rows: list[Any], *, total: int, page: int, per_page: int) -> Response:
    """A list answer with the contract's pagination meta."""
    return ok(
        rows,
        meta={
            "total": total,
            "page": page,
            "per_page": per_page,
            "hasMore": page * per_page < total,
        },
    )


def fail(code: str, message: str, details: Any = None, *, status: int | None = None) -> Response:
    response = jsonify(
        {"success": False, "error": {"code": code, "message": message, "details": details}}
    )
    response.status_code = status or STATUS.get(code, 400)
    if response.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE_SECONDS)
    return response


def pydantic_details(exc: PydanticValidationError) -> dict[str, str]:
    """Each field at fault, dotted (items.0.quantity), with pydantic's reason."""
    details: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        details.setdefault(field, error["msg"])
    return details


def _http_details(status: int) -> dict[str, str] | None:
    """Name the part of the request at fault for Flask's own 4xx errors."""
    if status == 413:
        limit = request.max_content_length
        return {"body": f"larger than {limit} bytes" if limit else "too large"}
    if status == 415:
        return {"Content-Type": "not accepted here"}
    if status == 400:
        return {"body": "the request could not be read"}
    return None


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DecantError)
    def domain_error(exc: DecantError) -> Response:
        # A few request errors (unreadable body: 400, wrong Content-Type: 415) carry
        # their own status; everything else gets its code's status.
        response = fail(exc.code, exc.message, exc.details, status=getattr(exc, "status", None))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(PydanticValidationError)
    def invalid_body(exc: PydanticValidationError) -> Response:
        return fail("validation_error", "the request is not valid", pydantic_details(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = HTTP_CODES.get(status, "internal" if status >= 500 else "validation_error")
        if status == 405:
            return fail("method_not_allowed", "method not allowed", None, status=405)
        response = fail(code, exc.description or exc.name, _http_details(status), status=status)
        if status == 429 and exc.get_headers():
            for name, value in exc.get_headers():
                if name.lower() == "retry-after":
                    response.headers["Retry-After"] = value
        return response

    def server_down(exc: Exception) -> Response:
        log.warning(
            "%s %s: a server is unavailable: %s: %s",
            request.method,
            request.path,
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        )
        return fail("unavailable", "the shop is briefly unavailable; try again shortly")

    for kind in SERVER_DOWN:
        app.register_error_handler(kind, server_down)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return fail("internal", "something went wrong on our side", None, status=500)
