"""The monthly 社情民意 report: what residents raised, what was deliberated, decided and done,
how satisfied they were, and the new matters — as plain values (handlers/report_docx.py
writes the .docx in the reader's language).

On the 1st of each month (08:00, township time) a durable job tells the township's staff
that last month's report is ready, with a button that makes it; the job schedules the
next month's, so it runs once a month across restarts and processes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.services import stats
from bot.services.alerts import recipients
from bot.services.outbox import NotificationKind, notify
from bot.services.stats import Figures, month_period
from storage.jobs import ClaimedJob
from storage.uow import UnitOfWork

JOB_KIND = "monthly-report"
SEND_AT = time(8, 0)
TOP_TOPICS = 10
NEW_MATTERS = 10
SNIPPET_CHARS = 60


@dataclass(frozen=True)
class TopTopic:
    number: str
    title: str
    status: str
    people: int
    issues: int


@dataclass(frozen=True)
class Held:
    number: str
    title: str
    starts_at: datetime
    topics: list[str]


@dataclass(frozen=True)
class Decision:
    meeting_number: str
    meeting_title: str
    consensus: str
    items: int


@dataclass(frozen=True)
class Done:
    topic: str
    item: str
    owner: str
    due_on: date
    done_at: datetime


@dataclass(frozen=True)
class NewMatter:
    number: str
    village: str
    summary: str


@dataclass(frozen=True)
class MonthlyReport:
    township: str
    month: date
    zone_key: str
    overall: Figures
    top_topics: list[TopTopic]
    held: list[Held]
    decisions: list[Decision]
    done: list[Done]
    new_matters: list[NewMatter]


def _snippet(title: str | None, text: str) -> str:
    flat = " ".join((title or text).split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


async def gather(
    uow: UnitOfWork,
    township_id: int,
    month: date,
    now: datetime,
    progress: Callable[[int], Awaitable[None]] | None = None,
) -> MonthlyReport:
    township = await stats.township_of(uow, township_id)
    period = month_period(month)
    start, end = period.bounds(township.zone)
    q = uow.report
    steps: list[Any] = []

    async def step(rows: Any) -> Any:
        steps.append(rows)
        if progress is not None:
            await progress(len(steps) * 100 // 6)
        return rows

    figures = await stats.figures(uow, township_id, period, now, groups=False)
    await step(figures)
    top = await step(await q.top_topics(township_id, start, end, TOP_TOPICS))
    held = await step(await q.meetings_held(township_id, start, end))
    decided = await step(await q.decisions(township_id, start, end))
    done = await step(await q.items_done(township_id, start, end))
    new = await step(await q.new_matters(township_id, start, end, NEW_MATTERS))
    return MonthlyReport(
        township=township.name,
        month=period.first,
        zone_key=township.zone.key,
        overall=figures.overall,
        top_topics=[TopTopic(n, t, str(s), int(p), int(i)) for n, t, s, p, i in top],
        held=[Held(n, t, at, list(topics)) for n, t, at, topics in held],
        decisions=[Decision(n, t, c or "", int(i)) for n, t, c, i in decided],
        done=[Done(t, d, o or "", due, at) for t, d, o, due, at in done],
        new_matters=[NewMatter(n, v or "", _snippet(t, x)) for n, v, t, x in new],
    )


# -- sent on the 1st of each month -----------------------------------------------------------


def _next_first(now: datetime, township: stats.Township) -> datetime:
    """The next 08:00 on a 1st of the month, township time."""
    first = now.astimezone(township.zone).date().replace(day=1)
    this_month = datetime.combine(first, SEND_AT, tzinfo=township.zone)
    if now < this_month:
        return this_month
    last_day = stats.period_of(stats.PeriodKind.THIS_MONTH, first).last
    return datetime.combine(date.fromordinal(last_day.toordinal() + 1), SEND_AT, township.zone)


async def schedule_next(uow: UnitOfWork, township_id: int, now: datetime) -> None:
    """The job for the coming 1st (keyed by township and month: scheduling it again, at
    every start, adds nothing)."""
    township = await stats.township_of(uow, township_id)
    due = _next_first(now, township)
    local = due.astimezone(township.zone)
    await uow.jobs.schedule(
        kind=JOB_KIND,
        key=f"{JOB_KIND}:{township_id}:{local:%Y-%m}",
        due_at=due,
        payload={"township_id": township_id},
        now=now,
    )


async def schedule_all(uow: UnitOfWork, now: datetime) -> None:
    for township in await uow.directory.townships():
        await schedule_next(uow, township.id, now)


async def run_job(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """Tell the township's staff that last month's report is ready; schedule next month's."""
    township_id = int(job.payload["township_id"])
    township = await stats.township_of(uow, township_id)
    month = stats.period_of(stats.PeriodKind.LAST_MONTH, stats.local_today(township, now)).first
    queued = 0
    for person_id in await recipients(uow, township_id):
        queued += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.MONTHLY_REPORT,
            payload={"township": township.name, "year": month.year, "month": month.month},
            dedupe_key=f"{JOB_KIND}:{township_id}:{month:%Y-%m}:{person_id}",
            now=now,
        )
    await schedule_next(uow, township_id, now)
    return f"{queued} staff told of the report for {month:%Y-%m}"
