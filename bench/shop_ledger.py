"""The ledger bench/shop.py checks after a run: what the shoppers were told against
what the database holds. A snapshot taken before the run bounds "the run's orders"
and each product's stock before it, so the demo catalog's history does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bench.shop_shoppers import Outcomes


@dataclass(frozen=True)
class Snapshot:
    last_order_id: int
    last_adjustment_id: int
    used_ml: dict[int, Decimal]


@dataclass
class Ledger:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, label: str, detail: str = "") -> None:
        mark = "ok  " if ok else "FAIL"
        self.lines.append(f"  [{mark}] {label}" + (f": {detail}" if detail else ""))
        if not ok:
            self.failures.append(label)

    @property
    def holds(self) -> bool:
        return not self.failures


def snapshot(database_url: str) -> Snapshot:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        orders = conn.execute("SELECT coalesce(max(id), 0) AS id FROM orders").fetchone()
        adjustments = conn.execute(
            "SELECT coalesce(max(id), 0) AS id FROM inventory_adjustments"
        ).fetchone()
        used = conn.execute("SELECT product_id, used_volume FROM inventory").fetchall()
    return Snapshot(
        orders["id"], adjustments["id"], {r["product_id"]: r["used_volume"] for r in used}
    )


def check(database_url: str, before: Snapshot, outcomes: Outcomes) -> Ledger:
    ledger = Ledger()
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        run_orders = conn.execute(
            """
            SELECT o.id, o.order_number, o.email, o.status::text, o.payment_status::text,
                   o.stock_released_at, count(oi.id) AS lines
              FROM orders o LEFT JOIN order_items oi ON oi.order_id = o.id
             WHERE o.id > %s
             GROUP BY o.id
            """,
            (before.last_order_id,),
        ).fetchall()
        _answered_orders_stored(ledger, run_orders, outcomes)
        _stock_matches_orders(ledger, conn, before)
        _paid_orders_mailed_once(ledger, conn, before)
        _webhooks_applied_once(ledger, conn, before)
        _no_stuck_orders(ledger, run_orders, outcomes)
    return ledger


def _answered_orders_stored(ledger: Ledger, run_orders: list[dict], outcomes: Outcomes) -> None:
    stored = {o["order_number"]: o for o in run_orders}
    missing = [n for n in outcomes.placed if n not in stored]
    short = [
        n for n, lines in outcomes.placed.items() if n in stored and stored[n]["lines"] != lines
    ]
    ledger.check(
        not missing and not short,
        f"every 201 order is stored with its items ({len(outcomes.placed)} orders)",
        f"missing {missing[:5]}, wrong items {short[:5]}" if missing or short else "",
    )
    unanswered = [o for o in run_orders if o["order_number"] not in outcomes.placed]
    unclear = set(outcomes.unclear_orders)
    unexplained = [o["order_number"] for o in unanswered if o["email"] not in unclear]
    ledger.check(
        not unexplained,
        "no order stored that was not answered 201",
        f"{len(unexplained)} stored after a 4xx: {unexplained[:5]}"
        if unexplained
        else f"{len(unanswered)} stored after a lost answer or 5xx"
        if unanswered
        else "",
    )


def _stock_matches_orders(ledger: Ledger, conn: psycopg.Connection, before: Snapshot) -> None:
    rows = conn.execute(
        """
        SELECT i.product_id, p.slug, i.used_volume,
               coalesce((SELECT sum(oi.size_ml * oi.quantity)
                           FROM order_items oi JOIN orders o ON o.id = oi.order_id
                          WHERE oi.product_id = i.product_id AND o.id > %(orders)s
                            AND o.stock_released_at IS NULL), 0) AS live_ml,
               coalesce((SELECT sum(a.delta_ml) FROM inventory_adjustments a
                          WHERE a.product_id = i.product_id AND a.id > %(adjustments)s
                            AND a.delta_ml > 0), 0) AS adjusted_ml
          FROM inventory i JOIN products p ON p.id = i.product_id
        """,
        {"orders": before.last_order_id, "adjustments": before.last_adjustment_id},
    ).fetchall()
    wrong = [
        f"{r['slug']}: used +{r['used_volume'] - before.used_ml.get(r['product_id'], 0)} ml,"
        f" orders {r['live_ml']} + adjustments {r['adjusted_ml']}"
        for r in rows
        if r["used_volume"] - before.used_ml.get(r["product_id"], Decimal(0))
        != r["live_ml"] + r["adjusted_ml"]
    ]
    ledger.check(
        not wrong,
        f"used_volume moved by exactly the live and paid orders' ml ({len(rows)} products)",
        "; ".join(wrong[:5]),
    )
    released_wrongly = conn.execute(
        """
        SELECT order_number, status::text, payment_status::text FROM orders
         WHERE id > %s
           AND (stock_released_at IS NOT NULL)
               <> (status = 'cancelled' AND payment_status <> 'paid')
        """,
        (before.last_order_id,),
    ).fetchall()
    ledger.check(
        not released_wrongly,
        "stock released exactly for the cancelled unpaid orders",
        str(released_wrongly[:5]) if released_wrongly else "",
    )


def _paid_orders_mailed_once(ledger: Ledger, conn: psycopg.Connection, before: Snapshot) -> None:
    rows = conn.execute(
        """
        SELECT o.order_number, count(m.id) AS mails
          FROM orders o
          LEFT JOIN email_outbox m ON m.order_id = o.id AND m.kind = 'confirmation'
         WHERE o.id > %s AND o.payment_status = 'paid'
         GROUP BY o.id
        """,
        (before.last_order_id,),
    ).fetchall()
    wrong = [f"{r['order_number']}: {r['mails']}" for r in rows if r["mails"] != 1]
    ledger.check(
        not wrong,
        f"every paid order has exactly one confirmation e-mail ({len(rows)} paid)",
        "; ".join(wrong[:5]),
    )


def _webhooks_applied_once(ledger: Ledger, conn: psycopg.Connection, before: Snapshot) -> None:
    twice = conn.execute(
        """
        SELECT o.order_number, count(*) AS times
          FROM order_events e JOIN orders o ON o.id = e.order_id
         WHERE o.id > %s AND e.payment_status = 'paid' AND e.status = 'paid'
         GROUP BY o.order_number HAVING count(*) > 1
        """,
        (before.last_order_id,),
    ).fetchall()
    outcomes = conn.execute(
        """
        SELECT outcome, count(*) AS n FROM webhook_events w
         WHERE w.order_id > %s OR w.order_id IS NULL
         GROUP BY outcome ORDER BY outcome
        """,
        (before.last_order_id,),
    ).fetchall()
    summary = ", ".join(f"{r['outcome']} {r['n']}" for r in outcomes) or "none received"
    ledger.check(
        not twice,
        "no payment applied twice",
        f"{[dict(r) for r in twice[:5]]}" if twice else f"webhook events: {summary}",
    )


def _no_stuck_orders(ledger: Ledger, run_orders: list[dict], outcomes: Outcomes) -> None:
    stuck = [
        f"{o['order_number']} {o['status']}/{o['payment_status']}"
        for o in run_orders
        if (o["payment_status"] == "paid" and o["status"] in ("pending", "cancelled"))
        or (o["status"] == "paid" and o["payment_status"] != "paid")
    ]
    ledger.check(not stuck, "no order stuck in a state it cannot leave", "; ".join(stuck[:5]))
    status = {o["order_number"]: o["payment_status"] for o in run_orders}
    unpaid = sorted(n for n in outcomes.paid if status.get(n) != "paid")
    ledger.check(
        not unpaid,
        f"every order the shopper paid is paid ({len(outcomes.paid)} paid)",
        f"{len(unpaid)} not: {unpaid[:5]}" if unpaid else "",
    )


def describe(ledger: Ledger) -> list[Any]:
    return ["Ledger: " + ("holds" if ledger.holds else "FAILS"), *ledger.lines]
