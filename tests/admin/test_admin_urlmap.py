"""Every admin route is guarded: walks the whole URL map, so a new route cannot be
forgotten. No session: 401 JSON (API) or a redirect to the login page; staff on an
owner-only route: 403; a state-changing request without the right CSRF token: 403,
and nothing in the database changes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.plugins.admin import AdminClient

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC = {"admin.login", "admin.login_post", "admin.static"}
EXPECTED_OWNER_ONLY = {
    "admin.product_new",
    "admin.product_create",
    "admin.product_update",
    "admin.product_image",
    "admin.bulk_prices",
    "admin.catalog_export",
    "admin.catalog_import",
    "admin.catalog_import_post",
    "admin.order_refund",
    "admin.rollback",
    "admin.users",
    "admin.users_create",
    "admin.users_active",
    "admin.users_password",
    "admin_api.product_create",
    "admin_api.product_update",
    # discount codes and curated sets are prices: the owner's (functions/admin/offers.py)
    "admin.discount_create",
    "admin.discount_update",
    "admin.discount_disable",
    "admin.set_create",
    "admin.set_update",
    # a customer's data on request (functions/admin/owner_operations.py)
    "admin.customers",
    "admin.customer_export",
    "admin.customer_erase",
    "admin_api.discount_create_json",
    "admin_api.discount_update_json",
    "admin_api.set_create_json",
    "admin_api.set_update_json",
}


def admin_routes(app: Flask) -> list[tuple[str, str, str, Any]]:
    """(method, url, endpoint, view) for every admin route, with sample arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/admin", "/api/admin")) or rule.endpoint in PUBLIC:
            continue
        values = {
            name: (1 if "int" in type(conv).__name__.lower() else "x")
            for name, conv in rule._converters.items()
        }
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, url, rule.endpoint, app.view_functions[rule.endpoint]))
    return routes


@pytest.fixture
def routes(admin_app: Flask) -> list[tuple[str, str, str, Any]]:
    found = admin_routes(admin_app)
    assert len(found) > 30  # the walk really sees the admin
    return found


def test_only_the_login_page_is_public(admin_app):
    public = {
        rule.endpoint
        for rule in admin_app.url_map.iter_rules()
        if getattr(admin_app.view_functions[rule.endpoint], "admin_public", False)
    }
    assert public == {"admin.login", "admin.login_post"}


def test_every_admin_route_refuses_a_visitor_without_a_session(anonymous, routes):
    for method, url, _endpoint, _view in routes:
        response = anonymous.client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
            assert response.get_json()["error"]["code"] == "unauthorized", (method, url)
        else:
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/admin/login"), (method, url)


def test_a_forged_session_cookie_is_no_session(admin_app, routes):
    forger = AdminClient(admin_app)
    forger.client.set_cookie("__Host-decant_admin", "made-up-session-id", domain="localhost")
    for method, url, _endpoint, _view in routes:
        status = forger.client.open(url, method=method).status_code
        assert status in (401, 302), (method, url)


def test_owner_only_routes_are_the_expected_ones(routes):
    marked = {
        endpoint for _m, _u, endpoint, view in routes if getattr(view, "admin_role", "") == "owner"
    }
    assert marked == EXPECTED_OWNER_ONLY


def test_staff_gets_forbidden_on_every_owner_only_route(staff, routes, conn):
    before = fingerprint(conn)
    for method, url, _endpoint, view in routes:
        if getattr(view, "admin_role", "staff") != "owner":
            continue
        if url.startswith("/api/"):
            response = staff.send_json(method, url, {"name": "x"})
        elif method in UNSAFE:
            response = staff.post(url, {"percent": "50"})
        else:
            response = staff.get(url)
        assert response.status_code == 403, (method, url)
    assert fingerprint(conn) == before


def test_staff_reaches_orders_and_stock(staff, shop):
    shop.product("rose-noir")
    for url in ("/admin/orders", "/admin/inventory", "/api/admin/orders", "/api/admin/inventory"):
        assert staff.get(url).status_code == 200, url


def fingerprint(conn) -> dict[str, Any]:
    """What any admin change would move."""
    return conn.execute(
        """
        SELECT (SELECT count(*) FROM audit_log) AS audit,
               (SELECT count(*) FROM catalog_changes) AS changes,
               (SELECT count(*) FROM build_runs) AS builds,
               (SELECT count(*) FROM admin_users) AS users,
               (SELECT coalesce(sum(price_cents), 0) FROM product_sizes) AS prices,
               (SELECT string_agg(status::text || payment_status::text, ',' ORDER BY id) FROM orders) AS orders,
               (SELECT coalesce(sum(remaining_volume), 0) FROM inventory) AS stock,
               (SELECT max(session_epoch) FROM admin_users) AS epoch
        """
    ).fetchone()


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_state_changes_without_the_right_csrf_token_are_forbidden(owner, routes, shop, conn, token):
    shop.product("rose-noir")
    shop.order(("rose-noir", 2, 1))
    before = fingerprint(conn)
    checked = 0
    for method, url, _endpoint, _view in routes:
        if method not in UNSAFE:
            continue
        headers = {"X-CSRF-Token": token} if token else {}
        if url.startswith("/api/"):
            response = owner.client.open(
                url, method=method, json={"status": "processing"}, headers=headers
            )
        else:
            data = {"csrf_token": token} if token else {}
            response = owner.client.open(url, method=method, data={**data, "percent": "10"})
        assert response.status_code == 403, (method, url)
        checked += 1
    assert checked > 15
    assert fingerprint(conn) == before
    assert owner.get("/api/admin/products").status_code == 200  # the session itself still works
