"""Shopper pages a function answers (/search, the stock-alert links), in the shop's look.

The build writes `shell.html`: the storefront's base page (header with the search box,
footer, the fingerprinted CSS and JS) with markers where a page's title and content
go. A function fills them, so its pages look like the static ones without knowing
the theme. Before the first build there is no shell; a plain page stands in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, render_template
from markupsafe import escape

from functions.web.runtime import settings

SHELL = "shell.html"
TITLE_MARK = "decant-shell-title"
MAIN_MARK = "<!--decant-shell-main-->"
FALLBACK = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    f'<title>{TITLE_MARK}</title></head><body><main id="main">{MAIN_MARK}</main></body></html>'
)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
    " connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)


def _shell() -> str:
    path = Path(settings().public_dir) / "current" / SHELL
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return FALLBACK


def page(title: str, template: str, *, status: int = 200, **context: Any) -> Response:
    """functions/templates/storefront/`template` (autoescaped) in the shell; the title
    is plain text."""
    main = render_template(f"storefront/{template}", title=title, **context)
    html = _shell().replace(TITLE_MARK, str(escape(title))).replace(MAIN_MARK, main, 1)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
