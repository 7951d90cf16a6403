"""Queries behind the staff inbox."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.issue_status import IssueStatus
from storage.models import Issue, Person

WAITING = (IssueStatus.SUBMITTED, IssueStatus.NEEDS_INFO)


class InboxQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _conditions(
        township_id: int, village_id: int | None, category_id: int | None
    ) -> list[ColumnElement[bool]]:
        conditions = [Issue.township_id == township_id, Issue.status.in_(WAITING)]
        if village_id is not None:
            conditions.append(Issue.village_id == village_id)
        if category_id is not None:
            conditions.append(Issue.category_id == category_id)
        return conditions

    async def page(
        self,
        township_id: int,
        *,
        limit: int,
        offset: int,
        village_id: int | None = None,
        category_id: int | None = None,
    ) -> Sequence[Issue]:
        query = (
            select(Issue)
            .where(*self._conditions(township_id, village_id, category_id))
            .order_by(Issue.created_at.desc(), Issue.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(query)).all()

    async def count(
        self, township_id: int, *, village_id: int | None = None, category_id: int | None = None
    ) -> int:
        query = select(func.count(Issue.id)).where(
            *self._conditions(township_id, village_id, category_id)
        )
        return int(await self.session.scalar(query) or 0)

    async def open_issues(self, township_id: int) -> Sequence[Issue]:
        """Every issue still open in the township (for similarity and grouping)."""
        query = select(Issue).where(
            Issue.township_id == township_id,
            Issue.status.in_((*WAITING, IssueStatus.ACCEPTED)),
        )
        return (await self.session.scalars(query)).all()

    async def author_name(self, person_id: int) -> str:
        name = await self.session.scalar(select(Person.first_name).where(Person.id == person_id))
        return name or ""
