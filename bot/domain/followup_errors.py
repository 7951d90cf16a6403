"""What can go wrong after the work is done: resolving, rating, reopening, looking back.

Each carries the topic's number for the sentence people read (handlers/followup_errors.py).
"""

from __future__ import annotations

from bot.domain.errors import DomainError


class FollowUpError(DomainError):
    """Base of the errors below."""

    def __init__(self, topic_number: str, message: str) -> None:
        super().__init__(f"{topic_number}: {message}")
        self.topic_number = topic_number


class AlreadyResolved(FollowUpError):
    """Resolving a topic that is resolved already (a double tap, or two staff at once)."""

    def __init__(self, topic_number: str) -> None:
        super().__init__(topic_number, "is resolved already")


class NotRaiserOrSupporter(FollowUpError):
    """Only the people who raised or joined (附议) the topic's issues rate it and look back."""

    def __init__(self, topic_number: str) -> None:
        super().__init__(topic_number, "the person did not raise or join it")


class RoundClosed(FollowUpError):
    """A rating or a look-back answer for a resolution that no longer stands: the topic was
    reopened since (its button is stale), or the look-back round has ended."""

    def __init__(self, topic_number: str, reopened: bool) -> None:
        super().__init__(topic_number, "reopened" if reopened else "the round has closed")
        self.reopened = reopened


class AlreadyReopened(FollowUpError):
    """Reopening from an alert about a resolution that was reopened already."""

    def __init__(self, topic_number: str) -> None:
        super().__init__(topic_number, "was reopened already")


class NotRated(FollowUpError):
    """Answering a resident about a rating they did not give (a forged button)."""

    def __init__(self, topic_number: str) -> None:
        super().__init__(topic_number, "no such rating")


class NothingToReopenWith(FollowUpError):
    """A topic with no published outcome has no place for a new action item."""

    def __init__(self, topic_number: str) -> None:
        super().__init__(topic_number, "no published outcome")
