"""Publishing a meeting's outcome: the topics move on, everyone concerned is told once, each
owner gets their action items, and the overdue reminder stops."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.domain.deliberation_errors import (
    DueDateInPast,
    OwnerMissing,
    SummaryMissing,
    TopicNotScheduled,
)
from bot.domain.topic_status import (
    IllegalTopicTransition,
    TopicStatus,
    check_topic_transition,
)
from bot.services import meeting_people
from bot.services.outbox import NotificationKind, notify
from bot.services.outcomes import ItemView, OutcomeView, load_draft, local_today, outcome_view
from storage.models import Meeting, Topic
from storage.uow import UnitOfWork

# What a pushed outcome carries; the minutes (.docx) have it all.
PUSHED_CONSENSUS_CHARS = 600
PUSHED_ITEMS = 8
PUSHED_ITEM_CHARS = 200
# Topics already this far keep their status when another meeting's outcome mentions them.
_BEYOND_DELIBERATION = frozenset(
    {
        TopicStatus.DELIBERATED,
        TopicStatus.IMPLEMENTING,
        TopicStatus.RESOLVED,
        TopicStatus.REVIEWED,
        TopicStatus.CLOSED,
        TopicStatus.WITHDRAWN,
    }
)


@dataclass(frozen=True)
class Published:
    view: OutcomeView
    told: int  # people who got the outcome
    owners: int  # owners who got their action items


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def recipient_count(uow: UnitOfWork, meeting_id: int, actor_id: int) -> int:
    """How many people publishing will tell (shown before staff confirm)."""
    people = await meeting_people.outcome_recipients(uow, meeting_id)
    return len([person for person in people if person != actor_id])


def _advance(topic: Topic, has_items: bool, now: datetime) -> list[TopicStatus]:
    """Move a topic to deliberated (and on to implementing when it has action items)."""
    moves: list[TopicStatus] = []
    if topic.status not in _BEYOND_DELIBERATION:
        try:
            check_topic_transition(topic.status, TopicStatus.DELIBERATED)
        except IllegalTopicTransition:
            raise TopicNotScheduled(topic.number, topic.status) from None
        topic.status = TopicStatus.DELIBERATED
        moves.append(TopicStatus.DELIBERATED)
    if has_items and topic.status is TopicStatus.DELIBERATED:
        topic.status = check_topic_transition(topic.status, TopicStatus.IMPLEMENTING)
        moves.append(TopicStatus.IMPLEMENTING)
    if moves:
        topic.updated_at = now
    return moves


def _item_json(item: ItemView, limit: int) -> dict[str, object]:
    return {
        "description": _cut(item.description, limit),
        "owner": item.owner,
        "due": item.due_on.isoformat(),
        "topic": item.topic_number or "",
    }


async def check_publishable(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, now: datetime
) -> OutcomeView:
    """The draft, if it can be published now: a summary, and every action item with an
    owner and a due date that has not passed (a draft may have waited for days)."""
    await load_draft(uow, township_id, meeting_id, now)
    view = await outcome_view(uow, township_id, meeting_id)
    assert view is not None
    if not view.summary.strip():
        raise SummaryMissing()
    today = await local_today(uow, township_id, now)
    for item in view.items:
        if not item.owner:
            raise OwnerMissing()
        if item.due_on < today:
            raise DueDateInPast(item.due_on, today, item.description)
    topics = await uow.topics.many([t.id for t in view.topics])
    for topic in sorted(topics.values(), key=lambda t: t.id):
        if topic.status not in _BEYOND_DELIBERATION:
            try:
                check_topic_transition(topic.status, TopicStatus.DELIBERATED)
            except IllegalTopicTransition:
                raise TopicNotScheduled(topic.number, topic.status) from None
    return view


async def publish(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, actor_id: int, now: datetime
) -> Published:
    """Publish the draft: checked whole again (time has passed since each step)."""
    meeting, outcome = await load_draft(uow, township_id, meeting_id, now)
    view = await check_publishable(uow, township_id=township_id, meeting_id=meeting_id, now=now)
    topics = await uow.topics.many([t.id for t in view.topics])
    with_items = {i.topic_number for i in view.items}
    for topic in sorted(topics.values(), key=lambda t: t.id):
        for status in _advance(topic, topic.number in with_items, now):
            await uow.audit.record(
                at=now,
                actor_id=actor_id,
                action="topic.status",
                object_type="topic",
                object_id=topic.id,
                details={"to": status.value, "meeting": meeting.id},
            )
    outcome.status = "published"
    outcome.published_at = now
    outcome.updated_at = now
    await uow.outcomes.flush()
    told = await _tell_everyone(uow, meeting, view, actor_id, now)
    owners = await _tell_owners(uow, meeting, view, now)
    # The overdue reminder, if one is pending, sees the published outcome and stops itself.
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="outcome.publish",
        object_type="meeting",
        object_id=meeting.id,
        details={"told": told, "owners": owners, "items": len(view.items)},
    )
    uow.changes.open_items.add(township_id)
    published = await outcome_view(uow, township_id, meeting_id)
    assert published is not None
    return Published(published, told, owners)


async def _zone_name(uow: UnitOfWork, township_id: int) -> str:
    township = await uow.directory.township(township_id)
    return township.timezone if township is not None else "Asia/Shanghai"


async def _tell_everyone(
    uow: UnitOfWork, meeting: Meeting, view: OutcomeView, actor_id: int, now: datetime
) -> int:
    """One message per person, however many of the meeting's topics they follow."""
    payload = {
        "meeting_number": meeting.number,
        "meeting_title": meeting.title,
        "topics": json.dumps(
            [{"number": t.number, "title": t.title} for t in view.topics], ensure_ascii=False
        ),
        "consensus": _cut(view.consensus, PUSHED_CONSENSUS_CHARS),
        "items": json.dumps(
            [_item_json(item, PUSHED_ITEM_CHARS) for item in view.items[:PUSHED_ITEMS]]
            + (
                [{"more": len(view.items) - PUSHED_ITEMS}] if len(view.items) > PUSHED_ITEMS else []
            ),
            ensure_ascii=False,
        ),
        "timezone": await _zone_name(uow, meeting.township_id),
    }
    told = 0
    for person_id in await meeting_people.outcome_recipients(uow, meeting.id):
        if person_id == actor_id:
            continue  # they just published it and see it in their chat
        told += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.OUTCOME_PUBLISHED,
            payload=payload,
            dedupe_key=f"outcome:{view.outcome_id}:{person_id}",
            now=now,
        )
    return told


async def _tell_owners(uow: UnitOfWork, meeting: Meeting, view: OutcomeView, now: datetime) -> int:
    """Each owner with an account gets their own action items, in one message."""
    by_owner: dict[int, list[ItemView]] = {}
    for item in view.items:
        if item.owner_person_id is not None:
            by_owner.setdefault(item.owner_person_id, []).append(item)
    zone = await _zone_name(uow, meeting.township_id)
    for person_id, items in by_owner.items():
        await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.ACTION_ITEMS_ASSIGNED,
            payload={
                "meeting_number": meeting.number,
                "meeting_title": meeting.title,
                "items": json.dumps(
                    [_item_json(item, 500) for item in items[:PUSHED_ITEMS]], ensure_ascii=False
                ),
                "timezone": zone,
            },
            dedupe_key=f"action-items:{view.outcome_id}:{person_id}",
            now=now,
        )
    return len(by_owner)
