"""Similar issues and topics: 附议 suggestions at intake, and the staff inbox's "similar"."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.grouping import JOIN_SUGGESTION_THRESHOLD, IssueDoc, Match, SimilarityIndex, analyse
from storage.db import SessionFactory
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

ISSUE_PREFIX = "i:"
TOPIC_PREFIX = "t:"
# How many issue texts describe a topic in the index: enough for its wording, not all.
TOPIC_SAMPLE_ISSUES = 5


@dataclass(frozen=True)
class Similar:
    kind: str  # "issue" | "topic"
    id: int
    score: float
    shared_place: str | None
    shared_terms: tuple[str, ...]


def _similar(match: Match) -> Similar:
    kind = "topic" if match.key.startswith(TOPIC_PREFIX) else "issue"
    return Similar(
        kind=kind,
        id=int(match.key[2:]),
        score=match.score,
        shared_place=match.shared_place,
        shared_terms=tuple(match.shared_terms),
    )


class SimilarityService:
    """One in-memory index per township, built from its open issues and topics.

    Building runs in a worker thread so the bot keeps answering; writes that change what
    is open call `invalidate`, and the next question rebuilds the index.
    """

    def __init__(self, session_factory: SessionFactory) -> None:
        self._factory = session_factory
        self._indexes: dict[int, SimilarityIndex] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        # Townships whose index is being refreshed, and the issues added meanwhile.
        self._arrived_while_refreshing: dict[int, list[IssueDoc]] = {}
        self._refreshing: set[asyncio.Task[None]] = set()

    async def warm_up(self) -> None:
        """Load the word-segmentation dictionary (about a second) before the first resident
        needs it, in a worker thread."""
        await asyncio.to_thread(analyse, "南湖社区东门路灯坏了")

    def invalidate(self, township_id: int) -> None:
        self._indexes.pop(township_id, None)

    def add_issue(
        self, township_id: int, issue_id: int, text: str, village: str | None, created_at: datetime
    ) -> None:
        """A new open issue joins the index in place (a rebuild per submission would not scale).

        Reading the text takes a few milliseconds of the event loop: inside the bot it runs
        as a step of its own, once the resident's answer is on its way, not in front of it.
        Only a question already under way in that moment can miss the new issue, as if it
        had been asked a moment earlier.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._add_now(township_id, issue_id, text, village, created_at)
            return
        loop.call_soon(self._add_now, township_id, issue_id, text, village, created_at)

    def _add_now(
        self, township_id: int, issue_id: int, text: str, village: str | None, created_at: datetime
    ) -> None:
        index = self._indexes.get(township_id)
        if index is None:
            return
        doc = IssueDoc(
            key=f"{ISSUE_PREFIX}{issue_id}",
            title="",
            body=text,
            village=village,
            created_at=created_at,
        )
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            index.add(doc)  # no event loop to keep free: refreshed in place when due
            return
        index.add(doc, refresh=False)
        arrived = self._arrived_while_refreshing.get(township_id)
        if arrived is not None:
            arrived.append(doc)
        elif index.stale:
            self._arrived_while_refreshing[township_id] = []
            task = loop.create_task(self._refresh(township_id, index, index.copy()))
            self._refreshing.add(task)
            task.add_done_callback(self._refreshing.discard)

    async def _refresh(
        self, township_id: int, index: SimilarityIndex, fresh: SimilarityIndex
    ) -> None:
        """The index doubled since its word statistics were taken: they are taken afresh
        on a copy in a worker thread (about 18 ms per thousand issues, too long for the
        event loop), and the copy replaces the index with what arrived meanwhile."""
        try:
            await asyncio.to_thread(fresh.refresh)
        except Exception:
            log.exception("could not refresh the similarity index of township %s", township_id)
            return
        finally:
            arrived = self._arrived_while_refreshing.pop(township_id, [])
        if self._indexes.get(township_id) is not index:
            return  # invalidated meanwhile: the next question builds it afresh
        for doc in arrived:
            fresh.add(doc, refresh=False)
        self._indexes[township_id] = fresh

    async def settled(self) -> None:
        """Until background refreshes are done (tests; a refresh is never needed to answer)."""
        while self._refreshing:
            await asyncio.gather(*self._refreshing)

    async def _docs(self, township_id: int) -> list[IssueDoc]:
        async with UnitOfWork(self._factory) as uow:
            villages = {v.id: v.name for v in await uow.directory.villages(township_id)}
            docs = [
                IssueDoc(
                    key=f"{ISSUE_PREFIX}{issue.id}",
                    title=issue.title or "",
                    body=issue.text,
                    village=villages.get(issue.village_id) if issue.village_id else None,
                    created_at=issue.created_at,
                )
                for issue in await uow.inbox.open_issues(township_id)
                if issue.topic_id is None
            ]
            for topic in await uow.topics.in_township(township_id):
                if topic.status in {"reviewed", "closed", "withdrawn"}:
                    continue
                issues = list(await uow.topics.issues(topic.id))[:TOPIC_SAMPLE_ISSUES]
                names = {villages[i.village_id] for i in issues if i.village_id in villages}
                docs.append(
                    IssueDoc(
                        key=f"{TOPIC_PREFIX}{topic.id}",
                        title=topic.title,
                        body="。".join(i.text for i in issues),
                        village=names.pop() if len(names) == 1 else None,
                        created_at=topic.created_at,
                    )
                )
        return docs

    async def _index(self, township_id: int) -> SimilarityIndex:
        index = self._indexes.get(township_id)
        if index is not None:
            return index
        lock = self._locks.setdefault(township_id, asyncio.Lock())
        async with lock:
            index = self._indexes.get(township_id)
            if index is None:
                docs = await self._docs(township_id)
                index = await asyncio.to_thread(SimilarityIndex, docs)
                self._indexes[township_id] = index
            return index

    async def similar(
        self,
        township_id: int,
        *,
        title: str,
        body: str,
        village: str | None,
        k: int = 5,
        exclude_issue: int | None = None,
        min_score: float = 0.0,
    ) -> list[Similar]:
        index = await self._index(township_id)
        exclude = f"{ISSUE_PREFIX}{exclude_issue}" if exclude_issue is not None else None
        # A query takes a few milliseconds even against thousands of issues (see
        # bench/grouping.py), less than handing it to a thread and back; and the index is
        # not thread-safe, so it is only ever touched from the event loop.
        matches = index.query(title, body, village, k, exclude=exclude, min_score=min_score)
        return [_similar(m) for m in matches]

    async def worth_joining(
        self, township_id: int, *, text: str, village: str | None, k: int = 3
    ) -> list[Similar]:
        """Neighbours' issues and topics close enough to offer 附议 (helpful, not noisy)."""
        return await self.similar(
            township_id,
            title="",
            body=text,
            village=village,
            k=k,
            min_score=JOIN_SUGGESTION_THRESHOLD,
        )
