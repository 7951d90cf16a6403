"""What a transaction changed that something outside the database keeps a copy of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class NewIssue:
    """An issue that became open, for the similarity index to take in without a rebuild."""

    township_id: int
    issue_id: int
    text: str
    village: str | None
    created_at: datetime


@dataclass
class Changes:
    """What a transaction changed that something outside the database keeps a copy of."""

    # Townships whose open issues or topics changed (the similarity index is rebuilt).
    open_items: set[int] = field(default_factory=set)
    # Townships where staff confirmed a category (the category model may learn).
    confirmed_categories: set[int] = field(default_factory=set)
    # People (by Telegram id) whose roles or language changed (the cache forgets them).
    people: set[int] = field(default_factory=set)
    # People (by Telegram id) who chose a home village: (village id, township id), which
    # the cache takes in place (a QR code on a notice board brings many at once).
    homes: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Notifications were queued: the dispatcher should look.
    outbox: bool = False
    # Jobs were scheduled: the scheduler should look again.
    jobs: bool = False
    # New open issues (added to the similarity index in place).
    new_issues: list[NewIssue] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.open_items
            or self.confirmed_categories
            or self.people
            or self.homes
            or self.outbox
            or self.jobs
            or self.new_issues
        )

    def merge(self, other: Changes) -> None:
        self.open_items |= other.open_items
        self.confirmed_categories |= other.confirmed_categories
        self.people |= other.people
        self.homes.update(other.homes)
        self.outbox = self.outbox or other.outbox
        self.jobs = self.jobs or other.jobs
        self.new_issues += other.new_issues
