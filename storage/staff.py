"""Queries behind the office's side: who works where, who to alert, what an issue's card shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from storage.models import (
    Attachment,
    Issue,
    IssueQuestion,
    Person,
    Role,
    Support,
    Township,
    Village,
)

WAITING = (IssueStatus.SUBMITTED, IssueStatus.NEEDS_INFO)


class StaffQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- people ---------------------------------------------------------------------------------

    async def holders(self, township_id: int, roles: Sequence[RoleName]) -> list[int]:
        """Ids of the people holding any of `roles` in the township, each once."""
        query = (
            select(Role.person_id)
            .where(Role.township_id == township_id, Role.role.in_(list(roles)))
            .distinct()
            .order_by(Role.person_id)
        )
        return list((await self.session.scalars(query)).all())

    async def holders_of(self, township_id: int, role: RoleName) -> Sequence[Person]:
        query = (
            select(Person)
            .join(Role, Role.person_id == Person.id)
            .where(Role.township_id == township_id, Role.role == role)
            .order_by(Person.first_name, Person.id)
        )
        return (await self.session.scalars(query)).all()

    async def by_username(self, username: str) -> Person | None:
        """The person with this Telegram @username (compared without case), if the bot met them."""
        query = select(Person).where(func.lower(Person.username) == username.lower()).limit(1)
        return await self.session.scalar(query)

    @staticmethod
    def _township_people(township_id: int) -> ColumnElement[bool]:
        # People of a township: they live there, raised something there, or hold a role there.
        lives = select(Village.id).where(Village.township_id == township_id)
        raised = select(Issue.author_id).where(
            Issue.township_id == township_id, Issue.author_id.is_not(None)
        )
        works = select(Role.person_id).where(Role.township_id == township_id)
        return Person.telegram_id.is_not(None) & or_(
            Person.village_id.in_(lives), Person.id.in_(raised), Person.id.in_(works)
        )

    async def township_people(
        self, township_id: int, *, limit: int, offset: int
    ) -> Sequence[Person]:
        query = (
            select(Person)
            .where(self._township_people(township_id))
            .order_by(Person.first_name, Person.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(query)).all()

    async def count_township_people(self, township_id: int) -> int:
        query = select(func.count(Person.id)).where(self._township_people(township_id))
        return int(await self.session.scalar(query) or 0)

    async def is_township_person(self, township_id: int, person_id: int) -> bool:
        query = select(Person.id).where(Person.id == person_id, self._township_people(township_id))
        return await self.session.scalar(query) is not None

    async def set_menu(self, person_id: int, menu: str | None) -> None:
        await self.session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(menu=menu)
            .execution_options(synchronize_session=False)
        )

    # -- an issue's card ------------------------------------------------------------------------

    async def questions(self, issue_id: int) -> Sequence[IssueQuestion]:
        query = (
            select(IssueQuestion)
            .where(IssueQuestion.issue_id == issue_id)
            .order_by(IssueQuestion.asked_at, IssueQuestion.id)
        )
        return (await self.session.scalars(query)).all()

    async def supporters(self, issue_id: int) -> Sequence[Person]:
        query = (
            select(Person)
            .join(Support, Support.person_id == Person.id)
            .where(Support.issue_id == issue_id)
            .order_by(Support.id)
        )
        return (await self.session.scalars(query)).all()

    async def media(self, issue_ids: Sequence[int]) -> dict[int, tuple[bool, int]]:
        """(has a voice message, number of photos) per issue that has any attachment."""
        if not issue_ids:
            return {}
        query = (
            select(Attachment.issue_id, Attachment.kind, func.count(Attachment.id))
            .where(Attachment.issue_id.in_(list(issue_ids)))
            .group_by(Attachment.issue_id, Attachment.kind)
        )
        found: dict[int, tuple[bool, int]] = {}
        for issue_id, kind, count in await self.session.execute(query):
            voice, photos = found.get(issue_id, (False, 0))
            if kind == "voice":
                voice = True
            elif kind == "photo":
                photos = int(count)
            found[issue_id] = (voice, photos)
        return found

    # -- new-issue alerts -----------------------------------------------------------------------

    async def townships_alerting(self, mode: str) -> Sequence[Township]:
        query = select(Township).where(Township.new_issue_alerts == mode).order_by(Township.id)
        return (await self.session.scalars(query)).all()

    async def waiting_raised_between(
        self, township_id: int, start: datetime, end: datetime
    ) -> Sequence[Issue]:
        """Issues raised in [start, end) that still wait for the office, oldest first."""
        query = (
            select(Issue)
            .where(
                Issue.township_id == township_id,
                Issue.status.in_(WAITING),
                Issue.created_at >= start,
                Issue.created_at < end,
            )
            .options(selectinload(Issue.attachments))
            .order_by(Issue.created_at, Issue.id)
        )
        return (await self.session.scalars(query)).all()
