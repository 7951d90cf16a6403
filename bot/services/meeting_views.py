"""Meetings as plain values: what handlers show and pushes carry, and the checks every
meeting action makes (the township it belongs to, that it is still ahead)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError, NotFound
from storage.models import Meeting, Township
from storage.uow import UnitOfWork


class MeetingRefused(DomainError):
    """A meeting action that cannot be done; `reason` names why, for a translated answer.

    cancelled | over | started | past | capacity | format | no_topics | pass_used |
    pass_expired | pass_unknown | checkin_closed | other_township | not_listed
    """

    def __init__(self, reason: str, number: str | None = None) -> None:
        super().__init__(f"meeting refused: {reason}" + (f" ({number})" if number else ""))
        self.reason = reason
        self.number = number


@dataclass(frozen=True)
class MeetingView:
    id: int
    number: str
    title: str
    starts_at: datetime
    duration_minutes: int
    format: str
    place: str | None
    latitude: float | None
    longitude: float | None
    online_link: str | None
    agenda: list[str]
    capacity: int | None
    description: str
    status: str  # scheduled | cancelled
    checkin_open: bool
    zone: ZoneInfo
    reminders: list[int]
    topics: list[tuple[str, str]]  # (number, title)
    # Grows with every change (a calendar file's SEQUENCE).
    revision: int = 0

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def state(self, now: datetime) -> str:
        """cancelled | over | started | ahead."""
        if self.status == "cancelled":
            return "cancelled"
        if now >= self.ends_at:
            return "over"
        return "started" if now >= self.starts_at else "ahead"


def reminder_hours(township: Township | None) -> list[int]:
    """The township's reminder setting ("24,2") as hours before the meeting, largest first."""
    raw = township.meeting_reminders if township is not None else "24,2"
    hours = {int(part) for part in raw.replace("，", ",").split(",") if part.strip().isdigit()}
    return sorted((h for h in hours if 0 < h <= 24 * 14), reverse=True)


async def view_of(uow: UnitOfWork, meeting: Meeting) -> MeetingView:
    township = await uow.directory.township(meeting.township_id)
    topics = await uow.meetings.topics(meeting.id)
    return MeetingView(
        id=meeting.id,
        number=meeting.number,
        title=meeting.title,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        format=meeting.format,
        place=meeting.place,
        latitude=meeting.latitude,
        longitude=meeting.longitude,
        online_link=meeting.online_link,
        agenda=list(meeting.agenda or []),
        capacity=meeting.capacity,
        description=meeting.description,
        status=meeting.status,
        checkin_open=meeting.checkin_open,
        zone=ZoneInfo(township.timezone if township is not None else "Asia/Shanghai"),
        reminders=reminder_hours(township),
        topics=[(topic.number, topic.title) for topic in topics],
        revision=max(0, int((meeting.updated_at - meeting.created_at).total_seconds())),
    )


async def load_meeting(uow: UnitOfWork, meeting_id: int, township_id: int | None) -> Meeting:
    """The meeting; with `township_id`, only if it is that township's (else NotFound)."""
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None or (township_id is not None and meeting.township_id != township_id):
        raise NotFound("meeting", meeting_id)
    return meeting


def require_ahead(view: MeetingView | Meeting, now: datetime) -> None:
    """Refuse unless the meeting is still to come and not called off."""
    if view.status == "cancelled":
        raise MeetingRefused("cancelled", view.number)
    if now >= view.starts_at:
        ends = view.starts_at + timedelta(minutes=view.duration_minutes)
        raise MeetingRefused("over" if now >= ends else "started", view.number)


def payload_of(view: MeetingView) -> dict[str, Any]:
    """What every push about a meeting carries, so it renders without the database."""
    return {
        "meeting_id": view.id,
        "number": view.number,
        "title": view.title,
        "starts_at": view.starts_at.isoformat(),
        "duration": view.duration_minutes,
        "zone": view.zone.key,
        "format": view.format,
        "place": view.place or "",
        "online_link": view.online_link or "",
        "agenda": json.dumps(view.agenda, ensure_ascii=False),
        "description": view.description,
        "located": int(view.latitude is not None and view.longitude is not None),
    }
