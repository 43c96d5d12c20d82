"""An operator tailing the worker's log sees a line when a round did something, and
silence while the shop is idle (the worker polls every few seconds)."""

from __future__ import annotations

import logging

import pytest

from decant import worker


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)

    def lines() -> list[str]:
        return [record.getMessage() for record in caplog.records]

    return lines


def test_idle_rounds_log_nothing(conn, settings, log_lines) -> None:
    worker.run_round(conn, settings)  # the first round also registers the periodic jobs
    worker.run_round(conn, settings)
    assert log_lines() == []


def test_a_round_that_expires_an_order_says_so_in_one_line(conn, settings, shop, log_lines) -> None:
    shop.product("rose-noir", ml=20, sizes={5: 1400})
    order = shop.order(("rose-noir", 5, 1))
    conn.execute(
        "UPDATE orders SET created_at = now() - interval '31 minutes' WHERE order_number = %s",
        (order["order_number"],),
    )
    worker.run_round(conn, settings)
    assert log_lines() == ["worker: 1 orders expired"]
