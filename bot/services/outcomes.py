"""The outcome of a meeting (协商成果), recorded by staff as a draft: the discussion summary,
the points of consensus, the remaining disagreements and the action items (what, who, by
when). Publishing it is bot/services/outcome_publish.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.deliberation_errors import (
    DueDateInPast,
    DueDateInvalid,
    MeetingCancelled,
    MeetingNotHeld,
    OutcomePublished,
    OwnerMissing,
)
from bot.domain.due_dates import parse_due_date
from bot.domain.errors import DescriptionTooLong, NotFound
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from storage.models import ActionItem, Meeting, Outcome
from storage.uow import UnitOfWork

Part = Literal["summary", "consensus", "disagreements"]
PARTS: tuple[Part, ...] = ("summary", "consensus", "disagreements")
# Minutes can be long; this bounds one part (a few pages) so a draft stays workable in chat.
MAX_PART_CHARS = 20_000
MAX_ITEM_CHARS = 500
MAX_OWNER_CHARS = 100
# What staff may type instead of an owner's name, meaning "nobody": refused, with why.
NO_OWNER_WORDS = frozenset({"无", "没有", "無", "沒有", "暂无", "暫無", "-", "—", "none", "n/a"})


@dataclass(frozen=True)
class MeetingRef:
    id: int
    number: str
    title: str
    starts_at: datetime
    # none | draft | published
    outcome: str


@dataclass(frozen=True)
class TopicRef:
    id: int
    number: str
    title: str
    status: TopicStatus


@dataclass(frozen=True)
class ItemView:
    id: int
    description: str
    owner: str
    owner_person_id: int | None
    due_on: date
    topic_number: str | None


@dataclass(frozen=True)
class OutcomeView:
    outcome_id: int
    meeting: MeetingRef
    summary: str
    consensus: str
    disagreements: str
    items: tuple[ItemView, ...]
    topics: tuple[TopicRef, ...]
    published_at: datetime | None


async def _meeting(uow: UnitOfWork, township_id: int, meeting_id: int) -> Meeting:
    meeting = await uow.outcomes.meeting(meeting_id)
    if meeting is None or meeting.township_id != township_id:
        raise NotFound("meeting", meeting_id)
    return meeting


async def township_zone(uow: UnitOfWork, township_id: int) -> ZoneInfo:
    township = await uow.directory.township(township_id)
    return ZoneInfo(township.timezone if township is not None else "Asia/Shanghai")


async def local_today(uow: UnitOfWork, township_id: int, now: datetime) -> date:
    return now.astimezone(await township_zone(uow, township_id)).date()


def meeting_end(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes or 0)


def _ref(meeting: Meeting, outcome: Outcome | None) -> MeetingRef:
    status = "none" if outcome is None else outcome.status
    return MeetingRef(meeting.id, meeting.number, meeting.title, meeting.starts_at, status)


async def held_meetings(
    uow: UnitOfWork, township_id: int, now: datetime, limit: int = 10
) -> list[MeetingRef]:
    """Meetings that have started, newest first, with how far their outcome is."""
    rows = await uow.outcomes.started_meetings(township_id, now, limit)
    return [_ref(meeting, outcome) for meeting, outcome in rows]


async def _items(uow: UnitOfWork, outcome: Outcome) -> tuple[ItemView, ...]:
    items = await uow.outcomes.items(outcome.id)
    topics = await uow.topics.many([i.topic_id for i in items if i.topic_id is not None])
    people = await uow.outcomes.people(
        {i.owner_person_id for i in items if i.owner_person_id is not None}
    )
    views = []
    for item in items:
        person = people.get(item.owner_person_id) if item.owner_person_id else None
        topic = topics.get(item.topic_id) if item.topic_id else None
        views.append(
            ItemView(
                id=item.id,
                description=item.description,
                owner=person.display_name if person is not None else (item.owner_name or ""),
                owner_person_id=item.owner_person_id,
                due_on=item.due_on,
                topic_number=topic.number if topic is not None else None,
            )
        )
    return tuple(views)


async def meeting_topics(uow: UnitOfWork, meeting_id: int) -> tuple[TopicRef, ...]:
    found = await uow.topics.many(await uow.outcomes.topic_ids(meeting_id))
    return tuple(
        TopicRef(t.id, t.number, t.title, t.status)
        for t in sorted(found.values(), key=lambda t: t.id)
    )


async def _view(uow: UnitOfWork, meeting: Meeting, outcome: Outcome) -> OutcomeView:
    return OutcomeView(
        outcome_id=outcome.id,
        meeting=_ref(meeting, outcome),
        summary=outcome.summary,
        consensus=outcome.consensus,
        disagreements=outcome.disagreements,
        items=await _items(uow, outcome),
        topics=await meeting_topics(uow, meeting.id),
        published_at=outcome.published_at,
    )


async def outcome_view(uow: UnitOfWork, township_id: int, meeting_id: int) -> OutcomeView | None:
    """The meeting's outcome as it stands (draft or published), None if none was begun."""
    meeting = await _meeting(uow, township_id, meeting_id)
    outcome = await uow.outcomes.outcome_of(meeting.id)
    return None if outcome is None else await _view(uow, meeting, outcome)


async def load_draft(
    uow: UnitOfWork, township_id: int, meeting_id: int, now: datetime
) -> tuple[Meeting, Outcome]:
    """The meeting's draft outcome, checking the meeting took place and is not published."""
    meeting = await _meeting(uow, township_id, meeting_id)
    if meeting.status == "cancelled":
        raise MeetingCancelled(meeting.number)
    if meeting.starts_at > now:
        raise MeetingNotHeld(meeting.number)
    outcome = await uow.outcomes.outcome_of(meeting.id)
    if outcome is not None and outcome.status == "published":
        raise OutcomePublished(meeting.number)
    if outcome is None:
        raise NotFound("outcome of meeting", meeting_id)
    return meeting, outcome


async def open_draft(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, actor_id: int, now: datetime
) -> OutcomeView:
    """Begin the meeting's outcome, or go on with its draft (whoever began it)."""
    meeting = await _meeting(uow, township_id, meeting_id)
    if meeting.status == "cancelled":
        raise MeetingCancelled(meeting.number)
    if meeting.starts_at > now:
        raise MeetingNotHeld(meeting.number)
    outcome = await uow.outcomes.begin_outcome(meeting.id, actor_id, now)
    if outcome.status == "published":
        raise OutcomePublished(meeting.number)
    return await _view(uow, meeting, outcome)


async def write_part(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    part: Part,
    text: str,
    replace: bool,
    now: datetime,
) -> int:
    """Add a message to a part of the draft (or replace the part with it); returns the
    part's length. Long minutes arrive in several messages, each appended on a new line."""
    _, outcome = await load_draft(uow, township_id, meeting_id, now)
    text = text.strip()
    current = "" if replace else getattr(outcome, part)
    combined = f"{current}\n{text}" if current and text else (current or text)
    if len(combined) > MAX_PART_CHARS:
        raise DescriptionTooLong(len(combined), MAX_PART_CHARS)
    setattr(outcome, part, combined)
    outcome.updated_at = now
    await uow.outcomes.flush()
    return len(combined)


def parse_due(text: str, today: date) -> date:
    """A typed due date, which must be today or later."""
    due = parse_due_date(text, today)
    if due is None:
        raise DueDateInvalid(text)
    if due < today:
        raise DueDateInPast(due, today)
    return due


def clean_owner_name(text: str) -> str:
    """A department or village typed as the owner; "无" and the like are no owner."""
    name = " ".join(text.split())
    if not name or name.lower() in NO_OWNER_WORDS:
        raise OwnerMissing()
    if len(name) > MAX_OWNER_CHARS:
        raise DescriptionTooLong(len(name), MAX_OWNER_CHARS)
    return name


async def add_item(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    description: str,
    topic_id: int | None,
    owner_person_id: int | None,
    owner_name: str | None,
    due_on: date | None,
    now: datetime,
) -> ItemView:
    """An action item on the draft: a description, an owner (a member of the township, or
    a named department or village) and a due date that has not passed."""
    meeting, outcome = await load_draft(uow, township_id, meeting_id, now)
    description = description.strip()
    if not description:
        raise NotFound("action item description", "")
    if len(description) > MAX_ITEM_CHARS:
        raise DescriptionTooLong(len(description), MAX_ITEM_CHARS)
    if owner_person_id is None:
        owner_name = clean_owner_name(owner_name or "")
    else:
        roles = await uow.people.roles(owner_person_id)
        if (township_id, RoleName.MEMBER) not in roles:
            raise NotFound("member", owner_person_id)
        owner_name = None
    today = await local_today(uow, township_id, now)
    if due_on is None:
        raise DueDateInvalid("")
    if due_on < today:
        raise DueDateInPast(due_on, today, description)
    topic_ids = await uow.outcomes.topic_ids(meeting.id)
    if topic_id is None and len(topic_ids) == 1:
        topic_id = topic_ids[0]
    if topic_id is not None and topic_id not in topic_ids:
        raise NotFound("topic of meeting", topic_id)
    await uow.outcomes.add_item(
        ActionItem(
            outcome_id=outcome.id,
            topic_id=topic_id,
            description=description,
            owner_person_id=owner_person_id,
            owner_name=owner_name,
            due_on=due_on,
            status="open",
            progress=0,
            created_at=now,
            updated_at=now,
        )
    )
    outcome.updated_at = now
    items = await _items(uow, outcome)
    return items[-1]


async def remove_item(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, item_id: int, now: datetime
) -> None:
    _, outcome = await load_draft(uow, township_id, meeting_id, now)
    if not await uow.outcomes.remove_item(outcome.id, item_id):
        raise NotFound("action item", item_id)
    outcome.updated_at = now


@dataclass(frozen=True)
class MeetingState:
    """Where a meeting stands for its opinions and outcome (what a card offers)."""

    id: int
    number: str
    cancelled: bool
    upcoming: bool
    # none | draft | published
    outcome: str


async def _state(uow: UnitOfWork, meeting: Meeting, now: datetime) -> MeetingState:
    outcome = await uow.outcomes.outcome_of(meeting.id)
    return MeetingState(
        id=meeting.id,
        number=meeting.number,
        cancelled=meeting.status == "cancelled",
        upcoming=meeting.starts_at > now,
        outcome="none" if outcome is None else outcome.status,
    )


async def meeting_state(
    uow: UnitOfWork, township_id: int, meeting_id: int, now: datetime
) -> MeetingState:
    return await _state(uow, await _meeting(uow, township_id, meeting_id), now)


async def topic_meetings(
    uow: UnitOfWork, township_id: int, topic_id: int, now: datetime
) -> list[MeetingState]:
    """The meetings a topic of the township is on, soonest first (cancelled ones left out)."""
    meetings = await uow.opinions.meetings_of_topic(topic_id)
    return [
        await _state(uow, meeting, now)
        for meeting in meetings
        if meeting.township_id == township_id and meeting.status != "cancelled"
    ]
