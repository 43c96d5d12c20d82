"""Admin fixtures: an app, accounts, and logged-in browsers-in-a-test-client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from decant.platform.config import Settings
from decant.staff import accounts
from functions import create_app
from functions.admin.guard import LOGIN_COOKIE, SESSION_COOKIE

OWNER_EMAIL = "owner@decant.test"
STAFF_EMAIL = "staff@decant.test"
PASSWORD = "correct horse battery staple"


class AdminClient:
    """A test client speaking https (the cookies are __Host-/Secure) with the CSRF token."""

    def __init__(self, app: Flask, remote_addr: str = "127.0.0.1") -> None:
        self.client: FlaskClient = app.test_client()
        self.client.environ_base.update({"wsgi.url_scheme": "https", "REMOTE_ADDR": remote_addr})
        self.csrf: str | None = None

    def login(
        self, email: str, password: str = PASSWORD, *, totp: str | None = None
    ) -> TestResponse:
        self.get("/admin/login")
        token = self.cookie(LOGIN_COOKIE)
        response = self.client.post(
            "/admin/login",
            json={"email": email, "password": password, "totp": totp},
            headers={"X-CSRF-Token": token or ""},
        )
        if response.status_code == 200:
            self.csrf = response.get_json()["data"]["csrf_token"]
        return response

    def cookie(self, name: str) -> str | None:
        found = self.client.get_cookie(name, domain="localhost")
        return found.value if found else None

    @property
    def session_id(self) -> str | None:
        return self.cookie(SESSION_COOKIE)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> TestResponse:
        form = dict(data or {})
        if csrf and self.csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.client.post(path, data=form, **kwargs)

    def send_json(self, method: str, path: str, body: Any, *, csrf: bool = True) -> TestResponse:
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return self.client.open(path, method=method, json=body, headers=headers)


@pytest.fixture
def admin_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, pool_size=6)
    app.config["TESTING"] = True
    yield app
    app.extensions["decant"].close()


@pytest.fixture
def owner_account(conn: psycopg.Connection) -> dict[str, Any]:
    return accounts.create(conn, OWNER_EMAIL, PASSWORD, "owner")


@pytest.fixture
def staff_account(conn: psycopg.Connection) -> dict[str, Any]:
    return accounts.create(conn, STAFF_EMAIL, PASSWORD, "staff")


@pytest.fixture
def anonymous(admin_app: Flask) -> AdminClient:
    return AdminClient(admin_app)


@pytest.fixture
def owner(admin_app: Flask, owner_account: dict[str, Any]) -> AdminClient:
    client = AdminClient(admin_app)
    assert client.login(OWNER_EMAIL).status_code == 200
    return client


@pytest.fixture
def staff(admin_app: Flask, staff_account: dict[str, Any]) -> AdminClient:
    client = AdminClient(admin_app, remote_addr="127.0.0.2")
    assert client.login(STAFF_EMAIL).status_code == 200
    return client
