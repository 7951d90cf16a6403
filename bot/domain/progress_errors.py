"""What can go wrong when progress is posted on an action item, as domain errors.

Each carries what the person needs to be told; handlers/progress_errors.py turns them into
one translated sentence.
"""

from __future__ import annotations

from bot.domain.errors import DomainError


class ProgressError(DomainError):
    """Base of the errors below."""


class ItemDone(ProgressError):
    """The item was marked done already: nothing more is posted on it."""

    def __init__(self, description: str) -> None:
        super().__init__(f"action item {description!r} is done")
        self.description = description


class NotItemOwner(ProgressError):
    """Only the item's owner, or staff of its township, post on it."""

    def __init__(self, description: str) -> None:
        super().__init__(f"not the owner of {description!r}")
        self.description = description


class PercentOutOfRange(ProgressError):
    def __init__(self, text: str) -> None:
        super().__init__(f"percentage {text!r} is not a whole number from 0 to 100")
        self.text = text


class NothingToPost(ProgressError):
    """No text, no photo, no new percentage: an update that would tell nothing."""

    def __init__(self) -> None:
        super().__init__("the update is empty")


class BadPeriod(ProgressError):
    """A participation period that ends before it starts."""

    def __init__(self) -> None:
        super().__init__("the period ends before it starts")
