"""A member's participation record (委员履职记录) for a period: meetings they were invited to
and attended (checked in), opinions they gave, progress updates they posted, and the action
items they own that were closed, on time or late.

Plain values, so the chat (/record) and the exports read the same figures. Definitions:
* invited: invitations (not withdrawn) to meetings of the township that were to start in
  the period and were not cancelled; attended: those of them checked in;
* opinions: opinions written in the period on the township's topics;
* updates: progress updates posted in the period on the township's action items (also
  those staff posted on someone's behalf count for the one who posted them);
* closed on time / late: the person's items marked done in the period, on or before the
  due date (in the township's time) / after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.progress_errors import BadPeriod
from bot.domain.roles import RoleName
from bot.services.outcomes import township_zone
from storage.uow import UnitOfWork

Period = Literal["this_month", "last_month", "this_year"]
PERIODS: tuple[Period, ...] = ("this_month", "last_month", "this_year")


@dataclass(frozen=True)
class Participation:
    person_id: int
    name: str
    invited: int
    attended: int
    opinions: int
    updates: int
    closed_on_time: int
    closed_late: int


def period_bounds(period: Period, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[since, until) of a named period in the township's time; `until` is the period's end
    (a period still running ends in the future)."""
    today = now.astimezone(zone).date()
    if period == "this_month":
        first = today.replace(day=1)
        last = _next_month(first)
    elif period == "last_month":
        last = today.replace(day=1)
        first = (
            date(last.year - 1, 12, 1) if last.month == 1 else last.replace(month=last.month - 1)
        )
    else:
        first, last = date(today.year, 1, 1), date(today.year + 1, 1, 1)
    return datetime.combine(first, time(0), tzinfo=zone), datetime.combine(
        last, time(0), tzinfo=zone
    )


def _next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else first.replace(month=first.month + 1)


async def participation(
    uow: UnitOfWork,
    township_id: int,
    person_id: int | None,
    since: datetime,
    until: datetime,
) -> list[Participation]:
    """The record of one person, or (person_id None) of every member of the township, by
    name, for [since, until)."""
    if until <= since:
        raise BadPeriod()
    if person_id is not None:
        people = await uow.outcomes.people([person_id])
    else:
        members = await uow.outcomes.people_with_roles(township_id, [RoleName.MEMBER])
        people = {person.id: person for person in members}
    ids = list(people)
    if not ids:
        return []
    invited: dict[int, int] = dict.fromkeys(ids, 0)
    attended: dict[int, int] = dict.fromkeys(ids, 0)
    for invitee, checked_in in await uow.progress.invitations(township_id, ids, since, until):
        invited[invitee] += 1
        attended[invitee] += checked_in
    opinions = await uow.progress.opinion_counts(township_id, ids, since, until)
    updates = await uow.progress.update_counts(township_id, ids, since, until)
    zone = await township_zone(uow, township_id)
    on_time: dict[int, int] = dict.fromkeys(ids, 0)
    late: dict[int, int] = dict.fromkeys(ids, 0)
    for owner, due_on, done_at in await uow.progress.closed_items(township_id, ids, since, until):
        if done_at.astimezone(zone).date() <= due_on:
            on_time[owner] += 1
        else:
            late[owner] += 1
    records = [
        Participation(
            person_id=pid,
            name=people[pid].first_name,
            invited=invited[pid],
            attended=attended[pid],
            opinions=opinions.get(pid, 0),
            updates=updates.get(pid, 0),
            closed_on_time=on_time[pid],
            closed_late=late[pid],
        )
        for pid in ids
    ]
    return sorted(records, key=lambda record: (record.name, record.person_id))


async def record_for(
    uow: UnitOfWork, township_id: int, person_id: int, period: Period, now: datetime
) -> tuple[Participation, datetime, datetime]:
    """One person's record for a named period, with the period's bounds."""
    since, until = period_bounds(period, now, await township_zone(uow, township_id))
    found = await participation(uow, township_id, person_id, since, until)
    return found[0], since, until
