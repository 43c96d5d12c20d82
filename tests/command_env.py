"""The environment for a `decant` command run as a subprocess on a test's shop."""

from __future__ import annotations

import os

from decant.platform.config import Settings


def decant_env(settings: Settings, **extra: str) -> dict[str, str]:
    """This process's environment with the test's shop in it (its database, Redis, data
    and public directories, as the `settings` fixture has them); `extra` on top."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "DECANT_DATA_DIR": str(settings.data_dir),
        "DECANT_PUBLIC_DIR": str(settings.public_dir),
        "DECANT_ENV": "test",
        "DECANT_SECRET_KEY": settings.secret_key or "",
        "DECANT_DEMO_PAYMENTS": "1" if settings.demo_payments else "",
        **extra,
    }
