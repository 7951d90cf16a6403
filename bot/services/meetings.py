"""Deliberation meetings (协商议事会): selecting topics, convening, moving, calling off.

A meeting is created for topics staff selected (选题); its invitees are the raisers and
supporters of the topics' issues (the 利益相关方), the township's CPPCC members unless
staff leave them out, and guests who redeem a link (bot/services/meeting_invites.py).
Every invitee is told through the outbox, in the same transaction; reminders are rows in
the scheduled-jobs table (bot/services/meeting_reminders.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus, check_topic_transition
from bot.services import meeting_jobs
from bot.services.meeting_views import (
    MeetingRefused,
    MeetingView,
    load_meeting,
    payload_of,
    require_ahead,
    view_of,
)
from bot.services.outbox import NotificationKind, notify
from bot.services.topics import load_topic, require_open
from storage.models import Meeting
from storage.uow import UnitOfWork

MEETING_PREFIX = "HY"
FORMATS = ("onsite", "online", "hybrid")
# What a meeting may hold: a township's deliberation room, or a village square.
MAX_CAPACITY = 10_000
MAX_AGENDA_ITEMS = 10
# Until when after its end a meeting still shows as "recent" under /meetings.
RECENT = timedelta(days=30)


@dataclass
class MeetingDraft:
    """What staff entered in the creation flow (plain values; stored in the flow's data)."""

    topic_ids: list[int]
    starts_at: datetime
    duration_minutes: int = 90
    format: str = "onsite"
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    online_link: str | None = None
    agenda: list[str] = field(default_factory=list)
    capacity: int | None = None
    description: str = ""
    invite_members: bool = True


# -- selecting topics (选题) ---------------------------------------------------------------------


async def select_topic(
    uow: UnitOfWork, *, township_id: int, topic_id: int, actor_id: int | None, now: datetime
) -> str:
    """Choose a collecting topic for deliberation; returns its number."""
    topic = await load_topic(uow, topic_id, township_id)
    await require_open(uow, topic)
    topic.status = check_topic_transition(topic.status, TopicStatus.SELECTED)
    topic.updated_at = now
    await uow.audit.record(
        at=now, actor_id=actor_id, action="topic.selected", object_type="topic", object_id=topic_id
    )
    return topic.number


async def selected_topics(uow: UnitOfWork, township_id: int) -> list[tuple[int, str, str]]:
    """(id, number, title) of the township's topics waiting for a meeting."""
    found = await uow.topics.in_township(township_id, frozenset({TopicStatus.SELECTED}))
    return [(topic.id, topic.number, topic.title) for topic in found]


# -- convening -----------------------------------------------------------------------------------


def _check_draft(draft: MeetingDraft, now: datetime) -> None:
    if not draft.topic_ids:
        raise MeetingRefused("no_topics")
    if draft.format not in FORMATS:
        raise MeetingRefused("format")
    if draft.capacity is not None and not 0 < draft.capacity <= MAX_CAPACITY:
        raise MeetingRefused("capacity")
    if draft.starts_at <= now:
        raise MeetingRefused("past")
    needs_place = draft.format in ("onsite", "hybrid")
    needs_link = draft.format in ("online", "hybrid")
    if (needs_place and not draft.place) or (needs_link and not draft.online_link):
        raise MeetingRefused("format")


async def create_meeting(
    uow: UnitOfWork, *, township_id: int, draft: MeetingDraft, actor_id: int | None, now: datetime
) -> MeetingView:
    """The meeting, its invitations, a push to every invitee and the reminder jobs."""
    _check_draft(draft, now)
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    zone = ZoneInfo(township.timezone)
    topics = [await load_topic(uow, topic_id, township_id) for topic_id in draft.topic_ids]
    for topic in topics:
        topic.status = check_topic_transition(topic.status, TopicStatus.SCHEDULED)
        topic.updated_at = now
    year = draft.starts_at.astimezone(zone).year
    sequence = await uow.issues.next_sequence(f"meeting-number:{year}")
    meeting = await uow.meetings.add(
        Meeting(
            number=f"{MEETING_PREFIX}-{year}-{sequence:04d}",
            township_id=township_id,
            title="；".join(topic.title for topic in topics)[:200],
            starts_at=draft.starts_at,
            duration_minutes=draft.duration_minutes,
            format=draft.format,
            place=draft.place,
            latitude=draft.latitude,
            longitude=draft.longitude,
            online_link=draft.online_link,
            agenda=draft.agenda[:MAX_AGENDA_ITEMS] or [topic.title for topic in topics],
            capacity=draft.capacity,
            description=draft.description,
            status="scheduled",
            created_by_id=actor_id,
            created_at=now,
            updated_at=now,
        ),
        [topic.id for topic in topics],
    )
    invitees = await uow.meetings.stakeholders([topic.id for topic in topics])
    rows: list[dict[str, Any]] = [
        {"person_id": person_id, "role": "resident", "reason": reason, "created_at": now}
        for person_id, reason in invitees.items()
    ]
    if draft.invite_members:
        for person_id in await uow.meetings.people_with_role(township_id, RoleName.MEMBER):
            if person_id not in invitees:
                rows.append(
                    {
                        "person_id": person_id,
                        "role": "member",
                        "reason": "member",
                        "created_at": now,
                    }
                )
    await uow.meetings.invite_many(meeting.id, rows)
    view = await view_of(uow, meeting)
    roles = {int(row["person_id"]): str(row["role"]) for row in rows}
    await tell_invited(uow, view, list(roles), now, roles=roles)
    await schedule_reminders(uow, view, now)
    # The opinion digest before it and the outcome reminder after it follow its time.
    await meeting_jobs.on_meeting_scheduled(uow, view.id, now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="meeting.created",
        object_type="meeting",
        object_id=meeting.id,
        details={"number": meeting.number, "invited": len(rows)},
    )
    return view


async def tell_invited(
    uow: UnitOfWork,
    view: MeetingView,
    person_ids: Sequence[int],
    now: datetime,
    ref: str = "",
    *,
    roles: Mapping[int, str] | None = None,
) -> None:
    """The invitation push, worded for the role each person is invited in (`roles`, by
    person; a resident by default); `ref` tells a second invitation of the same person apart."""
    payload = {**payload_of(view), "rsvp": "pending"}
    for person_id in person_ids:
        invited_as = (roles or {}).get(person_id, "resident")
        await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.MEETING_INVITED,
            payload={**payload, "invited_as": invited_as},
            dedupe_key=f"meeting-invited:{view.id}:{person_id}{ref}",
            now=now,
        )


def _reminder_key(meeting_id: int, hours: int) -> str:
    return f"meeting-reminder:{meeting_id}:{hours}h"


async def schedule_reminders(uow: UnitOfWork, view: MeetingView, now: datetime) -> None:
    """One job per reminder (24 h and 2 h before, per township) that is still ahead.

    Moving a meeting moves its pending jobs (same keys). A reminder that was already sent
    for the old time is a finished job, which scheduling leaves alone; the new time gets a
    job of its own (the key names that time), so it is reminded of again.
    """
    for hours in view.reminders:
        due = view.starts_at - timedelta(hours=hours)
        if due <= now:
            continue
        key = _reminder_key(view.id, hours)
        existing = await uow.jobs.by_key(key)
        if existing is not None and existing.status != "pending":
            key = f"{key}:{int(view.starts_at.timestamp())}"
        await uow.jobs.schedule(
            kind="meeting_reminder",  # meeting_reminders.JOB_KIND, which imports this module
            key=key,
            due_at=due,
            payload={
                "meeting_id": view.id,
                "hours": hours,
                "starts_at": view.starts_at.isoformat(),
            },
            now=now,
        )


async def _cancel_reminders(uow: UnitOfWork, view: MeetingView, now: datetime) -> None:
    keys = [_reminder_key(view.id, hours) for hours in view.reminders]
    keys += [f"{key}:{int(view.starts_at.timestamp())}" for key in keys]
    await uow.jobs.cancel(keys, outcome="meeting cancelled", now=now)


async def meetings_of(uow: UnitOfWork, township_id: int, now: datetime) -> list[MeetingView]:
    """The township's meetings from a month ago on, soonest first."""
    found = await uow.meetings.in_township(township_id, now - RECENT)
    return [await view_of(uow, meeting) for meeting in found]


# -- moving and calling off ----------------------------------------------------------------------


async def reschedule(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    starts_at: datetime,
    actor_id: int | None,
    now: datetime,
) -> tuple[MeetingView, datetime]:
    """Move the meeting; every invitee is told the old and new time and asked to confirm
    again (their answers stay). Returns the meeting and its old time."""
    meeting = await load_meeting(uow, meeting_id, township_id)
    require_ahead(meeting, now)
    if starts_at <= now:
        raise MeetingRefused("past", meeting.number)
    old = meeting.starts_at
    if starts_at == old:
        return await view_of(uow, meeting), old
    meeting.starts_at = starts_at
    meeting.updated_at = now
    view = await view_of(uow, meeting)
    payload = {**payload_of(view), "old_starts_at": old.isoformat()}
    stamp = int(starts_at.timestamp())
    for person_id, rsvp in (await uow.meetings.rsvps(meeting.id)).items():
        await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.MEETING_RESCHEDULED,
            payload={**payload, "rsvp": rsvp},
            dedupe_key=f"meeting-moved:{meeting.id}:{stamp}:{person_id}",
            now=now,
        )
    await schedule_reminders(uow, view, now)
    # The opinion digest before it and the outcome reminder after it follow its time.
    await meeting_jobs.on_meeting_scheduled(uow, view.id, now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="meeting.rescheduled",
        object_type="meeting",
        object_id=meeting.id,
        details={"from": old.isoformat(), "to": starts_at.isoformat()},
    )
    return view, old


async def cancel(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> MeetingView:
    """Call the meeting off: invitees are told, reminders dropped, its topics go back to
    "selected" so a new meeting can take them up."""
    meeting = await load_meeting(uow, meeting_id, township_id)
    require_ahead(meeting, now)
    meeting.status = "cancelled"
    meeting.cancel_reason = reason[:500]
    meeting.checkin_open = False
    meeting.updated_at = now
    for topic in await uow.meetings.topics(meeting.id):
        if topic.status is TopicStatus.SCHEDULED:
            topic.status = check_topic_transition(topic.status, TopicStatus.SELECTED)
            topic.updated_at = now
    view = await view_of(uow, meeting)
    payload = {**payload_of(view), "reason": meeting.cancel_reason}
    for person_id in await uow.meetings.rsvps(meeting.id):
        await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.MEETING_CANCELLED,
            payload=payload,
            dedupe_key=f"meeting-cancelled:{meeting.id}:{person_id}",
            now=now,
        )
    await _cancel_reminders(uow, view, now)
    await meeting_jobs.on_meeting_cancelled(uow, meeting.id, now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="meeting.cancelled",
        object_type="meeting",
        object_id=meeting.id,
        details={"reason": meeting.cancel_reason},
    )
    return view
