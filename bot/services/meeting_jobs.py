"""The scheduled work around a meeting's opinions and outcome (bot/scheduler.py runs it):

* the opinion digest for staff, a few hours before the meeting;
* the reminder to publish the outcome, once per working day from the 8th working day
  after the meeting ended (the consultation rules give 7 working days for it).

Both look at the meeting when they run, not at what it was when they were scheduled: a
meeting moved by the convening side (same row, new `starts_at`) gets its jobs moved with it,
a cancelled one gets none.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.scheduler import SkipJob
from bot.services import meeting_people, opinion_digest
from bot.services.outbox import NotificationKind, notify
from bot.services.outcomes import meeting_end, township_zone
from bot.services.workdays import Calendar, fallback_years, load_calendar
from storage.jobs import ClaimedJob
from storage.models import Meeting
from storage.uow import UnitOfWork

DIGEST_JOB = opinion_digest.DIGEST_JOB
OUTCOME_NAG_JOB = "outcome_nag"
# Working days the rules allow for publishing an outcome after the meeting.
OUTCOME_WORKING_DAYS = 7
# Staff are reminded at the start of the working day, local time.
NAG_AT = time(9, 0)


async def on_meeting_scheduled(uow: UnitOfWork, meeting_id: int, now: datetime) -> None:
    """Call when a meeting is created or moved: its outcome reminder (and its opinion
    digest, if opinions are gathered) follow the meeting's time."""
    meeting = await uow.outcomes.meeting(meeting_id)
    if meeting is None or meeting.status == "cancelled":
        return
    await schedule_outcome_nag(uow, meeting, now)
    if any(link.opinions_open for link, _ in await uow.opinions.meeting_topics(meeting.id)):
        await opinion_digest.schedule_digest(uow, meeting, now)


# -- the opinion digest ---------------------------------------------------------------------


async def on_meeting_cancelled(uow: UnitOfWork, meeting_id: int, now: datetime) -> None:
    """A cancelled meeting gets neither its opinion digest nor outcome reminders."""
    await uow.jobs.cancel_prefixed(
        [f"outcome-nag:{meeting_id}:", f"opinion-digest:{meeting_id}:"],
        outcome="the meeting was cancelled",
        now=now,
    )


async def run_digest(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """Send the township's staff the digest of the opinions, before the meeting."""
    meeting = await uow.outcomes.meeting(int(job.payload["meeting_id"]))
    if meeting is None:
        raise SkipJob("the meeting is gone")
    if meeting.status == "cancelled":
        raise SkipJob("the meeting was cancelled")
    if meeting.starts_at != datetime.fromisoformat(str(job.payload["starts_at"])):
        await opinion_digest.schedule_digest(uow, meeting, now)
        return f"the meeting moved to {meeting.starts_at.isoformat()}: digest moved with it"
    if now >= meeting.starts_at:
        raise SkipJob("the meeting has started")
    digest = await opinion_digest.build_digest(uow, meeting)
    if not digest.gathered:
        raise SkipJob("no topic of the meeting gathers opinions")
    township = await uow.directory.township(meeting.township_id)
    payload = {
        "meeting_id": meeting.id,
        "meeting_number": meeting.number,
        "meeting_title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "timezone": township.timezone if township is not None else "Asia/Shanghai",
        "topics": opinion_digest.digest_topics_json(digest),
    }
    told = 0
    for person_id in await meeting_people.staff_ids(uow, meeting.township_id):
        told += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.OPINION_DIGEST,
            payload=payload,
            dedupe_key=f"{job.key}:{person_id}",
            now=now,
        )
    return f"digest sent to {told} staff"


# -- the outcome reminder -------------------------------------------------------------------


def _first_nag_day(meeting: Meeting, zone: ZoneInfo, calendar: Calendar) -> date:
    """The working day after the last of the 7 working days that follow the meeting's end."""
    ended = meeting_end(meeting).astimezone(zone).date()
    return calendar.add_working_days(ended, OUTCOME_WORKING_DAYS + 1)


def nag_key(meeting_id: int, day: date) -> str:
    # on_meeting_cancelled drops the jobs by this key's prefix.
    return f"outcome-nag:{meeting_id}:{day.isoformat()}"


async def _schedule_nag_on(
    uow: UnitOfWork, meeting: Meeting, day: date, zone: ZoneInfo, now: datetime
) -> None:
    await uow.jobs.schedule(
        kind=OUTCOME_NAG_JOB,
        key=nag_key(meeting.id, day),
        due_at=datetime.combine(day, NAG_AT, tzinfo=zone),
        payload={"meeting_id": meeting.id},
        now=now,
    )


async def schedule_outcome_nag(uow: UnitOfWork, meeting: Meeting, now: datetime) -> None:
    """Plan the first reminder for the meeting's outcome."""
    zone = await township_zone(uow, meeting.township_id)
    ended = meeting_end(meeting).astimezone(zone).date()
    calendar = await load_calendar(uow, ended, ended)
    await _schedule_nag_on(uow, meeting, _first_nag_day(meeting, zone, calendar), zone, now)


async def run_outcome_nag(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """Remind staff that the meeting's outcome is still unpublished; plan the next reminder
    for the next working day. Stops once the outcome is published."""
    meeting = await uow.outcomes.meeting(int(job.payload["meeting_id"]))
    if meeting is None:
        raise SkipJob("the meeting is gone")
    if meeting.status == "cancelled":
        raise SkipJob("the meeting was cancelled")
    outcome = await uow.outcomes.outcome_of(meeting.id)
    if outcome is not None and outcome.status == "published":
        raise SkipJob("the outcome is published")
    zone = await township_zone(uow, meeting.township_id)
    ended = meeting_end(meeting).astimezone(zone).date()
    today = now.astimezone(zone).date()
    calendar = await load_calendar(uow, ended, today)
    first = _first_nag_day(meeting, zone, calendar)
    if today < first:
        # The meeting was moved later: remind from its new date on.
        await _schedule_nag_on(uow, meeting, first, zone, now)
        return f"not due before {first.isoformat()}"
    if not calendar.is_working_day(today):
        # The admin declared a holiday after this reminder was planned.
        await _schedule_nag_on(uow, meeting, calendar.add_working_days(today, 1), zone, now)
        return "not a working day"
    fallback = fallback_years(ended, today)
    payload = {
        "meeting_id": meeting.id,
        "meeting_number": meeting.number,
        "meeting_title": meeting.title,
        "working_days": calendar.working_days_between(ended, today),
        "fallback_years": ",".join(str(year) for year in fallback),
    }
    told = 0
    for person_id in await meeting_people.staff_ids(uow, meeting.township_id):
        told += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.OUTCOME_OVERDUE,
            payload=payload,
            dedupe_key=f"outcome-nag:{meeting.id}:{today.isoformat()}:{person_id}",
            now=now,
        )
    await _schedule_nag_on(uow, meeting, calendar.add_working_days(today, 1), zone, now)
    return f"reminded {told} staff"
