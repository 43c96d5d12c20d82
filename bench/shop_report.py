"""The tables bench/shop.py prints: per route what shoppers felt, and the server side."""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.shop_probes import Probe

ROUTES = [
    "pages",
    "product api",
    "events",
    "orders",
    "checkout",
    "demo confirm",
    "webhooks",
    "tracking",
]
DYNAMIC_P99_MS = 100.0
STATIC_P99_MS = 10.0


@dataclass(frozen=True)
class RouteFigures:
    route: str
    requests: int
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    off_2xx: Counter
    server_errors: int
    allowed_503: int  # answered 503 inside the PostgreSQL gap


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))] * 1000


def figures(
    samples: dict[str, list[tuple[float, float, int]]],
    seconds: float,
    gap: tuple[float, float] | None,
) -> list[RouteFigures]:
    rows = []
    for route in ROUTES:
        taken = samples.get(route, [])
        if not taken:
            continue
        latencies = sorted(s for _, s, _ in taken)
        off = Counter(status for _, _, status in taken if not 200 <= status < 300)
        allowed = sum(1 for began, _, status in taken if status == 503 and in_gap(began, gap))
        rows.append(
            RouteFigures(
                route,
                len(taken),
                len(taken) / seconds,
                percentile(latencies, 0.50),
                percentile(latencies, 0.95),
                percentile(latencies, 0.99),
                off,
                sum(n for status, n in off.items() if status >= 500),
                allowed,
            )
        )
    return rows


def in_gap(began: float, gap: tuple[float, float] | None) -> bool:
    """A request that started shortly before PostgreSQL stopped, or while it was down
    and the pools reconnected, may be answered 503."""
    return gap is not None and gap[0] - 1.0 <= began <= gap[1] + 5.0


def route_table(rows: list[RouteFigures]) -> list[str]:
    lines = [
        f"{'route':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'5xx':>5}  non-2xx by status"
    ]
    for r in rows:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(r.off_2xx.items())) or "-"
        if r.allowed_503:
            statuses += f" ({r.allowed_503} x 503 in the PostgreSQL gap)"
        lines.append(
            f"{r.route:<14}{r.requests:>9}{r.rate:>8.1f}{r.p50_ms:>8.1f}{r.p95_ms:>8.1f}"
            f"{r.p99_ms:>8.1f}{r.server_errors:>5}  {statuses}"
        )
    return lines


def server_table(probe: Probe) -> list[str]:
    lines = ["server side:"]
    for component in (
        "gunicorn workers",
        "nginx",
        "postgresql",
        "redis",
        "decant worker",
        "load generator",
    ):
        cpu = probe.cpu_seconds(component)
        if component in probe.cpu or component == "load generator":
            lines.append(
                f"  {component:<18} CPU {cpu:7.1f} s = {100 * cpu / probe.seconds:5.1f} % of one core"
            )
    lines.append(f"  PostgreSQL connections used (max sampled): {probe.pg_connections}")
    lines.append(f"  Redis used_memory_peak: {probe.redis_peak_bytes / 1048576:.1f} MiB")
    return lines


def targets(rows: list[RouteFigures]) -> list[str]:
    static = [r for r in rows if r.route == "pages"]
    dynamic = [r for r in rows if r.route != "pages"]
    worst_dynamic = max((r.p99_ms for r in dynamic), default=0.0)
    worst_static = max((r.p99_ms for r in static), default=0.0)
    met = worst_dynamic < DYNAMIC_P99_MS and worst_static < STATIC_P99_MS
    return [
        f"p99 targets: dynamic {worst_dynamic:.1f} ms (< {DYNAMIC_P99_MS:.0f}),"
        f" static {worst_static:.1f} ms (< {STATIC_P99_MS:.0f}): {'met' if met else 'NOT met'}"
    ]


def server_error_verdict(
    samples: dict[str, list[tuple[float, float, int]]], gap: tuple[float, float] | None
) -> Counter:
    """The 5xx that are not allowed: any, except 503 inside the PostgreSQL gap."""
    bad: Counter = Counter()
    for route, taken in samples.items():
        for began, _, status in taken:
            if status >= 500 and not (status == 503 and in_gap(began, gap)):
                bad[(route, status)] += 1
    return bad


def exceptions_in_log(log: Path, limit: int = 8) -> list[str]:
    """What the app's unhandled errors (its 500s) were: route and exception, from the
    JSON error lines gunicorn's workers write; most frequent first."""
    if not log.exists():
        return []
    found: Counter = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{") or '"exc_info"' not in line:
            continue
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            heads = [
                line
                for line in entry["exc_info"].splitlines()
                if re.match(r"^[A-Za-z_][\w.]*: ", line)
            ]
            last = heads[-1] if heads else entry["exc_info"].strip().splitlines()[-1]
            route = re.sub(r"/api/products/[^ ]+", "/api/products/<slug>", entry.get("message", ""))
            found[f"{route}: {last[:160]}"] += 1
    return [f"{n} x {line}" for line, n in found.most_common(limit)]
