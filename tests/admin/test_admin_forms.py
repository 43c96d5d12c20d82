"""Admin input is validated at the edge: odd numbers answer 422 naming the field, never 500."""

from __future__ import annotations

import pytest

from tests.plugins.admin import AdminClient

PRODUCT_FORM = {
    "slug": "fig-harbour",
    "name": "Fig Harbour",
    "brand": "Maison Neuve",
    "size_ml": "2",
    "price": "6.50",
}


def form_post(owner: AdminClient, path: str, data: dict[str, str]):
    return owner.post(path, data)


NAMED_BAD_INPUTS = [
    ("GET", "/admin/products?page=²", None, "page"),
    ("GET", "/admin/orders?page=²", None, "page"),
    ("GET", "/admin/orders?page=٣", None, "page"),
    ("GET", "/admin/inventory?page=²", None, "page"),
    ("GET", "/admin/inventory?q=rose&page=2", None, "page"),
    ("POST", "/admin/products", {**PRODUCT_FORM, "launch_year": "²"}, "launch_year"),
    ("POST", "/admin/products", {**PRODUCT_FORM, "launch_year": "٢٠٢١"}, "launch_year"),
    ("POST", "/admin/products/prices", {"percent": "NaN"}, "percent"),
    (
        "POST",
        "/admin/inventory/rose-noir/restock",
        {"volume_ml": "Infinity", "cost": "10"},
        "volume_ml",
    ),
    ("POST", "/admin/inventory/rose-noir/restock", {"volume_ml": "50", "cost": "NaN"}, "cost"),
    ("POST", "/admin/orders/1/refund", {"amount": "Infinity"}, "amount"),
    ("POST", "/admin/orders/1/refund", {"amount": "1e400"}, "amount"),
]


@pytest.mark.parametrize(
    ("method", "path", "form", "field"),
    NAMED_BAD_INPUTS,
    ids=[
        f"{p.split('/')[-1]}-{(f or {}).get(field, p.split('=')[-1])}-{field}"
        for _, p, f, field in NAMED_BAD_INPUTS
    ],
)
def test_bad_numbers_in_admin_forms_answer_422_naming_the_field(
    owner, shop, method, path, form, field
):
    shop.product("rose-noir", sizes={2: 600, 5: 1400})
    response = owner.get(path) if method == "GET" else form_post(owner, path, form)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert f"<code>{field}</code>:" in response.get_data(as_text=True) or (
        f'name="{field}"' in response.get_data(as_text=True)  # the form, shown again
        and f"<li>{field}:" in response.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [
        ("GET", "/admin/products?q=%00", None),
        ("GET", "/admin/orders?q=a%00b", None),
        ("GET", "/admin/inventory?q=a%00b", None),
        ("POST", "/admin/inventory/rose-noir/adjust", {"delta_ml": "1", "note": "a\x00b"}),
    ],
)
def test_a_nul_character_in_an_admin_form_is_a_422_not_a_500(owner, shop, method, path, form):
    shop.product("rose-noir", sizes={2: 600, 5: 1400})
    response = owner.get(path) if method == "GET" else form_post(owner, path, form)
    assert response.status_code == 422
    assert "must not contain NUL characters" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/admin/products?page=²", "page"),
        ("/api/admin/products?page=٣", "page"),
        ("/api/admin/orders?per_page=Infinity", "per_page"),
        ("/api/admin/inventory?per_page=Infinity", "per_page"),
        ("/api/admin/inventory?page=٣", "page"),
    ],
)
def test_bad_numbers_in_admin_api_queries_answer_the_envelope(owner, path, field):
    response = owner.get(path)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error" and field in body["error"]["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"refund_cents": "Infinity"}, "refund_cents"),
        ({"refund_cents": 1e300}, "refund_cents"),
        ({"refund_cents": "٣"}, "refund_cents"),
    ],
)
def test_bad_numbers_in_admin_api_bodies_answer_the_envelope(owner, body, field):
    response = owner.send_json("PUT", "/api/admin/orders/1", body)
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert field in details


@pytest.mark.parametrize("size", ["NaN", "Infinity", "٣", "²", 1e300])
def test_bad_size_in_the_product_api_names_it(owner, size):
    body = {
        "slug": "fig-harbour",
        "name": "Fig Harbour",
        "brand": "Maison Neuve",
        "launch_year": "²",
        "sizes": [{"size_ml": size, "price_cents": 650}],
    }
    response = owner.send_json("POST", "/api/admin/products", body)
    assert response.status_code == 422
    assert {"launch_year", "sizes.0.size_ml"} <= set(response.get_json()["error"]["details"])


# -- fuzzing: whatever an admin (or a script with a stolen session) sends, no 5xx ----

# Routes that would end or rotate the session the fuzzer uses; covered by their own tests.
NOT_FUZZED = {
    "admin.logout",
    "admin.logout_everywhere",
    "admin.account_password",
    "admin.totp_start",
    "admin.totp_confirm",
    "admin.totp_disable",
    "admin.static",
    "admin.login",
    "admin.login_post",
}
FORM_FIELDS = [
    "page", "per_page", "period", "status", "payment_status", "from", "to", "q", "brand",
    "active", "low", "low_first", "entity", "slug", "name", "concentration", "gender", "description",
    "top_notes", "heart_notes", "base_notes", "accords", "launch_year", "perfumer",
    "is_active", "size_ml", "price", "percent", "product_id", "volume_ml", "cost",
    "supplier", "received_on", "delta_ml", "reason", "note", "tracking_number", "amount",
    "email", "password", "role", "apply", "code", "current_password",
]  # fmt: skip
# What breaks naive number parsing: non-ASCII digits, NaN/Infinity, overflow, odd dates.
NUMBER_BREAKERS = [
    "²", "٣", "١٢", "NaN", "sNaN", "Infinity", "-Infinity", "1e400", "9" * 40, "-1", "0",
    "２０２４-01-01", "2024-02-30", "9999-12-31", "0001-01-01", "12,5", "1_000",
]  # fmt: skip
NASTY = [
    "", " ", "1", "2", "\x00", "a" * 3000, "true", "on", "yes", "no", "day", "week", "paid",
    "shipped", "cancelled", "rose-noir", "owner", "x@y.z", "../../etc/passwd", "%", "'",
    "\u202e", "🙂", "€3.50",
]  # fmt: skip


def text_values():
    from hypothesis import strategies as st

    breakers = st.sampled_from(NUMBER_BREAKERS)
    return st.one_of(
        breakers,
        breakers,
        breakers,
        breakers,
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats().map(str),
        st.decimals().map(str),
    )


def json_values():
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        text_values(),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.sampled_from(["size_ml", "price_cents", "x"]), inner, max_size=3)
        ),
        max_leaves=8,
    )


API_FIELDS = [
    "status", "tracking_number", "reason", "refund_cents", "slug", "name", "brand",
    "concentration", "gender", "description", "top_notes", "accords", "launch_year",
    "perfumer", "is_active", "sizes", "images",
]  # fmt: skip


def fuzz_routes(app, product_id: int, order_id: int) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/admin", "/api/admin")) or rule.endpoint in NOT_FUZZED:
            continue
        values = {
            name: (order_id if "order" in name else product_id)
            if "int" in type(conv).__name__.lower()
            else "rose-noir"
            for name, conv in rule._converters.items()
        }
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, url, rule.endpoint))
    return routes


def test_fuzzed_admin_forms_queries_and_api_bodies_never_answer_5xx(owner, shop, conn):
    """Every admin route (but those that end the session) gets a dozen requests of
    Hypothesis-made fields, query strings and JSON bodies, with the session and its
    CSRF token: none may answer 5xx, and an API refusal names the field."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    shop.product("rose-noir", sizes={2: 600, 5: 1400})
    shop.stock("rose-noir", ml=100)
    product_id = conn.execute("SELECT id FROM products").fetchone()["id"]
    order_id = shop.order(("rose-noir", 2, 1))["id"]
    routes = fuzz_routes(owner.client.application, product_id, order_id)
    assert len(routes) > 30

    def fuzz(method: str, url: str) -> None:
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            fields=st.fixed_dictionaries({}, optional=dict.fromkeys(FORM_FIELDS, text_values())),
            body=st.dictionaries(st.sampled_from(API_FIELDS), json_values(), max_size=5),
        )
        def answered_without_5xx(fields, body):
            if url.startswith("/api/") and method in {"POST", "PUT", "PATCH"}:
                response = owner.send_json(method, url, body)
            elif method == "GET":
                response = owner.get(url, query_string=fields)
            else:
                response = owner.post(url, fields)
            assert response.status_code < 500, (method, url, fields, body)
            assert response.status_code not in (401, 403) or "owner" in url, (method, url)
            if url.startswith("/api/") and response.status_code >= 400:
                error = response.get_json()["error"]
                if error["code"] == "validation_error":
                    assert error["details"], (method, url, body)

        answered_without_5xx()

    for method, url, _endpoint in routes:
        fuzz(method, url)
