"""Check-in at the meeting: staff open it (a QR code with a deep link), invitees scan it or
staff check them in from the list; someone not on the list is admitted with one press.

The link carries the meeting's id and a signature made with the bot's invite key, so a
link cannot be made up for a meeting id that was not shown; the service still checks the
meeting's state and the person's invitation on every scan.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import NotFound
from bot.services.meeting_views import MeetingRefused, MeetingView, load_meeting, view_of
from bot.services.outbox import NotificationKind, notify
from storage.models import Meeting
from storage.uow import UnitOfWork

CHECKIN_PREFIX = "ci-"
_PAYLOAD = re.compile(r"^ci-(\d{1,12})-([0-9a-f]{12})$")


def checkin_payload(meeting_id: int, key: bytes) -> str:
    """The /start payload of a meeting's check-in QR code."""
    return f"{CHECKIN_PREFIX}{meeting_id}-{_signature(meeting_id, key)}"


def _signature(meeting_id: int, key: bytes) -> str:
    return hmac.new(key, f"checkin:{meeting_id}".encode(), hashlib.sha256).hexdigest()[:12]


def read_checkin_payload(payload: str, key: bytes) -> int | None:
    """The meeting id of a genuine check-in payload, else None."""
    match = _PAYLOAD.match(payload)
    if match is None:
        return None
    meeting_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _signature(meeting_id, key)):
        return None
    return meeting_id


@dataclass(frozen=True)
class Panel:
    """The staff message that shows the count, and what it shows."""

    chat_id: int
    message_id: int
    view: MeetingView
    checked_in: int
    expected: int
    locale: str | None


@dataclass(frozen=True)
class CheckIn:
    number: str
    status: str  # checked_in | already | not_listed | admitted
    name: str
    panel: Panel | None


def _require_running(meeting: Meeting, now: datetime) -> None:
    if meeting.status == "cancelled":
        raise MeetingRefused("cancelled", meeting.number)
    if now >= meeting.starts_at + timedelta(minutes=meeting.duration_minutes):
        raise MeetingRefused("over", meeting.number)


async def panel_of(uow: UnitOfWork, meeting: Meeting) -> Panel | None:
    if meeting.checkin_chat_id is None or meeting.checkin_message_id is None:
        return None
    staff = await uow.people.by_telegram_id(meeting.checkin_chat_id)
    return Panel(
        chat_id=meeting.checkin_chat_id,
        message_id=meeting.checkin_message_id,
        view=await view_of(uow, meeting),
        checked_in=await uow.meetings.checked_in(meeting.id),
        expected=await uow.meetings.count(meeting.id, rsvp="yes"),
        locale=staff.locale if staff is not None else None,
    )


async def open_checkin(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    chat_id: int,
    message_id: int,
    now: datetime,
) -> Panel:
    """Check-in opens; the staff message `message_id` shows the count from now on."""
    meeting = await load_meeting(uow, meeting_id, township_id)
    _require_running(meeting, now)
    meeting.checkin_open = True
    meeting.checkin_chat_id, meeting.checkin_message_id = chat_id, message_id
    meeting.updated_at = now
    panel = await panel_of(uow, meeting)
    assert panel is not None
    return panel


async def close_checkin(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, now: datetime
) -> Panel | None:
    meeting = await load_meeting(uow, meeting_id, township_id)
    meeting.checkin_open = False
    meeting.updated_at = now
    return await panel_of(uow, meeting)


async def check_in(
    uow: UnitOfWork,
    *,
    meeting_id: int,
    person_id: int,
    person_township_id: int | None,
    now: datetime,
) -> CheckIn:
    """Someone scanned the QR code. An invitee is checked in (once); someone not on the list
    is told so, and the staff member running check-in can admit them."""
    meeting = await uow.meetings.lock(meeting_id)
    if meeting is None:
        raise NotFound("meeting", meeting_id)
    invitation = await uow.meetings.invitation(meeting_id, person_id)
    listed = invitation is not None and invitation.removed_at is None
    if not listed and person_township_id not in (None, meeting.township_id):
        raise MeetingRefused("other_township", meeting.number)
    _require_running(meeting, now)
    if not meeting.checkin_open:
        raise MeetingRefused("checkin_closed", meeting.number)
    person = await uow.people.get(person_id)
    name = person.display_name if person is not None else ""
    if invitation is None or invitation.removed_at is not None:
        panel = await panel_of(uow, meeting)
        staff = await uow.people.by_telegram_id(meeting.checkin_chat_id or 0)
        if staff is not None:
            await notify(
                uow,
                recipient_id=staff.id,
                kind=NotificationKind.MEETING_WALK_IN,
                payload={
                    "meeting_id": meeting.id,
                    "number": meeting.number,
                    "person_id": person_id,
                    "name": name,
                },
                dedupe_key=f"meeting-walk-in:{meeting.id}:{person_id}",
                now=now,
            )
        return CheckIn(meeting.number, "not_listed", name, panel)
    if invitation.checked_in_at is not None:
        return CheckIn(meeting.number, "already", name, await panel_of(uow, meeting))
    invitation.checked_in_at = now
    await uow.session.flush()
    return CheckIn(meeting.number, "checked_in", name, await panel_of(uow, meeting))


async def check_in_by_staff(
    uow: UnitOfWork, *, township_id: int, invitation_id: int, now: datetime
) -> CheckIn:
    """Staff checked an invitee in from the list."""
    invitation = await uow.meetings.invitation_by_id(invitation_id)
    if invitation is None or invitation.removed_at is not None:
        raise NotFound("invitation", invitation_id)
    meeting = await load_meeting(uow, invitation.meeting_id, township_id)
    _require_running(meeting, now)
    person = await uow.people.get(invitation.person_id)
    name = person.display_name if person is not None else ""
    status = "already" if invitation.checked_in_at is not None else "checked_in"
    invitation.checked_in_at = invitation.checked_in_at or now
    await uow.session.flush()
    return CheckIn(meeting.number, status, name, await panel_of(uow, meeting))


async def admit(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, person_id: int, now: datetime
) -> CheckIn:
    """Staff let in someone who was not on the list: invited, attending, checked in."""
    meeting = await load_meeting(uow, meeting_id, township_id)
    _require_running(meeting, now)
    person = await uow.people.get(person_id)
    if person is None:
        raise NotFound("person", person_id)
    invitation = await uow.meetings.invitation(meeting_id, person_id)
    if invitation is not None and invitation.removed_at is None and invitation.checked_in_at:
        return CheckIn(meeting.number, "already", person.display_name, await panel_of(uow, meeting))
    if invitation is None:
        await uow.meetings.invite(meeting_id, person_id, "resident", "added", now)
        invitation = await uow.meetings.invitation(meeting_id, person_id)
        assert invitation is not None
    invitation.removed_at, invitation.rsvp, invitation.checked_in_at = None, "yes", now
    invitation.responded_at = now
    await uow.session.flush()
    await notify(
        uow,
        recipient_id=person_id,
        kind=NotificationKind.MEETING_ADMITTED,
        payload={"meeting_id": meeting.id, "number": meeting.number, "title": meeting.title},
        dedupe_key=f"meeting-admitted:{meeting.id}:{person_id}",
        now=now,
    )
    return CheckIn(meeting.number, "admitted", person.display_name, await panel_of(uow, meeting))
