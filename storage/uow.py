"""Unit of work: one session, the repositories over it, one commit at the boundary.

Services change state through the repositories and record *what kind* of thing changed in
`uow.changes` (a township's open issues, a person's roles, the outbox). Whoever commits
hands those changes to the in-memory caches after the commit, so a cache never learns of
a change that was rolled back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.changes import Changes
from storage.db import SessionFactory
from storage.exports import ExportQueries
from storage.flows import FlowRepository
from storage.grouping_links import GroupingLinkRepository
from storage.inbox import InboxQueries
from storage.jobs import JobRepository
from storage.meetings import MeetingRepository
from storage.notifications import NotificationRepository
from storage.opinions import OpinionRepository
from storage.outcomes import CalendarRepository, OutcomeRepository
from storage.progress import ProgressRepository
from storage.ratings import RatingRepository
from storage.received import ReceivedUpdateRepository
from storage.report import ReportQueries
from storage.repositories import (
    AuditRepository,
    DirectoryRepository,
    IssueRepository,
    PersonRepository,
)
from storage.staff import StaffQueries
from storage.stats import StatsQueries
from storage.topics import TopicRepository


class UnitOfWork:
    """`async with UnitOfWork(factory) as uow: …; await uow.commit()`.

    Leaving the block without commit rolls back, so a crash half-way changes nothing.
    """

    session: AsyncSession
    people: PersonRepository
    directory: DirectoryRepository
    issues: IssueRepository
    audit: AuditRepository
    topics: TopicRepository
    notifications: NotificationRepository
    inbox: InboxQueries
    flows: FlowRepository
    jobs: JobRepository
    grouping_links: GroupingLinkRepository
    received: ReceivedUpdateRepository
    staff: StaffQueries
    meetings: MeetingRepository
    # Deliberation meetings: opinions before, the outcome after; the working-day calendar.
    opinions: OpinionRepository
    outcomes: OutcomeRepository
    calendar: CalendarRepository
    # After resolution: ratings (满意度) and looking back (回头看).
    ratings: RatingRepository
    # Follow-through: action items' progress, the overdue ones, participation counts.
    progress: ProgressRepository
    # The liaison office's figures and exports (read-only aggregates).
    stats: StatsQueries
    exports: ExportQueries
    report: ReportQueries

    def __init__(self, session_factory: SessionFactory) -> None:
        self._factory = session_factory
        self.changes = Changes()

    def open(self) -> UnitOfWork:
        self.session = self._factory()
        self.people = PersonRepository(self.session)
        self.directory = DirectoryRepository(self.session)
        self.issues = IssueRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.topics = TopicRepository(self.session)
        self.notifications = NotificationRepository(self.session, self.changes)
        self.inbox = InboxQueries(self.session)
        self.flows = FlowRepository(self.session)
        self.jobs = JobRepository(self.session, self.changes)
        self.grouping_links = GroupingLinkRepository(self.session)
        self.received = ReceivedUpdateRepository(self.session)
        self.staff = StaffQueries(self.session)
        self.meetings = MeetingRepository(self.session)
        self.opinions = OpinionRepository(self.session)
        self.outcomes = OutcomeRepository(self.session)
        self.calendar = CalendarRepository(self.session)
        self.ratings = RatingRepository(self.session)
        self.progress = ProgressRepository(self.session)
        self.stats = StatsQueries(self.session)
        self.exports = ExportQueries(self.session)
        self.report = ReportQueries(self.session)
        return self

    async def close(self) -> None:
        # close() rolls back anything uncommitted and detaches objects without expiring
        # them, so values read inside the block stay readable after it.
        await self.session.close()

    async def __aenter__(self) -> UnitOfWork:
        return self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def commit(self) -> Changes:
        """Commit; returns what changed (and starts a fresh record for what comes next)."""
        await self.session.commit()
        committed, self.changes = self.changes, Changes()
        self._record_changes_in(self.changes)
        return committed

    async def rollback(self) -> None:
        await self.session.rollback()
        self.changes = Changes()
        self._record_changes_in(self.changes)

    def _record_changes_in(self, changes: Changes) -> None:
        self.notifications.changes = changes
        self.jobs.changes = changes

    async def ping(self) -> None:
        """One trivial query: raises when the database cannot be reached."""
        await self.session.execute(text("SELECT 1"))

    async def flush(self) -> None:
        await self.session.flush()
