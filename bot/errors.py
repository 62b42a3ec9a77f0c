"""The core's own exceptions. Adapters translate them into kind sentences for users."""

from __future__ import annotations


class ReviewbotError(Exception):
    """Base of every error the core raises on purpose."""


class AccessDenied(ReviewbotError):
    """The caller may not see or change this; the refusal has already been audited."""


class UnknownPerson(ReviewbotError):
    """Someone named in a request is not in the org chart (or not active)."""


class NotAvailable(ReviewbotError):
    """The request is valid, but what it asks for cannot be done now; `args[0]` says why."""


class FormRejected(ReviewbotError):
    """A submitted form has errors; `errors` maps field keys to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"{len(errors)} field error(s)")
        self.errors = errors
