"""Errors raised by services. Each has a stable code; one handler turns them into responses."""

from __future__ import annotations


class LabError(Exception):
    """A rule said no. ``message`` is already in the user's language."""

    status_code = 400
    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field_errors = field_errors or {}


class NotFound(LabError):
    status_code = 404
    default_code = "not_found"


class Forbidden(LabError):
    status_code = 403
    default_code = "forbidden"


class Conflict(LabError):
    status_code = 409
    default_code = "conflict"


class Invalid(LabError):
    """Input broke a rule; ``field_errors`` maps form fields to messages."""

    status_code = 422
    default_code = "invalid"


class MalformedBody(LabError):
    """A request body no handler can read (JSON nested too deep, not UTF-8…)."""

    status_code = 400
    default_code = "malformed_body"


class BodyTooLarge(LabError):
    status_code = 413
    default_code = "too_large"


class TooManyAttempts(LabError):
    status_code = 429
    default_code = "too_many_attempts"
