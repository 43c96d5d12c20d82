"""`/metrics`: what a Prometheus on the same machine scrapes, and nobody else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from functions import create_app


@pytest.fixture
def app(settings) -> Iterator[Flask]:
    app = create_app(settings, pool_size=2)
    yield app
    app.extensions["decant"].close()


def scrape(app: Flask) -> dict[tuple[str, tuple], float]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_requests_are_counted_and_timed_by_route(app):
    before = scrape(app)
    key = (
        "decant_http_requests_total",
        (("method", "GET"), ("route", "/api/health"), ("status", "200")),
    )
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/health").status_code == 200

    after = scrape(app)

    assert after[key] - before.get(key, 0) == 3
    timed = (
        "decant_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/api/health")),
    )
    assert after[timed] - before.get(timed, 0) == 3


def test_orders_payments_builds_and_outbox_backlog_are_exported(app, shop, conn):
    shop.product("rose-noir", ml=50)
    shop.order(("rose-noir", 5, 1))
    shop.order(("rose-noir", 2, 1))
    conn.execute(
        "INSERT INTO webhook_events (event_id, event_type) VALUES ('evt_1', 'payment_intent.succeeded')"
    )
    conn.execute(
        "INSERT INTO email_outbox (kind, dedupe_key, to_address, subject, html_body, text_body)"
        " VALUES ('order_confirmation', 'k1', 'ada@example.com', 's', 'h', 't'),"
        "        ('order_confirmation', 'k2', 'ada@example.com', 's', 'h', 't')"
    )
    conn.execute(
        "INSERT INTO build_runs (status, seconds, started_at, finished_at)"
        " VALUES ('succeeded', 0.8, now(), now()), ('succeeded', 12.5, now(), now())"
    )
    conn.execute("INSERT INTO build_runs (status) VALUES ('queued')")

    metrics = scrape(app)

    assert metrics[("decant_orders", (("payment_status", "unpaid"), ("status", "pending")))] == 2
    assert (
        metrics[
            (
                "decant_payment_events_total",
                (("event_type", "payment_intent.succeeded"), ("outcome", "applied")),
            )
        ]
        == 1
    )
    assert metrics[("decant_outbox_backlog", ())] == 2
    assert metrics[("decant_builds", (("status", "queued"),))] == 1
    assert metrics[("decant_build_duration_seconds_count", ())] == 2
    assert metrics[("decant_build_duration_seconds_bucket", (("le", "1.0"),))] == 1
    assert metrics[("decant_build_duration_seconds_sum", ())] == pytest.approx(13.3)


def test_metrics_are_refused_to_a_client_from_outside(app):
    client = app.test_client()

    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    through_proxy = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})

    assert outside.status_code == 403
    assert outside.get_json()["error"]["code"] == "forbidden"
    assert through_proxy.status_code == 403
    assert b"decant_orders" not in outside.data + through_proxy.data


def test_metrics_are_served_to_a_trusted_monitoring_host(settings):
    trusted = settings.model_copy(update={"trusted_proxies": "127.0.0.1/32,10.0.0.0/8"})
    app = create_app(trusted, pool_size=2)
    try:
        answer = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    finally:
        app.extensions["decant"].close()

    assert answer.status_code == 200
    assert b"decant_outbox_backlog" in answer.data
