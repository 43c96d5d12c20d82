"""Serving the built site beside the functions on one port, for `decant serve`.

It mirrors the Nginx config: try the file, then file/index.html, then file.html,
else the functions; unknown pages get the site's 404.html. In production Nginx
does this and the app never sees a page request.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from decant.publishing.product_shards import product_file
from functions.web.security_headers import SecurityHeaders

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
DYNAMIC_PREFIXES = ("/api/", "/admin", "/stock-alerts/")
DYNAMIC_PATHS = ("/api", "/search")
PRODUCT_URL = re.compile(r"^/products/([^/.]+)/?$")


class StaticSite:
    def __init__(self, app: WSGIApp, root: Path) -> None:
        self.app = app
        self.root = root  # usually public/current: a symlink, resolved per request

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path.startswith(DYNAMIC_PREFIXES) or path in DYNAMIC_PATHS:
            return self.app(environ, start_response)
        found = self._find(path)
        request = Request(environ)
        if found is None:
            page = self._find("/404.html")
            if page is None:
                return self.app(environ, start_response)
            return self._file(page, request, status=404)(environ, start_response)
        return self._file(found, request)(environ, start_response)

    def _find(self, url_path: str) -> Path | None:
        root = self.root.resolve()
        relative = url_path.lstrip("/")
        # Checked by name, not by resolving: products/<shard> are symlinks out of the
        # build into the shard directories builds share (as Nginx follows them too).
        if (
            any(part in ("..", ".") for part in relative.split("/"))
            or "\\" in relative
            or "\x00" in relative
        ):
            return None
        candidate = root / relative
        options = [candidate, candidate / "index.html"]
        if candidate.name:
            options.append(candidate.with_name(candidate.name + ".html"))
        product = PRODUCT_URL.match(url_path)
        if product:  # /products/<slug>/ is products/<shard>/<slug>.html
            options.insert(0, root / product_file(product.group(1)))
        for option in options:
            if option.is_file():
                return option
        return None

    def _file(self, path: Path, request: Request, status: int = 200) -> Response:
        stat = path.stat()
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix in (".html", ".xml", ".json", ".txt", ".css", ".js", ".svg"):
            mimetype += "; charset=utf-8"
        handle = open(path, "rb")  # noqa: SIM115 - closed by the WSGI server via wrap_file
        response = Response(
            wrap_file(request.environ, handle),
            status=status,
            mimetype=None,
            content_type=mimetype,
            direct_passthrough=True,
        )
        response.content_length = stat.st_size
        response.set_etag(f"{stat.st_ino:x}-{stat.st_size:x}-{int(stat.st_mtime):x}")
        response.last_modified = int(stat.st_mtime)
        immutable = "." in path.stem and path.parent.name in (
            "static",
            "assets",
            "theme",
            "css",
            "js",
        )
        response.cache_control.public = True
        response.cache_control.max_age = 31536000 if immutable else 300
        if status == 200:
            response.make_conditional(request)
        return response


def local_site(app: Any, public_dir: Path) -> Any:
    """The Flask app with the built site in front of it, as `decant serve` runs it."""
    app.wsgi_app = SecurityHeaders(StaticSite(app.wsgi_app, public_dir / "current"))
    return app
