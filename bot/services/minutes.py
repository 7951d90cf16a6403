"""What the minutes (纪要) of a meeting hold, as plain values; handlers lay them out as .docx.

Attendance names staff, members and guests (departments, villages, experts, observers).
Residents are counted per village; a resident is named only when they raised an issue of
the meeting's topics and none of their issues there asked to stay anonymous (their choice
at intake is the only consent to being named the bot has).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NotFound
from bot.services.outcomes import OutcomeView, TopicRef, meeting_topics, outcome_view
from storage.uow import UnitOfWork

GUEST_ROLES = ("department", "village", "expert", "observer")


@dataclass(frozen=True)
class Attendance:
    staff: tuple[str, ...]
    members: tuple[str, ...]
    # (role, name): department, village, expert or observer.
    guests: tuple[tuple[str, str], ...]
    residents: int
    # (village name or None when unknown, how many) in the township's village order.
    residents_by_village: tuple[tuple[str | None, int], ...]
    named_residents: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.staff) + len(self.members) + len(self.guests) + self.residents


@dataclass(frozen=True)
class MinutesView:
    township: str
    meeting_number: str
    meeting_title: str
    starts_at: datetime
    duration_minutes: int
    format: str
    place: str | None
    online_link: str | None
    topics: tuple[TopicRef, ...]
    attendance: Attendance
    opinions: int
    outcome: OutcomeView | None


async def _attendance(uow: UnitOfWork, township_id: int, meeting_id: int) -> Attendance:
    attendees = await uow.outcomes.attendees(meeting_id)
    topic_ids = await uow.outcomes.topic_ids(meeting_id)
    hidden = await uow.outcomes.issue_anonymity(topic_ids)
    villages = {v.id: v.name for v in await uow.directory.villages(township_id)}
    staff, members, guests, named = [], [], [], []
    per_village: Counter[str | None] = Counter()
    for invitation, person in attendees:
        if invitation.role == "staff":
            staff.append(person.first_name)
        elif invitation.role == "member":
            members.append(person.first_name)
        elif invitation.role in GUEST_ROLES:
            guests.append((invitation.role, person.first_name))
        else:
            per_village[villages.get(person.village_id) if person.village_id else None] += 1
            if hidden.get(person.id) is False:
                named.append(person.first_name)
    order = {name: index for index, name in enumerate(villages.values())}
    by_village = sorted(
        per_village.items(), key=lambda item: order.get(item[0], len(order)) if item[0] else 1e9
    )
    return Attendance(
        staff=tuple(staff),
        members=tuple(members),
        guests=tuple(guests),
        residents=sum(per_village.values()),
        residents_by_village=tuple(by_village),
        named_residents=tuple(named),
    )


async def minutes(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, include_draft: bool
) -> MinutesView:
    """The minutes of a meeting; a draft outcome only for those who may see drafts."""
    meeting = await uow.outcomes.meeting(meeting_id)
    if meeting is None or meeting.township_id != township_id:
        raise NotFound("meeting", meeting_id)
    township = await uow.directory.township(township_id)
    outcome = await outcome_view(uow, township_id, meeting_id)
    if outcome is not None and outcome.published_at is None and not include_draft:
        outcome = None
    topics = await meeting_topics(uow, meeting.id)
    opinions = 0
    for topic in topics:
        opinions += len(await uow.opinions.on_topic(topic.id, meeting.id))
    return MinutesView(
        township=township.name if township is not None else "",
        meeting_number=meeting.number,
        meeting_title=meeting.title,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        format=meeting.format,
        place=meeting.place,
        online_link=meeting.online_link,
        topics=topics,
        attendance=await _attendance(uow, township_id, meeting.id),
        opinions=opinions,
        outcome=outcome,
    )
