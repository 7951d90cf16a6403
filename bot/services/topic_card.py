"""A topic as staff and members see it: its state and the issues it gathers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.topics import TopicView, load_topic, topic_view
from storage.uow import UnitOfWork

PREVIEW_CHARS = 50


@dataclass(frozen=True)
class TopicIssue:
    id: int
    number: str
    preview: str  # empty for a voice message or photos alone
    voice: bool
    photos: int
    # Who raised it: always for staff; for members only if the raiser agreed to be named.
    raiser: str | None


@dataclass(frozen=True)
class TopicCard:
    view: TopicView
    issues: tuple[TopicIssue, ...]


async def topic_card(
    uow: UnitOfWork, township_id: int, topic_id: int, *, for_staff: bool = True
) -> TopicCard:
    """A topic of the township with its issues (NotFound for another township's)."""
    topic = await load_topic(uow, topic_id, township_id)
    issues = await uow.topics.issues(topic.id)
    media = await uow.staff.media([issue.id for issue in issues])
    listed = []
    for issue in issues:
        voice, photos = media.get(issue.id, (False, 0))
        named = issue.author_id is not None and (for_staff or not issue.anonymous)
        listed.append(
            TopicIssue(
                id=issue.id,
                number=issue.number,
                preview=" ".join((issue.title or issue.text).split())[:PREVIEW_CHARS],
                voice=voice,
                photos=photos,
                raiser=await uow.inbox.author_name(issue.author_id)
                if named and issue.author_id is not None
                else None,
            )
        )
    return TopicCard(view=await topic_view(uow, topic), issues=tuple(listed))
