"""The owner hears about the shop: a product crossing its low-stock threshold (once per
crossing), paid orders when asked for, the daily digest and doctor findings, by e-mail
to DECANT_OWNER_EMAIL and a JSON POST to DECANT_ALERT_WEBHOOK_URL, each exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import decant.ops.doctor
from decant import worker
from decant.mail import alert_webhooks
from decant.ops import owner_alerts, owner_digest, schedule
from decant.ops.doctor import Check
from decant.orders import placing
from tests.plugins.alert_receiver import AlertReceiver

OWNER = "owner@shop.test"


@pytest.fixture
def told(settings, alert_receiver):
    return settings.model_copy(
        update={"owner_email": OWNER, "alert_webhook_url": alert_receiver.url}
    )


def rounds(conn, settings, n: int = 2) -> None:
    """Worker rounds: the first queues the owner's e-mail, the next sends it."""
    for _ in range(n):
        worker.run_due(conn, settings)


def owner_mails(conn, kind: str) -> list[dict]:
    return conn.execute(
        "SELECT * FROM email_outbox WHERE kind = %s ORDER BY id", (f"owner_{kind}",)
    ).fetchall()


def test_low_stock_crossing_is_told_once_and_again_after_a_restock(
    shop, conn, told, alert_receiver: AlertReceiver
):
    shop.product("rose-noir", name="Rose Noir", ml=20, sizes={5: 1400})
    shop.order(("rose-noir", 5, 1))  # 15 ml left, above the threshold of 10
    rounds(conn, told)
    assert owner_mails(conn, "low_stock") == [] and alert_receiver.posts == []

    shop.order(("rose-noir", 5, 1))  # 10 ml: crosses
    rounds(conn, told)
    [mail] = owner_mails(conn, "low_stock")
    assert mail["to_address"] == OWNER and mail["status"] == "sent"
    assert mail["subject"] == "Low stock: Rose Noir (10 ml left)"
    assert len(alert_receiver.posts) == 1
    assert alert_receiver.posts[0]["content_type"] == "application/json"
    assert alert_receiver.texts[0].startswith("Low stock: Rose Noir (10 ml left)")

    shop.order(("rose-noir", 5, 1))  # 5 ml: still low, nothing new
    rounds(conn, told)
    assert len(owner_mails(conn, "low_stock")) == 1 and len(alert_receiver.posts) == 1

    shop.stock("rose-noir", ml=60)  # a new bottle: above again
    rounds(conn, told)
    assert len(owner_mails(conn, "low_stock")) == 1 and len(alert_receiver.posts) == 1
    shop.stock("rose-noir", ml=8)  # and down again: a second crossing
    rounds(conn, told)
    assert [m["subject"] for m in owner_mails(conn, "low_stock")][-1] == (
        "Low stock: Rose Noir (8 ml left)"
    )
    assert len(owner_mails(conn, "low_stock")) == 2 and len(alert_receiver.posts) == 2


def test_a_rolled_back_sale_tells_nothing(shop, conn, told, alert_receiver):
    shop.product("rose-noir", ml=12, sizes={5: 1400})
    with pytest.raises(RuntimeError), conn.transaction():
        shop.order(("rose-noir", 5, 1))
        raise RuntimeError("the request failed after the sale")
    rounds(conn, told)
    assert owner_mails(conn, "low_stock") == [] and alert_receiver.posts == []


def _pay(conn, order):
    return placing.transition(
        conn, order["id"], status="paid", payment_status="paid", payment_intent_id="pi_demo_1"
    )


def test_paid_orders_are_told_only_when_the_setting_asks(
    shop, conn, told, alert_receiver: AlertReceiver
):
    shop.product("rose-noir", ml=100, sizes={5: 1400})
    quiet = shop.order(("rose-noir", 5, 1))
    _pay(conn, quiet)
    rounds(conn, told)
    assert owner_mails(conn, "paid_order") == [] and alert_receiver.posts == []

    loud = told.model_copy(update={"notify_paid_orders": True})
    second = shop.order(("rose-noir", 5, 2))
    conn.execute("UPDATE orders SET payment_intent_id = NULL WHERE id = %s", (quiet["id"],))
    _pay(conn, second)
    rounds(conn, loud)
    rounds(conn, loud)
    [mail] = owner_mails(conn, "paid_order")
    total = f"€{second['total_cents'] / 100:.2f}"
    assert mail["subject"] == f"Paid order {second['order_number']}: {total}"
    said = f"Order {second['order_number']} was paid: 2 item(s), {total}."
    assert said in mail["text_body"]
    assert alert_receiver.texts == [f"{mail['subject']}\n{said}"]


def test_a_refused_webhook_post_is_retried_and_then_delivered_once(
    shop, conn, told, alert_receiver: AlertReceiver
):
    alert_receiver.refuse = 1
    shop.product("rose-noir", ml=12, sizes={5: 1400})
    shop.order(("rose-noir", 5, 1))
    rounds(conn, told)
    [row] = conn.execute("SELECT * FROM webhook_outbox").fetchall()
    assert row["status"] == "pending" and "503" in row["last_error"]
    assert alert_receiver.posts == []
    conn.execute("UPDATE webhook_outbox SET next_attempt_at = now()")
    assert alert_webhooks.send_due(conn) == 1
    assert alert_webhooks.send_due(conn) == 0
    assert len(alert_receiver.posts) == 1


def test_the_digest_tells_yesterdays_orders_revenue_low_stock_and_waiting_shoppers(
    shop, conn, told
):
    shop.product("rose-noir", name="Rose Noir", ml=100, sizes={5: 1400})
    shop.product("oud-sec", name="Oud Sec", ml=4, sizes={5: 2000})
    yesterday = [shop.order(("rose-noir", 5, 1)), shop.order(("rose-noir", 5, 2))]
    older = shop.order(("rose-noir", 5, 1))
    unpaid = shop.order(("rose-noir", 5, 1))
    for order, at in [(yesterday[0], "2026-03-09 00:10"), (yesterday[1], "2026-03-09 23:50"),
                      (older, "2026-03-08 12:00"), (unpaid, "2026-03-09 12:00")]:  # fmt: skip
        conn.execute(
            "UPDATE orders SET created_at = %s::timestamp AT TIME ZONE 'UTC' WHERE id = %s",
            (at, order["id"]),
        )
    for order in (*yesterday, older):
        conn.execute(
            "UPDATE orders SET status = 'paid', payment_status = 'paid', paid_at = now()"
            " WHERE id = %s",
            (order["id"],),
        )
    for email, confirmed in [("a@example.com", True), ("b@example.com", True),
                             ("c@example.com", False)]:  # fmt: skip
        conn.execute(
            "INSERT INTO stock_alerts (product_id, size_ml, email, token, confirmed_at)"
            " SELECT id, 5, %s, %s, CASE WHEN %s THEN now() END FROM products"
            " WHERE slug = 'oud-sec'",
            (email, f"token-{email}", confirmed),
        )
    found = owner_digest.facts(conn, date(2026, 3, 9))
    revenue = yesterday[0]["total_cents"] + yesterday[1]["total_cents"]
    assert (found["orders"], found["revenue_cents"]) == (2, revenue)
    assert [r["name"] for r in found["low_stock"]] == ["Oud Sec"]
    assert [(r["name"], r["subscribers"]) for r in found["waiting"]] == [("Oud Sec", 2)]

    assert owner_digest.queue(conn, told, date(2026, 3, 10)).startswith(
        f"Decant digest for 2026-03-09: 2 paid order(s), €{revenue / 100:.2f}"
    )
    owner_digest.queue(conn, told, date(2026, 3, 10))  # a second worker the same morning
    rounds(conn, told)
    [mail] = owner_mails(conn, "digest")
    assert mail["to_address"] == OWNER
    assert "Maison Test Oud Sec: 4 ml left" in mail["text_body"]
    assert "Oud Sec 5 ml: 2 waiting" in mail["text_body"]


def test_a_doctor_finding_is_posted_to_the_webhook_once_a_day(
    conn, told, alert_receiver: AlertReceiver, monkeypatch
):
    findings = [Check("disk", False, "only 0.5 GiB free (2%) on /srv"), Check("database", True, "reachable")]  # fmt: skip
    monkeypatch.setattr(decant.ops.doctor, "run", lambda *a, **k: findings)
    doctor = [j for j in schedule.jobs_for(told) if j.name == "doctor"]
    start = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    schedule.run_due(conn, told, now=start, jobs=doctor)  # first sight: due at 09:15
    assert (
        schedule.run_due(conn, told, now=datetime(2026, 3, 10, 9, 15, tzinfo=UTC), jobs=doctor) == 1
    )
    assert (
        schedule.run_due(conn, told, now=datetime(2026, 3, 10, 9, 30, tzinfo=UTC), jobs=doctor) == 1
    )
    owner_alerts.dispatch(conn, told)
    alert_webhooks.send_due(conn)
    assert alert_receiver.texts == [
        "decant doctor: disk is failing\nFAIL disk: only 0.5 GiB free (2%) on /srv"
    ]
    # Findings go to the alerts channel, not the owner's inbox.
    assert owner_mails(conn, "doctor") == []
    [job] = schedule.status(conn)
    assert job["last_ok"] is True and job["last_result"] == "1 check(s) failed: disk"
