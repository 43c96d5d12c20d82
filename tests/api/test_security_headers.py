"""The app's own security headers, on every kind of answer it gives: the functions'
JSON, product cache hits (answered before Flask), the built site's pages and files
under `decant serve`, 404s and the admin."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from decant.platform.config import Settings


def fetch(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            answer.read()
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers)


def test_every_answer_says_nosniff_and_html_forbids_framing(
    live_shop: str, settings: Settings
) -> None:
    site = Path(settings.public_dir, "current")
    css_path = "/" + next(site.rglob("*.css")).relative_to(site).as_posix()
    answers = {
        "json": fetch(live_shop + "/api/health"),
        "miss": fetch(live_shop + "/api/products/rose-noir"),
        "hit": fetch(live_shop + "/api/products/rose-noir"),
        "home": fetch(live_shop + "/"),
        "css": fetch(live_shop + css_path),
        "page-404": fetch(live_shop + "/no-such-page"),
        "api-404": fetch(live_shop + "/api/no-such-route"),
        "admin": fetch(live_shop + "/admin/login"),
    }
    assert answers["hit"][1]["X-Cache"] == "hit"
    assert answers["css"][1]["Content-Type"].startswith("text/css")
    assert (answers["page-404"][0], answers["api-404"][0]) == (404, 404)
    for name, (_status, headers) in answers.items():
        assert headers.get("X-Content-Type-Options") == "nosniff", name
        assert "X-XSS-Protection" not in headers, name
    for name in ("home", "page-404", "admin"):
        headers = answers[name][1]
        assert headers["Content-Type"].startswith("text/html"), name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name
        assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin"), (
            name
        )
    storefront_csp = answers["home"][1]["Content-Security-Policy"]
    assert "https://js.stripe.com" in storefront_csp  # Stripe Elements still loads
