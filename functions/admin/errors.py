"""Where the admin's errors become answers: the one handler for the `admin` pages.

A typed domain error (decant.errors) raised by a page, a form reader or the guard
becomes the error page with its status, or the envelope when the client asked for
JSON; an unauthorized visitor without a session is sent to the login page instead.
/api/admin/* errors are answered by the app's handler (functions.web.envelope).
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template, request, url_for

from decant.errors import DecantError, Unauthorized
from functions.admin import guard
from functions.admin.blueprints import pages
from functions.web.envelope import STATUS, fail


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def with_retry_after(response: Response, exc: Exception) -> Response:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@pages.errorhandler(DecantError)
def _domain_error(exc: DecantError) -> Any:
    """Pages answer errors as pages (JSON clients of a page still get the envelope)."""
    if isinstance(exc, Unauthorized) and guard.current_session() is None and not wants_json():
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if wants_json():
        response = fail(exc.code, exc.message, exc.details, status=getattr(exc, "status", None))
        return with_retry_after(response, exc)
    status = getattr(exc, "status", None) or STATUS.get(exc.code, 400)
    page = render_template(
        "admin/error.html", status=status, heading=exc.message, error=None, details=exc.details
    )
    return with_retry_after(make_response(page, status), exc)
