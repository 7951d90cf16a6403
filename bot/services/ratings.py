"""Satisfaction (满意度): when a topic is resolved, everyone who raised or joined (附议) one of
its issues is asked once, with one press, 满意 / 基本满意 / 不满意, then for an optional
comment. Unanswered requests are asked again once, 3 days later. 不满意 alerts the staff
with the comment; staff reopen the topic (bot/services/resolution.py) or answer the
resident, who can then rate again.

A topic's rounds: round 1 is its first resolution, round 2 the resolution after it was
reopened once, and so on (`Topic.reopened + 1`). A button names its round, so a request
for a resolution that no longer stands is stale and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.errors import DescriptionTooLong, NotFound
from bot.domain.followup_errors import NotRaiserOrSupporter, NotRated, RoundClosed
from bot.domain.topic_status import TopicStatus
from bot.scheduler import SkipJob
from bot.services import meeting_people
from bot.services.outbox import NotificationKind, notify
from storage.jobs import ClaimedJob
from storage.models import Rating, Topic
from storage.uow import UnitOfWork

Value = Literal["satisfied", "basic", "unsatisfied"]
VALUES: tuple[Value, ...] = ("satisfied", "basic", "unsatisfied")
REASK_JOB = "rating_reask"
REASK_AFTER = timedelta(days=3)
UNSATISFIED_JOB = "rating_unsatisfied"
# How long a resident has for the optional comment; a 不满意 without one reaches staff then.
COMMENT_WAIT = timedelta(minutes=30)
MAX_COMMENT = 1000
MAX_ANSWER = 1000
RATED = frozenset({TopicStatus.RESOLVED, TopicStatus.REVIEWED})


def round_of(topic: Topic) -> int:
    return topic.reopened + 1


async def raisers_and_supporters(uow: UnitOfWork, topic_id: int) -> list[int]:
    return sorted(await uow.outcomes.raisers_and_supporters([topic_id]))


async def everyone(uow: UnitOfWork, topic_id: int) -> list[int]:
    """Followers, raisers and supporters of the topic, once each."""
    people = {follower.person_id for follower in await uow.topics.followers(topic_id)}
    return sorted(people | set(await raisers_and_supporters(uow, topic_id)))


async def topic_in(uow: UnitOfWork, topic_id: int, township_id: int | None = None) -> Topic:
    topic = await uow.topics.get(topic_id)
    if topic is None or (township_id is not None and topic.township_id != township_id):
        raise NotFound("topic", topic_id)
    return topic


def check_round(topic: Topic, round_: int, statuses: frozenset[TopicStatus] = RATED) -> None:
    """The press is about the resolution that stands now, else it is stale."""
    if round_ != round_of(topic):
        raise RoundClosed(topic.number, reopened=round_ < round_of(topic))
    if topic.status not in statuses:
        raise RoundClosed(topic.number, reopened=False)  # not resolved yet, or reviewed


def reask_key(topic_id: int, round_: int) -> str:
    return f"rating-reask:{topic_id}:{round_}"


def _request(topic: Topic, reminder: bool) -> dict[str, str | int]:
    return {
        "topic_id": topic.id,
        "topic_number": topic.number,
        "topic_title": topic.title,
        "note": topic.resolution_note or "",
        "round": round_of(topic),
        "reminder": int(reminder),
    }


async def request_ratings(uow: UnitOfWork, topic: Topic, now: datetime) -> int:
    """Ask every raiser and supporter, once each; the one reminder follows in 3 days."""
    asked = 0
    for person_id in await raisers_and_supporters(uow, topic.id):
        asked += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.RATING_REQUEST,
            payload=_request(topic, reminder=False),
            dedupe_key=f"rating:{topic.id}:{round_of(topic)}:{person_id}",
            now=now,
        )
    await uow.jobs.schedule(
        kind=REASK_JOB,
        key=reask_key(topic.id, round_of(topic)),
        due_at=now + REASK_AFTER,
        payload={"topic_id": topic.id, "round": round_of(topic)},
        now=now,
    )
    return asked


async def run_reask(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """3 days on: those who have not rated are asked once more, then left in peace."""
    topic = await uow.topics.get(int(job.payload["topic_id"]))
    if topic is None:
        raise SkipJob("the topic is gone")
    round_ = int(job.payload["round"])
    if round_ != round_of(topic) or topic.status not in RATED:
        raise SkipJob("the topic was reopened")
    rated = {rating.person_id for rating in await uow.ratings.ratings(topic.id, round_)}
    asked = 0
    for person_id in await raisers_and_supporters(uow, topic.id):
        if person_id in rated:
            continue
        asked += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.RATING_REQUEST,
            payload=_request(topic, reminder=True),
            dedupe_key=f"rating-again:{topic.id}:{round_}:{person_id}",
            now=now,
        )
    return f"asked {asked} again"


@dataclass(frozen=True)
class Rated:
    topic_number: str
    topic_title: str
    value: Value
    # What it replaced (None: the first rating; equal to value: a double tap, nothing changed).
    previous: str | None


async def rate(
    uow: UnitOfWork, *, person_id: int, topic_id: int, round_: int, value: Value, now: datetime
) -> Rated:
    """A press on 满意 / 基本满意 / 不满意. A second rating replaces the first."""
    if value not in VALUES:
        raise NotFound("rating value", value)
    topic = await topic_in(uow, topic_id)
    if person_id not in await raisers_and_supporters(uow, topic.id):
        raise NotRaiserOrSupporter(topic.number)
    check_round(topic, round_)
    rating = await uow.ratings.rating(topic.id, person_id, round_)
    previous = rating.value if rating is not None else None
    if rating is None:
        rating = await uow.ratings.add_rating(
            Rating(
                topic_id=topic.id,
                person_id=person_id,
                round=round_,
                value=value,
                comment=None,
                created_at=now,
                updated_at=now,
            )
        )
    elif rating.value != value:
        rating.value = value
        rating.comment = None  # the comment was about the rating it replaces
        rating.updated_at = now
    else:
        return Rated(topic.number, topic.title, value, previous)
    await uow.jobs.cancel_prefixed(
        [f"rating-unsatisfied:{rating.id}:"], outcome="the rating changed", now=now
    )
    if value == "unsatisfied":
        # Staff hear of it with the comment, or without one once the resident had time.
        await uow.jobs.schedule(
            kind=UNSATISFIED_JOB,
            key=_alert_key(rating),
            due_at=now + COMMENT_WAIT,
            payload={"rating_id": rating.id},
            now=now,
        )
    await uow.audit.record(
        at=now,
        actor_id=person_id,
        action="topic.rate",
        object_type="topic",
        object_id=topic.id,
        details={"round": round_, "value": value, "previous": previous},
    )
    return Rated(topic.number, topic.title, value, previous)


def _alert_key(rating: Rating) -> str:
    # One alert per choice of 不满意: choosing it again later (after 满意) alerts again.
    return f"rating-unsatisfied:{rating.id}:{int(rating.updated_at.timestamp())}"


async def comment(
    uow: UnitOfWork,
    *,
    person_id: int,
    topic_id: int,
    round_: int,
    text: str | None,
    now: datetime,
) -> Rating:
    """The optional comment after the press (None: skipped). A 不满意 goes to staff now."""
    topic = await topic_in(uow, topic_id)
    check_round(topic, round_)
    rating = await uow.ratings.rating(topic.id, person_id, round_)
    if rating is None:
        raise NotRated(topic.number)
    if text is not None:
        text = text.strip()
        if len(text) > MAX_COMMENT:
            raise DescriptionTooLong(len(text), MAX_COMMENT)
        rating.comment = text or None
    if rating.value == "unsatisfied":
        await alert_unsatisfied(uow, topic, rating, now)
    return rating


async def alert_unsatisfied(uow: UnitOfWork, topic: Topic, rating: Rating, now: datetime) -> int:
    """Staff of the township hear of a 不满意, with the comment, once per choice of it."""
    key = _alert_key(rating)
    await uow.jobs.cancel([key], outcome="staff were told already", now=now)
    person = await uow.outcomes.person(rating.person_id)
    told = 0
    for staff_id in await meeting_people.staff_ids(uow, topic.township_id):
        told += await notify(
            uow,
            recipient_id=staff_id,
            kind=NotificationKind.RATING_UNSATISFIED,
            payload={
                "topic_id": topic.id,
                "topic_number": topic.number,
                "topic_title": topic.title,
                "person_id": rating.person_id,
                "name": person.first_name if person is not None else "",
                "comment": rating.comment or "",
                "round": rating.round,
            },
            dedupe_key=f"{key}:{staff_id}",
            now=now,
        )
    return told


async def run_unsatisfied_alert(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """The resident left no comment in time: staff hear of the 不满意 without one."""
    rating = await uow.session.get(Rating, int(job.payload["rating_id"]))
    if rating is None or rating.value != "unsatisfied":
        raise SkipJob("the rating changed")
    topic = await uow.topics.get(rating.topic_id)
    if topic is None or rating.round != round_of(topic):
        raise SkipJob("the topic was reopened")
    told = await alert_unsatisfied(uow, topic, rating, now)
    return f"told {told} staff"


async def answer_rater(
    uow: UnitOfWork,
    *,
    township_id: int,
    topic_id: int,
    person_id: int,
    round_: int,
    text: str,
    actor_id: int,
    now: datetime,
) -> str:
    """Staff's answer to a resident's rating, relayed to them (they can rate again)."""
    topic = await topic_in(uow, topic_id, township_id)
    check_round(topic, round_)
    if await uow.ratings.rating(topic.id, person_id, round_) is None:
        raise NotRated(topic.number)
    text = text.strip()
    if len(text) > MAX_ANSWER:
        raise DescriptionTooLong(len(text), MAX_ANSWER)
    await notify(
        uow,
        recipient_id=person_id,
        kind=NotificationKind.RATING_ANSWERED,
        payload={
            "topic_id": topic.id,
            "topic_number": topic.number,
            "topic_title": topic.title,
            "text": text,
            "round": round_,
        },
        dedupe_key=f"rating-answer:{topic.id}:{round_}:{person_id}:{now.timestamp()}",
        now=now,
    )
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="rating.answer",
        object_type="topic",
        object_id=topic.id,
        details={"round": round_, "person": person_id},
    )
    person = await uow.outcomes.person(person_id)
    return person.first_name if person is not None else ""


async def answerable(
    uow: UnitOfWork, *, township_id: int, topic_id: int, person_id: int, round_: int
) -> tuple[str, str]:
    """(topic number, resident's name) when staff can answer this rating now."""
    topic = await topic_in(uow, topic_id, township_id)
    check_round(topic, round_)
    if await uow.ratings.rating(topic.id, person_id, round_) is None:
        raise NotRated(topic.number)
    person = await uow.outcomes.person(person_id)
    return topic.number, person.first_name if person is not None else ""
