"""Back-in-stock alerts: asking (POST /api/stock-alerts), double opt-in, one e-mail per
confirmed subscriber queued by the restock's own transaction, unsubscribing, expiry."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from decant import worker
from decant.inventory import adjustments, stock, stock_alerts
from decant.staff.audit import Actor
from tests.factories import Shop
from tests.plugins.shopper_api import shopper_address

TOKEN_LINK = re.compile(r"/stock-alerts/(confirm|unsubscribe)\?token=([A-Za-z0-9_-]+)")


@pytest.fixture
def sold_out(shop: Shop) -> Shop:
    """Rose Noir has 3 ml left: its 2 ml size sells, its 5 ml size is sold out."""
    shop.product("rose-noir", name="Rose Noir", ml=3, sizes={2: 600, 5: 1400})
    return shop


def ask(client: FlaskClient, email: str = "ada@example.com", slug: str = "rose-noir", size=5):
    return client.post(
        "/api/stock-alerts",
        json={"email": email, "slug": slug, "size_ml": size},
        headers={"X-Forwarded-For": shopper_address()},
    )


def outbox(conn, kind: str | None = None) -> list[dict]:
    return conn.execute(
        "SELECT * FROM email_outbox WHERE %(kind)s::text IS NULL OR kind = %(kind)s ORDER BY id",
        {"kind": kind},
    ).fetchall()


def token_from(mail: dict, which: str = "confirm") -> str:
    return next(t for kind, t in TOKEN_LINK.findall(mail["text_body"]) if kind == which)


def test_asking_for_a_sold_out_size_answers_202_and_sends_one_confirmation(
    sold_out, api_client, conn
):
    first = ask(api_client, "Ada@Example.com")
    assert first.status_code == 202
    assert first.get_json()["success"] is True
    assert first.get_json()["data"] == {"status": "pending_confirmation"}
    [mail] = outbox(conn)
    assert mail["kind"] == "stock_alert_confirm" and mail["to_address"] == "ada@example.com"
    assert "Rose Noir" in mail["subject"] and "5 ml" in mail["text_body"]
    assert "/stock-alerts/confirm?token=" in mail["html_body"]
    again = ask(api_client, "ada@example.com")
    assert again.status_code == 202
    assert len(outbox(conn)) == 1
    assert sold_out.count("stock_alerts") == 1


def test_a_size_in_stock_is_a_conflict_and_unknown_ones_are_not_found(sold_out, api_client, conn):
    in_stock = ask(api_client, size=2)
    assert in_stock.status_code == 409
    assert in_stock.get_json()["error"]["code"] == "conflict"
    for slug, size in (("no-such-scent", 5), ("rose-noir", 7)):
        missing = ask(api_client, slug=slug, size=size)
        assert missing.status_code == 404
        assert missing.get_json()["error"]["code"] == "not_found"
    assert outbox(conn) == [] and sold_out.count("stock_alerts") == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address", "slug": "rose-noir", "size_ml": 5}, "email"),
        ({"email": "ada@example.com", "slug": "Rose Noir!", "size_ml": 5}, "slug"),
        ({"email": "ada@example.com", "slug": "rose-noir", "size_ml": -5}, "size_ml"),
        ({"email": "ada@example.com", "slug": "rose-noir", "size_ml": "five"}, "size_ml"),
        ({"email": "ada@example.com", "slug": "rose-noir"}, "size_ml"),
    ],
)
def test_bad_input_is_refused_naming_the_field(sold_out, api_client, conn, body, field):
    answer = api_client.post(
        "/api/stock-alerts", json=body, headers={"X-Forwarded-For": shopper_address()}
    )
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error["details"])
    assert sold_out.count("stock_alerts") == 0


def test_asking_is_rate_limited_per_client_with_retry_after(sold_out, api_client):
    address = shopper_address()
    codes = [
        api_client.post(
            "/api/stock-alerts",
            json={"email": f"s{i}@example.com", "slug": "rose-noir", "size_ml": 5},
            headers={"X-Forwarded-For": address},
        )
        for i in range(11)
    ]
    assert [c.status_code for c in codes[:10]] == [202] * 10
    assert codes[10].status_code == 429
    assert codes[10].get_json()["error"]["code"] == "rate_limited"
    assert int(codes[10].headers["Retry-After"]) >= 1


def confirm(api_client: FlaskClient, token: str):
    return api_client.post(
        "/stock-alerts/confirm", data={"token": token}, headers={"X-Forwarded-For": "10.1.1.1"}
    )


def test_the_confirmation_link_shows_a_button_and_only_the_post_confirms(
    sold_out, api_client, conn
):
    ask(api_client)
    token = token_from(outbox(conn)[0])
    page = api_client.get(f"/stock-alerts/confirm?token={token}")
    assert page.status_code == 200 and b"Confirm the alert" in page.data
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert conn.execute("SELECT confirmed_at FROM stock_alerts").fetchone()["confirmed_at"] is None
    done = confirm(api_client, token)
    assert done.status_code == 200 and b"Rose Noir 5 ml" in done.data
    assert conn.execute("SELECT confirmed_at FROM stock_alerts").fetchone()["confirmed_at"]
    assert confirm(api_client, "not-a-token").status_code == 404


def subscribe_confirmed(conn, email: str, slug: str = "rose-noir", size: int = 5) -> None:
    stock_alerts.subscribe(conn, email=email, slug=slug, size_ml=Decimal(size))
    token = conn.execute(
        "SELECT token FROM stock_alerts WHERE email = %s", (email.lower(),)
    ).fetchone()["token"]
    stock_alerts.confirm(conn, token)


def test_a_restock_queues_one_alert_per_confirmed_subscriber_and_ends_them(sold_out, conn):
    subscribe_confirmed(conn, "ada@example.com")
    subscribe_confirmed(conn, "bo@example.com")
    stock_alerts.subscribe(conn, email="unconfirmed@example.com", slug="rose-noir", size_ml=5)
    stock.restock(conn, "rose-noir", volume_ml=Decimal(2), cost_cents=100)  # 5 ml: 1 left
    alerts = outbox(conn, "back_in_stock")
    assert sorted(m["to_address"] for m in alerts) == ["ada@example.com", "bo@example.com"]
    tokens = {r["email"]: r["token"] for r in conn.execute("SELECT email, token FROM stock_alerts")}
    for m in alerts:  # each with its own unsubscribe link
        link = f"/stock-alerts/unsubscribe?token={tokens[m['to_address']]}"
        assert link in m["text_body"] and link in m["html_body"]
    assert all("/products/rose-noir/" in m["html_body"] for m in alerts)
    waiting = conn.execute(
        "SELECT email, notified_at IS NOT NULL AS notified FROM stock_alerts ORDER BY email"
    ).fetchall()
    assert [(w["email"], w["notified"]) for w in waiting] == [
        ("ada@example.com", True),
        ("bo@example.com", True),
        ("unconfirmed@example.com", False),
    ]
    stock.restock(conn, "rose-noir", volume_ml=Decimal(100), cost_cents=100)
    assert len(outbox(conn, "back_in_stock")) == 2  # the subscription has ended


def test_a_restock_too_small_for_the_size_sends_nothing(sold_out, conn):
    subscribe_confirmed(conn, "ada@example.com")
    stock.restock(conn, "rose-noir", volume_ml=Decimal(1), cost_cents=100)  # 4 ml < 5
    assert outbox(conn, "back_in_stock") == []


def test_a_rolled_back_restock_queues_no_alert(sold_out, conn, owner_account):
    subscribe_confirmed(conn, "ada@example.com")
    actor = Actor(owner_account["id"], owner_account["email"], "owner", "127.0.0.1")
    with pytest.raises(RuntimeError), conn.transaction():
        adjustments.restock(conn, actor, "rose-noir", volume_ml=Decimal(50), cost_cents=100)
        assert len(outbox(conn, "back_in_stock")) == 1  # queued inside the transaction
        raise RuntimeError("the owner's restock fails later in the same transaction")
    assert outbox(conn, "back_in_stock") == []
    assert conn.execute("SELECT notified_at FROM stock_alerts").fetchone()["notified_at"] is None


def test_found_stock_brings_the_size_back_too(sold_out, conn):
    subscribe_confirmed(conn, "ada@example.com")
    stock.adjust(conn, "rose-noir", delta_ml=Decimal(-10), reason="count")
    assert [m["to_address"] for m in outbox(conn, "back_in_stock")] == ["ada@example.com"]


def test_unsubscribing_ends_the_alert_before_any_restock(sold_out, api_client, conn):
    ask(api_client)
    token = token_from(outbox(conn)[0], "unsubscribe")
    confirm(api_client, token_from(outbox(conn)[0]))
    page = api_client.get(f"/stock-alerts/unsubscribe?token={token}")
    assert page.status_code == 200 and b"Unsubscribe" in page.data
    done = api_client.post(
        "/stock-alerts/unsubscribe", data={"token": token}, headers={"X-Forwarded-For": "10.2.2.2"}
    )
    assert done.status_code == 200 and b"no more e-mails about Rose Noir 5 ml" in done.data
    assert sold_out.count("stock_alerts") == 0
    stock.restock(conn, "rose-noir", volume_ml=Decimal(50), cost_cents=100)
    assert outbox(conn, "back_in_stock") == []


def test_the_worker_deletes_unconfirmed_after_48_hours_and_unsent_after_90_days(
    sold_out, conn, settings
):
    for email in ("fresh@x.com", "waiting@x.com", "very-old@x.com"):
        subscribe_confirmed(conn, email)
    stock_alerts.subscribe(conn, email="old-unconfirmed@x.com", slug="rose-noir", size_ml=5)
    conn.execute(
        "UPDATE stock_alerts SET created_at = now() - CASE email"
        " WHEN 'old-unconfirmed@x.com' THEN interval '49 hours'"
        " WHEN 'waiting@x.com' THEN interval '89 days'"
        " WHEN 'very-old@x.com' THEN interval '91 days' ELSE interval '0' END"
    )
    done = worker.run_due(conn, settings)
    assert done["stock alerts expired"] == 2
    left = [r["email"] for r in conn.execute("SELECT email FROM stock_alerts ORDER BY email")]
    assert left == ["fresh@x.com", "waiting@x.com"]


def test_asking_again_after_an_alert_was_sent_starts_a_new_subscription(sold_out, conn):
    subscribe_confirmed(conn, "ada@example.com")
    stock.restock(conn, "rose-noir", volume_ml=Decimal(5), cost_cents=100)
    sold_out.stock("rose-noir", ml=0)
    assert stock_alerts.subscribe(conn, email="ada@example.com", slug="rose-noir", size_ml=5)
    assert len(outbox(conn, "stock_alert_confirm")) == 2


def test_the_stock_page_shows_waiting_subscribers_per_size(sold_out, conn, owner):
    subscribe_confirmed(conn, "ada@example.com")
    subscribe_confirmed(conn, "bo@example.com")
    stock_alerts.subscribe(conn, email="c@example.com", slug="rose-noir", size_ml=5)
    assert stock_alerts.waiting_by_product(conn) == {"rose-noir": [{"size_ml": 5, "waiting": 2}]}
    page = owner.get("/admin/inventory")
    assert page.status_code == 200
    assert re.search(r"5 ml: 2 waiting", page.get_data(as_text=True))


def test_one_restock_alerts_a_thousand_subscribers_in_its_transaction(sold_out, conn, capsys):
    """Also prints how long the restock took (the figure in the report; not asserted)."""
    conn.execute(
        "INSERT INTO stock_alerts (product_id, size_ml, email, token, confirmed_at)"
        " SELECT p.id, 5, 'sub' || n || '@example.com', 'tok' || n, now()"
        "   FROM products p, generate_series(1, 1000) n WHERE p.slug = 'rose-noir'"
    )
    started = time.perf_counter()
    stock.restock(conn, "rose-noir", volume_ml=Decimal(100), cost_cents=100)
    seconds = time.perf_counter() - started
    assert len(outbox(conn, "back_in_stock")) == 1000
    with capsys.disabled():
        print(f"\nrestock -> 1000 back-in-stock e-mails queued in {seconds:.3f} s")
