"""The owner's back office: pages under /admin and the contract's /api/admin/* JSON.

`register(app)` is the one line create_app needs; every route is guarded by
functions.admin.guard (session, role, CSRF) before its view runs.
"""

from __future__ import annotations

from flask import Flask

from functions.admin import (  # noqa: F401 - routes register on import
    api,
    audit_log,
    blueprints,
    dashboard,
    errors,
    login,
    offers,
    orders,
    owner_operations,
    pages,
    products,
    publishing,
    stock,
)


def register(app: Flask) -> None:
    app.register_blueprint(blueprints.pages)
    app.register_blueprint(blueprints.api)
