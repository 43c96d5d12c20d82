"""Over-long URLs and headers answered in the envelope (414, 431), whoever serves us.

Behind Nginx these never arrive (Nginx refuses at 8 KiB, in the envelope too); under
`decant serve` or any other front, gunicorn's own limits are raised past these
(GUNICORN_REQUEST_LIMITS) so the request reaches this check instead of gunicorn's
HTML error page.
"""

from __future__ import annotations

from flask import Flask, Response, request

from functions.web.envelope import fail

MAX_URL_BYTES = 8 * 1024
MAX_HEADER_FIELD_BYTES = 8 * 1024


def install(app: Flask) -> None:
    @app.before_request
    def _refuse_oversized() -> Response | None:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        url = raw or request.full_path
        if len(url.encode("latin-1", "replace")) > MAX_URL_BYTES:
            return fail(
                "validation_error",
                "The URL is too long",
                {"url": f"longer than {MAX_URL_BYTES // 1024} KiB"},
                status=414,
            )
        for name, value in request.headers.items():
            if len(name) + len(value) + 2 > MAX_HEADER_FIELD_BYTES:
                return fail(
                    "validation_error",
                    "The request headers are too large",
                    {name: f"longer than {MAX_HEADER_FIELD_BYTES // 1024} KiB"},
                    status=431,
                )
        return None
