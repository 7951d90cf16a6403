"""Meetings (协商议事会), their topics, invitations and guest passes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roles import RoleName
from storage.inserts import insert_for, insert_if_absent
from storage.models import (
    GuestPass,
    Invitation,
    Issue,
    Meeting,
    MeetingTopic,
    Person,
    Role,
    Support,
    Topic,
)


@dataclass(frozen=True)
class Invitee:
    """An invitation with the name staff see in the list."""

    invitation: Invitation
    name: str
    telegram_id: int | None


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- meetings ------------------------------------------------------------------------------

    async def add(self, meeting: Meeting, topic_ids: Sequence[int]) -> Meeting:
        self.session.add(meeting)
        await self.session.flush()
        for topic_id in topic_ids:
            self.session.add(MeetingTopic(meeting_id=meeting.id, topic_id=topic_id))
        await self.session.flush()
        return meeting

    async def get(self, meeting_id: int) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def lock(self, meeting_id: int) -> Meeting | None:
        """The meeting, its row locked until commit (PostgreSQL; SQLite has one writer):
        answers to a full meeting are counted one at a time."""
        return await self.session.scalar(
            select(Meeting)
            .where(Meeting.id == meeting_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def in_township(self, township_id: int, since: datetime) -> Sequence[Meeting]:
        """Meetings starting from `since`, soonest first."""
        query = (
            select(Meeting)
            .where(Meeting.township_id == township_id, Meeting.starts_at >= since)
            .order_by(Meeting.starts_at, Meeting.id)
        )
        return (await self.session.scalars(query)).all()

    async def topics(self, meeting_id: int) -> Sequence[Topic]:
        query = (
            select(Topic)
            .join(MeetingTopic, MeetingTopic.topic_id == Topic.id)
            .where(MeetingTopic.meeting_id == meeting_id)
            .order_by(MeetingTopic.id)
        )
        return (await self.session.scalars(query)).all()

    # -- who is invited ------------------------------------------------------------------------

    async def stakeholders(self, topic_ids: Collection[int]) -> dict[int, str]:
        """Raisers and supporters of the topics' issues: person id → raiser | supporter."""
        if not topic_ids:
            return {}
        raisers = select(Issue.author_id).where(
            Issue.topic_id.in_(topic_ids), Issue.author_id.is_not(None)
        )
        supporters = (
            select(Support.person_id)
            .join(Issue, Issue.id == Support.issue_id)
            .where(Issue.topic_id.in_(topic_ids))
        )
        people: dict[int, str] = {}
        for author_id in (await self.session.scalars(raisers.order_by(Issue.id))).all():
            if author_id is not None:
                people.setdefault(author_id, "raiser")
        for person_id in (await self.session.scalars(supporters.order_by(Support.id))).all():
            people.setdefault(int(person_id), "supporter")
        return people

    async def people_with_role(self, township_id: int, role: RoleName) -> list[int]:
        query = (
            select(Role.person_id)
            .where(Role.township_id == township_id, Role.role == role)
            .order_by(Role.person_id)
        )
        return [int(person_id) for person_id in (await self.session.scalars(query)).all()]

    async def invite_many(self, meeting_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add invitations (person_id, role, reason, created_at); people invited already
        keep their invitation."""
        if not rows:
            return
        statement = (
            insert_for(self.session)(Invitation)
            .on_conflict_do_nothing(index_elements=[Invitation.meeting_id, Invitation.person_id])
            .execution_options(synchronize_session=False)
        )
        values = [{"meeting_id": meeting_id, "rsvp": "pending", **row} for row in rows]
        for start in range(0, len(values), 500):
            await self.session.execute(statement, values[start : start + 500])

    async def invite(
        self, meeting_id: int, person_id: int, role: str, reason: str, now: datetime
    ) -> bool:
        """Invite one person; False when they were invited already."""
        return await insert_if_absent(
            self.session,
            Invitation,
            {
                "meeting_id": meeting_id,
                "person_id": person_id,
                "role": role,
                "reason": reason,
                "rsvp": "pending",
                "created_at": now,
            },
            [Invitation.meeting_id, Invitation.person_id],
        )

    async def invitation(self, meeting_id: int, person_id: int) -> Invitation | None:
        return await self.session.scalar(
            select(Invitation).where(
                Invitation.meeting_id == meeting_id, Invitation.person_id == person_id
            )
        )

    async def invitation_by_id(self, invitation_id: int) -> Invitation | None:
        return await self.session.get(Invitation, invitation_id)

    async def invitees(self, meeting_id: int, *, removed: bool = False) -> list[Invitee]:
        """Everyone on the list (or, with `removed`, everyone taken off it), in order."""
        query = (
            select(Invitation, Person.first_name, Person.telegram_id)
            .join(Person, Person.id == Invitation.person_id)
            .where(Invitation.meeting_id == meeting_id)
            .where(
                Invitation.removed_at.is_not(None) if removed else Invitation.removed_at.is_(None)
            )
            .order_by(Invitation.id)
        )
        return [
            Invitee(invitation, name or "", telegram_id)
            for invitation, name, telegram_id in (await self.session.execute(query)).all()
        ]

    async def recipients(self, meeting_id: int, rsvps: Collection[str]) -> list[int]:
        """Person ids of the invitees still on the list whose answer is one of `rsvps`."""
        query = (
            select(Invitation.person_id)
            .where(
                Invitation.meeting_id == meeting_id,
                Invitation.removed_at.is_(None),
                Invitation.rsvp.in_(list(rsvps)),
            )
            .order_by(Invitation.id)
        )
        return [int(person_id) for person_id in (await self.session.scalars(query)).all()]

    async def rsvps(self, meeting_id: int) -> dict[int, str]:
        """Person id → answer, for everyone on the list."""
        query = select(Invitation.person_id, Invitation.rsvp).where(
            Invitation.meeting_id == meeting_id, Invitation.removed_at.is_(None)
        )
        return {int(p): str(r) for p, r in (await self.session.execute(query)).all()}

    async def count(self, meeting_id: int, *, rsvp: str | None = None) -> int:
        query = select(func.count(Invitation.id)).where(
            Invitation.meeting_id == meeting_id, Invitation.removed_at.is_(None)
        )
        if rsvp is not None:
            query = query.where(Invitation.rsvp == rsvp)
        return int(await self.session.scalar(query) or 0)

    async def checked_in(self, meeting_id: int) -> int:
        query = select(func.count(Invitation.id)).where(
            Invitation.meeting_id == meeting_id,
            Invitation.removed_at.is_(None),
            Invitation.checked_in_at.is_not(None),
        )
        return int(await self.session.scalar(query) or 0)

    async def waiting_line(self, meeting_id: int) -> list[Invitation]:
        """Who said yes to the full meeting, first come first."""
        query = (
            select(Invitation)
            .where(
                Invitation.meeting_id == meeting_id,
                Invitation.removed_at.is_(None),
                Invitation.rsvp == "waiting",
            )
            .order_by(Invitation.waiting_since, Invitation.id)
        )
        return list((await self.session.scalars(query)).all())

    # -- guest passes --------------------------------------------------------------------------

    async def add_guest_pass(self, guest_pass: GuestPass) -> GuestPass:
        self.session.add(guest_pass)
        await self.session.flush()
        return guest_pass

    async def guest_pass(self, nonce: str) -> GuestPass | None:
        return await self.session.scalar(
            select(GuestPass)
            .where(GuestPass.nonce == nonce)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def use_guest_pass(self, pass_id: int, person_id: int, now: datetime) -> bool:
        """Mark the pass used by `person_id`; False when someone used it meanwhile."""
        result = await self.session.execute(
            update(GuestPass)
            .where(GuestPass.id == pass_id, GuestPass.used_by_id.is_(None))
            .values(used_by_id=person_id, used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
