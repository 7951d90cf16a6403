"""附议: a resident joins a neighbour's open issue or topic instead of raising it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.issue_status import LIVE_STATUSES
from bot.domain.topic_status import OPEN_TOPIC_STATUSES
from bot.services.issues import load_issue, require_status
from bot.services.topics import load_topic, require_open
from storage.models import Support
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class JoinOption:
    kind: str  # "issue" | "topic"
    id: int
    number: str
    preview: str
    people: int


async def join_options(
    uow: UnitOfWork, township_id: int, person_id: int, candidates: Sequence[tuple[str, int]]
) -> list[JoinOption]:
    """What a resident may join among (kind, id) suggestions: open, same township, and not
    their own issue or a topic they already follow. A handful of queries whatever the count,
    as this runs while the resident waits for the next question."""
    issue_ids = [item_id for kind, item_id in candidates if kind == "issue"]
    topic_ids = [item_id for kind, item_id in candidates if kind == "topic"]
    issues = await uow.issues.many(issue_ids)
    supporters = await uow.issues.supporter_counts(issue_ids)
    found_topics = await uow.topics.many(topic_ids)
    heads = await uow.topics.head_counts(topic_ids)
    followed = await uow.topics.followed_by(person_id) if topic_ids else set()
    options = []
    for kind, item_id in candidates:
        if kind == "topic":
            topic = found_topics.get(item_id)
            if (
                topic
                and topic.township_id == township_id
                and topic.status in OPEN_TOPIC_STATUSES
                and topic.id not in followed
            ):
                options.append(
                    JoinOption(
                        kind, topic.id, topic.number, topic.title[:40], heads.get(topic.id, 0)
                    )
                )
        else:
            issue = issues.get(item_id)
            if (
                issue
                and issue.township_id == township_id
                and issue.status in LIVE_STATUSES
                and issue.author_id != person_id
            ):
                people = 1 + supporters.get(issue.id, 0)
                options.append(
                    JoinOption(
                        kind, issue.id, issue.number, (issue.title or issue.text)[:40], people
                    )
                )
    return options


async def join_issue(
    uow: UnitOfWork, *, person_id: int, issue_id: int, now: datetime, township_id: int | None = None
) -> str:
    """附议: a resident joins a neighbour's issue; returns the number they are told."""
    issue = await load_issue(uow, issue_id, township_id)
    await require_status(uow, issue, LIVE_STATUSES)
    if issue.author_id == person_id:
        return issue.number
    support = Support(person_id=person_id, issue_id=issue.id, created_at=now)
    if await uow.issues.add_support(support) and issue.topic_id is not None:
        await uow.topics.follow(issue.topic_id, person_id, "supporter", now)
    topic = await uow.topics.get(issue.topic_id) if issue.topic_id else None
    uow.changes.open_items.add(issue.township_id)
    return topic.number if topic else issue.number


async def join_topic(
    uow: UnitOfWork, *, person_id: int, topic_id: int, now: datetime, township_id: int | None = None
) -> str:
    topic = await load_topic(uow, topic_id, township_id)
    await require_open(uow, topic)
    await uow.topics.follow(topic.id, person_id, "supporter", now)
    uow.changes.open_items.add(topic.township_id)
    return topic.number
