"""The publishing page: what is not yet live, "Publish", the build log, rollback."""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for

from decant.publishing import admin_publishing
from functions.admin import guard
from functions.admin.blueprints import pages
from functions.admin.guard import owner_only
from functions.web.runtime import settings


@pages.get("/publishing")
def publishing_page() -> str:
    with guard.connection() as conn:
        data = admin_publishing.status(conn, settings())
    return render_template("admin/publishing.html", data=data)


@pages.post("/publishing/publish")
def publish() -> Response:
    with guard.connection() as conn:
        admin_publishing.publish(conn, guard.actor())
    return redirect(
        url_for(
            "admin.publishing_page",
            notice="build_queued",
        )
    )


@pages.post("/publishing/rollback")
@owner_only
def rollback() -> Response:
    with guard.connection() as conn:
        admin_publishing.rollback(conn, settings(), guard.actor())
    return redirect(url_for("admin.publishing_page", notice="rolled_back"))
