"""The issue-side figures of a period on SQLite: counts per (village, category) and the
median delays to the first answer, from one read of the period's issues.

SQLite has no median aggregate, and grouping tens of thousands of issues there means
sorting them. Instead one statement without GROUP BY or join packs each needed column of
all the period's issues into one text value (group_concat); numpy parses each in a single
call and does the counting and the middles on arrays. A year of a busy township is one
row of five strings instead of tens of thousands of rows through the driver.

The instants travel as SQLite's own whole milliseconds (julianday() is exactly those
divided by 86,400,000), so the delays here are, to the last bit, the `(julianday(answered)
- julianday(raised)) * 86400.0` that SQLite computes (its text form of a float would round
them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Issue, Topic

# julianday() is SQLite's whole milliseconds divided by this.
MS_PER_DAY = 86_400_000.0
# Stands for NULL in the packed columns (group_concat skips NULLs; ids and instants are
# positive).
MISSING = -1


@dataclass
class IssueFigures:
    # (village id, category id) -> (received, answered in time, answered at all, selected)
    cells: dict[tuple[int | None, int | None], tuple[int, int, int, int]] = field(
        default_factory=dict
    )
    median_overall: float | None = None
    median_by_village: dict[int | None, float] = field(default_factory=dict)
    median_by_category: dict[int | None, float] = field(default_factory=dict)


def _milliseconds(column: Any) -> Any:
    return cast(func.round(func.julianday(column) * MS_PER_DAY), Integer)


def _key(value: int) -> int | None:
    return None if value == MISSING else int(value)


async def issue_figures(
    session: AsyncSession,
    conditions: list[Any],
    selected_statuses: tuple[str, ...],
    response_days: int,
) -> IssueFigures:
    """The figures of the issues matching `conditions` (a township's, in a period);
    `selected_statuses`: the topic statuses whose issues count as selected."""
    import numpy as np  # heavy to import: loaded by the figures only

    selected_topics = select(Topic.id).where(Topic.status.in_(selected_statuses))
    query = select(
        func.count(),
        func.group_concat(func.coalesce(Issue.village_id, MISSING)),
        func.group_concat(func.coalesce(Issue.category_id, MISSING)),
        func.group_concat(case((Issue.topic_id.in_(selected_topics), 1), else_=0)),
        func.group_concat(_milliseconds(Issue.created_at)),
        func.group_concat(func.coalesce(_milliseconds(Issue.first_answered_at), MISSING)),
    ).where(*conditions)
    count, *packed = (await session.execute(query)).one()
    found = IssueFigures()
    if not count:
        return found

    def parse(text: str) -> Any:
        return np.fromstring(text, dtype=np.int64, sep=",")

    village, category, selected, raised, answered = (parse(text) for text in packed)
    # One integer per (village, category) pair: unique() on it is far cheaper than on pairs.
    width = int(category.max()) + 2
    cells, cell_of = np.unique((village + 1) * width + (category + 1), return_inverse=True)
    responded = answered != MISSING
    # Exact in doubles: below 2**53 ms. The same arithmetic as SQLite's, in the same order.
    seconds = (
        answered[responded].astype(np.float64) / MS_PER_DAY
        - raised[responded].astype(np.float64) / MS_PER_DAY
    ) * 86400.0
    in_time = seconds <= response_days * 86400.0

    def per_cell(rows: Any) -> list[int]:
        return [int(n) for n in np.bincount(cell_of[rows], minlength=len(cells))]

    received = per_cell(np.ones(len(cell_of), dtype=bool))
    answered_in_time = per_cell(np.flatnonzero(responded)[in_time])
    answered_at_all = per_cell(responded)
    selected_issues = per_cell(selected == 1)
    for index, cell in enumerate(cells):
        village_id, category_id = divmod(int(cell), width)
        found.cells[(_key(village_id - 1), _key(category_id - 1))] = (
            received[index],
            answered_in_time[index],
            answered_at_all[index],
            selected_issues[index],
        )
    if len(seconds):
        found.median_overall = float(np.median(seconds))
    for keys, into in (
        (village[responded], found.median_by_village),
        (category[responded], found.median_by_category),
    ):
        for key in np.unique(keys):
            into[_key(key)] = float(np.median(seconds[keys == key]))
    return found
