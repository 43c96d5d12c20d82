"""A request id on every answer and every log line, and logs as one JSON object a line.

The id comes from the caller's X-Request-ID when it looks like an id (so a proxy's
id follows the request through), else a fresh one. Logs never carry secrets or card
data: fields with secret-sounding names are blanked and anything shaped like a card
number is masked before a line is written.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from functions.web.client_address import client_address

REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")
SECRET_FIELD = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|cookie|signature|card|cvc|cvv|iban|api_?key",
    re.IGNORECASE,
)
CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){13,19}\b")
STANDARD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

access_log = logging.getLogger("decant.access")

# gunicorn's access line (deploy/gunicorn.conf.py and `decant serve`): the path without
# the query string (%(U)s, never %(r)s or %(q)s) and no referer (%(f)s), because
# tracking URLs and Stripe's return URL carry shoppers' e-mails and client secrets.
GUNICORN_ACCESS_LOG_FORMAT = (
    '{"time":"%(t)s","request_id":"%({x-request-id}i)s","remote_addr":"%(h)s",'
    '"method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_us":%(D)s,"user_agent":"%(a)s"}'
)
# gunicorn refuses over-long request lines and header fields in HTML before the app
# sees them. Its limits are set above Nginx's (8k, deploy/nginx) so Nginx refuses first
# in the envelope; without Nginx (`decant serve`) the app's own check (request_limits)
# answers 414/431 in the envelope. 0: a request line up to gunicorn's 1 MiB cap.
GUNICORN_REQUEST_LIMITS = {
    "limit_request_line": 0,
    "limit_request_field_size": 65536,
    "limit_request_fields": 1000,
}


def request_id() -> str:
    """The current request's id ('-' outside a request)."""
    if has_request_context():
        return g.get("request_id") or "-"
    return "-"


class RequestIdFilter(logging.Filter):
    """Stamps every record with the request it belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class RedactingFilter(logging.Filter):
    """Blanks secret-named fields and masks card-number-shaped digits in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in list(record.__dict__.items()):
            if name in STANDARD_FIELDS:
                continue
            if SECRET_FIELD.search(name):
                setattr(record, name, "[redacted]")
            elif isinstance(value, str):
                setattr(record, name, CARD_NUMBER.sub("[redacted]", value))
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = CARD_NUMBER.sub("[redacted]", record.msg)
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def configure_logging(level: int = logging.INFO) -> None:
    """One JSON handler on the root logger (installed once per process)."""
    root = logging.getLogger()
    if any(getattr(h, "decant_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.decant_json = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(json_formatter())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def install(app: Flask) -> None:
    """Request ids, the access log line and JSON logging for this app."""
    configure_logging()

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        started = g.get("started")
        fields: dict[str, Any] = {
            "request_id": rid,
            "method": request.method,
            "path": request.path,  # never the query string: tracking carries an e-mail
            "status": response.status_code,
            "client": client_address(),
        }
        if started is not None:
            fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        access_log.info("request", extra=fields)
        return response
