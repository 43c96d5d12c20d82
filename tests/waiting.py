"""Waiting on a condition with a deadline, for servers and replicas that come up on
their own time. It never times a result: it returns as soon as the condition holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

POLL_SECONDS = 0.05


def wait_until(
    condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached after {timeout}s")
        pause.wait(POLL_SECONDS)
