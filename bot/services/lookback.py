"""回头看 (looking back): some days after a topic is resolved (the township's `review_days`,
30 by default), everyone who raised or joined it is asked whether the matter is still
solved (还好 / 又出现了), and the owners of its action items are asked to go and see for
themselves. "又出现了" alerts staff, who can reopen the topic. The round closes 7 days after
the question, or as soon as everyone answered: the topic is then `reviewed`.

Both moments are scheduled jobs in the database, so a restart in between loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.errors import NotFound
from bot.domain.followup_errors import NotRaiserOrSupporter, RoundClosed
from bot.domain.topic_status import TopicStatus, check_topic_transition
from bot.scheduler import SkipJob
from bot.services import meeting_people
from bot.services.outbox import NotificationKind, notify
from bot.services.outcomes import township_zone
from bot.services.ratings import (
    check_round,
    everyone,
    raisers_and_supporters,
    round_of,
    topic_in,
)
from storage.jobs import DONE, ClaimedJob
from storage.models import LookBack, Topic
from storage.uow import UnitOfWork

Answer = Literal["solved", "back"]
ANSWERS: tuple[Answer, ...] = ("solved", "back")
# As stored in LookBack.answer.
STORED: dict[Answer, str] = {"solved": "still_solved", "back": "back_again"}
ASK_JOB = "lookback_ask"
CLOSE_JOB = "lookback_close"
ROUND_DAYS = timedelta(days=7)
DEFAULT_REVIEW_DAYS = 30


def ask_key(topic_id: int, round_: int) -> str:
    return f"lookback:{topic_id}:{round_}"


def close_key(topic_id: int, round_: int) -> str:
    return f"lookback-close:{topic_id}:{round_}"


async def schedule(uow: UnitOfWork, topic: Topic, now: datetime) -> datetime:
    """Call when the topic is resolved: the question goes out `review_days` later."""
    township = await uow.directory.township(topic.township_id)
    days = township.review_days if township is not None else DEFAULT_REVIEW_DAYS
    due = (topic.resolved_at or now) + timedelta(days=days)
    await uow.jobs.schedule(
        kind=ASK_JOB,
        key=ask_key(topic.id, round_of(topic)),
        due_at=due,
        payload={"topic_id": topic.id, "round": round_of(topic)},
        now=now,
    )
    return due


async def cancel(uow: UnitOfWork, topic_id: int, now: datetime) -> None:
    """The topic was reopened: no look back on the resolution that no longer stands."""
    await uow.jobs.cancel_prefixed(
        [f"lookback:{topic_id}:", f"lookback-close:{topic_id}:", f"rating-reask:{topic_id}:"],
        outcome="the topic was reopened",
        now=now,
    )


async def _current(uow: UnitOfWork, job: ClaimedJob) -> Topic:
    topic = await uow.topics.get(int(job.payload["topic_id"]))
    if topic is None:
        raise SkipJob("the topic is gone")
    if int(job.payload["round"]) != round_of(topic) or topic.status is not TopicStatus.RESOLVED:
        raise SkipJob(f"the topic is {topic.status}")
    return topic


async def run_ask(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """The day has come: ask the residents, nudge the owners, and set the round's end."""
    topic = await _current(uow, job)
    round_ = round_of(topic)
    assert topic.resolved_at is not None
    resolved_on = topic.resolved_at.astimezone(await township_zone(uow, topic.township_id))
    base = {
        "topic_number": topic.number,
        "topic_title": topic.title,
        "resolved_on": resolved_on.date().isoformat(),
    }
    asked = 0
    for person_id in await raisers_and_supporters(uow, topic.id):
        asked += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.LOOKBACK_ASK,
            payload={**base, "topic_id": topic.id, "round": round_},
            dedupe_key=f"lookback:{topic.id}:{round_}:{person_id}",
            now=now,
        )
    owners = {
        item.owner_person_id
        for item in await uow.ratings.topic_items(topic.id)
        if item.owner_person_id is not None
    }
    for owner_id in sorted(owners):
        await notify(
            uow,
            recipient_id=owner_id,
            kind=NotificationKind.LOOKBACK_CHECK,
            payload=base,
            dedupe_key=f"lookback-check:{topic.id}:{round_}:{owner_id}",
            now=now,
        )
    await uow.jobs.schedule(
        kind=CLOSE_JOB,
        key=close_key(topic.id, round_),
        due_at=now + ROUND_DAYS,
        payload={"topic_id": topic.id, "round": round_},
        now=now,
    )
    return f"asked {asked}, nudged {len(owners)} owners"


async def run_close(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    topic = await _current(uow, job)
    counts = await close_round(uow, topic, now)
    return f"reviewed: {counts.still_solved} still solved, {counts.back_again} back again"


@dataclass(frozen=True)
class RoundCounts:
    still_solved: int
    back_again: int
    asked: int


async def counts(uow: UnitOfWork, topic: Topic, round_: int) -> RoundCounts:
    answers = [row.answer for row in await uow.ratings.look_backs(topic.id, round_)]
    return RoundCounts(
        still_solved=answers.count(STORED["solved"]),
        back_again=answers.count(STORED["back"]),
        asked=len(await raisers_and_supporters(uow, topic.id)),
    )


async def close_round(uow: UnitOfWork, topic: Topic, now: datetime) -> RoundCounts:
    """The round ends: the topic is reviewed, and everyone concerned hears how it went."""
    round_ = round_of(topic)
    topic.status = check_topic_transition(topic.status, TopicStatus.REVIEWED)
    topic.updated_at = now
    await uow.jobs.cancel([close_key(topic.id, round_)], outcome="closed early", now=now)
    found = await counts(uow, topic, round_)
    for person_id in await everyone(uow, topic.id):
        await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.TOPIC_REVIEWED,
            payload={
                "topic_number": topic.number,
                "topic_title": topic.title,
                "still_solved": found.still_solved,
                "back_again": found.back_again,
            },
            dedupe_key=f"reviewed:{topic.id}:{round_}:{person_id}",
            now=now,
        )
    await uow.audit.record(
        at=now,
        actor_id=None,
        action="topic.status",
        object_type="topic",
        object_id=topic.id,
        details={"to": TopicStatus.REVIEWED.value, "round": round_},
    )
    return found


@dataclass(frozen=True)
class Answered:
    topic_number: str
    answer: Answer
    previous: str | None  # the answer it replaced; equal to the new one for a double tap
    closed: bool  # everyone has answered: the round closed with this answer


async def answer(
    uow: UnitOfWork, *, person_id: int, topic_id: int, round_: int, answer: Answer, now: datetime
) -> Answered:
    """还好 / 又出现了 from a raiser or supporter, while the round is open."""
    if answer not in ANSWERS:
        raise NotFound("look-back answer", answer)
    topic = await topic_in(uow, topic_id)
    if person_id not in await raisers_and_supporters(uow, topic.id):
        raise NotRaiserOrSupporter(topic.number)
    check_round(topic, round_, frozenset({TopicStatus.RESOLVED}))
    asked = await uow.jobs.by_key(ask_key(topic.id, round_))
    if asked is None or asked.status != DONE:
        raise RoundClosed(topic.number, reopened=False)  # a forged press before the question
    stored = STORED[answer]
    row = await uow.ratings.look_back(topic.id, person_id, round_)
    previous = row.answer if row is not None else None
    if row is not None and row.answer == stored:
        return Answered(topic.number, answer, _plain(previous), closed=False)
    if row is None:
        await uow.ratings.add_look_back(
            LookBack(
                topic_id=topic.id, round=round_, person_id=person_id, answer=stored, created_at=now
            )
        )
    else:
        row.answer = stored
        row.created_at = now
        await uow.ratings.flush()
    if answer == "back":
        await _alert_staff(uow, topic, person_id, now)
    found = await counts(uow, topic, round_)
    closed = found.still_solved + found.back_again >= found.asked
    if closed:
        await close_round(uow, topic, now)
    return Answered(topic.number, answer, _plain(previous), closed)


def _plain(stored: str | None) -> str | None:
    return next((plain for plain, value in STORED.items() if value == stored), None)


async def _alert_staff(uow: UnitOfWork, topic: Topic, person_id: int, now: datetime) -> None:
    person = await uow.outcomes.person(person_id)
    for staff_id in await meeting_people.staff_ids(uow, topic.township_id):
        await notify(
            uow,
            recipient_id=staff_id,
            kind=NotificationKind.LOOKBACK_PROBLEM,
            payload={
                "topic_id": topic.id,
                "topic_number": topic.number,
                "topic_title": topic.title,
                "name": person.first_name if person is not None else "",
                "round": round_of(topic),
            },
            dedupe_key=f"lookback-back:{topic.id}:{round_of(topic)}:{person_id}:{staff_id}",
            now=now,
        )
