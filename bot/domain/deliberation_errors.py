"""What can go wrong around a meeting's opinions and outcome, as domain errors.

Each carries what the person needs to be told (a number, a date); handlers turn them into
one translated sentence (handlers/deliberation_errors.py).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.domain.errors import DomainError


class DeliberationError(DomainError):
    """Base of the errors below."""


class MeetingCancelled(DeliberationError):
    def __init__(self, number: str) -> None:
        super().__init__(f"meeting {number} was cancelled")
        self.number = number


class MeetingNotHeld(DeliberationError):
    """An outcome for a meeting that has not started yet."""

    def __init__(self, number: str) -> None:
        super().__init__(f"meeting {number} has not taken place yet")
        self.number = number


class MeetingStarted(DeliberationError):
    """Opinions are gathered until the meeting starts; after that it is too late."""

    def __init__(self, number: str) -> None:
        super().__init__(f"meeting {number} has started")
        self.number = number


class OutcomePublished(DeliberationError):
    def __init__(self, number: str) -> None:
        super().__init__(f"the outcome of meeting {number} is published already")
        self.number = number


class SummaryMissing(DeliberationError):
    """Publishing needs at least the discussion summary."""

    def __init__(self) -> None:
        super().__init__("an outcome needs a summary of the discussion")


class OwnerMissing(DeliberationError):
    def __init__(self) -> None:
        super().__init__("an action item needs an owner")


class DueDateInvalid(DeliberationError):
    def __init__(self, text: str) -> None:
        super().__init__(f"not a date: {text!r}")
        self.text = text


class DueDateInPast(DeliberationError):
    def __init__(self, due: date, today: date, description: str = "") -> None:
        super().__init__(f"due date {due} is before today ({today})")
        self.due = due
        self.today = today
        self.description = description


class OpinionsClosed(DeliberationError):
    def __init__(self, topic_number: str) -> None:
        super().__init__(f"opinions on {topic_number} are not being gathered")
        self.topic_number = topic_number


class NotParticipant(DeliberationError):
    """Only a topic's followers, the meeting's invitees and the township's staff and
    members take part in its opinions."""

    def __init__(self, topic_number: str) -> None:
        super().__init__(f"not a participant of {topic_number}")
        self.topic_number = topic_number


class OpinionGiven(DeliberationError):
    """One opinion per person per topic: the first one stands."""

    def __init__(self, text: str) -> None:
        super().__init__("an opinion was given already")
        self.text = text


class OwnOpinion(DeliberationError):
    def __init__(self) -> None:
        super().__init__("people do not vote on their own opinion")


class TopicNotScheduled(DeliberationError):
    """Publishing moves a meeting's topics on; one that never got as far as `scheduled`
    (still collecting, or only selected) cannot be marked as deliberated."""

    def __init__(self, topic_number: str, status: StrEnum) -> None:
        super().__init__(f"topic {topic_number} is {status}, not scheduled")
        self.topic_number = topic_number
        self.status = status
