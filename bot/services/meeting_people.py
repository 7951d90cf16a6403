"""Who a meeting concerns: its township's staff and members, a topic's participants, the
people an outcome is told to."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.permissions import STAFF
from bot.domain.roles import RoleName
from storage.models import Meeting
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


async def staff_ids(uow: UnitOfWork, township_id: int) -> list[int]:
    """The township's staff and admins: who hears of digests and overdue outcomes."""
    return [person.id for person in await uow.outcomes.people_with_roles(township_id, STAFF)]


async def members(uow: UnitOfWork, township_id: int) -> list[PersonRef]:
    """The township's CPPCC members, by name (owners of action items are picked from them)."""
    people = await uow.outcomes.people_with_roles(township_id, [RoleName.MEMBER])
    return [PersonRef(person.id, person.display_name) for person in people]


async def works_in(uow: UnitOfWork, person_id: int, township_id: int) -> bool:
    """Staff, admin or member of the township."""
    return any(township == township_id for township, _role in await uow.people.roles(person_id))


async def is_staff(uow: UnitOfWork, person_id: int, township_id: int) -> bool:
    return any(
        township == township_id and role in STAFF
        for township, role in await uow.people.roles(person_id)
    )


async def topic_participants(uow: UnitOfWork, meeting_id: int, topic_id: int) -> list[int]:
    """A topic's followers (raisers and supporters among them) and the meeting's invitees."""
    people = [follower.person_id for follower in await uow.topics.followers(topic_id)]
    people += await uow.opinions.invitee_ids(meeting_id)
    return list(dict.fromkeys(people))


async def may_give_opinion(
    uow: UnitOfWork, meeting: Meeting, topic_id: int, person_id: int
) -> bool:
    """Followers of the topic, invitees of the meeting, the township's staff and members."""
    if person_id in {f.person_id for f in await uow.topics.followers(topic_id)}:
        return True
    if await uow.opinions.is_invited(meeting.id, person_id):
        return True
    return await works_in(uow, person_id, meeting.township_id)


async def may_vote(uow: UnitOfWork, meeting: Meeting, topic_id: int, person_id: int) -> bool:
    """Everyone who may give an opinion, and every resident of the township: the more
    neighbours weigh the opinions, the better they show where people stand."""
    if await may_give_opinion(uow, meeting, topic_id, person_id):
        return True
    person = await uow.outcomes.person(person_id)
    if person is None or person.village_id is None:
        return False
    village = await uow.directory.village(person.village_id)
    return village is not None and village.township_id == meeting.township_id


async def outcome_recipients(uow: UnitOfWork, meeting_id: int) -> list[int]:
    """Everyone an outcome is told to, once each: the followers of every topic of the
    meeting (raisers and supporters among them, also those whose issue joined later) and
    everyone who attended."""
    topic_ids = await uow.outcomes.topic_ids(meeting_id)
    people: list[int] = []
    for topic_id in topic_ids:
        people += [follower.person_id for follower in await uow.topics.followers(topic_id)]
    people += sorted(await uow.outcomes.raisers_and_supporters(topic_ids))
    people += [invitation.person_id for invitation, _ in await uow.outcomes.attendees(meeting_id)]
    return list(dict.fromkeys(people))
