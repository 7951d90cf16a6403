"""Candidate topics (候选议题): the township's unassigned open issues, grouped.

Staff pick consultation topics (选题) from these, on the command line or in chat, so the
result is plain data with what explains each grouping (shared place, key terms,
representative issues); nothing here knows about Telegram.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import NotFound
from bot.domain.issue_status import IssueStatus
from bot.grouping.clustering import cluster
from bot.grouping.types import Candidate, IssueDoc
from storage.models import Issue
from storage.uow import UnitOfWork

# Issues staff have not yet dealt with: not in a topic, not rejected, merged or closed.
UNASSIGNED_STATUSES = frozenset({IssueStatus.SUBMITTED, IssueStatus.NEEDS_INFO})
SNIPPET_CHARS = 40
# Issues raised in chat have no title; their first sentence plays that part, because
# the grouping reads place and matter words from titles.
_DERIVED_TITLE_CHARS = 60
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class CandidateIssue:
    """One member issue, as a list or a chat message shows it."""

    id: int
    number: str
    # The export's own id for imported issues (what an operator finds in the export).
    source_ref: str | None
    title: str
    snippet: str
    village: str | None
    place: str | None
    created_at: datetime  # in the township's timezone

    @property
    def ref(self) -> str:
        """The id an operator knows the issue by: the source id if imported, else its number."""
        return self.source_ref or self.number


@dataclass(frozen=True)
class CandidateView:
    key: str  # stable while the members stay the same
    size: int
    issues: tuple[CandidateIssue, ...]  # every member, oldest first
    representatives: tuple[CandidateIssue, ...]  # up to three most central members
    villages: tuple[str, ...]  # village names of the members
    first_at: datetime | None  # township's timezone
    last_at: datetime | None
    title: str  # suggested topic title
    shared_place: str | None
    key_terms: tuple[str, ...]
    cohesion: float  # mean similarity of member pairs, 0..1 (1 for a single issue)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _doc_title(issue: Issue) -> str:
    if issue.title:
        return issue.title
    first = _SENTENCE_END.split(issue.text.strip(), maxsplit=1)[0]
    return _clip(first, _DERIVED_TITLE_CHARS)


def _doc(issue: Issue, village: str | None) -> IssueDoc:
    body = issue.text if issue.text != issue.title else ""
    # The village name (not its id) is the key, so a candidate can show it as its place.
    return IssueDoc(
        key=str(issue.id),
        title=_doc_title(issue),
        body=body,
        village=village,
        created_at=issue.created_at,
    )


def _member(issue: Issue, village: str | None, timezone: ZoneInfo) -> CandidateIssue:
    return CandidateIssue(
        id=issue.id,
        number=issue.number,
        source_ref=issue.source_ref if issue.source == "import" else None,
        title=issue.title or _doc_title(issue),
        snippet=_clip(issue.title or issue.text, SNIPPET_CHARS),
        village=village,
        place=issue.place,
        created_at=issue.created_at.astimezone(timezone),
    )


def _view(
    candidate: Candidate, members: dict[str, CandidateIssue], timezone: ZoneInfo
) -> CandidateView:
    issues = sorted((members[key] for key in candidate.members), key=lambda i: (i.created_at, i.id))
    return CandidateView(
        key=candidate.key,
        size=candidate.size,
        issues=tuple(issues),
        representatives=tuple(members[key] for key in candidate.representatives),
        villages=candidate.villages,
        first_at=candidate.first_at.astimezone(timezone) if candidate.first_at else None,
        last_at=candidate.last_at.astimezone(timezone) if candidate.last_at else None,
        title=candidate.title,
        shared_place=candidate.shared_place,
        key_terms=candidate.key_terms,
        cohesion=candidate.cohesion,
    )


async def candidate_topics(
    uow: UnitOfWork, township_id: int, *, min_size: int = 2
) -> list[CandidateView]:
    """Group the township's unassigned open issues into candidate topics.

    Largest first. With ``min_size=1`` every such issue is in exactly one candidate
    (alone if it resembles no other); keys do not depend on ``min_size``.
    """
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    timezone = ZoneInfo(township.timezone)
    village_names = {v.id: v.name for v in await uow.directory.villages(township_id)}
    issues: Sequence[Issue] = await uow.issues.unassigned(township_id, UNASSIGNED_STATUSES)
    docs: list[IssueDoc] = []
    members: dict[str, CandidateIssue] = {}
    for issue in issues:
        village = village_names.get(issue.village_id) if issue.village_id is not None else None
        doc = _doc(issue, village)
        docs.append(doc)
        members[doc.key] = _member(issue, village, timezone)
    # Grouping thousands of issues takes a while of pure computation: off the event loop,
    # so a bot serving chats meanwhile keeps answering.
    candidates = await asyncio.to_thread(cluster, docs, min_size=min_size)
    return [_view(candidate, members, timezone) for candidate in candidates]
