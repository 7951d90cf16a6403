"""Unit of work: one session, the repositories over it, one commit at the boundary."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import SessionFactory
from storage.inbox import InboxQueries
from storage.notifications import NotificationRepository
from storage.repositories import (
    AuditRepository,
    DirectoryRepository,
    IssueRepository,
    PersonRepository,
)
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

    def __init__(self, session_factory: SessionFactory) -> None:
        self._factory = session_factory

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.people = PersonRepository(self.session)
        self.directory = DirectoryRepository(self.session)
        self.issues = IssueRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.topics = TopicRepository(self.session)
        self.notifications = NotificationRepository(self.session)
        self.inbox = InboxQueries(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted and detaches objects without expiring
        # them, so values read inside the block stay readable after it.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()
