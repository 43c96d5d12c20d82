"""The owner's back office: pages under /admin and the contract's /api/admin/* JSON.

`register(app)` is the one line create_app needs. Where the rule for X is:
- Who may do what (session, owner role, CSRF, upload sizes): guard.py, default deny,
  for every route of both blueprints (blueprints.py).
- Login tries, lockout, TOTP: login.py over decant.staff (accounts, login_throttle).
- Page errors into pages (or the envelope for JSON clients): errors.py; /api/admin/*
  errors use the app's one handler (functions.web.envelope).
- Pages by area: dashboard, products, stock, orders, publishing, audit_log, offers,
  owner_operations; shared filters and paging in pages.py; the JSON routes in api.py.
- Form fields into numbers, dates and cents: forms.py. Notices a redirect may show: notices.py.
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
