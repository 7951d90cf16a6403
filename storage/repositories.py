"""Repositories: every query the application makes. They flush, never commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from storage.inserts import insert_for, insert_if_absent
from storage.models import (
    Attachment,
    AuditLog,
    Category,
    Counter,
    Issue,
    IssueEvent,
    IssueQuestion,
    Person,
    Role,
    Support,
    Township,
    Village,
)


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        result = await self.session.execute(select(Person).where(Person.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def get(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def add(self, person: Person) -> Person:
        self.session.add(person)
        await self.session.flush()
        return person

    async def set_village(self, person_id: int, village_id: int, now: datetime) -> bool:
        """False when the person or the village does not exist (nothing changed)."""
        statement = (
            update(Person)
            .where(Person.id == person_id)
            .values(village_id=village_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def roles(self, person_id: int) -> list[tuple[int, RoleName]]:
        result = await self.session.execute(
            select(Role.township_id, Role.role).where(Role.person_id == person_id)
        )
        return [(row.township_id, row.role) for row in result]

    async def grant(self, person_id: int, township_id: int, role: RoleName, now: datetime) -> bool:
        """Give a role; False when the person already had it."""
        return await insert_if_absent(
            self.session,
            Role,
            {"person_id": person_id, "township_id": township_id, "role": role, "granted_at": now},
            [Role.person_id, Role.township_id, Role.role],
        )

    async def revoke(self, person_id: int, township_id: int, role: RoleName) -> None:
        await self.session.execute(
            delete(Role).where(
                Role.person_id == person_id, Role.township_id == township_id, Role.role == role
            )
        )


class DirectoryRepository:
    """Townships, their villages and their issue categories."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def townships(self) -> Sequence[Township]:
        return (await self.session.scalars(select(Township).order_by(Township.id))).all()

    async def township(self, township_id: int) -> Township | None:
        return await self.session.get(Township, township_id)

    async def township_by_name(self, name: str) -> Township | None:
        return await self.session.scalar(select(Township).where(Township.name == name))

    async def add_township(self, township: Township) -> Township:
        self.session.add(township)
        await self.session.flush()
        return township

    async def villages(self, township_id: int) -> Sequence[Village]:
        query = (
            select(Village)
            .where(Village.township_id == township_id)
            .order_by(Village.position, Village.id)
        )
        return (await self.session.scalars(query)).all()

    async def village(self, village_id: int) -> Village | None:
        return await self.session.get(Village, village_id)

    async def add_village(self, village: Village) -> Village:
        self.session.add(village)
        await self.session.flush()
        return village

    async def categories(self, township_id: int) -> Sequence[Category]:
        query = (
            select(Category)
            .where(Category.township_id == township_id, Category.active.is_(True))
            .order_by(Category.position, Category.id)
        )
        return (await self.session.scalars(query)).all()

    async def category(self, category_id: int) -> Category | None:
        return await self.session.get(Category, category_id)

    async def add_category(self, category: Category) -> Category:
        self.session.add(category)
        await self.session.flush()
        return category


class IssueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_sequence(self, counter_name: str) -> int:
        """Atomically take the next value of a named counter (1, 2, 3, …)."""
        bump = (
            update(Counter)
            .where(Counter.name == counter_name)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        )
        value = await self.session.scalar(bump)
        if value is None:
            await self._create_counter(counter_name)
            value = await self.session.scalar(bump)
        return int(value or 0)

    async def _create_counter(self, counter_name: str) -> None:
        """Create a counter at 0; a counter created meanwhile by another transaction stays.

        ON CONFLICT rather than a savepoint: with the SQLite driver a savepoint taken before
        any other write would commit on release, apart from the rest of the transaction.
        """
        await self.session.execute(
            insert_for(self.session)(Counter)
            .values(name=counter_name, value=0)
            .on_conflict_do_nothing()
        )

    async def add(self, issue: Issue) -> Issue:
        self.session.add(issue)
        await self.session.flush()
        return issue

    async def add_event(self, event: IssueEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def count_by_author_since(self, author_id: int, since: datetime) -> int:
        query = select(func.count(Issue.id)).where(
            Issue.author_id == author_id, Issue.created_at > since
        )
        return int(await self.session.scalar(query) or 0)

    async def oldest_by_author_since(self, author_id: int, since: datetime) -> datetime | None:
        # Selecting the column (not MIN()) keeps its UTCDateTime type on every backend.
        query = (
            select(Issue.created_at)
            .where(Issue.author_id == author_id, Issue.created_at > since)
            .order_by(Issue.created_at)
            .limit(1)
        )
        return await self.session.scalar(query)

    def _theirs(self, person_id: int) -> Any:
        """Issues the person raised or joined (附议)."""
        joined = select(Support.issue_id).where(Support.person_id == person_id)
        return (Issue.author_id == person_id) | Issue.id.in_(joined)

    async def raised_or_joined(
        self, person_id: int, *, limit: int, offset: int = 0
    ) -> Sequence[Issue]:
        """The person's own and joined issues, newest first."""
        query = (
            select(Issue)
            .where(self._theirs(person_id))
            .order_by(Issue.created_at.desc(), Issue.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(query)).all()

    async def count_raised_or_joined(self, person_id: int) -> int:
        query = select(func.count(Issue.id)).where(self._theirs(person_id))
        return int(await self.session.scalar(query) or 0)

    async def supports(self, person_id: int, issue_id: int) -> bool:
        query = select(Support.id).where(
            Support.person_id == person_id, Support.issue_id == issue_id
        )
        return await self.session.scalar(query) is not None

    async def newest_open_question(self, person_id: int) -> int | None:
        """The newest unanswered question about an issue the person raised."""
        query = (
            select(IssueQuestion.id)
            .join(Issue, Issue.id == IssueQuestion.issue_id)
            .where(Issue.author_id == person_id, IssueQuestion.answer.is_(None))
            .order_by(IssueQuestion.asked_at.desc(), IssueQuestion.id.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def get_with_history(self, issue_id: int) -> Issue | None:
        query = (
            select(Issue)
            .where(Issue.id == issue_id)
            .options(selectinload(Issue.attachments), selectinload(Issue.events))
        )
        return await self.session.scalar(query)

    async def by_source_ref(self, township_id: int, source: str, ref: str) -> Issue | None:
        query = select(Issue).where(
            Issue.township_id == township_id, Issue.source == source, Issue.source_ref == ref
        )
        return await self.session.scalar(query)

    async def by_number(self, number: str) -> Issue | None:
        return await self.session.scalar(select(Issue).where(Issue.number == number))

    async def confirmed_categories(self, township_id: int) -> list[tuple[str, str]]:
        """(text, category label) of issues whose category staff confirmed: training data."""
        query = (
            select(Issue.title, Issue.text, Category.label)
            .join(Category, Category.id == Issue.category_id)
            .where(Issue.township_id == township_id, Issue.category_confirmed.is_(True))
        )
        rows = await self.session.execute(query)
        return [(f"{row.title or ''} {row.text}".strip(), row.label) for row in rows]

    async def many(self, issue_ids: Sequence[int]) -> dict[int, Issue]:
        """Issues by id, without their attachments or history (one query)."""
        if not issue_ids:
            return {}
        rows = await self.session.scalars(select(Issue).where(Issue.id.in_(issue_ids)))
        return {issue.id: issue for issue in rows}

    async def supporter_counts(self, issue_ids: Sequence[int]) -> dict[int, int]:
        if not issue_ids:
            return {}
        query = (
            select(Support.issue_id, func.count(Support.id))
            .where(Support.issue_id.in_(issue_ids))
            .group_by(Support.issue_id)
        )
        return {issue_id: int(count) for issue_id, count in await self.session.execute(query)}

    async def supporter_ids(self, issue_id: int) -> list[int]:
        query = select(Support.person_id).where(Support.issue_id == issue_id).order_by(Support.id)
        return list((await self.session.scalars(query)).all())

    async def add_support(self, support: Support) -> bool:
        """Record a 附议; False when the person already supports that issue."""
        return await insert_if_absent(
            self.session,
            Support,
            {
                "person_id": support.person_id,
                "issue_id": support.issue_id,
                "created_at": support.created_at,
            },
            [Support.person_id, Support.issue_id],
        )

    async def supporters_count(self, issue_id: int) -> int:
        query = select(func.count(Support.id)).where(Support.issue_id == issue_id)
        return int(await self.session.scalar(query) or 0)

    @staticmethod
    def attach(issue: Issue, kind: str, file_id: str, file_unique_id: str, position: int) -> None:
        issue.attachments.append(
            Attachment(kind=kind, file_id=file_id, file_unique_id=file_unique_id, position=position)
        )

    async def set_status(self, issue: Issue, status: IssueStatus, now: datetime) -> None:
        issue.status = status
        issue.updated_at = now
        await self.session.flush()

    # Bulk import and grouping -------------------------------------------------------------

    async def take_sequences(self, counter_name: str, count: int) -> int:
        """Reserve `count` consecutive values of a named counter; returns the first of them.

        One statement for a whole batch: numbering thousands of imported rows one
        `next_sequence` at a time would cost a round trip each.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        bump = (
            update(Counter)
            .where(Counter.name == counter_name)
            .values(value=Counter.value + count)
            .returning(Counter.value)
        )
        last = await self.session.scalar(bump)
        if last is None:
            await self._create_counter(counter_name)
            last = await self.session.scalar(bump)
        return int(last or 0) - count + 1

    async def existing_source_refs(
        self, township_id: int, source: str, refs: Collection[str]
    ) -> set[str]:
        """Which of these source references the township already holds."""
        if not refs:
            return set()
        query = select(Issue.source_ref).where(
            Issue.township_id == township_id,
            Issue.source == source,
            Issue.source_ref.in_(list(refs)),
        )
        return {ref for ref in await self.session.scalars(query) if ref is not None}

    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert issues given as column values, batched; returns their ids in input order."""
        if not rows:
            return []
        statement = insert(Issue).returning(Issue.id, sort_by_parameter_order=True)
        return list(await self.session.scalars(statement, [dict(row) for row in rows]))

    async def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert issue history rows given as column values, batched."""
        if rows:
            await self.session.execute(insert(IssueEvent), [dict(row) for row in rows])

    async def unassigned(
        self, township_id: int, statuses: Collection[IssueStatus]
    ) -> Sequence[Issue]:
        """The township's issues in these statuses that belong to no topic, oldest first."""
        query = (
            select(Issue)
            .where(
                Issue.township_id == township_id,
                Issue.topic_id.is_(None),
                Issue.status.in_(list(statuses)),
            )
            .order_by(Issue.id)
        )
        return (await self.session.scalars(query)).all()


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, *, action: str, object_type: str, object_id: str | int) -> bool:
        query = select(AuditLog.id).where(
            AuditLog.action == action,
            AuditLog.object_type == object_type,
            AuditLog.object_id == str(object_id),
        )
        return await self.session.scalar(query.limit(1)) is not None

    async def record(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        object_type: str,
        object_id: str | int,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditLog(
                at=at,
                actor_id=actor_id,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                details=details,
            )
        )
        await self.session.flush()
