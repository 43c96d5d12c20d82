"""Who may do what in the admin, checked in one place for every admin route.

Default deny: `protect(bp)` installs a before_request hook on an admin blueprint
that demands a live session (401 JSON for /api/admin, a redirect to the login page
for pages), the owner role where a view is marked `owner_only`, and the session's
CSRF token (form field `csrf_token` or header `X-CSRF-Token`) on every request that
can change something. A view is reachable without a session only when marked
`public` (the login page), so a forgotten decorator fails closed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
from flask import Blueprint, Response, current_app, g, redirect, request, url_for

from decant.errors import Forbidden, Unauthorized, ValidationError
from decant.staff import sessions
from decant.staff.audit import Actor
from decant.staff.sessions import Session
from functions.web.client_address import client_address
from functions.web.runtime import database, redis_client

SESSION_COOKIE = "__Host-decant_admin"
LOGIN_COOKIE = "__Host-decant_login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    view.admin_public = True  # type: ignore[attr-defined]
    return view


def owner_only(view: F) -> F:
    view.admin_role = "owner"  # type: ignore[attr-defined]
    return view


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Uploads need more than the app's 64 KB; set before the body is read."""

    def mark(view: F) -> F:
        view.admin_max_body = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def is_api() -> bool:
    return request.path.startswith("/api/")


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    with database().connection() as conn:
        yield conn


def current_session() -> Session | None:
    return g.get("admin_session")


def actor() -> Actor:
    session = current_session()
    if session is None:
        raise Unauthorized("log in to the admin first")
    return Actor(session.user_id, session.email, session.role, client_address())


def _view() -> Callable[..., Any] | None:
    return current_app.view_functions.get(request.endpoint or "")


def _refuse_nul_characters() -> None:
    """PostgreSQL cannot store a NUL character: refuse it here, naming the field, for
    every query and form value of every admin page (JSON bodies: request_body)."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                field = name.replace("\x00", "") or "body"
                raise ValidationError(
                    "a value holds a NUL character", {field: "must not contain NUL characters"}
                )


def _check() -> Response | None:
    view = _view()
    if view is None or (request.endpoint or "").endswith(".static"):
        return None
    limit = getattr(view, "admin_max_body", None)
    if limit:
        request.max_content_length = limit
    _refuse_nul_characters()
    with connection() as conn:
        g.admin_session = sessions.load(redis_client(), conn, request.cookies.get(SESSION_COOKIE))
    if getattr(view, "admin_public", False):
        return None
    session = g.admin_session
    if session is None:
        if is_api():
            raise Unauthorized("an admin session is required")
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if getattr(view, "admin_role", "staff") == "owner" and session.role != "owner":
        raise Forbidden("only the owner may do this")
    if request.method not in SAFE_METHODS:
        token = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
        if not session.csrf_matches(token):
            raise Forbidden("the CSRF token is missing or wrong; reload the page and try again")
    return None


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    return response


def protect(bp: Blueprint) -> Blueprint:
    bp.before_request(_check)
    bp.after_request(_secure_headers)
    return bp


def set_session_cookie(response: Response, sid: str) -> None:
    response.set_cookie(SESSION_COOKIE, sid, secure=True, httponly=True, samesite="Lax", path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, secure=True, httponly=True, samesite="Lax", path="/")


def login_token() -> str:
    """The pre-session CSRF token of the login form (double submit: cookie and field)."""
    token = request.cookies.get(LOGIN_COOKIE)
    if not token or len(token) > 100:
        token = g.get("new_login_token") or secrets.token_urlsafe(32)
        g.new_login_token = token
    return token


def set_login_cookie(response: Response) -> None:
    token = g.get("new_login_token")
    if token:
        response.set_cookie(
            LOGIN_COOKIE, token, secure=True, httponly=True, samesite="Strict", path="/"
        )


def login_token_matches() -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return bool(cookie) and secrets.compare_digest(cookie.encode(), sent.encode())


def safe_next(target: str | None) -> str:
    """Only a path inside the admin: never an open redirect to another site."""
    if not target:
        return url_for("admin.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or "\\" in target:
        return url_for("admin.dashboard")
    return target
