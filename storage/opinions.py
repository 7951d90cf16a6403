"""Opinions gathered before a meeting (网络议政) and the votes on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_for
from storage.models import Invitation, Meeting, MeetingTopic, Opinion, OpinionVote, Topic


class OpinionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- a meeting's topics -----------------------------------------------------------------

    async def meeting_topic(
        self, meeting_topic_id: int
    ) -> tuple[MeetingTopic, Meeting, Topic] | None:
        """A topic on a meeting's agenda, with the meeting and the topic."""
        query = (
            select(MeetingTopic, Meeting, Topic)
            .join(Meeting, Meeting.id == MeetingTopic.meeting_id)
            .join(Topic, Topic.id == MeetingTopic.topic_id)
            .where(MeetingTopic.id == meeting_topic_id)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def meeting_topic_id(self, meeting_id: int, topic_id: int) -> int | None:
        query = select(MeetingTopic.id).where(
            MeetingTopic.meeting_id == meeting_id, MeetingTopic.topic_id == topic_id
        )
        return await self.session.scalar(query)

    async def meetings_of_topic(self, topic_id: int) -> Sequence[Meeting]:
        """The meetings a topic is on the agenda of, soonest first."""
        query = (
            select(Meeting)
            .join(MeetingTopic, MeetingTopic.meeting_id == Meeting.id)
            .where(MeetingTopic.topic_id == topic_id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
        return (await self.session.scalars(query)).all()

    async def meeting_topics(self, meeting_id: int) -> list[tuple[MeetingTopic, Topic]]:
        query = (
            select(MeetingTopic, Topic)
            .join(Topic, Topic.id == MeetingTopic.topic_id)
            .where(MeetingTopic.meeting_id == meeting_id)
            .order_by(MeetingTopic.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def set_open(self, link: MeetingTopic, is_open: bool) -> bool:
        """Open or close a topic for opinions; False when it already was so."""
        if link.opinions_open == is_open:
            return False
        link.opinions_open = is_open
        await self.session.flush()
        return True

    async def upcoming_meetings(self, township_id: int, now: datetime) -> Sequence[Meeting]:
        """The township's meetings that have not started, soonest first (not cancelled)."""
        query = (
            select(Meeting)
            .where(
                Meeting.township_id == township_id,
                Meeting.status != "cancelled",
                Meeting.starts_at > now,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
        return (await self.session.scalars(query)).all()

    async def invitee_ids(self, meeting_id: int) -> list[int]:
        """Everyone invited and not taken off the list."""
        query = (
            select(Invitation.person_id)
            .where(Invitation.meeting_id == meeting_id, Invitation.removed_at.is_(None))
            .order_by(Invitation.id)
        )
        return list((await self.session.scalars(query)).all())

    async def is_invited(self, meeting_id: int, person_id: int) -> bool:
        query = select(Invitation.id).where(
            Invitation.meeting_id == meeting_id,
            Invitation.person_id == person_id,
            Invitation.removed_at.is_(None),
        )
        return await self.session.scalar(query) is not None

    # -- opinions ---------------------------------------------------------------------------

    async def add(self, opinion: Opinion) -> int | None:
        """Add the opinion; None when the author has one on this topic already."""
        statement = (
            insert_for(self.session)(Opinion)
            .values(
                topic_id=opinion.topic_id,
                meeting_id=opinion.meeting_id,
                author_id=opinion.author_id,
                text=opinion.text,
                anonymous=opinion.anonymous,
                created_at=opinion.created_at,
            )
            .on_conflict_do_nothing(index_elements=[Opinion.topic_id, Opinion.author_id])
            .returning(Opinion.id)
        )
        added: int | None = await self.session.scalar(statement)
        return added

    async def get(self, opinion_id: int) -> Opinion | None:
        return await self.session.get(Opinion, opinion_id)

    async def by_author(self, topic_id: int, author_id: int) -> Opinion | None:
        query = select(Opinion).where(Opinion.topic_id == topic_id, Opinion.author_id == author_id)
        return await self.session.scalar(query)

    async def on_topic(self, topic_id: int, meeting_id: int) -> Sequence[Opinion]:
        """The opinions given on a topic for this meeting, oldest first."""
        query = (
            select(Opinion)
            .where(Opinion.topic_id == topic_id, Opinion.meeting_id == meeting_id)
            .order_by(Opinion.id)
        )
        return (await self.session.scalars(query)).all()

    # -- votes ------------------------------------------------------------------------------

    async def vote(self, opinion_id: int, person_id: int, vote: str, now: datetime) -> None:
        """One vote per person per opinion: a second vote replaces the first."""
        statement = insert_for(self.session)(OpinionVote).values(
            opinion_id=opinion_id, person_id=person_id, vote=vote, updated_at=now
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[OpinionVote.opinion_id, OpinionVote.person_id],
                set_={"vote": vote, "updated_at": now},
            )
        )

    async def votes_of(self, person_id: int, opinion_ids: Sequence[int]) -> dict[int, str]:
        if not opinion_ids:
            return {}
        query = select(OpinionVote.opinion_id, OpinionVote.vote).where(
            OpinionVote.person_id == person_id, OpinionVote.opinion_id.in_(list(opinion_ids))
        )
        return {opinion_id: vote for opinion_id, vote in await self.session.execute(query)}

    async def tallies(self, opinion_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
        """(agree, disagree, pass) per opinion, in one query."""
        if not opinion_ids:
            return {}

        def counted(value: str):  # type: ignore[no-untyped-def]
            return func.sum(case((OpinionVote.vote == value, 1), else_=0))

        query = (
            select(OpinionVote.opinion_id, counted("agree"), counted("disagree"), counted("pass"))
            .where(OpinionVote.opinion_id.in_(list(opinion_ids)))
            .group_by(OpinionVote.opinion_id)
        )
        return {
            row[0]: (int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))
            for row in await self.session.execute(query)
        }

    async def voter_count(self, opinion_ids: Sequence[int]) -> int:
        """How many different people voted on any of these opinions."""
        if not opinion_ids:
            return 0
        query = select(func.count(func.distinct(OpinionVote.person_id))).where(
            OpinionVote.opinion_id.in_(list(opinion_ids))
        )
        return int(await self.session.scalar(query) or 0)
