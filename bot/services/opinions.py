"""Opinions before a meeting (网络议政 / 会前征求意见): staff open a topic on a meeting's agenda,
its followers and the meeting's invitees each send one short opinion, and people vote on
each other's opinions (同意 / 不同意 / 跳过), one vote per person per opinion, changeable.

Opinions are gathered until the meeting starts. An anonymous opinion shows no name to
anyone but the township's staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.deliberation_errors import (
    MeetingCancelled,
    MeetingStarted,
    NotParticipant,
    OpinionGiven,
    OpinionsClosed,
    OwnOpinion,
)
from bot.domain.errors import DescriptionTooLong, NotFound
from bot.services import meeting_jobs, meeting_people
from bot.services.outbox import NotificationKind, notify
from storage.models import Meeting, MeetingTopic, Opinion, Topic
from storage.uow import UnitOfWork

MAX_OPINION_CHARS = 500
VOTES = ("agree", "disagree", "pass")


@dataclass(frozen=True)
class GatheringView:
    """One topic on a meeting's agenda, as staff see its opinions."""

    meeting_topic_id: int
    topic_number: str
    topic_title: str
    opinions_open: bool
    opinions: int
    voters: int


@dataclass(frozen=True)
class MeetingGathering:
    meeting_id: int
    number: str
    title: str
    starts_at: datetime
    topics: tuple[GatheringView, ...]


@dataclass(frozen=True)
class WriteTarget:
    """Where an opinion is about to go, and the anonymity to suggest."""

    meeting_topic_id: int
    topic_number: str
    topic_title: str
    suggest_anonymous: bool


@dataclass(frozen=True)
class OpinionCard:
    """One opinion as a voter sees it."""

    meeting_topic_id: int
    topic_number: str
    topic_title: str
    position: int  # 0-based, among `count`
    count: int
    opinion_id: int
    text: str
    # None when the author stays anonymous to this viewer.
    author: str | None
    anonymous: bool
    own: bool
    my_vote: str | None


async def _meeting_topic(
    uow: UnitOfWork, meeting_topic_id: int, township_id: int | None = None
) -> tuple[MeetingTopic, Meeting, Topic]:
    found = await uow.opinions.meeting_topic(meeting_topic_id)
    if found is None or (township_id is not None and found[1].township_id != township_id):
        raise NotFound("meeting topic", meeting_topic_id)
    return found


def _require_before_start(meeting: Meeting, now: datetime) -> None:
    if meeting.status == "cancelled":
        raise MeetingCancelled(meeting.number)
    if now >= meeting.starts_at:
        raise MeetingStarted(meeting.number)


def _require_gathering(link: MeetingTopic, meeting: Meeting, topic: Topic, now: datetime) -> None:
    _require_before_start(meeting, now)
    if not link.opinions_open:
        raise OpinionsClosed(topic.number)


# -- staff: which topics gather opinions --------------------------------------------------


async def _gathering(uow: UnitOfWork, meeting: Meeting) -> MeetingGathering:
    views = []
    for link, topic in await uow.opinions.meeting_topics(meeting.id):
        ids = [opinion.id for opinion in await uow.opinions.on_topic(topic.id, meeting.id)]
        views.append(
            GatheringView(
                meeting_topic_id=link.id,
                topic_number=topic.number,
                topic_title=topic.title,
                opinions_open=link.opinions_open,
                opinions=len(ids),
                voters=await uow.opinions.voter_count(ids),
            )
        )
    return MeetingGathering(
        meeting.id, meeting.number, meeting.title, meeting.starts_at, tuple(views)
    )


async def upcoming(uow: UnitOfWork, township_id: int, now: datetime) -> list[MeetingGathering]:
    """The township's meetings still to come, each with its topics' opinions."""
    return [
        await _gathering(uow, m) for m in await uow.opinions.upcoming_meetings(township_id, now)
    ]


async def meeting_gathering(uow: UnitOfWork, township_id: int, meeting_id: int) -> MeetingGathering:
    meeting = await uow.outcomes.meeting(meeting_id)
    if meeting is None or meeting.township_id != township_id:
        raise NotFound("meeting", meeting_id)
    return await _gathering(uow, meeting)


async def set_gathering(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_topic_id: int,
    gather: bool,
    actor_id: int,
    now: datetime,
) -> MeetingGathering:
    """Open a topic for opinions (its participants are told, once) or close it again."""
    link, meeting, topic = await _meeting_topic(uow, meeting_topic_id, township_id)
    if gather:
        _require_before_start(meeting, now)
    changed = await uow.opinions.set_open(link, gather)
    if changed and gather:
        township = await uow.directory.township(township_id)
        zone = township.timezone if township is not None else "Asia/Shanghai"
        for person_id in await meeting_people.topic_participants(uow, meeting.id, topic.id):
            await notify(
                uow,
                recipient_id=person_id,
                kind=NotificationKind.OPINIONS_OPEN,
                payload={
                    "meeting_topic_id": link.id,
                    "topic_number": topic.number,
                    "topic_title": topic.title,
                    "starts_at": meeting.starts_at.isoformat(),
                    "timezone": zone,
                },
                dedupe_key=f"opinions-open:{link.id}:{person_id}",
                now=now,
            )
        # The digest before the meeting, and the reminder to publish its outcome after.
        await meeting_jobs.on_meeting_scheduled(uow, meeting.id, now)
    if changed:
        await uow.audit.record(
            at=now,
            actor_id=actor_id,
            action="opinions.open" if gather else "opinions.close",
            object_type="meeting_topic",
            object_id=link.id,
        )
    return await _gathering(uow, meeting)


# -- residents: one opinion each -----------------------------------------------------------


async def write_target(
    uow: UnitOfWork, *, person_id: int, meeting_topic_id: int, now: datetime
) -> WriteTarget:
    """Check that the person may give an opinion here now, before they type it."""
    link, meeting, topic = await _meeting_topic(uow, meeting_topic_id)
    _require_gathering(link, meeting, topic, now)
    if not await meeting_people.may_give_opinion(uow, meeting, topic.id, person_id):
        raise NotParticipant(topic.number)
    given = await uow.opinions.by_author(topic.id, person_id)
    if given is not None:
        raise OpinionGiven(given.text)
    hidden = await uow.outcomes.issue_anonymity([topic.id])
    return WriteTarget(link.id, topic.number, topic.title, hidden.get(person_id, False))


async def submit(
    uow: UnitOfWork,
    *,
    person_id: int,
    meeting_topic_id: int,
    text: str,
    anonymous: bool,
    now: datetime,
) -> WriteTarget:
    """Record the person's one opinion on the topic (checked again: time may have passed)."""
    target = await write_target(
        uow, person_id=person_id, meeting_topic_id=meeting_topic_id, now=now
    )
    text = text.strip()
    if len(text) > MAX_OPINION_CHARS:
        raise DescriptionTooLong(len(text), MAX_OPINION_CHARS)
    _, meeting, topic = await _meeting_topic(uow, meeting_topic_id)
    added = await uow.opinions.add(
        Opinion(
            topic_id=topic.id,
            meeting_id=meeting.id,
            author_id=person_id,
            text=text,
            anonymous=anonymous,
            created_at=now,
        )
    )
    if added is None:  # a double tap: the first one was recorded
        given = await uow.opinions.by_author(topic.id, person_id)
        raise OpinionGiven(given.text if given is not None else text)
    return target


# -- everyone: reading and voting ----------------------------------------------------------


async def card(
    uow: UnitOfWork, *, person_id: int, meeting_topic_id: int, position: int | None
) -> OpinionCard | None:
    """The opinion at `position`, or (None) the first one the person has not voted on.

    Returns None when there is nothing (more) to show. Anyone who may vote may read.
    """
    link, meeting, topic = await _meeting_topic(uow, meeting_topic_id)
    if not await meeting_people.may_vote(uow, meeting, topic.id, person_id):
        raise NotParticipant(topic.number)
    opinions = list(await uow.opinions.on_topic(topic.id, meeting.id))
    if not opinions:
        return None
    votes = await uow.opinions.votes_of(person_id, [o.id for o in opinions])
    if position is None:
        position = next(
            (
                index
                for index, o in enumerate(opinions)
                if o.id not in votes and o.author_id != person_id
            ),
            -1,
        )
        if position < 0:
            return None
    position = max(0, min(position, len(opinions) - 1))
    opinion = opinions[position]
    reveal = not opinion.anonymous or await meeting_people.is_staff(
        uow, person_id, meeting.township_id
    )
    author = None
    if reveal:
        person = await uow.outcomes.person(opinion.author_id)
        author = person.display_name if person is not None else None
    return OpinionCard(
        meeting_topic_id=link.id,
        topic_number=topic.number,
        topic_title=topic.title,
        position=position,
        count=len(opinions),
        opinion_id=opinion.id,
        text=opinion.text,
        author=author,
        anonymous=opinion.anonymous,
        own=opinion.author_id == person_id,
        my_vote=votes.get(opinion.id),
    )


async def vote(
    uow: UnitOfWork, *, person_id: int, opinion_id: int, vote: str, now: datetime
) -> int:
    """Record (or change) the person's vote; returns the opinion's meeting topic id."""
    if vote not in VOTES:
        raise NotFound("vote", vote)
    opinion = await uow.opinions.get(opinion_id)
    if opinion is None or opinion.meeting_id is None:
        raise NotFound("opinion", opinion_id)
    link_id = await uow.opinions.meeting_topic_id(opinion.meeting_id, opinion.topic_id)
    if link_id is None:
        raise NotFound("opinion", opinion_id)
    link, meeting, topic = await _meeting_topic(uow, link_id)
    if not await meeting_people.may_vote(uow, meeting, topic.id, person_id):
        raise NotParticipant(topic.number)
    _require_gathering(link, meeting, topic, now)
    if opinion.author_id == person_id:
        raise OwnOpinion()
    await uow.opinions.vote(opinion.id, person_id, vote, now)
    return link.id
