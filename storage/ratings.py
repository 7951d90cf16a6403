"""After resolution: a topic's action items, the residents' ratings (满意度) and their answers
when the office looks back (回头看), per topic and per round of resolution."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ActionItem, LookBack, Meeting, MeetingTopic, Outcome, Rating


class RatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def topic_items(self, topic_id: int) -> Sequence[ActionItem]:
        query = select(ActionItem).where(ActionItem.topic_id == topic_id).order_by(ActionItem.id)
        return (await self.session.scalars(query)).all()

    async def latest_outcome(self, topic_id: int) -> tuple[Meeting, Outcome] | None:
        """The newest published outcome of a meeting that deliberated the topic: a reopened
        topic's new action item belongs to it."""
        query = (
            select(Meeting, Outcome)
            .join(Outcome, Outcome.meeting_id == Meeting.id)
            .join(MeetingTopic, MeetingTopic.meeting_id == Meeting.id)
            .where(MeetingTopic.topic_id == topic_id, Outcome.status == "published")
            .order_by(Outcome.published_at.desc(), Outcome.id.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1])

    async def add_item(self, item: ActionItem) -> ActionItem:
        self.session.add(item)
        await self.session.flush()
        return item

    # -- ratings ----------------------------------------------------------------------------

    async def rating(self, topic_id: int, person_id: int, round_: int) -> Rating | None:
        return await self.session.scalar(
            select(Rating).where(
                Rating.topic_id == topic_id, Rating.person_id == person_id, Rating.round == round_
            )
        )

    async def ratings(self, topic_id: int, round_: int) -> Sequence[Rating]:
        query = select(Rating).where(Rating.topic_id == topic_id, Rating.round == round_)
        return (await self.session.scalars(query.order_by(Rating.id))).all()

    async def add_rating(self, rating: Rating) -> Rating:
        self.session.add(rating)
        await self.session.flush()
        return rating

    # -- looking back -----------------------------------------------------------------------

    async def look_back(self, topic_id: int, person_id: int, round_: int) -> LookBack | None:
        return await self.session.scalar(
            select(LookBack).where(
                LookBack.topic_id == topic_id,
                LookBack.person_id == person_id,
                LookBack.round == round_,
            )
        )

    async def look_backs(self, topic_id: int, round_: int) -> Sequence[LookBack]:
        query = select(LookBack).where(LookBack.topic_id == topic_id, LookBack.round == round_)
        return (await self.session.scalars(query.order_by(LookBack.id))).all()

    async def add_look_back(self, answer: LookBack) -> LookBack:
        self.session.add(answer)
        await self.session.flush()
        return answer

    async def flush(self) -> None:
        await self.session.flush()
