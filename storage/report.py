"""The rows of the monthly 社情民意 report: what came in, what was deliberated, decided and
done in a month. Residents are never named here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ActionItem,
    Issue,
    Meeting,
    MeetingTopic,
    Outcome,
    Person,
    Support,
    Topic,
    Village,
)


class ReportQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, query: Any) -> Sequence[Any]:
        return list((await self.session.execute(query)).all())

    async def top_topics(
        self, township_id: int, start: datetime, end: datetime, limit: int
    ) -> Sequence[Any]:
        """(number, title, status, people, issues this month) of the topics that received
        issues in the month, most people (raisers and supporters, each once) first."""
        month = [
            Issue.township_id == township_id,
            Issue.created_at >= start,
            Issue.created_at < end,
        ]
        active = (
            select(Issue.topic_id, func.count(Issue.id).label("issues"))
            .where(*month, Issue.topic_id.is_not(None))
            .group_by(Issue.topic_id)
            .subquery("active")
        )
        raisers = select(Issue.topic_id.label("topic_id"), Issue.author_id.label("person_id")).join(
            active, active.c.topic_id == Issue.topic_id
        )
        supporters = (
            select(Issue.topic_id.label("topic_id"), Support.person_id.label("person_id"))
            .join(active, active.c.topic_id == Issue.topic_id)
            .join(Support, Support.issue_id == Issue.id)
        )
        people = raisers.union(supporters).subquery("people")
        heads = (
            select(people.c.topic_id, func.count(people.c.person_id).label("heads"))
            .group_by(people.c.topic_id)
            .subquery("heads")
        )
        return await self._all(
            select(Topic.number, Topic.title, Topic.status, heads.c.heads, active.c.issues)
            .join(heads, heads.c.topic_id == Topic.id)
            .join(active, active.c.topic_id == Topic.id)
            .order_by(heads.c.heads.desc(), active.c.issues.desc(), Topic.id)
            .limit(limit)
        )

    async def meetings_held(
        self, township_id: int, start: datetime, end: datetime
    ) -> Sequence[Any]:
        """(number, title, starts at, topic titles joined by "、") of the month's meetings."""
        meetings = await self._all(
            select(Meeting.id, Meeting.number, Meeting.title, Meeting.starts_at)
            .where(
                Meeting.township_id == township_id,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
                Meeting.status != "cancelled",
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
        topics: dict[int, list[str]] = {}
        if meetings:
            rows = await self._all(
                select(MeetingTopic.meeting_id, Topic.title)
                .join(Topic, Topic.id == MeetingTopic.topic_id)
                .where(MeetingTopic.meeting_id.in_([m[0] for m in meetings]))
                .order_by(MeetingTopic.id)
            )
            for meeting_id, title in rows:
                topics.setdefault(int(meeting_id), []).append(str(title))
        return [(n, t, at, topics.get(int(i), [])) for i, n, t, at in meetings]

    async def decisions(self, township_id: int, start: datetime, end: datetime) -> Sequence[Any]:
        """(meeting number, meeting title, consensus, items decided) of the outcomes
        published in the month."""
        return await self._all(
            select(
                Meeting.number,
                Meeting.title,
                Outcome.consensus,
                func.count(ActionItem.id),
            )
            .join(Meeting, Meeting.id == Outcome.meeting_id)
            .outerjoin(ActionItem, ActionItem.outcome_id == Outcome.id)
            .where(
                Meeting.township_id == township_id,
                Outcome.status == "published",
                Outcome.published_at >= start,
                Outcome.published_at < end,
            )
            .group_by(Meeting.id, Outcome.id)
            .order_by(Outcome.published_at)
        )

    async def items_done(self, township_id: int, start: datetime, end: datetime) -> Sequence[Any]:
        """(topic title, item, owner, due on, done at) of the items done in the month."""
        return await self._all(
            select(
                Topic.title,
                ActionItem.description,
                func.coalesce(Person.first_name, ActionItem.owner_name),
                ActionItem.due_on,
                ActionItem.done_at,
            )
            .join(Topic, Topic.id == ActionItem.topic_id)
            .outerjoin(Person, Person.id == ActionItem.owner_person_id)
            .where(
                Topic.township_id == township_id,
                ActionItem.status == "done",
                ActionItem.done_at >= start,
                ActionItem.done_at < end,
            )
            .order_by(ActionItem.done_at)
        )

    async def new_matters(
        self, township_id: int, start: datetime, end: datetime, limit: int
    ) -> Sequence[Any]:
        """(number, village, title, text) of the month's issues not yet in a topic, newest
        first (the matters that may become next month's topics)."""
        return await self._all(
            select(Issue.number, Village.name, Issue.title, Issue.text)
            .outerjoin(Village, Village.id == Issue.village_id)
            .where(
                Issue.township_id == township_id,
                Issue.created_at >= start,
                Issue.created_at < end,
                Issue.topic_id.is_(None),
                Issue.duplicate_of_id.is_(None),
            )
            .order_by(Issue.created_at.desc(), Issue.id.desc())
            .limit(limit)
        )
