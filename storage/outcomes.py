"""Meetings as the outcome sees them: what was held, who came, what was decided, who does
what by when; and the days that break the weekday rule (public holidays, 调休)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roles import RoleName
from storage.inserts import insert_for
from storage.models import (
    ActionItem,
    CalendarDay,
    Invitation,
    Issue,
    Meeting,
    MeetingTopic,
    Outcome,
    Person,
    Role,
    Support,
)


class OutcomeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- meetings ---------------------------------------------------------------------------

    async def meeting(self, meeting_id: int) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def started_meetings(
        self, township_id: int, now: datetime, limit: int
    ) -> list[tuple[Meeting, Outcome | None]]:
        """The township's meetings that have started (not cancelled), newest first, each
        with its outcome if one was begun."""
        query = (
            select(Meeting, Outcome)
            .outerjoin(Outcome, Outcome.meeting_id == Meeting.id)
            .where(
                Meeting.township_id == township_id,
                Meeting.status != "cancelled",
                Meeting.starts_at <= now,
            )
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(limit)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def topic_ids(self, meeting_id: int) -> list[int]:
        query = (
            select(MeetingTopic.topic_id)
            .where(MeetingTopic.meeting_id == meeting_id)
            .order_by(MeetingTopic.id)
        )
        return list((await self.session.scalars(query)).all())

    async def attendees(self, meeting_id: int) -> list[tuple[Invitation, Person]]:
        """Everyone who checked in (and was not taken off the list), in order of arrival."""
        query = (
            select(Invitation, Person)
            .join(Person, Person.id == Invitation.person_id)
            .where(
                Invitation.meeting_id == meeting_id,
                Invitation.checked_in_at.is_not(None),
                Invitation.removed_at.is_(None),
            )
            .order_by(Invitation.checked_in_at, Invitation.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def raisers_and_supporters(self, topic_ids: Collection[int]) -> set[int]:
        """Who raised or joined (附议) an issue of these topics."""
        if not topic_ids:
            return set()
        raised = select(Issue.author_id).where(
            Issue.topic_id.in_(list(topic_ids)), Issue.author_id.is_not(None)
        )
        joined = (
            select(Support.person_id)
            .join(Issue, Issue.id == Support.issue_id)
            .where(Issue.topic_id.in_(list(topic_ids)))
        )
        people = set(await self.session.scalars(raised)) | set(await self.session.scalars(joined))
        return {person for person in people if person is not None}

    async def issue_anonymity(self, topic_ids: Collection[int]) -> dict[int, bool]:
        """Per raiser of these topics' issues: True when any of their issues is anonymous."""
        if not topic_ids:
            return {}
        query = select(Issue.author_id, Issue.anonymous).where(
            Issue.topic_id.in_(list(topic_ids)), Issue.author_id.is_not(None)
        )
        hidden: dict[int, bool] = {}
        for author_id, anonymous in await self.session.execute(query):
            if author_id is not None:
                hidden[author_id] = hidden.get(author_id, False) or bool(anonymous)
        return hidden

    # -- people of a township ---------------------------------------------------------------

    async def people_with_roles(
        self, township_id: int, roles: Collection[RoleName]
    ) -> Sequence[Person]:
        """Active people holding any of these roles in the township, by name."""
        query = (
            select(Person)
            .join(Role, Role.person_id == Person.id)
            .where(Role.township_id == township_id, Role.role.in_(list(roles)))
            .distinct()
            .order_by(Person.first_name, Person.id)
        )
        return (await self.session.scalars(query)).all()

    async def person(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def people(self, person_ids: Collection[int]) -> dict[int, Person]:
        if not person_ids:
            return {}
        rows = await self.session.scalars(select(Person).where(Person.id.in_(list(person_ids))))
        return {person.id: person for person in rows}

    # -- outcomes and action items ----------------------------------------------------------

    async def outcome_of(self, meeting_id: int) -> Outcome | None:
        return await self.session.scalar(select(Outcome).where(Outcome.meeting_id == meeting_id))

    async def outcome(self, outcome_id: int) -> Outcome | None:
        return await self.session.get(Outcome, outcome_id)

    async def begin_outcome(self, meeting_id: int, actor_id: int | None, now: datetime) -> Outcome:
        """The meeting's outcome, begun as an empty draft unless one exists (two staff
        members starting at once get the same row)."""
        await self.session.execute(
            insert_for(self.session)(Outcome)
            .values(
                meeting_id=meeting_id,
                summary="",
                consensus="",
                disagreements="",
                status="draft",
                drafted_by_id=actor_id,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[Outcome.meeting_id])
        )
        outcome = await self.outcome_of(meeting_id)
        assert outcome is not None
        return outcome

    async def items(self, outcome_id: int) -> Sequence[ActionItem]:
        query = (
            select(ActionItem).where(ActionItem.outcome_id == outcome_id).order_by(ActionItem.id)
        )
        return (await self.session.scalars(query)).all()

    async def add_item(self, item: ActionItem) -> ActionItem:
        self.session.add(item)
        await self.session.flush()
        return item

    async def remove_item(self, outcome_id: int, item_id: int) -> bool:
        result = await self.session.execute(
            delete(ActionItem).where(ActionItem.id == item_id, ActionItem.outcome_id == outcome_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def flush(self) -> None:
        await self.session.flush()


class CalendarRepository:
    """Days that break the weekday rule, as the admin entered them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def between(self, first: date, last: date) -> dict[date, bool]:
        """{day: working} for the days from `first` to `last` (inclusive) with a row."""
        query = select(CalendarDay.day, CalendarDay.working).where(
            CalendarDay.day >= first, CalendarDay.day <= last
        )
        return {day: bool(working) for day, working in await self.session.execute(query)}

    async def put(self, day: date, working: bool, note: str) -> None:
        """Add the day, or change what an earlier row said about it."""
        statement = insert_for(self.session)(CalendarDay).values(
            day=day, working=working, note=note
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[CalendarDay.day], set_={"working": working, "note": note}
            )
        )

    async def remove(self, day: date) -> bool:
        result = await self.session.execute(delete(CalendarDay).where(CalendarDay.day == day))
        return bool(getattr(result, "rowcount", 0))
