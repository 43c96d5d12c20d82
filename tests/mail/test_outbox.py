"""The outbox: Resend, SMTP fallback, files on disk; retries; never sent twice."""

from __future__ import annotations

import email
import json
import threading
from email import policy

import pytest
import responses

from decant import worker
from decant.mail import composing, delivery_leases, outbox
from decant.platform import db
from tests.plugins.payments import RESEND_BASE


class Crash(Exception):
    """The worker dies between handing the e-mail over and marking it sent."""


@pytest.fixture
def queued(conn, shop):
    shop.product("iris-pale", ml=50)
    order = shop.order(("iris-pale", 5, 1))
    composing.enqueue(conn, "confirmation", order)
    return order


@pytest.fixture
def resend_settings(settings):
    return settings.model_copy(
        update={
            "resend_api_key": "re_test_key",
            "resend_api_base": RESEND_BASE,
            "mail_from": "Decant <shop@decant.example>",
        }
    )


def outbox_row(conn):
    return conn.execute("SELECT * FROM email_outbox").fetchone()


def test_resend_is_called_with_the_message_and_its_idempotency_key(
    conn, queued, resend_settings, fake_resend
):
    assert outbox.send_due(conn, resend_settings) == 1

    assert len(fake_resend.requests) == 1
    sent = fake_resend.requests[0]
    row = outbox_row(conn)
    assert sent["headers"]["Authorization"] == "Bearer re_test_key"
    assert sent["headers"]["Idempotency-Key"] == f"order:{queued['id']}:confirmation"
    assert sent["json"]["from"] == "Decant <shop@decant.example>"
    assert sent["json"]["to"] == ["ada@example.com"]
    assert sent["json"]["subject"] == row["subject"]
    assert queued["order_number"] in sent["json"]["html"]
    assert queued["order_number"] in sent["json"]["text"]
    assert (row["status"], row["provider"]) == ("sent", "resend")
    assert row["provider_message_id"].startswith("email_")
    assert outbox.send_due(conn, resend_settings) == 0
    assert len(fake_resend.requests) == 1


def test_resend_down_falls_back_to_smtp(conn, queued, resend_settings, fake_resend, smtp_server):
    smtp_url, inbox = smtp_server
    fake_resend.down = True
    assert outbox.send_due(conn, resend_settings.model_copy(update={"smtp_url": smtp_url})) == 1

    assert inbox.received.wait(30)
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["ada@example.com"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert queued["order_number"] in message["Subject"]
    assert message["Message-ID"] == f"<order-{queued['id']}-confirmation@decant.example>"
    assert queued["order_number"] in message.get_body(("plain",)).get_content()
    assert queued["order_number"] in message.get_body(("html",)).get_content()
    assert (outbox_row(conn)["status"], outbox_row(conn)["provider"]) == ("sent", "smtp")


def test_a_failed_send_is_retried_later_with_backoff(conn, queued, resend_settings, fake_resend):
    fake_resend.down = True
    assert outbox.send_due(conn, resend_settings) == 0
    row = outbox_row(conn)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "503" in row["last_error"]
    waited = conn.execute("SELECT next_attempt_at - now() AS wait FROM email_outbox").fetchone()[
        "wait"
    ]
    assert 20 <= waited.total_seconds() <= 30

    # not due yet: nothing is tried again this round
    assert outbox.send_due(conn, resend_settings) == 0
    assert len(fake_resend.requests) == 1

    fake_resend.down = False
    conn.execute("UPDATE email_outbox SET next_attempt_at = now()")  # the wait is over
    assert outbox.send_due(conn, resend_settings) == 1
    assert outbox_row(conn)["status"] == "sent"
    assert len(fake_resend.delivered) == 1


class FlakyResend:
    """Resend answering 500 while `failing`, then 200: a provider having a bad hour."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.failing = True
        self.keys: list[str] = []
        mock.add_callback("POST", f"{RESEND_BASE}/emails", self._send)

    def _send(self, request):
        self.keys.append(request.headers["Idempotency-Key"])
        if self.failing:
            return 500, {}, json.dumps({"message": "internal server error"})
        return 200, {"Content-Type": "application/json"}, json.dumps({"id": "email_flaky_1"})


def wait_before_next_attempt(conn) -> float:
    return conn.execute(
        "SELECT extract(epoch FROM next_attempt_at - now()) AS s FROM email_outbox"
    ).fetchone()["s"]


def the_wait_is_over(conn) -> None:
    """Move the retry time instead of sleeping until it."""
    conn.execute("UPDATE email_outbox SET next_attempt_at = now() - interval '1 second'")


def test_failed_sends_back_off_doubling_then_go_out_once_resend_recovers(
    conn, queued, resend_settings, http_fakes
):
    resend = FlakyResend(http_fakes)
    waits = []
    for attempt in (1, 2, 3):
        assert outbox.send_due(conn, resend_settings) == 0
        row = outbox_row(conn)
        assert (row["status"], row["attempts"]) == ("pending", attempt)
        assert "500" in row["last_error"]
        waits.append(wait_before_next_attempt(conn))
        # not due yet: this round tries nothing
        assert outbox.send_due(conn, resend_settings) == 0
        assert len(resend.keys) == attempt
        the_wait_is_over(conn)
    assert [round(w / 30) for w in waits] == [1, 2, 4]  # 30 s, 1 min, 2 min

    resend.failing = False
    assert outbox.send_due(conn, resend_settings) == 1
    row = outbox_row(conn)
    assert (row["status"], row["provider"], row["attempts"]) == ("sent", "resend", 4)
    assert row["provider_message_id"] == "email_flaky_1"
    assert resend.keys == [f"order:{queued['id']}:confirmation"] * 4
    the_wait_is_over(conn)
    assert outbox.send_due(conn, resend_settings) == 0
    assert len(resend.keys) == 4


def test_a_send_that_keeps_failing_is_given_up_after_the_last_attempt(
    conn, queued, resend_settings, http_fakes
):
    resend = FlakyResend(http_fakes)
    conn.execute("UPDATE email_outbox SET attempts = %s", (delivery_leases.MAX_ATTEMPTS - 1,))
    assert outbox.send_due(conn, resend_settings) == 0
    row = outbox_row(conn)
    assert (row["status"], row["attempts"]) == ("failed", delivery_leases.MAX_ATTEMPTS)
    assert "500" in row["last_error"]
    the_wait_is_over(conn)
    resend.failing = False
    assert outbox.send_due(conn, resend_settings) == 0  # failed stays failed for the operator
    assert len(resend.keys) == 1
    assert outbox_row(conn)["status"] == "failed"


def test_nothing_is_sent_twice_after_a_crash_between_send_and_mark(
    conn, queued, resend_settings, fake_resend, monkeypatch
):
    def crash(*args, **kwargs):
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(outbox, "_mark_sent", crash)
        with pytest.raises(Crash):
            outbox.send_due(conn, resend_settings)
    assert outbox_row(conn)["status"] == "sending"

    # while the dead worker's lease runs, nobody else takes the row
    assert outbox.send_due(conn, resend_settings) == 0
    conn.execute("UPDATE email_outbox SET locked_until = now() - interval '1 second'")
    assert outbox.send_due(conn, resend_settings) == 1

    keys = [r["headers"]["Idempotency-Key"] for r in fake_resend.requests]
    assert keys == [f"order:{queued['id']}:confirmation"] * 2
    assert len(fake_resend.delivered) == 1
    assert outbox_row(conn)["status"] == "sent"


def test_two_workers_at_once_send_each_email_once(
    conn, shop, database_url, resend_settings, fake_resend
):
    shop.product("oud-smoke", ml=500)
    for n in range(30):
        composing.enqueue(conn, "confirmation", shop.order(("oud-smoke", 2, 1), email=f"s{n}@x.io"))
    barrier = threading.Barrier(2, timeout=60)
    totals = []

    def worker():
        with db.connect(database_url) as own:
            barrier.wait()
            totals.append(
                outbox.send_due(own, resend_settings, limit=10)
                + outbox.send_due(own, resend_settings, limit=10)
                + outbox.send_due(own, resend_settings, limit=10)
            )

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(totals) == 30
    keys = [r["headers"]["Idempotency-Key"] for r in fake_resend.requests]
    assert len(keys) == len(set(keys)) == 30


def test_without_a_mail_service_the_worker_writes_eml_files(conn, queued, settings):
    done = worker.run_due(conn, settings)
    assert done["e-mails sent"] == 1
    files = list((settings.data_dir / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"order-{queued['id']}-confirmation.eml"]
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "ada@example.com"
    assert queued["order_number"] in message.get_body(("plain",)).get_content()
    assert outbox_row(conn)["provider"] == "file"


def test_smtp_credentials_are_never_sent_without_tls(conn, queued, settings):
    """A server that offers AUTH but no STARTTLS on smtp://: no login, nothing sent."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.plugins.payments import SmtpInbox
    from tests.ports import free_port

    offered: list[object] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        offered.append(auth_data)
        return AuthResult(success=True)

    inbox = SmtpInbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        ready_timeout=30,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        url = f"smtp://shop:s3cret-pass@127.0.0.1:{controller.port}"
        assert outbox.send_due(conn, settings.model_copy(update={"smtp_url": url})) == 0
    finally:
        controller.stop()
    assert offered == []
    assert inbox.messages == []
    row = outbox_row(conn)
    assert row["status"] == "pending" and row["sent_at"] is None
    assert "STARTTLS" in row["last_error"] and "SmtpWithoutTls" in row["last_error"]
    assert "s3cret-pass" not in row["last_error"]
