"""`/metrics` for Prometheus: request counts and latency by route from this process,
and the shop's own figures (orders, payments, builds, outbox) read at scrape time.

Not for the outside world: only loopback and DECANT_TRUSTED_PROXIES peers are
answered, and when a proxy forwarded the request, the client it names must be one
of those too (Nginx also refuses /metrics from outside). Under gunicorn with several
workers set PROMETHEUS_MULTIPROC_DIR so the counters of every worker are summed.
"""

from __future__ import annotations

import ipaddress
import os
import time

from flask import Blueprint, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)

from decant.analytics import monitoring
from decant.errors import Forbidden
from functions.web.runtime import replica, settings

bp = Blueprint("metrics", __name__)

HTTP = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "decant_http_requests_total",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
    registry=HTTP,
)
LATENCY = Histogram(
    "decant_http_request_duration_seconds",
    "Time to answer, by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=HTTP,
)


@bp.before_app_request
def _start_clock() -> None:
    g.decant_started = time.perf_counter()


@bp.after_app_request
def _count(response: Response) -> Response:
    started = g.pop("decant_started", None)
    route = request.url_rule.rule if request.url_rule else "unmatched"
    if route != "/metrics":
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics() -> Response:
    _refuse_outsiders()
    shop = CollectorRegistry(auto_describe=False)
    shop.register(ShopCollector())
    body = _process_metrics() + generate_latest(shop)
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)


def _refuse_outsiders() -> None:
    allowed = [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
        *settings().trusted_networks,
    ]
    chain = [request.remote_addr or ""]
    forwarded = request.headers.get("X-Forwarded-For", "")
    chain += [part.strip() for part in forwarded.split(",") if part.strip()]
    if request.headers.get("X-Real-IP"):
        chain.append(request.headers["X-Real-IP"].strip())
    for address in chain:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise Forbidden("metrics are only served to the machine itself") from None
        if not any(ip in network for network in allowed):
            raise Forbidden("metrics are only served to the machine itself")


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(HTTP)


class ShopCollector:
    """Reads the shop's figures from the (replica) database at each scrape."""

    def collect(self):  # type: ignore[no-untyped-def]
        with replica().connection(timeout=5) as conn:
            orders = monitoring.orders_by_state(conn)
            payments = monitoring.payment_events(conn)
            outbox = monitoring.outbox_backlog(conn)
            builds = monitoring.builds(conn)

        count = GaugeMetricFamily(
            "decant_orders",
            "Orders by status and payment status",
            labels=["status", "payment_status"],
        )
        money = GaugeMetricFamily(
            "decant_orders_total_cents",
            "Order totals in cents by status and payment status",
            labels=["status", "payment_status"],
        )
        for row in orders:
            count.add_metric([row["status"], row["payment_status"]], row["orders"])
            money.add_metric([row["status"], row["payment_status"]], int(row["total_cents"]))
        yield count
        yield money

        events = CounterMetricFamily(
            "decant_payment_events",
            "Payment webhook events received, by type and outcome",
            labels=["event_type", "outcome"],
        )
        for row in payments:
            events.add_metric([row["event_type"], row["outcome"]], row["events"])
        yield events

        yield GaugeMetricFamily(
            "decant_outbox_backlog", "E-mails waiting to be sent", value=outbox["waiting"]
        )
        yield GaugeMetricFamily(
            "decant_outbox_failed", "E-mails that failed for good", value=outbox["failed"]
        )
        yield GaugeMetricFamily(
            "decant_outbox_oldest_seconds",
            "Age of the oldest e-mail waiting",
            value=outbox["oldest_seconds"],
        )

        queued = GaugeMetricFamily("decant_builds", "Builds by state", labels=["status"])
        for status in ("queued", "running", "failed", "succeeded"):
            queued.add_metric([status], builds[status])
        yield queued
        yield GaugeMetricFamily(
            "decant_build_oldest_queued_seconds",
            "How long the oldest queued build has waited",
            value=builds["oldest_queued_seconds"],
        )
        durations = HistogramMetricFamily(
            "decant_build_duration_seconds", "Seconds each finished build took"
        )
        buckets = [(str(bound), n) for bound, n in builds["seconds_buckets"]]
        buckets.append(("+Inf", builds["seconds_count"]))
        durations.add_metric([], buckets, sum_value=builds["seconds_sum"])
        yield durations
