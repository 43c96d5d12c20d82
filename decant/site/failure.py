"""How a build fails: one exception whose message is the line build_runs records."""

from __future__ import annotations

import errno

import click


class BuildFailed(click.ClickException):
    """The build stopped; the live site is the one it was. The message says what failed."""


# Out of space (or over a file-size or quota limit): said plainly in build_runs and by
# `decant doctor`, whatever layer the error surfaced through.
DISK_FULL = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large",
}


def failure_reason(exc: BaseException) -> str:
    """The one line build_runs.error records for a failed build."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in DISK_FULL:
            where = f" ({seen.filename})" if seen.filename else ""
            return f"{DISK_FULL[seen.errno]}: {seen.strerror}{where}"
        seen = seen.__cause__ or seen.__context__
    return str(exc) if isinstance(exc, BuildFailed) else f"{type(exc).__name__}: {exc}"
