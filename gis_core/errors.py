"""What a domain's service says when it refuses a request. The API maps each kind to one HTTP
status (api.errors); domains subclass these and never import the API."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request. ``field`` names the input at fault; ``slug`` names the problem type
    (``/problems/{slug}``) when a subclass wants one more precise than its kind's."""

    slug: str | None = None
    title: str | None = None  # the problem's title, when the kind's is too general

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class FixedField(DomainError):
    """A refusal that is always about the same input, named by the subclass's ``field_name``."""

    field_name: str

    def __init__(self, message: str) -> None:
        super().__init__(message, self.field_name)


class NotFoundError(DomainError):
    """The thing asked for does not exist (or is not the caller's to see)."""


class ConflictError(DomainError):
    """The current state forbids it: the slot is taken, the window is closed."""


class RuleViolation(DomainError):
    """Well-formed, but against a rule: a past date, outside opening hours, over capacity."""


class NotPermitted(DomainError):
    """The caller may not do this (e.g. an unverified address for the lottery)."""


class LimitReached(DomainError):
    """A per-person limit: too many bookings, too many cancellations."""
