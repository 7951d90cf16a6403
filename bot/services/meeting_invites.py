"""Who comes to a meeting: answers (参加 / 不参加 / 待定), the waiting line of a full meeting,
staff adding and removing invitees, guests' single-use links, a message to all invitees.

Answers are counted with the meeting's row locked, so two "yes" for the last seat on
PostgreSQL cannot both get it; a seat that is given up goes to the first in line.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from bot.services.meeting_views import (
    MeetingRefused,
    load_meeting,
    payload_of,
    require_ahead,
    view_of,
)
from bot.services.meetings import tell_invited
from bot.services.outbox import NotificationKind, notify
from storage.meetings import Invitee
from storage.models import GuestPass, Invitation, Meeting
from storage.uow import UnitOfWork

ANSWERS = ("yes", "no", "maybe")
GUEST_ROLES = ("department", "village", "expert", "observer")
GUEST_LINK_PREFIX = "g-"
GUEST_PASS_DAYS = 7
MAX_MESSAGE_CHARS = 1000


@dataclass(frozen=True)
class Answer:
    number: str
    rsvp: str  # yes | no | maybe | waiting
    position: int | None = None  # place in the waiting line
    changed: bool = True


async def _invitation(uow: UnitOfWork, meeting_id: int, person_id: int) -> Invitation:
    invitation = await uow.meetings.invitation(meeting_id, person_id)
    if invitation is None or invitation.removed_at is not None:
        raise NotFound("invitation", (meeting_id, person_id))
    return invitation


async def _position(uow: UnitOfWork, invitation: Invitation) -> int | None:
    line = await uow.meetings.waiting_line(invitation.meeting_id)
    return next((i + 1 for i, waiting in enumerate(line) if waiting.id == invitation.id), None)


async def _has_seat(uow: UnitOfWork, meeting: Meeting) -> bool:
    if meeting.capacity is None:
        return True
    return await uow.meetings.count(meeting.id, rsvp="yes") < meeting.capacity


async def respond(
    uow: UnitOfWork, *, meeting_id: int, person_id: int, answer: str, now: datetime
) -> Answer:
    """An invitee's answer. A "yes" to a full meeting waits in line (and is told where)."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    meeting = await uow.meetings.lock(meeting_id)
    if meeting is None:
        raise NotFound("meeting", meeting_id)
    invitation = await _invitation(uow, meeting_id, person_id)
    require_ahead(meeting, now)
    previous = invitation.rsvp
    if answer == "yes" and previous in ("yes", "waiting"):
        return Answer(meeting.number, previous, await _position(uow, invitation), changed=False)
    if answer == previous:
        return Answer(meeting.number, previous, changed=False)
    if answer == "yes" and not await _has_seat(uow, meeting):
        invitation.rsvp, invitation.waiting_since = "waiting", now
    else:
        invitation.rsvp, invitation.waiting_since = answer, None
    invitation.responded_at = now
    if previous == "yes":
        await promote(uow, meeting, now)
    return Answer(meeting.number, invitation.rsvp, await _position(uow, invitation))


async def promote(uow: UnitOfWork, meeting: Meeting, now: datetime) -> list[int]:
    """Free seats go to the first in line, who are told; returns who moved up."""
    promoted: list[int] = []
    line = await uow.meetings.waiting_line(meeting.id)
    while line and await _has_seat(uow, meeting):
        first = line.pop(0)
        first.rsvp, first.waiting_since = "yes", None
        await uow.session.flush()
        promoted.append(first.person_id)
        await notify(
            uow,
            recipient_id=first.person_id,
            kind=NotificationKind.MEETING_PROMOTED,
            payload=payload_of(await view_of(uow, meeting)),
            dedupe_key=f"meeting-promoted:{meeting.id}:{first.person_id}:{now.isoformat()}",
            now=now,
        )
    return promoted


# -- staff: the list -----------------------------------------------------------------------------


async def invitees(
    uow: UnitOfWork, *, township_id: int, meeting_id: int, removed: bool = False
) -> list[Invitee]:
    await load_meeting(uow, meeting_id, township_id)
    return await uow.meetings.invitees(meeting_id, removed=removed)


async def remove_invitee(
    uow: UnitOfWork, *, township_id: int, invitation_id: int, actor_id: int | None, now: datetime
) -> str:
    """Take someone off the list (their seat goes to the first in line); returns the meeting's
    number."""
    invitation = await uow.meetings.invitation_by_id(invitation_id)
    if invitation is None:
        raise NotFound("invitation", invitation_id)
    meeting = await load_meeting(uow, invitation.meeting_id, township_id)
    meeting = await uow.meetings.lock(meeting.id) or meeting
    require_ahead(meeting, now)
    if invitation.removed_at is not None:
        return meeting.number
    had_seat = invitation.rsvp == "yes"
    invitation.removed_at = now
    invitation.waiting_since = None
    if had_seat:
        invitation.rsvp = "no"
        await promote(uow, meeting, now)
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="meeting.uninvited",
        object_type="meeting",
        object_id=meeting.id,
        details={"person_id": invitation.person_id},
    )
    return meeting.number


async def addable(uow: UnitOfWork, *, township_id: int, meeting_id: int) -> list[tuple[int, str]]:
    """(person id, name) of who staff can add: members and staff of the township who are not
    on the list, and people taken off it."""
    await load_meeting(uow, meeting_id, township_id)
    listed = {i.invitation.person_id for i in await uow.meetings.invitees(meeting_id)}
    removed = await uow.meetings.invitees(meeting_id, removed=True)
    found: dict[int, str] = {i.invitation.person_id: i.name for i in removed}
    for role in (RoleName.MEMBER, RoleName.STAFF):
        for person_id in await uow.meetings.people_with_role(township_id, role):
            if person_id not in listed and person_id not in found:
                person = await uow.people.get(person_id)
                found[person_id] = person.display_name if person is not None else ""
    return sorted(found.items())


async def add_invitee(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    person_id: int,
    actor_id: int | None,
    now: datetime,
) -> str:
    """Put someone on the list (back on it, if they were taken off); they are invited."""
    meeting = await load_meeting(uow, meeting_id, township_id)
    require_ahead(meeting, now)
    if person_id not in dict(await addable(uow, township_id=township_id, meeting_id=meeting_id)):
        raise NotFound("person", person_id)
    roles = {role for t, role in await uow.people.roles(person_id) if t == township_id}
    role = "member" if RoleName.MEMBER in roles else "staff" if roles else "resident"
    existing = await uow.meetings.invitation(meeting_id, person_id)
    if existing is not None:
        existing.removed_at, existing.rsvp = None, "pending"
    else:
        await uow.meetings.invite(meeting_id, person_id, role, "added", now)
    view = await view_of(uow, meeting)
    await tell_invited(
        uow, view, [person_id], now, ref=f":{now.isoformat()}", roles={person_id: role}
    )
    return meeting.number


async def message_invitees(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    text: str,
    ref: str,
    actor_id: int | None,
    now: datetime,
) -> int:
    """The office's words to everyone on the list (`ref` makes a repeated send one push);
    returns how many were told."""
    meeting = await load_meeting(uow, meeting_id, township_id)
    if meeting.status == "cancelled":
        raise MeetingRefused("cancelled", meeting.number)
    text = text.strip()[:MAX_MESSAGE_CHARS]
    recipients = list(await uow.meetings.rsvps(meeting.id))
    for person_id in recipients:
        await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.MEETING_MESSAGE,
            payload={
                "meeting_id": meeting.id,
                "number": meeting.number,
                "title": meeting.title,
                "text": text,
            },
            dedupe_key=f"meeting-message:{meeting.id}:{ref}:{person_id}",
            now=now,
        )
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="meeting.message",
        object_type="meeting",
        object_id=meeting.id,
        details={"text": text, "recipients": len(recipients)},
    )
    return len(recipients)


# -- guests --------------------------------------------------------------------------------------


async def guest_pass(
    uow: UnitOfWork,
    *,
    township_id: int,
    meeting_id: int,
    role: str,
    actor_id: int | None,
    now: datetime,
) -> str:
    """A single-use link payload for a guest in `role`; valid a week, or until the meeting."""
    if role not in GUEST_ROLES:
        raise ValueError(f"unknown guest role {role!r}")
    meeting = await load_meeting(uow, meeting_id, township_id)
    require_ahead(meeting, now)
    nonce = secrets.token_urlsafe(12)
    await uow.meetings.add_guest_pass(
        GuestPass(
            meeting_id=meeting.id,
            nonce=nonce,
            role=role,
            created_by_id=actor_id,
            created_at=now,
            expires_at=min(meeting.starts_at, now + timedelta(days=GUEST_PASS_DAYS)),
        )
    )
    return GUEST_LINK_PREFIX + nonce


async def redeem_guest_pass(
    uow: UnitOfWork, *, payload: str, person_id: int, now: datetime
) -> tuple[str, str]:
    """The guest opened the link: they are invited in the pass's role (and get the
    invitation). Returns (meeting number, role)."""
    nonce = payload.removeprefix(GUEST_LINK_PREFIX)
    found = await uow.meetings.guest_pass(nonce) if 8 <= len(nonce) <= 24 else None
    if found is None:
        raise MeetingRefused("pass_unknown")
    meeting = await load_meeting(uow, found.meeting_id, None)
    if found.used_by_id is not None:
        raise MeetingRefused("pass_used", meeting.number)
    if now >= found.expires_at:
        raise MeetingRefused("pass_expired", meeting.number)
    require_ahead(meeting, now)
    if not await uow.meetings.use_guest_pass(found.id, person_id, now):
        raise MeetingRefused("pass_used", meeting.number)
    existing = await uow.meetings.invitation(meeting.id, person_id)
    if existing is not None:
        existing.role, existing.removed_at = found.role, None
    else:
        await uow.meetings.invite(meeting.id, person_id, found.role, "guest", now)
    view = await view_of(uow, meeting)
    await tell_invited(
        uow, view, [person_id], now, ref=f":g{found.id}", roles={person_id: found.role}
    )
    return meeting.number, found.role
