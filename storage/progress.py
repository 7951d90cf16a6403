"""Action items after their outcome is published: who owns and follows them, their progress
updates, the overdue ones, and the counts a member's participation record is made of."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ActionItem,
    Follower,
    Invitation,
    Meeting,
    MeetingTopic,
    Opinion,
    Outcome,
    ProgressUpdate,
    Topic,
)


def _published_items() -> Any:
    """Action items of published outcomes (a draft's items are not anyone's work yet)."""
    return (
        select(ActionItem, Meeting)
        .join(Outcome, Outcome.id == ActionItem.outcome_id)
        .join(Meeting, Meeting.id == Outcome.meeting_id)
        .where(Outcome.status == "published")
    )


class ProgressRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- action items -----------------------------------------------------------------------

    async def item(self, item_id: int) -> tuple[ActionItem, Meeting] | None:
        row = (
            await self.session.execute(_published_items().where(ActionItem.id == item_id))
        ).first()
        return None if row is None else (row[0], row[1])

    async def items_for(
        self, township_id: int, person_id: int | None
    ) -> list[tuple[ActionItem, Meeting]]:
        """The township's items the person owns, or whose topic they follow; every item of
        the township when `person_id` is None."""
        query = _published_items().where(Meeting.township_id == township_id)
        if person_id is not None:
            followed = select(Follower.topic_id).where(Follower.person_id == person_id)
            query = query.where(
                or_(ActionItem.owner_person_id == person_id, ActionItem.topic_id.in_(followed))
            )
        rows = await self.session.execute(query.order_by(ActionItem.due_on, ActionItem.id))
        return [(row[0], row[1]) for row in rows]

    async def overdue(self, township_id: int, today: date) -> list[tuple[ActionItem, Meeting]]:
        """Open items of the township whose due date is before `today`, oldest due first."""
        query = _published_items().where(
            Meeting.township_id == township_id,
            ActionItem.status == "open",
            ActionItem.due_on < today,
        )
        rows = await self.session.execute(query.order_by(ActionItem.due_on, ActionItem.id))
        return [(row[0], row[1]) for row in rows]

    async def topics_of_meeting(self, meeting_id: int) -> list[int]:
        query = select(MeetingTopic.topic_id).where(MeetingTopic.meeting_id == meeting_id)
        return list(await self.session.scalars(query.order_by(MeetingTopic.id)))

    async def topic(self, topic_id: int) -> Topic | None:
        return await self.session.get(Topic, topic_id)

    # -- progress updates -------------------------------------------------------------------

    async def add_update(self, update: ProgressUpdate) -> ProgressUpdate:
        self.session.add(update)
        await self.session.flush()
        return update

    async def updates(self, item_id: int, limit: int) -> list[ProgressUpdate]:
        """The item's latest `limit` updates, oldest first."""
        query = (
            select(ProgressUpdate)
            .where(ProgressUpdate.action_item_id == item_id)
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.scalars(query)).all()))

    async def update_count(self, item_id: int) -> int:
        query = select(func.count()).where(ProgressUpdate.action_item_id == item_id)
        return int(await self.session.scalar(query) or 0)

    async def last_updates(self, item_ids: Collection[int]) -> dict[int, ProgressUpdate]:
        """Per item, its newest update (items without one are left out)."""
        if not item_ids:
            return {}
        newest = (
            select(func.max(ProgressUpdate.id))
            .where(ProgressUpdate.action_item_id.in_(list(item_ids)))
            .group_by(ProgressUpdate.action_item_id)
        )
        rows = await self.session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.id.in_(newest))
        )
        return {row.action_item_id: row for row in rows}

    # -- participation (委员履职记录) --------------------------------------------------------

    async def invitations(
        self, township_id: int, person_ids: Collection[int], since: datetime, until: datetime
    ) -> Sequence[tuple[int, bool]]:
        """(person, checked in) per invitation to a meeting of the township that took place
        (or was to) in [since, until) and was not cancelled."""
        query = (
            select(Invitation.person_id, Invitation.checked_in_at.is_not(None))
            .join(Meeting, Meeting.id == Invitation.meeting_id)
            .where(
                Meeting.township_id == township_id,
                Meeting.status != "cancelled",
                Meeting.starts_at >= since,
                Meeting.starts_at < until,
                Invitation.removed_at.is_(None),
                Invitation.person_id.in_(list(person_ids)),
            )
        )
        return [(row[0], bool(row[1])) for row in await self.session.execute(query)]

    async def opinion_counts(
        self, township_id: int, person_ids: Collection[int], since: datetime, until: datetime
    ) -> dict[int, int]:
        query = (
            select(Opinion.author_id, func.count())
            .join(Topic, Topic.id == Opinion.topic_id)
            .where(
                Topic.township_id == township_id,
                Opinion.created_at >= since,
                Opinion.created_at < until,
                Opinion.author_id.in_(list(person_ids)),
            )
            .group_by(Opinion.author_id)
        )
        return {row[0]: int(row[1]) for row in await self.session.execute(query)}

    async def update_counts(
        self, township_id: int, person_ids: Collection[int], since: datetime, until: datetime
    ) -> dict[int, int]:
        query = (
            select(ProgressUpdate.author_id, func.count())
            .join(ActionItem, ActionItem.id == ProgressUpdate.action_item_id)
            .join(Outcome, Outcome.id == ActionItem.outcome_id)
            .join(Meeting, Meeting.id == Outcome.meeting_id)
            .where(
                Meeting.township_id == township_id,
                ProgressUpdate.created_at >= since,
                ProgressUpdate.created_at < until,
                ProgressUpdate.author_id.in_(list(person_ids)),
            )
            .group_by(ProgressUpdate.author_id)
        )
        return {
            int(row[0]): int(row[1])
            for row in await self.session.execute(query)
            if row[0] is not None
        }

    async def closed_items(
        self, township_id: int, person_ids: Collection[int], since: datetime, until: datetime
    ) -> Sequence[tuple[int, date, datetime]]:
        """(owner, due date, done at) of the items the people own that were marked done
        in [since, until)."""
        query = (
            select(ActionItem.owner_person_id, ActionItem.due_on, ActionItem.done_at)
            .join(Outcome, Outcome.id == ActionItem.outcome_id)
            .join(Meeting, Meeting.id == Outcome.meeting_id)
            .where(
                Meeting.township_id == township_id,
                ActionItem.status == "done",
                ActionItem.done_at >= since,
                ActionItem.done_at < until,
                ActionItem.owner_person_id.in_(list(person_ids)),
            )
        )
        return [
            (int(row[0]), row[1], row[2])
            for row in await self.session.execute(query)
            if row[0] is not None and row[2] is not None
        ]
