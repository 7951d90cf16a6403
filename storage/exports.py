"""The rows of the office's exports (open data and the monthly report), one query a sheet.

The name of a resident who raised an issue anonymously never leaves the database: the
query blanks it. Ratings and look-backs carry no names at all (they would tell who raised
a topic), and neither do residents in the attendance lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roles import RoleName
from storage.models import (
    ActionItem,
    Category,
    Invitation,
    Issue,
    Meeting,
    Opinion,
    Person,
    ProgressUpdate,
    Rating,
    Role,
    Support,
    Topic,
    Village,
)

Rows = Sequence[Any]


class ExportQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, query: Any) -> Rows:
        return list((await self.session.execute(query)).all())

    async def issues(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """number, raised at, village, category key, category label, status, topic number,
        raiser (None when anonymous), anonymous, text, first answer at."""
        raiser = case((Issue.anonymous, None), else_=Person.first_name)
        query = (
            select(
                Issue.number,
                Issue.created_at,
                Village.name,
                Category.key,
                Category.label,
                Issue.status,
                Topic.number,
                raiser,
                Issue.anonymous,
                Issue.title,
                Issue.text,
                Issue.first_answered_at,
            )
            .select_from(Issue)
            .outerjoin(Village, Village.id == Issue.village_id)
            .outerjoin(Category, Category.id == Issue.category_id)
            .outerjoin(Topic, Topic.id == Issue.topic_id)
            .outerjoin(Person, Person.id == Issue.author_id)
            .where(
                Issue.township_id == township_id,
                Issue.created_at >= start,
                Issue.created_at < end,
            )
            .order_by(Issue.created_at, Issue.id)
        )
        return await self._all(query)

    async def topics(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """number, title, status, category key, label, opened, resolved, issues, people
        (raisers and supporters, each once)."""
        issues = (
            select(Issue.topic_id, func.count(Issue.id).label("issues"))
            .where(Issue.township_id == township_id)
            .group_by(Issue.topic_id)
            .subquery()
        )
        return await self._all(
            select(
                Topic.number,
                Topic.title,
                Topic.status,
                Category.key,
                Category.label,
                Topic.created_at,
                Topic.resolved_at,
                func.coalesce(issues.c.issues, 0),
                Topic.id,
            )
            .outerjoin(Category, Category.id == Topic.category_id)
            .outerjoin(issues, issues.c.topic_id == Topic.id)
            .where(
                Topic.township_id == township_id,
                Topic.created_at >= start,
                Topic.created_at < end,
            )
            .order_by(Topic.created_at, Topic.id)
        )

    async def head_counts(self, township_id: int, start: datetime, end: datetime) -> dict[int, int]:
        """Per topic opened in the period, how many people raised or joined its issues (each
        person once)."""
        opened = [
            Topic.township_id == township_id,
            Topic.created_at >= start,
            Topic.created_at < end,
        ]
        raisers = (
            select(Issue.topic_id.label("topic_id"), Issue.author_id.label("person_id"))
            .join(Topic, Topic.id == Issue.topic_id)
            .where(*opened, Issue.author_id.is_not(None))
        )
        supporters = (
            select(Issue.topic_id.label("topic_id"), Support.person_id.label("person_id"))
            .join(Topic, Topic.id == Issue.topic_id)
            .join(Support, Support.issue_id == Issue.id)
            .where(*opened)
        )
        people = raisers.union(supporters).subquery()
        rows = await self._all(
            select(people.c.topic_id, func.count(people.c.person_id)).group_by(people.c.topic_id)
        )
        return {int(topic): int(count) for topic, count in rows}

    async def meetings(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """number, title, starts at, format, place, status, invited, attended."""
        present = Invitation.removed_at.is_(None)
        return await self._all(
            select(
                Meeting.number,
                Meeting.title,
                Meeting.starts_at,
                Meeting.format,
                Meeting.place,
                Meeting.status,
                func.count(case((present, Invitation.id))),
                func.count(case((and_(present, Invitation.checked_in_at.is_not(None)), 1))),
            )
            .outerjoin(Invitation, Invitation.meeting_id == Meeting.id)
            .where(*self._meetings_in(township_id, start, end))
            .group_by(Meeting.id)
            .order_by(Meeting.starts_at, Meeting.id)
        )

    @staticmethod
    def _meetings_in(township_id: int, start: datetime, end: datetime) -> list[Any]:
        return [
            Meeting.township_id == township_id,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
        ]

    async def attendance(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """meeting number, name (None for residents), invited as, answer, checked in at."""
        name = case((Invitation.role == "resident", None), else_=Person.first_name)
        return await self._all(
            select(
                Meeting.number,
                name,
                Invitation.role,
                Invitation.rsvp,
                Invitation.checked_in_at,
            )
            .join(Meeting, Meeting.id == Invitation.meeting_id)
            .join(Person, Person.id == Invitation.person_id)
            .where(*self._meetings_in(township_id, start, end), Invitation.removed_at.is_(None))
            .order_by(Meeting.starts_at, Meeting.id, Invitation.id)
        )

    async def action_items(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """topic number, description, owner, due on, status, progress, done at."""
        owner = func.coalesce(Person.first_name, ActionItem.owner_name)
        return await self._all(
            select(
                Topic.number,
                ActionItem.description,
                owner,
                ActionItem.due_on,
                ActionItem.status,
                ActionItem.progress,
                ActionItem.done_at,
            )
            .join(Topic, Topic.id == ActionItem.topic_id)
            .outerjoin(Person, Person.id == ActionItem.owner_person_id)
            .where(
                Topic.township_id == township_id,
                ActionItem.created_at >= start,
                ActionItem.created_at < end,
            )
            .order_by(ActionItem.created_at, ActionItem.id)
        )

    async def progress_updates(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """posted at, topic number, item, author, percent, on behalf, text."""
        return await self._all(
            select(
                ProgressUpdate.created_at,
                Topic.number,
                ActionItem.description,
                Person.first_name,
                ProgressUpdate.percent,
                ProgressUpdate.on_behalf,
                ProgressUpdate.text,
            )
            .join(ActionItem, ActionItem.id == ProgressUpdate.action_item_id)
            .join(Topic, Topic.id == ActionItem.topic_id)
            .outerjoin(Person, Person.id == ProgressUpdate.author_id)
            .where(
                Topic.township_id == township_id,
                ProgressUpdate.created_at >= start,
                ProgressUpdate.created_at < end,
            )
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
        )

    async def ratings(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """rated at, topic number, round, value, comment (no names)."""
        return await self._all(
            select(Rating.created_at, Topic.number, Rating.round, Rating.value, Rating.comment)
            .join(Topic, Topic.id == Rating.topic_id)
            .where(
                Topic.township_id == township_id,
                Rating.created_at >= start,
                Rating.created_at < end,
            )
            .order_by(Rating.created_at, Rating.id)
        )

    # -- members' participation (委员履职) ------------------------------------------------------

    async def members(self, township_id: int) -> Rows:
        """(person id, name) of the township's members, by name."""
        return await self._all(
            select(Person.id, Person.first_name)
            .join(Role, Role.person_id == Person.id)
            .where(Role.township_id == township_id, Role.role == RoleName.MEMBER)
            .order_by(Person.first_name, Person.id)
        )

    async def invitations_by_person(
        self, township_id: int, start: datetime, end: datetime
    ) -> dict[int, tuple[int, int]]:
        """person id -> (meetings invited to, meetings attended) in the period."""
        rows = await self._all(
            select(
                Invitation.person_id,
                func.count(Invitation.id),
                func.count(Invitation.checked_in_at),
            )
            .join(Meeting, Meeting.id == Invitation.meeting_id)
            .where(
                *self._meetings_in(township_id, start, end),
                Invitation.removed_at.is_(None),
                Meeting.status != "cancelled",
            )
            .group_by(Invitation.person_id)
        )
        return {int(person): (int(invited), int(came)) for person, invited, came in rows}

    async def opinions_by_person(
        self, township_id: int, start: datetime, end: datetime
    ) -> dict[int, int]:
        rows = await self._all(
            select(Opinion.author_id, func.count(Opinion.id))
            .join(Topic, Topic.id == Opinion.topic_id)
            .where(
                Topic.township_id == township_id,
                Opinion.created_at >= start,
                Opinion.created_at < end,
            )
            .group_by(Opinion.author_id)
        )
        return {int(person): int(count) for person, count in rows}

    async def updates_by_person(
        self, township_id: int, start: datetime, end: datetime
    ) -> dict[int, int]:
        rows = await self._all(
            select(ProgressUpdate.author_id, func.count(ProgressUpdate.id))
            .join(ActionItem, ActionItem.id == ProgressUpdate.action_item_id)
            .join(Topic, Topic.id == ActionItem.topic_id)
            .where(
                Topic.township_id == township_id,
                ProgressUpdate.created_at >= start,
                ProgressUpdate.created_at < end,
                ProgressUpdate.author_id.is_not(None),
            )
            .group_by(ProgressUpdate.author_id)
        )
        return {int(person): int(count) for person, count in rows}

    async def items_closed(self, township_id: int, start: datetime, end: datetime) -> Rows:
        """(owner person id, due on, done at) of the items members closed in the period."""
        return await self._all(
            select(ActionItem.owner_person_id, ActionItem.due_on, ActionItem.done_at)
            .join(Topic, Topic.id == ActionItem.topic_id)
            .where(
                Topic.township_id == township_id,
                ActionItem.status == "done",
                ActionItem.owner_person_id.is_not(None),
                ActionItem.done_at >= start,
                ActionItem.done_at < end,
            )
        )
