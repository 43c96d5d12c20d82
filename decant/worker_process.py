"""`decant worker` as a child of `decant serve`, so the first README command runs a
whole shop: publishing, confirmation e-mails and expiry of unpaid orders included.

A child process rather than a thread: the web server forks its workers, which must
not inherit a thread holding database connections, and a worker that crashes cannot
take the web server with it. The child is stopped when serve stops (its normal exit,
SIGTERM or SIGINT all leave through `__exit__`); on Linux it is also told to stop if
serve itself is killed outright, so no orphan keeps sending e-mails. The child logs
its own start line (decant.worker), so serve adds none.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys

STOP_SECONDS = 10.0
PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:  # runs in the child between fork and exec
    # Ctrl-C reaches the whole terminal's process group: the worker leaves it to serve,
    # which stops the web server first and then the worker (no "Aborted!" midway).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerProcess:
    """`decant worker` running beside this process for as long as the `with` block."""

    def __init__(self, *extra_args: str) -> None:
        self._args = [sys.executable, "-m", "decant.cli", "worker", *extra_args]
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WorkerProcess:
        self._process = subprocess.Popen(
            self._args,
            preexec_fn=_stop_with_parent,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
