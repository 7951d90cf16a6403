"""Staff corrections to candidate topics, remembered as must-link / cannot-link pairs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupingLink, Issue


class GroupingLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(
        self,
        township_id: int,
        pairs: Iterable[tuple[int, int]],
        *,
        together: bool,
        now: datetime,
    ) -> int:
        """Record a decision for each pair (newest wins); returns how many pairs changed."""
        wanted = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
        if not wanted:
            return 0
        lows = {low for low, _ in wanted}
        existing = {
            (link.low_issue_id, link.high_issue_id): link
            for link in (
                await self.session.scalars(
                    select(GroupingLink).where(
                        GroupingLink.township_id == township_id,
                        GroupingLink.low_issue_id.in_(lows),
                    )
                )
            ).all()
        }
        changed = 0
        for low, high in sorted(wanted):
            link = existing.get((low, high))
            if link is None:
                self.session.add(
                    GroupingLink(
                        township_id=township_id,
                        low_issue_id=low,
                        high_issue_id=high,
                        together=together,
                        created_at=now,
                    )
                )
                changed += 1
            elif link.together != together:
                link.together = together
                link.created_at = now
                changed += 1
        await self.session.flush()
        return changed

    async def in_township(
        self, township_id: int
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(must-link pairs, cannot-link pairs) of a township."""
        rows = (
            await self.session.execute(
                select(
                    GroupingLink.low_issue_id, GroupingLink.high_issue_id, GroupingLink.together
                ).where(GroupingLink.township_id == township_id)
            )
        ).all()
        must = [(low, high) for low, high, together in rows if together]
        cannot = [(low, high) for low, high, together in rows if not together]
        return must, cannot

    async def outside(self, township_id: int, issue_ids: Sequence[int]) -> list[int]:
        """The ids among `issue_ids` that are not issues of the township."""
        found = set(
            await self.session.scalars(
                select(Issue.id).where(Issue.id.in_(issue_ids), Issue.township_id == township_id)
            )
        )
        return [issue_id for issue_id in issue_ids if issue_id not in found]
