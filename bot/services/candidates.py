"""Candidate topics (候选议题): the township's unassigned open issues, grouped.

Staff pick consultation topics (选题) from these, on the command line or in chat, so the
result is plain data with what explains each grouping (shared place, key terms, the
words tying each member in, representative issues); nothing here knows about Telegram.

Staff corrections are the township's ground truth: taking an issue out of a group
(`remember_split`) or putting issues together (`remember_merge`) is stored as
cannot-link / must-link pairs that every later regrouping respects. Like every
service, these write in the caller's unit of work and never commit.
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
    # Issue id -> its matter words that other members also use; an issue with none is
    # in the group through the shared place alone and deserves a look.
    member_terms: dict[int, tuple[str, ...]]


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
        member_terms={members[key].id: words for key, words in candidate.member_terms},
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
    must, cannot = await uow.grouping_links.in_township(township_id)
    # Grouping thousands of issues takes a while of pure computation: off the event loop,
    # so a bot serving chats meanwhile keeps answering.
    candidates = await asyncio.to_thread(
        cluster,
        docs,
        min_size=min_size,
        must_link=[(str(a), str(b)) for a, b in must],
        cannot_link=[(str(a), str(b)) for a, b in cannot],
    )
    return [_view(candidate, members, timezone) for candidate in candidates]


async def _check_issues(uow: UnitOfWork, township_id: int, issue_ids: Sequence[int]) -> None:
    outside = await uow.grouping_links.outside(township_id, issue_ids)
    if outside:
        raise NotFound("issue", outside[0])


async def remember_split(
    uow: UnitOfWork,
    township_id: int,
    issue_id: int,
    other_issue_ids: Sequence[int],
    now: datetime,
) -> int:
    """Staff took ``issue_id`` out of a group: it stays apart from each of the others.

    Call it wherever an issue leaves a candidate or a topic (a topic split: each moved
    issue against each issue that stayed). Returns how many pairs changed.
    """
    others = [i for i in dict.fromkeys(other_issue_ids) if i != issue_id]
    await _check_issues(uow, township_id, [issue_id, *others])
    pairs = [(issue_id, other) for other in others]
    return await uow.grouping_links.remember(township_id, pairs, together=False, now=now)


async def remember_merge(
    uow: UnitOfWork, township_id: int, issue_ids: Sequence[int], now: datetime
) -> int:
    """Staff put these issues together (a merge, or a topic made from them).

    Each one is linked to the first, which is enough: linkage keeps must-linked issues in
    one group. Returns how many pairs changed.
    """
    ids = list(dict.fromkeys(issue_ids))
    await _check_issues(uow, township_id, ids)
    pairs = [(ids[0], other) for other in ids[1:]]
    return await uow.grouping_links.remember(township_id, pairs, together=True, now=now)
