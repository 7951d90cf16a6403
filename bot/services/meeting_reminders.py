"""Reminders before a meeting (24 h and 2 h by default, per township): scheduled-job rows.

Each reminder is a job whose key names the meeting and the hours, written with the meeting
(bot/services/meetings.py). The scheduler runs it once, in the transaction that writes its
pushes, so a restart between scheduling and sending repeats nothing and loses nothing. A bot
that was down when a reminder was due sends it on start if the meeting is still ahead; a
late one that no longer makes sense is skipped, and the job row says why.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.scheduler import SkipJob
from bot.services.meeting_views import payload_of, view_of
from bot.services.outbox import NotificationKind, notify
from storage.jobs import ClaimedJob
from storage.uow import UnitOfWork

JOB_KIND = "meeting_reminder"
# Those who said yes, have not answered, or answered "maybe"; not those who said no or wait
# in line for a seat.
REMINDED = ("yes", "pending", "maybe")


async def send_reminder(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """Queue the reminder for every invitee who may come; returns what was done."""
    meeting = await uow.meetings.get(int(job.payload["meeting_id"]))
    hours = int(job.payload["hours"])
    if meeting is None:
        raise SkipJob("the meeting is gone")
    if meeting.status == "cancelled":
        raise SkipJob("the meeting was cancelled")
    if meeting.starts_at != datetime.fromisoformat(str(job.payload["starts_at"])):
        raise SkipJob("the meeting was moved; its new time has reminders of its own")
    if now >= meeting.starts_at:
        raise SkipJob("the meeting had started when the reminder came due")
    view = await view_of(uow, meeting)
    later = [h for h in view.reminders if h < hours and now >= view.starts_at - timedelta(hours=h)]
    if later:
        raise SkipJob(f"the {min(later)} h reminder is due as well; it is sent instead")
    payload = {**payload_of(view), "hours": hours}
    stamp = int(view.starts_at.timestamp())
    told = 0
    for person_id, rsvp in (await uow.meetings.rsvps(meeting.id)).items():
        if rsvp not in REMINDED:
            continue
        told += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.MEETING_REMINDER,
            payload={**payload, "rsvp": rsvp},
            dedupe_key=f"meeting-reminder:{meeting.id}:{hours}:{stamp}:{person_id}",
            now=now,
        )
    return f"reminded {told} invitees {hours} h before {meeting.number}"
