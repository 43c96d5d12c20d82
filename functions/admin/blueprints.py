"""The two admin blueprints: server-rendered pages under /admin, JSON under /api/admin.
Both pass through functions.admin.guard before any view runs."""

from __future__ import annotations

from flask import Blueprint

from functions.admin.guard import protect

pages = protect(
    Blueprint(
        "admin", __name__, url_prefix="/admin", static_folder="static", static_url_path="/static"
    )
)
api = protect(Blueprint("admin_api", __name__, url_prefix="/api/admin"))
