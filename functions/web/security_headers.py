"""Security headers the app sends itself, whoever serves it.

The shop must be as safe under `decant serve`, gunicorn alone or any proxy as behind
our Nginx config, so the headers are added here, at the outermost WSGI layer: that
also covers the answers that never reach Flask (product cache hits in
product_hits.py, the built site's files in static_site.py). A header a view already
set (the admin's stricter policy) is kept. No X-XSS-Protection: browsers dropped it
and it can open holes of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# The storefront's policy (deploy/nginx's, which Stripe Elements needs: its script,
# its frames, its API), with frame-ancestors 'none': no page of the shop is framed.
STOREFRONT_CSP = (
    "default-src 'self'; script-src 'self' https://js.stripe.com https://*.js.stripe.com;"
    " frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com;"
    " connect-src 'self' https://api.stripe.com; img-src 'self' data:; style-src 'self';"
    " font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';"
    " frame-ancestors 'none'"
)
EVERY_ANSWER = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
HTML_ANSWER = (("Content-Security-Policy", STOREFRONT_CSP),)


def with_security_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answer's headers plus those it lacks."""
    present = {name.lower() for name, _ in headers}
    content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
    wanted = EVERY_ANSWER + (HTML_ANSWER if content_type.startswith("text/html") else ())
    return headers + [(name, value) for name, value in wanted if name.lower() not in present]


class SecurityHeaders:
    """WSGI middleware adding the headers to every answer of `inner`."""

    def __init__(self, inner: WSGIApp) -> None:
        self.inner = inner

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, with_security_headers(list(headers)), exc_info)

        return self.inner(environ, start)


def install(app: Any) -> None:
    """Wrap the app's WSGI callable, outside everything installed so far."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
