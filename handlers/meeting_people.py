"""Who comes: invitees' answers, their calendar file and the place on a map; staff's list
of invitees (add, remove). Check-in and the deep links are in handlers/meeting_checkin.py."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.errors import NotFound
from bot.domain.permissions import Act
from bot.services import meeting_invites, meeting_views
from bot.services.meeting_calendar import filename, meeting_ics
from bot.services.meeting_views import MeetingRefused
from handlers.keyboards import inline, rows
from handlers.meeting_buttons import (
    AddInvitee,
    CalendarFile,
    Invitees,
    MeetingCard,
    PickInvitee,
    RemoveInvitee,
    Rsvp,
    ShowPlace,
)
from handlers.meeting_render import ROLE_LABELS, RSVP_LABELS, cut
from handlers.meetings import refused
from handlers.toolkit import BotContext, Button, Route, button

PAGE = 10

# -- residents: the answer, the calendar file, the place ----------------------------------------


async def rsvp(update: Update, context: BotContext, press: Rsvp) -> None:
    """参加 / 不参加 / 待定 under an invitation: recorded (a full meeting's "attend" waits in
    line, and the person is told their place)."""
    try:
        answer = await meeting_invites.respond(
            context.uow,
            meeting_id=press.meeting,
            person_id=context.me.id,
            answer=press.answer,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    tr = context.tr
    if answer.rsvp == "waiting":
        text = tr._(
            "Meeting {number} is full. You are number {position} on the waiting list; we "
            "will tell you if a seat comes free.",
            number=answer.number,
            position=answer.position,
        )
    else:
        text = tr._(
            "Noted for meeting {number}: {answer}.",
            number=answer.number,
            answer=tr._(RSVP_LABELS[answer.rsvp]),
        )
    context.ui.answer(text if not answer.changed else None)
    if answer.changed:
        context.ui.say(text)


async def _invited_view(context: BotContext, meeting_id: int) -> meeting_views.MeetingView:
    """The meeting, if the person is on its list (else NotFound, as for a forged button)."""
    invitation = await context.reads.meetings.invitation(meeting_id, context.me.id)
    if invitation is None or invitation.removed_at is not None:
        raise NotFound("invitation", meeting_id)
    meeting = await meeting_views.load_meeting(context.reads, meeting_id, None)
    return await meeting_views.view_of(context.reads, meeting)


async def calendar_file(update: Update, context: BotContext, press: CalendarFile) -> None:
    """📅 Add to calendar: the meeting as an .ics file, with its reminders as alarms."""
    view = await _invited_view(context, press.meeting)
    context.ui.answer()
    context.ui.document(
        meeting_ics(view, now=context.now),
        filename(view),
        context.tr._("Open the file to add meeting {number} to your calendar.", number=view.number),
    )


async def show_place(update: Update, context: BotContext, press: ShowPlace) -> None:
    """📍 Where: the place on a map."""
    view = await _invited_view(context, press.meeting)
    context.ui.answer()
    if view.latitude is not None and view.longitude is not None:
        context.ui.location(view.latitude, view.longitude)


# -- staff: the list ---------------------------------------------------------------------------


async def invitees(update: Update, context: BotContext, press: Invitees) -> None:
    """👥 Invitees: everyone on the list with their answer; each can be taken off it."""
    tr = context.tr
    meeting = await meeting_views.load_meeting(context.reads, press.meeting, context.township)
    listed = await meeting_invites.invitees(
        context.reads, township_id=context.township, meeting_id=press.meeting
    )
    page = listed[press.page * PAGE : (press.page + 1) * PAGE]
    lines = [
        tr._("<b>Invitees of {number}</b> ({count})", number=meeting.number, count=len(listed))
    ]
    buttons = []
    removable = meeting.status != "cancelled" and context.now < meeting.starts_at
    for offset, invitee in enumerate(page, start=press.page * PAGE + 1):
        invitation = invitee.invitation
        mark = " ✔" if invitation.checked_in_at is not None else ""
        lines.append(
            f"{offset}. {cut(invitee.name or '—', 40)} · {tr._(ROLE_LABELS[invitation.role])}"
            f" · {tr._(RSVP_LABELS[invitation.rsvp])}{mark}"
        )
        if removable:
            buttons.append(
                inline(
                    tr._("✖ {name}", name=(invitee.name or "—")[:20]), RemoveInvitee(invitation.id)
                )
            )
    keyboard = rows(buttons, 2)
    keyboard.append(pages(context, len(listed), press.page, lambda p: Invitees(press.meeting, p)))
    keyboard.append([inline(tr._("‹ Back"), MeetingCard(press.meeting))])
    context.ui.say("\n".join(lines), InlineKeyboardMarkup([row for row in keyboard if row]))


def pages(
    context: BotContext, total: int, page: int, make: Callable[[int], Button]
) -> list[InlineKeyboardButton]:
    buttons = []
    if page > 0:
        buttons.append(inline(context.tr._("‹ Previous"), make(page - 1)))
    if (page + 1) * PAGE < total:
        buttons.append(inline(context.tr._("Next ›"), make(page + 1)))
    return buttons


async def remove_invitee(update: Update, context: BotContext, press: RemoveInvitee) -> None:
    """✖ A name: taken off the list (a seat they held goes to the first in line)."""
    try:
        number = await meeting_invites.remove_invitee(
            context.uow,
            township_id=context.township,
            invitation_id=press.invitation,
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    context.ui.answer(context.tr._("Taken off the list of {number}.", number=number))


async def pick_invitee(update: Update, context: BotContext, press: PickInvitee) -> None:
    """➕ Add: members, staff and people taken off the list, as buttons."""
    tr = context.tr
    found = await meeting_invites.addable(
        context.reads, township_id=context.township, meeting_id=press.meeting
    )
    if not found:
        context.ui.answer(
            tr._("Everyone the office knows is invited already; guests come by a guest link."),
            alert=True,
        )
        return
    buttons = [inline(name or "—", AddInvitee(press.meeting, pid)) for pid, name in found[:30]]
    context.ui.say(tr._("Whom to invite?"), InlineKeyboardMarkup(rows(buttons, 2)))


async def add_invitee(update: Update, context: BotContext, press: AddInvitee) -> None:
    """A name: invited (they get the invitation)."""
    try:
        number = await meeting_invites.add_invitee(
            context.uow,
            township_id=context.township,
            meeting_id=press.meeting,
            person_id=press.person,
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    context.ui.answer(context.tr._("Invited to {number}.", number=number))


def routes() -> list[Route]:
    staff = Act.CONVENE
    return [
        # Invitees (no role needed: the service checks the invitation is theirs).
        button(Rsvp, rsvp),
        button(CalendarFile, calendar_file),
        button(ShowPlace, show_place),
        # Staff: the list.
        button(Invitees, invitees, staff),
        button(RemoveInvitee, remove_invitee, staff),
        button(PickInvitee, pick_invitee, staff),
        button(AddInvitee, add_invitee, staff),
    ]
