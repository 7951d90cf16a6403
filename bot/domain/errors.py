"""Domain errors: each has a translated explanation in handlers/, never a traceback."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class DomainError(Exception):
    """Base of every error a person can cause by what they ask for."""


class NotFound(DomainError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class NotAllowed(DomainError):
    """The person lacks the role or ownership the action needs."""


class QuotaExceeded(DomainError):
    def __init__(self, limit: int, retry_at: datetime) -> None:
        super().__init__(f"more than {limit} issues in 24 hours; retry at {retry_at.isoformat()}")
        self.limit = limit
        self.retry_at = retry_at


class DraftIncomplete(DomainError):
    def __init__(self, missing: str) -> None:
        super().__init__(f"draft is missing {missing}")
        self.missing = missing


class DescriptionTooLong(DomainError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"description has {length} characters, limit {limit}")
        self.length = length
        self.limit = limit


class StaleState(DomainError):
    """The object changed since the button was shown: merged, answered, closed meanwhile.

    `subject` is its public number, `status` its current status (an IssueStatus or a
    TopicStatus), `related` the number it went into (a topic, an original issue), if any.
    Handlers tell the person exactly that, so a stale button explains itself.
    """

    def __init__(self, subject: str, status: StrEnum, related: str | None = None) -> None:
        super().__init__(f"{subject} is {status}" + (f" ({related})" if related else ""))
        self.subject = subject
        self.status = status
        self.related = related
