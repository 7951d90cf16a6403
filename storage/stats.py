"""The liaison office's figures as SQL aggregates: counted where the rows are.

The figures are counted over the township's rows in a period (a year holds tens of
thousands of issues), overall, by village or by category; the service turns the counts into
rates. The issue side is GROUP BY on PostgreSQL and one packed read on SQLite
(storage/stats_sqlite.py: no median aggregate there); the topic side is one statement.
Periods are half-open UTC ranges [start, end) computed by the caller from the township's
local calendar.

Where a topic is counted "by village", it counts for every village its issues came from (a
topic gathered from two villages is part of both villages' work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.topic_status import TopicStatus
from storage import stats_sqlite
from storage.models import (
    ActionItem,
    Category,
    Issue,
    LookBack,
    Rating,
    Topic,
    Village,
)

# A topic reached 选题 when it is in one of these (or went on from them).
SELECTED = (
    TopicStatus.SELECTED,
    TopicStatus.SCHEDULED,
    TopicStatus.DELIBERATED,
    TopicStatus.IMPLEMENTING,
    TopicStatus.RESOLVED,
    TopicStatus.REVIEWED,
)
RESOLVED = (TopicStatus.RESOLVED, TopicStatus.REVIEWED)
SATISFIED = ("satisfied", "basic")


class Grouping(StrEnum):
    OVERALL = "overall"
    VILLAGE = "village"
    CATEGORY = "category"


@dataclass
class Counts:
    """The raw counts of one group (a village, a category, or the whole township)."""

    received: int = 0
    answered: int = 0  # within the township's response days
    responded: int = 0  # at all, so far
    median_seconds: float | None = None
    selected_issues: int = 0
    topics_selected: int = 0
    topics_resolved: int = 0
    ratings: int = 0
    satisfied: int = 0
    items_open: int = 0
    items_overdue: int = 0
    look_backs: int = 0
    still_solved: int = 0

    def add(self, other: Counts) -> None:
        """Add another group's counts (the median is not additive: it stays as it is)."""
        for name in self.__dataclass_fields__:
            if name != "median_seconds":
                setattr(self, name, getattr(self, name) + getattr(other, name))


def seconds_between(session: AsyncSession, earlier: Any, later: Any) -> ColumnElement[Any]:
    """`later - earlier` in seconds, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


# (village id, category id) -> (received, answered in time, answered at all, selected)
Cells = dict[tuple[int | None, int | None], tuple[int, int, int, int]]
# Of a topic-side group: topics selected, resolved; ratings, satisfied; action items open,
# overdue; look-backs, still solved.
FollowThrough = tuple[int, int, int, int, int, int, int, int]
# The median delay (seconds) by grouping, then by village or category id (None: overall).
Medians = dict["Grouping", dict[int | None, float]]


class StatsQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(
        self,
        township_id: int,
        start: datetime,
        end: datetime,
        *,
        response_days: int,
        today: date,
        grouping: Grouping,
        cells: Cells | None = None,
        follow: dict[int | None, FollowThrough] | None = None,
    ) -> dict[int | None, Counts]:
        """Every figure's counts for [start, end), keyed by village or category id (None:
        the whole township, or issues with no village / category). `cells` and `follow`:
        the counts of `issue_cells` and of `follow_through` for this grouping, when the
        caller has them already (one statement each for all groupings)."""
        found: dict[int | None, Counts] = {}

        def at(key: int | None) -> Counts:
            return found.setdefault(key, Counts())

        if cells is None:
            cells = await self.issue_cells(township_id, start, end, response_days)
        for (village, category), (received, answered, responded, selected) in cells.items():
            key = (
                village
                if grouping is Grouping.VILLAGE
                else category
                if grouping is Grouping.CATEGORY
                else None
            )
            row = at(key)
            row.received += received
            row.answered += answered
            row.responded += responded
            row.selected_issues += selected
        if follow is None:
            follow = (await self.follow_through(township_id, start, end, today, (grouping,)))[
                grouping
            ]
        for key, numbers in follow.items():
            row = at(key)
            (
                row.topics_selected,
                row.topics_resolved,
                row.ratings,
                row.satisfied,
                row.items_open,
                row.items_overdue,
                row.look_backs,
                row.still_solved,
            ) = numbers
        return found

    def _issue_key(self, grouping: Grouping) -> Any:
        if grouping is Grouping.VILLAGE:
            return Issue.village_id
        if grouping is Grouping.CATEGORY:
            return Issue.category_id
        return literal(None)

    async def issue_cells(
        self, township_id: int, start: datetime, end: datetime, days: int
    ) -> Cells:
        """The issues of [start, end) counted per (village, category), in one scan: received,
        answered within `days`, answered at all, and those whose topic was selected."""
        delay = seconds_between(self.session, Issue.created_at, Issue.first_answered_at)
        query = (
            select(
                Issue.village_id,
                Issue.category_id,
                func.count(Issue.id),
                func.sum(case((delay <= days * 86400.0, 1), else_=0)),
                func.count(Issue.first_answered_at),
                func.sum(case((Topic.status.in_(SELECTED), 1), else_=0)),
            )
            .select_from(Issue)
            .outerjoin(Topic, Topic.id == Issue.topic_id)
            .where(*self._issues_in(township_id, start, end))
            .group_by(Issue.village_id, Issue.category_id)
        )
        return {
            (village, category): (int(n), int(in_time or 0), int(answered), int(selected or 0))
            for village, category, n, in_time, answered, selected in (
                await self.session.execute(query)
            ).all()
        }

    @staticmethod
    def _issues_in(township_id: int, start: datetime, end: datetime) -> list[Any]:
        return [Issue.township_id == township_id, Issue.created_at >= start, Issue.created_at < end]

    async def issue_figures(
        self, township_id: int, start: datetime, end: datetime, days: int
    ) -> tuple[Cells, Medians]:
        """The issue counts of `issue_cells` and the medians of `medians`, each backend
        its fastest way."""
        if self.session.get_bind().dialect.name == "postgresql":
            cells = await self.issue_cells(township_id, start, end, days)
            return cells, await self.medians(township_id, start, end)
        return await self._sqlite_issue_figures(township_id, start, end, days)

    async def medians(self, township_id: int, start: datetime, end: datetime) -> Medians:
        """The median delay to the first answer (seconds) of the issues of [start, end):
        overall (key None), by village and by category; the mean of the middle two when
        their number is even."""
        if self.session.get_bind().dialect.name != "postgresql":
            return (await self._sqlite_issue_figures(township_id, start, end, 0))[1]
        delay = seconds_between(self.session, Issue.created_at, Issue.first_answered_at)
        answered = [*self._issues_in(township_id, start, end), Issue.first_answered_at.is_not(None)]
        middle = func.percentile_cont(0.5).within_group(delay)
        found: Medians = {}
        for grouping in Grouping:
            key = self._issue_key(grouping)
            rows = await self.session.execute(select(key, middle).where(*answered).group_by(key))
            found[grouping] = {k: float(m) for k, m in rows.all()}
        return found

    async def _sqlite_issue_figures(
        self, township_id: int, start: datetime, end: datetime, days: int
    ) -> tuple[Cells, Medians]:
        found = await stats_sqlite.issue_figures(
            self.session, self._issues_in(township_id, start, end), SELECTED, days
        )
        overall: dict[int | None, float] = (
            {} if found.median_overall is None else {None: found.median_overall}
        )
        medians: Medians = {
            Grouping.OVERALL: overall,
            Grouping.VILLAGE: found.median_by_village,
            Grouping.CATEGORY: found.median_by_category,
        }
        return found.cells, medians

    async def follow_through(
        self,
        township_id: int,
        start: datetime,
        end: datetime,
        today: date,
        groupings: tuple[Grouping, ...] = tuple(Grouping),
    ) -> dict[Grouping, dict[int | None, FollowThrough]]:
        """The topic-side counts of [start, end) in one statement for all `groupings`:
        topics selected and resolved (created in the period), ratings and satisfied ones,
        action items decided in the period still open and overdue, look-backs and "still
        solved" answers.

        Each source is first counted per topic (a row belongs to one topic, so no distinct
        counting is needed); a topic counts for its category, and for every village its
        issues came from, once per village.
        """
        zero: ColumnElement[int] = literal_column("0")
        one: ColumnElement[int] = literal_column("1")

        def share(condition: ColumnElement[bool]) -> Any:
            return func.sum(case((condition, 1), else_=0))

        still_open = ActionItem.status == "open"

        def of_topics(source: Any, *counts: Any) -> Any:
            """`counts` of a source's rows in the period, per topic of the township."""
            return (
                select(source.topic_id, Topic.category_id, *counts)
                .join(Topic, Topic.id == source.topic_id)
                .where(
                    # "+ 0" keeps SQLite from walking all the township's topics through
                    # the index and probing each: the period's rows are far fewer.
                    Topic.township_id + 0 == township_id,
                    source.created_at >= start,
                    source.created_at < end,
                )
                .group_by(source.topic_id, Topic.category_id)
            )

        sources = union_all(
            # The first part names the columns: topic_id, category_id, the counts n0 … n7.
            select(
                Topic.id.label("topic_id"),
                Topic.category_id,
                one.label("n0"),
                case((Topic.status.in_(RESOLVED), 1), else_=0).label("n1"),
                *[zero.label(f"n{i}") for i in range(2, 8)],
            ).where(
                Topic.township_id == township_id,
                Topic.created_at >= start,
                Topic.created_at < end,
                Topic.status.in_(SELECTED),
            ),
            of_topics(
                Rating, zero, zero, func.count(), share(Rating.value.in_(SATISFIED)), *[zero] * 4
            ),
            of_topics(
                ActionItem,
                *[zero] * 4,
                share(still_open),
                share(and_(still_open, ActionItem.due_on < today)),
                zero,
                zero,
            ),
            of_topics(
                LookBack, *[zero] * 6, func.count(), share(LookBack.answer == "still_solved")
            ),
        ).subquery("sources")
        per_topic = (
            select(
                sources.c.topic_id,
                sources.c.category_id,
                *[func.sum(sources.c[f"n{i}"]).label(f"n{i}") for i in range(8)],
            )
            .group_by(sources.c.topic_id, sources.c.category_id)
            .cte("per_topic")
        )
        counted = [func.sum(per_topic.c[f"n{i}"]) for i in range(8)]
        parts: list[Any] = []
        for grouping in groupings:
            marker: ColumnElement[int] = literal_column(str(list(Grouping).index(grouping)))
            if grouping is Grouping.VILLAGE:
                villages = (
                    select(Issue.topic_id, Issue.village_id)
                    .where(Issue.topic_id.in_(select(per_topic.c.topic_id)))
                    .distinct()
                    .subquery("villages")
                )
                parts.append(
                    select(marker, villages.c.village_id, *counted)
                    .join_from(villages, per_topic, per_topic.c.topic_id == villages.c.topic_id)
                    .group_by(villages.c.village_id)
                )
            elif grouping is Grouping.CATEGORY:
                parts.append(
                    select(marker, per_topic.c.category_id, *counted).group_by(
                        per_topic.c.category_id
                    )
                )
            else:
                parts.append(select(marker, literal_column("NULL"), *counted))
        found: dict[Grouping, dict[int | None, FollowThrough]] = {g: {} for g in groupings}
        if not parts:
            return found
        statement: Any = union_all(*parts) if len(parts) > 1 else parts[0]
        rows = await self.session.execute(statement)
        for row in rows.all():
            which, key, values = row[0], row[1], row[2:]
            if values[0] is None:  # the overall row of a period with nothing in it
                continue
            numbers = tuple(int(v or 0) for v in values)
            found[list(Grouping)[int(which)]][key] = numbers  # type: ignore[assignment]
        return found

    # -- names and series ---------------------------------------------------------------------

    async def names(
        self, township_id: int, grouping: Grouping
    ) -> dict[int, tuple[str, str | None]]:
        """(name, category key or None) of the villages or categories by id, in the
        township's order."""
        if grouping is Grouping.VILLAGE:
            villages = select(Village.id, Village.name, literal(None)).where(
                Village.township_id == township_id
            )
            rows = await self.session.execute(villages.order_by(Village.position, Village.id))
        elif grouping is Grouping.CATEGORY:
            categories = select(Category.id, Category.label, Category.key).where(
                Category.township_id == township_id
            )
            rows = await self.session.execute(categories.order_by(Category.position, Category.id))
        else:
            return {}
        return {int(i): (str(name), key) for i, name, key in rows.all()}

    async def monthly(
        self, township_id: int, bounds: list[datetime]
    ) -> tuple[list[int], list[int]]:
        """Issues received and topics resolved in each [bounds[i], bounds[i+1]): one query
        each, the month found by a CASE over the bounds (local months, any time zone)."""
        issues = await self._per_bucket(Issue.created_at, Issue.township_id, township_id, bounds)
        resolved = await self._per_bucket(Topic.resolved_at, Topic.township_id, township_id, bounds)
        return issues, resolved

    async def _per_bucket(
        self, column: Any, township_column: Any, township_id: int, bounds: list[datetime]
    ) -> list[int]:
        buckets = len(bounds) - 1
        if buckets < 1:
            return []
        bucket = case(
            *[(column < bounds[index + 1], index) for index in range(buckets)], else_=-1
        ).label("bucket")
        query = (
            select(bucket, func.count())
            .where(township_column == township_id, column >= bounds[0], column < bounds[-1])
            .group_by(bucket)
        )
        counts = [0] * buckets
        for index, count in (await self.session.execute(query)).all():
            if 0 <= index < buckets:
                counts[int(index)] = int(count)
        return counts

    async def issue_count(self, township_id: int, start: datetime, end: datetime) -> int:
        """The plain COUNT(*) of issues in a period (the benchmark's anchor)."""
        query = (
            select(func.count()).select_from(Issue).where(*self._issues_in(township_id, start, end))
        )
        return int(await self.session.scalar(query) or 0)
