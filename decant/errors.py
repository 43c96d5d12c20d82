"""Typed domain errors. Each carries the contract's error code; the HTTP layer maps
codes to statuses in one place, so the domain never speaks HTTP."""

from __future__ import annotations

from typing import Any


class DecantError(Exception):
    code = "internal"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(DecantError):
    """Input that can never be right; `details` maps each field at fault to why."""

    code = "validation_error"

    def __init__(self, message: str, details: dict[str, str] | list[dict[str, Any]] | None = None):
        super().__init__(message, details)


class NotFound(DecantError):
    code = "not_found"


class OutOfStock(DecantError):
    """`details` lists each line that is short: slug, size, asked and available."""

    code = "out_of_stock"


class Conflict(DecantError):
    code = "conflict"


class InvalidTransition(Conflict):
    """A state-machine move the order's current state does not allow."""


class Unauthorized(DecantError):
    code = "unauthorized"


class Forbidden(DecantError):
    code = "forbidden"


class RateLimited(DecantError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 60):
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class Unavailable(DecantError):
    code = "unavailable"


class PaymentError(DecantError):
    """The payment provider refused or could not be reached."""

    code = "unavailable"
