"""The audit log page: who changed what, newest first."""

from __future__ import annotations

from flask import render_template, request

from decant.staff import audit
from functions.admin import guard
from functions.admin.blueprints import pages


@pages.get("/audit")
def audit_page() -> str:
    with guard.connection() as conn:
        rows = audit.recent(conn, entity=request.args.get("entity") or None)
    return render_template("admin/audit.html", rows=rows)
