"""Overdue action items: the owner is nudged once per working day, up to a limit, then the
township's staff are told once; every week staff get one digest of all that is overdue,
grouped by owner.

Both are durable jobs per township (bot/scheduler.py runs them), at the start of the working
day in the township's time; each plans its own next run. Which nudge an item is at follows
from the calendar (the working days since its due date), and every push's dedupe key names
the item and the day, so a job run twice, or after a restart, tells no one twice. An item
owned by a department without an account has no one to nudge: staff are told at once.

This is the action items' counterpart of the outcome reminder (bot/services/meeting_jobs.py,
OUTCOME_OVERDUE), which nags staff to publish the outcome itself; it uses the same calendar
of working days and the same hour.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduler import SkipJob
from bot.services import meeting_people
from bot.services.meeting_jobs import NAG_AT
from bot.services.outbox import NotificationKind, notify
from bot.services.progress import ItemSummary, item_payload, summaries
from bot.services.workdays import Calendar, load_calendar
from storage.jobs import ClaimedJob
from storage.models import Township
from storage.uow import UnitOfWork

SWEEP_JOB = "items_overdue"
DIGEST_JOB = "overdue_digest"
# Nudges to the owner before staff are told.
NUDGE_LIMIT = 5
# The weekly digest lists this many items per owner (the card of each has the rest).
DIGEST_ITEMS_PER_OWNER = 10


def _zone(township: Township) -> ZoneInfo:
    return ZoneInfo(township.timezone or "Asia/Shanghai")


def _at(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, NAG_AT, tzinfo=zone)


def _first_working_day_from(day: date, now: datetime, zone: ZoneInfo, calendar: Calendar) -> date:
    """The first working day on or after `day` whose start (9:00) has not passed."""
    current = calendar.add_working_days(day, 0)
    while _at(current, zone) <= now:
        current = calendar.add_working_days(current, 1)
    return current


def _next_week_start(day: date) -> date:
    return day - timedelta(days=day.weekday()) + timedelta(days=7)


async def _schedule(
    uow: UnitOfWork, kind: str, township: Township, day: date, now: datetime
) -> None:
    await uow.jobs.schedule(
        kind=kind,
        key=f"{kind}:{township.id}:{day.isoformat()}",
        due_at=_at(day, _zone(township)),
        payload={"township_id": township.id},
        now=now,
    )


async def schedule_township(uow: UnitOfWork, township: Township, now: datetime) -> None:
    """Plan the township's next sweep and next weekly digest (idempotent: keyed by day)."""
    zone = _zone(township)
    today = now.astimezone(zone).date()
    calendar = await load_calendar(uow, today, today + timedelta(days=14))
    await _schedule(
        uow, SWEEP_JOB, township, _first_working_day_from(today, now, zone, calendar), now
    )
    monday = today - timedelta(days=today.weekday())
    digest_day = calendar.add_working_days(monday, 0)
    if digest_day < monday + timedelta(days=7) and _at(digest_day, zone) > now:
        await _schedule(uow, DIGEST_JOB, township, digest_day, now)
    else:
        await _schedule(
            uow, DIGEST_JOB, township, calendar.add_working_days(_next_week_start(today), 0), now
        )


async def schedule_all(uow: UnitOfWork, now: datetime) -> None:
    """At every start: each township has its sweep and digest planned."""
    for township in await uow.directory.townships():
        await schedule_township(uow, township, now)


async def _township(uow: UnitOfWork, job: ClaimedJob) -> Township:
    township = await uow.directory.township(int(job.payload["township_id"]))
    if township is None:
        raise SkipJob("the township is gone")
    return township


async def _overdue(uow: UnitOfWork, township_id: int, today: date) -> list[ItemSummary]:
    rows = await uow.progress.overdue(township_id, today)
    return await summaries(uow, rows, None, today)


async def run_sweep(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """Nudge the owner of every overdue item (working days only), tell staff of those past
    the limit, and plan the next working day's sweep."""
    township = await _township(uow, job)
    zone = _zone(township)
    today = now.astimezone(zone).date()
    items = await _overdue(uow, township.id, today)
    earliest = min((item.due_on for item in items), default=today)
    calendar = await load_calendar(uow, earliest, today)
    nudged = escalated = 0
    if calendar.is_working_day(today):
        staff = await meeting_people.staff_ids(uow, township.id)
        for item in items:
            days = calendar.working_days_between(item.due_on, today)
            if days < 1:
                continue
            if item.owner_person_id is not None and days <= NUDGE_LIMIT:
                nudged += await _nudge(uow, item, days, today, now)
            else:
                nudges = NUDGE_LIMIT if item.owner_person_id is not None else 0
                escalated += await _tell_staff(uow, item, staff, days, nudges, now)
    following = calendar.add_working_days(today, 1)
    await _schedule(uow, SWEEP_JOB, township, following, now)
    return f"{nudged} owners nudged, {escalated} staff pushes"


async def _nudge(uow: UnitOfWork, item: ItemSummary, days: int, today: date, now: datetime) -> int:
    assert item.owner_person_id is not None
    return int(
        await notify(
            uow,
            recipient_id=item.owner_person_id,
            kind=NotificationKind.ITEM_OVERDUE,
            payload={
                **item_payload(item),
                "working_days": days,
                "nudge": days,
                "limit": NUDGE_LIMIT,
            },
            dedupe_key=f"item-overdue:{item.id}:{today.isoformat()}",
            now=now,
        )
    )


async def _tell_staff(
    uow: UnitOfWork,
    item: ItemSummary,
    staff: Sequence[int],
    days: int,
    nudges: int,
    now: datetime,
) -> int:
    """Once per item and staff member (the dedupe key has no day in it)."""
    told = 0
    for person_id in staff:
        told += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.ITEM_OVERDUE_STAFF,
            payload={**item_payload(item), "working_days": days, "nudges": nudges},
            dedupe_key=f"item-overdue-staff:{item.id}:{person_id}",
            now=now,
        )
    return told


def digest_owners(items: Sequence[ItemSummary]) -> list[dict[str, object]]:
    """The overdue items grouped by owner: owners with the most first, then by name."""
    by_owner: dict[str, list[ItemSummary]] = {}
    for item in items:
        by_owner.setdefault(item.owner, []).append(item)
    ordered = sorted(by_owner.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    return [
        {
            "owner": owner,
            "count": len(owned),
            "items": [
                {
                    "item": item_payload(item)["item"],
                    "topic_number": item.topic_number,
                    "due": item.due_on.isoformat(),
                    "percent": item.progress,
                }
                for item in owned[:DIGEST_ITEMS_PER_OWNER]
            ],
        }
        for owner, owned in ordered
    ]


async def run_digest(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """The weekly digest of everything overdue (nothing overdue: no message), and the next
    week's, on its first working day."""
    township = await _township(uow, job)
    zone = _zone(township)
    today = now.astimezone(zone).date()
    items = await _overdue(uow, township.id, today)
    told = 0
    if items:
        payload = {
            "township": township.name,
            "count": len(items),
            "owners": json.dumps(digest_owners(items), ensure_ascii=False),
        }
        for person_id in await meeting_people.staff_ids(uow, township.id):
            told += await notify(
                uow,
                recipient_id=person_id,
                kind=NotificationKind.OVERDUE_DIGEST,
                payload=payload,
                dedupe_key=f"overdue-digest:{township.id}:{today.isoformat()}:{person_id}",
                now=now,
            )
    start = _next_week_start(today)
    calendar = await load_calendar(uow, start, start + timedelta(days=14))
    await _schedule(uow, DIGEST_JOB, township, calendar.add_working_days(start, 0), now)
    return f"{len(items)} overdue items, digest to {told} staff"
