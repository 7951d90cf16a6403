"""Consultation topics (议题): created from issues, merged, split, followed, joined (附议)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError, NotFound, StaleState
from bot.domain.issue_status import TRIAGE_STATUSES, IssueStatus
from bot.domain.topic_status import OPEN_TOPIC_STATUSES, TopicStatus, check_topic_transition
from bot.services import candidates
from bot.services.issues import load_issue, require_status, transition_issue
from bot.services.outbox import NotificationKind, notify, tell_issue_people
from storage.models import Issue, Topic
from storage.uow import UnitOfWork

TOPIC_PREFIX = "YT"
TITLE_CHARS = 200


class WrongTownship(NotFound):
    """The issue and the topic (or the staff member) belong to different townships.

    To the person it reads like "not found": a forged id learns nothing about others.
    """

    def __init__(self, detail: str) -> None:
        super().__init__("object in another township", detail)


@dataclass(frozen=True)
class TopicView:
    id: int
    number: str
    title: str
    status: TopicStatus
    issue_count: int
    head_count: int
    # The number of the topic it was combined with (its issues and people are there now).
    merged_into: str | None = None


async def topic_view(uow: UnitOfWork, topic: Topic) -> TopicView:
    into = await uow.topics.get(topic.merged_into_id) if topic.merged_into_id else None
    return TopicView(
        id=topic.id,
        number=topic.number,
        title=topic.title,
        status=topic.status,
        issue_count=len(await uow.topics.issues(topic.id)),
        head_count=await uow.topics.head_count(topic.id),
        merged_into=into.number if into else None,
    )


async def load_topic(uow: UnitOfWork, topic_id: int, township_id: int | None = None) -> Topic:
    """The topic; with `township_id`, only if it belongs to that township."""
    topic = await uow.topics.get(topic_id)
    if topic is None or (township_id is not None and topic.township_id != township_id):
        raise NotFound("topic", topic_id)
    return topic


async def require_open(uow: UnitOfWork, topic: Topic) -> None:
    """Raise StaleState (naming the topic it went into, if merged) unless the topic is open."""
    if topic.status in OPEN_TOPIC_STATUSES:
        return
    into = await uow.topics.get(topic.merged_into_id) if topic.merged_into_id else None
    raise StaleState(topic.number, topic.status, into.number if into else None)


async def _carry_people(uow: UnitOfWork, issue: Issue, topic_id: int, now: datetime) -> None:
    """The raiser and every supporter of an issue follow the topic it belongs to."""
    if issue.author_id is not None:
        await uow.topics.follow(topic_id, issue.author_id, "raiser", now)
    for supporter_id in await uow.issues.supporter_ids(issue.id):
        await uow.topics.follow(topic_id, supporter_id, "supporter", now)


async def _accept(
    uow: UnitOfWork, issue: Issue, topic: Topic, actor_id: int | None, now: datetime
) -> None:
    if issue.township_id != topic.township_id:
        raise WrongTownship(f"issue {issue.id} and topic {topic.id}")
    await require_status(uow, issue, TRIAGE_STATUSES)
    await transition_issue(uow, issue, IssueStatus.ACCEPTED, actor_id, now, note=topic.number)
    issue.topic_id = topic.id
    # Staff looked at the issue and kept its category: it now teaches the category model.
    issue.category_confirmed = issue.category_id is not None
    await _carry_people(uow, issue, topic.id, now)
    await tell_issue_people(
        uow,
        issue,
        kind=NotificationKind.ISSUE_ACCEPTED,
        payload={
            "issue_number": issue.number,
            "topic_number": topic.number,
            "topic_title": topic.title,
        },
        dedupe_key=f"issue-accepted:{issue.id}:{topic.id}",
        now=now,
    )


async def _new_topic(
    uow: UnitOfWork,
    township_id: int,
    category_id: int | None,
    title: str,
    actor_id: int | None,
    now: datetime,
    zone: ZoneInfo,
) -> Topic:
    """A collecting topic with the next public number of its year (YT-2026-0001)."""
    year = now.astimezone(zone).year
    sequence = await uow.issues.next_sequence(f"topic-number:{year}")
    return await uow.topics.add(
        Topic(
            number=f"{TOPIC_PREFIX}-{year}-{sequence:04d}",
            township_id=township_id,
            category_id=category_id,
            title=title,
            summary="",
            status=TopicStatus.COLLECTING,
            created_by_id=actor_id,
            created_at=now,
            updated_at=now,
        )
    )


async def create_topic(
    uow: UnitOfWork,
    *,
    township_id: int,
    issue_ids: Sequence[int],
    title: str,
    actor_id: int | None,
    now: datetime,
    zone: ZoneInfo,
) -> TopicView:
    """A new topic made of issues still waiting for triage (one issue, or a whole cluster)."""
    title = " ".join(title.split())[:200]
    if not title:
        raise DomainError("a topic needs a title")
    unique_ids = list(dict.fromkeys(issue_ids))  # a repeated id is one issue
    issues = [await load_issue(uow, issue_id, township_id) for issue_id in unique_ids]
    if not issues:
        raise DomainError("a topic needs at least one issue")
    for issue in issues:
        await require_status(uow, issue, TRIAGE_STATUSES)
    topic = await _new_topic(uow, township_id, issues[0].category_id, title, actor_id, now, zone)
    for issue in issues:
        await _accept(uow, issue, topic, actor_id, now)
    # Staff put these together: every later grouping keeps them together.
    await candidates.remember_merge(uow, township_id, [i.id for i in issues], now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="topic.create",
        object_type="topic",
        object_id=topic.id,
        details={"issues": [i.id for i in issues], "title": title},
    )
    uow.changes.open_items.add(township_id)
    return await topic_view(uow, topic)


async def accept_into_topic(
    uow: UnitOfWork,
    *,
    township_id: int,
    issue_id: int,
    topic_id: int,
    actor_id: int | None,
    now: datetime,
) -> TopicView:
    issue = await load_issue(uow, issue_id, township_id)
    topic = await load_topic(uow, topic_id, township_id)
    await require_open(uow, topic)
    await _accept(uow, issue, topic, actor_id, now)
    members = [member.id for member in await uow.topics.issues(topic.id)]
    await candidates.remember_merge(uow, township_id, [issue.id, *members], now)
    topic.updated_at = now
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="issue.accept",
        object_type="issue",
        object_id=issue.id,
        details={"topic": topic.id},
    )
    uow.changes.open_items.add(township_id)
    return await topic_view(uow, topic)


async def open_topics(uow: UnitOfWork, township_id: int) -> list[TopicView]:
    return [
        await topic_view(uow, t)
        for t in await uow.topics.in_township(township_id, OPEN_TOPIC_STATUSES)
    ]


async def topics_by_status(uow: UnitOfWork, township_id: int) -> dict[TopicStatus, list[TopicView]]:
    grouped: dict[TopicStatus, list[TopicView]] = {}
    for topic in await uow.topics.in_township(township_id):
        grouped.setdefault(topic.status, []).append(await topic_view(uow, topic))
    return grouped


async def merge_topics(
    uow: UnitOfWork,
    *,
    township_id: int,
    source_id: int,
    target_id: int,
    actor_id: int | None,
    now: datetime,
) -> TopicView:
    """Move every issue and follower of `source` into `target`; `source` is withdrawn.

    Both must still be open: pressing "merge A into B" and "merge B into A" on two old
    keyboards merges once, and the second press is told B went into A already. The people
    of each moved issue hear that their issue is now in `target`; other followers hear that
    the topic they follow was combined.
    """
    if source_id == target_id:
        raise DomainError("a topic cannot be merged into itself")
    source = await load_topic(uow, source_id, township_id)
    target = await load_topic(uow, target_id, township_id)
    await require_open(uow, source)
    await require_open(uow, target)
    check_topic_transition(source.status, TopicStatus.WITHDRAWN)
    moving = await uow.topics.issues(source.id)
    together = [issue.id for issue in [*await uow.topics.issues(target.id), *moving]]
    await candidates.remember_merge(uow, township_id, together, now)
    told: set[int] = set()
    for issue in moving:
        issue.topic_id = target.id
        await tell_issue_people(
            uow,
            issue,
            kind=NotificationKind.ISSUE_TOPIC_MERGED,
            payload={
                "issue_number": issue.number,
                "from_number": source.number,
                "topic_number": target.number,
                "topic_title": target.title,
            },
            dedupe_key=f"issue-merged-topic:{issue.id}:{target.id}",
            now=now,
        )
        people = [issue.author_id, *await uow.issues.supporter_ids(issue.id)]
        told.update(person for person in people if person is not None)
    for follower in await uow.topics.followers(source.id):
        await uow.topics.follow(target.id, follower.person_id, follower.reason, now)
        if follower.person_id not in told:
            await notify(
                uow,
                recipient_id=follower.person_id,
                kind=NotificationKind.TOPIC_MERGED,
                payload={
                    "topic_number": source.number,
                    "into_number": target.number,
                    "into_title": target.title,
                },
                dedupe_key=f"topic-merged:{source.id}:{target.id}:{follower.person_id}",
                now=now,
            )
        await uow.topics.unfollow(source.id, follower.person_id)
    source.status = TopicStatus.WITHDRAWN
    source.merged_into_id = target.id
    source.updated_at = target.updated_at = now
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="topic.merge",
        object_type="topic",
        object_id=source.id,
        details={"into": target.id},
    )
    uow.changes.open_items.add(township_id)
    return await topic_view(uow, target)


async def split_topic(
    uow: UnitOfWork,
    *,
    township_id: int,
    topic_id: int,
    issue_ids: Sequence[int],
    title: str,
    actor_id: int | None,
    now: datetime,
    zone: ZoneInfo,
) -> TopicView:
    """Take some issues out of a topic into a new one; their people move with them."""
    source = await load_topic(uow, topic_id, township_id)
    await require_open(uow, source)
    members = {issue.id: issue for issue in await uow.topics.issues(source.id)}
    moving = [members[i] for i in issue_ids if i in members]
    if not moving or len(moving) == len(members):
        raise DomainError("split needs some, but not all, of the topic's issues")
    new_title = " ".join(title.split())[:200] or source.title
    new = await _new_topic(
        uow, source.township_id, moving[0].category_id, new_title, actor_id, now, zone
    )
    staying = [issue for issue in members.values() if issue.id not in issue_ids]
    # Staff took these apart: later groupings keep each moved issue apart from those left,
    # and each side together (its links may have run through an issue now on the other).
    for issue in moving:
        await candidates.remember_split(
            uow, township_id, issue.id, [other.id for other in staying], now
        )
    for side in (moving, staying):
        await candidates.remember_merge(uow, township_id, [issue.id for issue in side], now)
    still_linked: set[int] = set()
    for issue in staying:
        if issue.author_id is not None:
            still_linked.add(issue.author_id)
        still_linked.update(await uow.issues.supporter_ids(issue.id))
    for issue in moving:
        issue.topic_id = new.id
        await _carry_people(uow, issue, new.id, now)
        await tell_issue_people(
            uow,
            issue,
            kind=NotificationKind.ISSUE_TOPIC_CHANGED,
            payload={
                "issue_number": issue.number,
                "from_number": source.number,
                "topic_number": new.number,
                "topic_title": new.title,
            },
            dedupe_key=f"issue-moved:{issue.id}:{new.id}",
            now=now,
        )
        people = {issue.author_id, *await uow.issues.supporter_ids(issue.id)} - {None}
        for person_id in people:
            if person_id not in still_linked:
                await uow.topics.unfollow(source.id, person_id)  # type: ignore[arg-type]
    source.updated_at = now
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="topic.split",
        object_type="topic",
        object_id=source.id,
        details={"issues": list(issue_ids), "new_topic": new.id},
    )
    uow.changes.open_items.add(township_id)
    return await topic_view(uow, new)


async def follow_topic(
    uow: UnitOfWork, *, township_id: int, topic_id: int, person_id: int, reason: str, now: datetime
) -> bool:
    """A member or staff member follows a topic; False when they did already."""
    topic = await load_topic(uow, topic_id, township_id)
    return await uow.topics.follow(topic.id, person_id, reason, now)


async def split_issue_out(
    uow: UnitOfWork,
    *,
    township_id: int,
    topic_id: int,
    issue_id: int,
    actor_id: int | None,
    now: datetime,
    zone: ZoneInfo,
) -> TopicView:
    """One issue leaves its topic and becomes a topic of its own, titled by its text."""
    issue = await load_issue(uow, issue_id, township_id)
    title = " ".join((issue.title or issue.text).split())[:60] or issue.number
    return await split_topic(
        uow,
        township_id=township_id,
        topic_id=topic_id,
        issue_ids=[issue_id],
        title=title,
        actor_id=actor_id,
        now=now,
        zone=zone,
    )


async def rename_topic(
    uow: UnitOfWork,
    *,
    township_id: int,
    topic_id: int,
    title: str,
    actor_id: int | None,
    now: datetime,
) -> TopicView:
    """A topic gets the title staff gave it (at first it is its first issue's text)."""
    title = " ".join(title.split())[:TITLE_CHARS]
    if not title:
        raise DomainError("a topic needs a title")
    topic = await load_topic(uow, topic_id, township_id)
    await require_open(uow, topic)
    before, topic.title = topic.title, title
    topic.updated_at = now
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="topic.rename",
        object_type="topic",
        object_id=topic.id,
        details={"from": before, "to": title},
    )
    uow.changes.open_items.add(township_id)
    return await topic_view(uow, topic)
