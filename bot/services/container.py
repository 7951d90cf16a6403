"""What every handler needs, built once at start-up and kept in application.bot_data."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.sent_marks import SentMarks
from bot.services.categories import CategorySuggester
from bot.services.directory import DirectoryCache
from bot.services.flood import FloodGuard
from bot.services.people import PersonCache
from bot.services.similar import SimilarityService
from storage.changes import Changes
from storage.db import SessionFactory
from storage.flows import RememberedFlows
from storage.received import ChatTurn
from storage.uow import UnitOfWork


@dataclass
class Services:
    settings: Settings
    session_factory: SessionFactory
    clock: Clock
    # Reads that may run beside the writer (SQLite WAL); None: the main factory serves all.
    read_factory: SessionFactory | None = None
    # Reads too large for the event loop (SQLite: worker threads); None: the readers serve.
    bulk_factory: SessionFactory | None = None
    people: PersonCache = field(default_factory=PersonCache)
    flood: FloodGuard = field(init=False)
    directory: DirectoryCache = field(init=False)
    similar: SimilarityService = field(init=False)
    categories: CategorySuggester = field(init=False)
    # Each chat's open flows as last committed, where this process alone writes the
    # database (SQLite); None where several processes may (PostgreSQL).
    flow_memory: RememberedFlows | None = field(init=False)
    # Updates whose answers went out, to be marked done (bot/sent_marks.py).
    sent: SentMarks = field(default_factory=SentMarks)
    # Fire-and-forget tasks, referenced here so they are not collected mid-flight.
    background: set[asyncio.Task[None]] = field(default_factory=set)
    # Called after a commit that queued notifications (the wiring wakes the dispatcher),
    # or scheduled jobs (the scheduler).
    on_outbox: Callable[[], None] | None = None
    on_jobs: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.flood = FloodGuard(self.settings.flood_max_updates, self.settings.flood_window_seconds)
        reads = self.read_factory or self.session_factory
        bulk = self.bulk_factory or reads
        self.directory = DirectoryCache(reads)
        self.similar = SimilarityService(bulk)
        self.categories = CategorySuggester(bulk, self.directory)
        shared = ChatTurn.needed(self.session_factory)
        self.flow_memory = None if shared else RememberedFlows()

    def warming_up(self) -> int:
        """Start-up work still under way (the word dictionary, category models)."""
        loading = sum(
            1 for task in self.background if not task.done() and task.get_name() == "warm-up"
        )
        return loading + self.categories.training

    def apply(self, changes: Changes) -> None:
        """After a commit: the in-memory copies learn what the transaction changed."""
        for township_id in changes.open_items:
            self.similar.invalidate(township_id)
        for issue in changes.new_issues:
            if issue.township_id not in changes.open_items:
                self.similar.add_issue(
                    issue.township_id, issue.issue_id, issue.text, issue.village, issue.created_at
                )
        for township_id in changes.confirmed_categories:
            self.categories.note_confirmation(township_id)
        for telegram_id, (village_id, township_id) in changes.homes.items():
            self.people.amend(telegram_id, village_id=village_id, township_id=township_id)
        for telegram_id in changes.people:
            self.people.forget(telegram_id)
        if changes.outbox and self.on_outbox is not None:
            self.on_outbox()
        if changes.jobs and self.on_jobs is not None:
            self.on_jobs()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def read_uow(self) -> UnitOfWork:
        """For work that only reads; it must not commit."""
        return UnitOfWork(self.read_factory or self.session_factory)

    def bulk_uow(self) -> UnitOfWork:
        """For reads too large for the event loop (a year of figures, an export); it must
        not commit."""
        return UnitOfWork(self.bulk_factory or self.read_factory or self.session_factory)
