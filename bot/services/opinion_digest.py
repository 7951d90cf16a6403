"""The digest of the opinions gathered before a meeting: what staff take into the room.

Per topic, every opinion ranked by agreement (the Wilson lower bound, bot/domain/consensus.py),
and apart from them the ones that divide people, each with its counts. Staff see every
author; an anonymous one is marked as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.consensus import Tally, agreement, division, is_divisive
from bot.domain.errors import NotFound
from storage.models import Meeting
from storage.uow import UnitOfWork

DIGEST_JOB = "opinion_digest"
# The automatic digest goes out this long before the meeting starts …
DIGEST_LEAD = timedelta(hours=3)
# … or, when opinions were opened later than that, this long before.
LATE_DIGEST_LEAD = timedelta(minutes=30)
# How much of each list a pushed digest carries (the full one is a button away).
PUSHED_RANKED = 5
PUSHED_DIVISIVE = 3
PUSHED_TEXT_CHARS = 120


@dataclass(frozen=True)
class OpinionStat:
    opinion_id: int
    text: str
    author: str
    anonymous: bool
    tally: Tally
    score: float


@dataclass(frozen=True)
class TopicDigest:
    topic_number: str
    topic_title: str
    opinions_open: bool
    voters: int
    ranked: tuple[OpinionStat, ...]
    divisive: tuple[OpinionStat, ...]


@dataclass(frozen=True)
class Digest:
    meeting_id: int
    meeting_number: str
    meeting_title: str
    starts_at: datetime
    topics: tuple[TopicDigest, ...]

    @property
    def gathered(self) -> bool:
        """Any topic was opened for opinions (or has some)."""
        return any(t.opinions_open or t.ranked for t in self.topics)


async def build_digest(uow: UnitOfWork, meeting: Meeting) -> Digest:
    topics = []
    for link, topic in await uow.opinions.meeting_topics(meeting.id):
        opinions = list(await uow.opinions.on_topic(topic.id, meeting.id))
        ids = [o.id for o in opinions]
        tallies = await uow.opinions.tallies(ids)
        authors = await uow.outcomes.people({o.author_id for o in opinions})
        stats = []
        for opinion in opinions:
            tally = Tally(*tallies.get(opinion.id, (0, 0, 0)))
            author = authors.get(opinion.author_id)
            stats.append(
                OpinionStat(
                    opinion_id=opinion.id,
                    text=opinion.text,
                    author=author.display_name if author is not None else "",
                    anonymous=opinion.anonymous,
                    tally=tally,
                    score=agreement(tally),
                )
            )
        # Ties (no votes yet) keep the order they came in.
        ranked = sorted(stats, key=lambda s: (-s.score, -s.tally.agree, s.opinion_id))
        divisive = sorted(
            (s for s in stats if is_divisive(s.tally)),
            key=lambda s: (-division(s.tally), s.opinion_id),
        )
        topics.append(
            TopicDigest(
                topic_number=topic.number,
                topic_title=topic.title,
                opinions_open=link.opinions_open,
                voters=await uow.opinions.voter_count(ids),
                ranked=tuple(ranked),
                divisive=tuple(divisive),
            )
        )
    return Digest(meeting.id, meeting.number, meeting.title, meeting.starts_at, tuple(topics))


async def meeting_digest(uow: UnitOfWork, township_id: int, meeting_id: int) -> Digest:
    """Staff's digest on demand."""
    meeting = await uow.outcomes.meeting(meeting_id)
    if meeting is None or meeting.township_id != township_id:
        raise NotFound("meeting", meeting_id)
    return await build_digest(uow, meeting)


def _stat_dict(stat: OpinionStat, text_chars: int) -> dict[str, object]:
    text = stat.text if len(stat.text) <= text_chars else stat.text[: text_chars - 1] + "…"
    return {
        "text": text,
        "author": stat.author,
        "anonymous": stat.anonymous,
        "agree": stat.tally.agree,
        "disagree": stat.tally.disagree,
        "pass": stat.tally.passes,
    }


def digest_topics(
    digest: Digest,
    *,
    ranked: int = PUSHED_RANKED,
    divisive: int = PUSHED_DIVISIVE,
    text_chars: int = PUSHED_TEXT_CHARS,
) -> list[dict[str, object]]:
    """The digest's topics as plain values (a push carries them as JSON): the first
    `ranked` of the ranking and `divisive` of the dividing opinions of each topic."""
    return [
        {
            "number": topic.topic_number,
            "title": topic.topic_title,
            "opinions": len(topic.ranked),
            "voters": topic.voters,
            "ranked": [_stat_dict(s, text_chars) for s in topic.ranked[:ranked]],
            "divisive": [_stat_dict(s, text_chars) for s in topic.divisive[:divisive]],
        }
        for topic in digest.topics
    ]


def digest_topics_json(digest: Digest) -> str:
    return json.dumps(digest_topics(digest), ensure_ascii=False)


def digest_due(starts_at: datetime, now: datetime) -> datetime:
    """When the automatic digest goes out for a meeting starting at `starts_at`."""
    due = starts_at - DIGEST_LEAD
    if due > now:
        return due
    return max(now, starts_at - LATE_DIGEST_LEAD)


def digest_key(meeting: Meeting) -> str:
    """One digest per meeting and start time: a moved meeting gets a digest of its own
    (meeting_jobs.on_meeting_cancelled drops them by this key's prefix)."""
    return f"opinion-digest:{meeting.id}:{int(meeting.starts_at.timestamp())}"


async def schedule_digest(uow: UnitOfWork, meeting: Meeting, now: datetime) -> None:
    await uow.jobs.schedule(
        kind=DIGEST_JOB,
        key=digest_key(meeting),
        due_at=digest_due(meeting.starts_at, now),
        payload={"meeting_id": meeting.id, "starts_at": meeting.starts_at.isoformat()},
        now=now,
    )
