"""Topics (议题) and their followers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.topic_status import TopicStatus
from storage.inserts import insert_if_absent
from storage.models import Follower, Issue, Topic


class TopicRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, topic: Topic) -> Topic:
        self.session.add(topic)
        await self.session.flush()
        return topic

    async def get(self, topic_id: int) -> Topic | None:
        return await self.session.get(Topic, topic_id)

    async def in_township(
        self, township_id: int, statuses: frozenset[TopicStatus] | None = None
    ) -> Sequence[Topic]:
        query = select(Topic).where(Topic.township_id == township_id)
        if statuses is not None:
            query = query.where(Topic.status.in_(statuses))
        return (await self.session.scalars(query.order_by(Topic.updated_at.desc()))).all()

    async def issues(self, topic_id: int) -> Sequence[Issue]:
        query = select(Issue).where(Issue.topic_id == topic_id).order_by(Issue.created_at)
        return (await self.session.scalars(query)).all()

    async def follow(self, topic_id: int, person_id: int, reason: str, now: datetime) -> bool:
        """Add a follower; False when they already follow (their first reason is kept)."""
        return await insert_if_absent(
            self.session,
            Follower,
            {"topic_id": topic_id, "person_id": person_id, "reason": reason, "created_at": now},
            [Follower.topic_id, Follower.person_id],
        )

    async def followed_by(self, person_id: int) -> set[int]:
        query = select(Follower.topic_id).where(Follower.person_id == person_id)
        return set((await self.session.scalars(query)).all())

    async def followers(self, topic_id: int) -> Sequence[Follower]:
        query = select(Follower).where(Follower.topic_id == topic_id).order_by(Follower.id)
        return (await self.session.scalars(query)).all()

    async def unfollow(self, topic_id: int, person_id: int) -> None:
        follower = await self.session.scalar(
            select(Follower).where(Follower.topic_id == topic_id, Follower.person_id == person_id)
        )
        if follower is not None:
            await self.session.delete(follower)
            await self.session.flush()

    async def many(self, topic_ids: Sequence[int]) -> dict[int, Topic]:
        if not topic_ids:
            return {}
        rows = await self.session.scalars(select(Topic).where(Topic.id.in_(topic_ids)))
        return {topic.id: topic for topic in rows}

    async def head_counts(self, topic_ids: Sequence[int]) -> dict[int, int]:
        if not topic_ids:
            return {}
        query = (
            select(Follower.topic_id, func.count(Follower.id))
            .where(Follower.topic_id.in_(topic_ids), Follower.reason.in_(("raiser", "supporter")))
            .group_by(Follower.topic_id)
        )
        return {topic_id: int(count) for topic_id, count in await self.session.execute(query)}

    async def head_count(self, topic_id: int) -> int:
        """Raisers and supporters: the people who brought this matter up."""
        query = select(func.count(Follower.id)).where(
            Follower.topic_id == topic_id, Follower.reason.in_(("raiser", "supporter"))
        )
        return int(await self.session.scalar(query) or 0)
