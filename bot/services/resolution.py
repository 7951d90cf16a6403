"""Resolving a topic (办结) and reopening it.

When every action item of a topic is done, the township's staff are asked to resolve it
(`ask_to_resolve_if_all_done`, called by whoever marks an item done). Staff resolve it from
that push or from the topic's card, with an optional closing note: the topic and its issues
become `resolved`, raisers and supporters are asked to rate it (bot/services/ratings.py) and
回头看 is scheduled (bot/services/lookback.py).

Staff reopen a resolved (or reviewed) topic after a 不满意 or a "又出现了": it goes back to
`implementing` with a new action item on the topic's latest outcome, its issues are open
again, and everyone concerned is told what happens next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.deliberation_errors import DueDateInPast, DueDateInvalid
from bot.domain.errors import DescriptionTooLong, NotFound
from bot.domain.followup_errors import AlreadyReopened, AlreadyResolved, NothingToReopenWith
from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.domain.topic_status import (
    REOPENABLE,
    IllegalTopicTransition,
    TopicStatus,
    check_topic_transition,
)
from bot.services import lookback, meeting_people, ratings
from bot.services.issues import transition_issue
from bot.services.outbox import NotificationKind, notify
from bot.services.outcomes import MAX_ITEM_CHARS, clean_owner_name, local_today, township_zone
from storage.models import ActionItem, Topic
from storage.uow import UnitOfWork

MAX_NOTE = 1000
RESOLVABLE = frozenset({TopicStatus.DELIBERATED, TopicStatus.IMPLEMENTING})


async def ask_to_resolve_if_all_done(uow: UnitOfWork, topic_id: int, now: datetime) -> int:
    """Call after an action item is marked done: when every item of the topic is done, its
    township's staff are asked (once per round) to resolve it. Returns how many were asked."""
    topic = await uow.topics.get(topic_id)
    if topic is None or topic.status is not TopicStatus.IMPLEMENTING:
        return 0
    items = await uow.ratings.topic_items(topic.id)
    if not items or any(item.status != "done" for item in items):
        return 0
    round_ = ratings.round_of(topic)
    asked = 0
    for staff_id in await meeting_people.staff_ids(uow, topic.township_id):
        asked += await notify(
            uow,
            recipient_id=staff_id,
            kind=NotificationKind.RESOLVE_SUGGESTED,
            payload={
                "topic_id": topic.id,
                "topic_number": topic.number,
                "topic_title": topic.title,
                "items": len(items),
                "round": round_,
            },
            dedupe_key=f"resolve-ask:{topic.id}:{round_}:{staff_id}",
            now=now,
        )
    return asked


async def resolvable(uow: UnitOfWork, township_id: int, topic_id: int) -> Topic:
    """The topic, if staff of this township can resolve it now."""
    topic = await ratings.topic_in(uow, topic_id, township_id)
    if topic.status in REOPENABLE:
        raise AlreadyResolved(topic.number)
    if topic.status not in RESOLVABLE:
        raise IllegalTopicTransition(topic.status, TopicStatus.RESOLVED)
    return topic


@dataclass(frozen=True)
class Resolved:
    topic_number: str
    topic_title: str
    asked: int  # raisers and supporters asked to rate it
    review_on: datetime  # when 回头看 asks


async def resolve(
    uow: UnitOfWork,
    *,
    township_id: int,
    topic_id: int,
    note: str | None,
    actor_id: int,
    now: datetime,
) -> Resolved:
    topic = await resolvable(uow, township_id, topic_id)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DescriptionTooLong(len(note), MAX_NOTE)
    topic.status = check_topic_transition(topic.status, TopicStatus.RESOLVED)
    topic.resolved_at = now
    topic.resolution_note = note or None
    topic.updated_at = now
    for issue in await uow.topics.issues(topic.id):
        if issue.status is IssueStatus.ACCEPTED:
            await transition_issue(uow, issue, IssueStatus.RESOLVED, actor_id, now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="topic.resolve",
        object_type="topic",
        object_id=topic.id,
        details={"round": ratings.round_of(topic), "note": bool(note)},
    )
    asked = await ratings.request_ratings(uow, topic, now)
    # Followers who did not raise or join it (members, staff) hear of it without a question.
    raisers = set(await ratings.raisers_and_supporters(uow, topic.id))
    for follower in await uow.topics.followers(topic.id):
        if follower.person_id in raisers or follower.person_id == actor_id:
            continue
        await notify(
            uow,
            recipient_id=follower.person_id,
            kind=NotificationKind.TOPIC_RESOLVED,
            payload={"topic_number": topic.number, "topic_title": topic.title, "note": note},
            dedupe_key=f"resolved:{topic.id}:{ratings.round_of(topic)}:{follower.person_id}",
            now=now,
        )
    review_on = await lookback.schedule(uow, topic, now)
    uow.changes.open_items.add(township_id)
    return Resolved(topic.number, topic.title, asked, review_on)


async def reopenable(uow: UnitOfWork, township_id: int, topic_id: int, round_: int) -> Topic:
    """The topic, if the resolution an alert was about still stands and can be reopened."""
    topic = await ratings.topic_in(uow, topic_id, township_id)
    if round_ < ratings.round_of(topic):
        raise AlreadyReopened(topic.number)
    if round_ != ratings.round_of(topic):
        raise NotFound("round", round_)
    if topic.status not in REOPENABLE:
        raise IllegalTopicTransition(topic.status, TopicStatus.IMPLEMENTING)
    return topic


def check_item_text(text: str) -> str:
    description = text.strip()
    if not description:
        raise NotFound("action item description", "")
    if len(description) > MAX_ITEM_CHARS:
        raise DescriptionTooLong(len(description), MAX_ITEM_CHARS)
    return description


@dataclass(frozen=True)
class Reopened:
    topic_number: str
    told: int


async def reopen(
    uow: UnitOfWork,
    *,
    township_id: int,
    topic_id: int,
    round_: int,
    description: str,
    owner_person_id: int | None,
    owner_name: str | None,
    due_on: date | None,
    actor_id: int,
    now: datetime,
) -> Reopened:
    """Back to `implementing`, with a new action item checked as an outcome's items are."""
    topic = await reopenable(uow, township_id, topic_id, round_)
    description = check_item_text(description)
    owner = await _owner(uow, township_id, owner_person_id, owner_name)
    today = await local_today(uow, township_id, now)
    if due_on is None:
        raise DueDateInvalid("")
    if due_on < today:
        raise DueDateInPast(due_on, today, description)
    found = await uow.ratings.latest_outcome(topic.id)
    if found is None:
        raise NothingToReopenWith(topic.number)
    meeting, outcome = found
    await uow.ratings.add_item(
        ActionItem(
            outcome_id=outcome.id,
            topic_id=topic.id,
            description=description,
            owner_person_id=owner_person_id,
            owner_name=None if owner_person_id is not None else owner,
            due_on=due_on,
            status="open",
            progress=0,
            created_at=now,
            updated_at=now,
        )
    )
    topic.status = check_topic_transition(topic.status, TopicStatus.IMPLEMENTING)
    topic.reopened += 1
    topic.updated_at = now
    for issue in await uow.topics.issues(topic.id):
        if issue.status is IssueStatus.RESOLVED:
            await transition_issue(uow, issue, IssueStatus.ACCEPTED, actor_id, now, "reopened")
    await lookback.cancel(uow, topic.id, now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="topic.reopen",
        object_type="topic",
        object_id=topic.id,
        details={"round": round_, "reopened": topic.reopened},
    )
    told = 0
    for person_id in await ratings.everyone(uow, topic.id):
        if person_id == actor_id:
            continue
        told += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.TOPIC_REOPENED,
            payload={
                "topic_number": topic.number,
                "topic_title": topic.title,
                "description": description,
                "owner": owner,
                "due": due_on.isoformat(),
            },
            dedupe_key=f"reopened:{topic.id}:{topic.reopened}:{person_id}",
            now=now,
        )
    if owner_person_id is not None:
        zone = await township_zone(uow, township_id)
        await notify(
            uow,
            recipient_id=owner_person_id,
            kind=NotificationKind.ACTION_ITEMS_ASSIGNED,
            payload={
                "meeting_number": meeting.number,
                "meeting_title": meeting.title,
                "items": json.dumps(
                    [
                        {
                            "description": description,
                            "owner": owner,
                            "due": due_on.isoformat(),
                            "topic": topic.number,
                        }
                    ],
                    ensure_ascii=False,
                ),
                "timezone": zone.key,
            },
            dedupe_key=f"reopen-item:{topic.id}:{topic.reopened}:{owner_person_id}",
            now=now,
        )
    uow.changes.open_items.add(township_id)
    return Reopened(topic.number, told)


async def _owner(uow: UnitOfWork, township_id: int, person_id: int | None, name: str | None) -> str:
    if person_id is None:
        return clean_owner_name(name or "")
    if (township_id, RoleName.MEMBER) not in await uow.people.roles(person_id):
        raise NotFound("member", person_id)
    person = await uow.outcomes.person(person_id)
    return person.first_name if person is not None else ""
