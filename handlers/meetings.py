"""/meetings for the liaison office: the list, a meeting's card and what staff do with it —
select a topic (选题), move or cancel a meeting, guests' links, a message to all invitees.

Creating a meeting is a flow of its own (handlers/meeting_create.py); the list of invitees
and check-in are in handlers/meeting_people.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.domain.topic_status import TopicStatus
from bot.i18n import N_
from bot.services import meeting_invites, meeting_views, meetings
from bot.services.access import may
from bot.services.meeting_views import MeetingRefused, MeetingView
from handlers import outcomes
from handlers.keyboards import inline
from handlers.meeting_buttons import (
    AskCancel,
    ConfirmCancel,
    GuestLink,
    Invitees,
    MeetingCard,
    MessageAll,
    NewMeeting,
    OpenCheckin,
    PickGuestRole,
    PickInvitee,
    Reschedule,
    SelectTopic,
    TimeRight,
)
from handlers.meeting_render import (
    ROLE_LABELS,
    details_lines,
    details_of_view,
    refusal,
    when,
)
from handlers.meeting_when import TEXT, WHEN, WHEN_OK, ask_when, starts_at_of, when_states
from handlers.toolkit import END, BotContext, Flow, Route, button, command, message
from handlers.toolkit.access import refuse
from storage.uow import UnitOfWork

STATE_LABELS = {
    "ahead": N_("Scheduled"),
    "started": N_("In progress"),
    "over": N_("Held"),
    "cancelled": N_("Cancelled"),
}


async def refused(update: Update, context: BotContext, error: MeetingRefused) -> None:
    """Nothing of the update stays; the person is told why, in words they can act on."""
    await context.scope.abandon()
    refuse(update, context, refusal(context.tr, error))


# -- the topic card's buttons (handlers/topics.py adds them) ------------------------------------


def topic_card_buttons(context: BotContext, topic: Any) -> list[list[InlineKeyboardButton]]:
    """Rows for a topic's card: "Select for deliberation" while it collects issues, "Schedule
    a meeting" once selected; nothing for those who may not convene."""
    if not may(context.me, Act.CONVENE, context.township):
        return []
    tr = context.tr
    if topic.status is TopicStatus.COLLECTING:
        return [[inline(tr._("Select for deliberation (选题)"), SelectTopic(topic.id))]]
    if topic.status is TopicStatus.SELECTED:
        return [[inline(tr._("📅 Schedule a meeting"), NewMeeting(topic.id))]]
    return []


async def select_topic(update: Update, context: BotContext, press: SelectTopic) -> None:
    """Select for deliberation: the topic waits for a meeting; one press schedules it."""
    number = await meetings.select_topic(
        context.uow,
        township_id=context.township,
        topic_id=press.topic,
        actor_id=context.me.id,
        now=context.now,
    )
    tr = context.tr
    context.ui.say(
        tr._("{number} is selected for deliberation.", number=number),
        InlineKeyboardMarkup([[inline(tr._("📅 Schedule a meeting"), NewMeeting(press.topic))]]),
    )


# -- the list and the card ---------------------------------------------------------------------


async def meetings_command(update: Update, context: BotContext) -> None:
    """/meetings: the township's meetings from a month ago on, and a new one."""
    tr = context.tr
    found = await meetings.meetings_of(context.reads, context.township, context.now)
    buttons = [
        [
            inline(
                f"{view.number} · {tr.day(view.starts_at, view.zone)} · "
                f"{tr._(STATE_LABELS[view.state(context.now)])}",
                MeetingCard(view.id),
            )
        ]
        for view in found[-20:]
    ]
    buttons.append([inline(tr._("➕ New meeting"), NewMeeting(0))])
    text = tr._("<b>Meetings</b>") if found else tr._("No meetings yet.")
    context.ui.say(text, InlineKeyboardMarkup(buttons))


async def card_text(context: BotContext, view: MeetingView, uow: UnitOfWork) -> str:
    tr = context.tr
    counts = {
        rsvp: await uow.meetings.count(view.id, rsvp=rsvp)
        for rsvp in ("yes", "no", "maybe", "pending", "waiting")
    }
    lines = [
        f"<b>{view.number}</b> · {tr._(STATE_LABELS[view.state(context.now)])}",
        *details_lines(tr, details_of_view(view)),
        "",
        tr._(
            "Answers: {yes} attending, {no} not, {maybe} not sure, {pending} no answer",
            **counts,
        ),
    ]
    if counts["waiting"]:
        lines.append(tr._("Waiting list: {count}", count=counts["waiting"]))
    if view.capacity:
        lines.append(tr._("Seats: {seats}", seats=view.capacity))
    checked_in = await uow.meetings.checked_in(view.id)
    if checked_in or view.checkin_open:
        lines.append(tr._("Checked in: {count}", count=checked_in))
    return "\n".join(lines)


def card_keyboard(context: BotContext, view: MeetingView) -> InlineKeyboardMarkup:
    tr, state = context.tr, view.state(context.now)
    rows = [[inline(tr._("👥 Invitees"), Invitees(view.id, 0))]]
    if state == "ahead":
        rows[0] += [
            inline(tr._("➕ Add"), PickInvitee(view.id)),
            inline(tr._("🎫 Guest link"), PickGuestRole(view.id)),
        ]
        rows.append(
            [
                inline(tr._("📣 Message all"), MessageAll(view.id)),
                inline(tr._("🕑 Move"), Reschedule(view.id)),
                inline(tr._("✖ Cancel"), AskCancel(view.id)),
            ]
        )
    if state in ("ahead", "started"):
        rows.append([inline(tr._("✅ Check-in"), OpenCheckin(view.id))])
    return InlineKeyboardMarkup(rows)


async def show_card(
    context: BotContext, meeting_id: int, *, edit: bool, written: bool = False
) -> None:
    """The card; `written`: the meeting was changed in this update (read it from the writer,
    which sees the change before the commit)."""
    uow = context.uow if written else context.reads
    meeting = await meeting_views.load_meeting(uow, meeting_id, context.township)
    view = await meeting_views.view_of(uow, meeting)
    text, markup = await card_text(context, view, uow), card_keyboard(context, view)
    # Opinions before the meeting, its outcome and minutes after (handlers/outcomes.py).
    markup = InlineKeyboardMarkup(
        [*markup.inline_keyboard, *await outcomes.meeting_card_buttons(context, view.id, uow)]
    )
    if edit:
        context.ui.edit(text, markup)
    else:
        context.ui.say(text, markup)


async def meeting_card(update: Update, context: BotContext, press: MeetingCard) -> None:
    """A meeting: its details, the answers so far, and what staff can do."""
    await show_card(context, press.meeting, edit=False)


# -- cancelling --------------------------------------------------------------------------------


async def ask_cancel(update: Update, context: BotContext, press: AskCancel) -> None:
    """✖ Cancel: asked once more, since every invitee will be told."""
    tr = context.tr
    meeting = await meeting_views.load_meeting(context.reads, press.meeting, context.township)
    context.ui.say(
        tr._("Cancel meeting {number}? Every invitee will be told.", number=meeting.number),
        InlineKeyboardMarkup(
            [[inline(tr._("Yes, cancel the meeting"), ConfirmCancel(press.meeting))]]
        ),
    )


async def confirm_cancel(update: Update, context: BotContext, press: ConfirmCancel) -> None:
    """Yes, cancel: invitees are told, reminders dropped, its topics wait for a new meeting."""
    try:
        view = await meetings.cancel(
            context.uow,
            township_id=context.township,
            meeting_id=press.meeting,
            reason="",
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    context.ui.edit(
        context.tr._(
            "Meeting {number} is cancelled; every invitee is being told.", number=view.number
        )
    )


# -- guests ------------------------------------------------------------------------------------


async def pick_guest_role(update: Update, context: BotContext, press: PickGuestRole) -> None:
    """🎫 Guest link: in which role the guest takes part."""
    tr = context.tr
    buttons = [
        [inline(tr._(ROLE_LABELS[role]), GuestLink(press.meeting, role))]  # type: ignore[arg-type]
        for role in meeting_invites.GUEST_ROLES
    ]
    context.ui.say(tr._("The guest takes part as:"), InlineKeyboardMarkup(buttons))


async def guest_link(update: Update, context: BotContext, press: GuestLink) -> None:
    """A role was chosen: a single-use link to forward to the guest."""
    try:
        payload = await meeting_invites.guest_pass(
            context.uow,
            township_id=context.township,
            meeting_id=press.meeting,
            role=press.role,
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    tr = context.tr
    link = f"https://t.me/{context.bot.username}?start={payload}"
    context.ui.edit(
        tr._(
            "Forward this link to the guest ({role}). It works once, until the meeting or "
            "for 7 days:\n{link}",
            role=tr._(ROLE_LABELS[press.role]),
            link=link,
        )
    )


# -- moving (a flow: the new time, confirmed) --------------------------------------------------


async def begin_move(update: Update, context: BotContext, press: Reschedule) -> str | None:
    """🕑 Move: the new time is asked like the first one."""
    meeting = await meeting_views.load_meeting(context.reads, press.meeting, context.township)
    try:
        meeting_views.require_ahead(meeting, context.now)
    except MeetingRefused as error:
        await refused(update, context, error)
        return END
    context.flow.data = {
        "meeting": meeting.id,
        "number": meeting.number,
        "township": context.township,
    }
    await ask_when(update, context)
    return WHEN


async def move_confirmed(update: Update, context: BotContext, press: TimeRight) -> str | None:
    """✓ Right: the meeting moves; every invitee is told the old and new time."""
    try:
        view, old = await meetings.reschedule(
            context.uow,
            township_id=context.township,
            meeting_id=int(context.flow.data["meeting"]),
            starts_at=starts_at_of(context),
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return END
    tr = context.tr
    context.ui.edit(
        tr._(
            "Meeting {number} moved from {old} to {new}. Every invitee is being told and "
            "asked to confirm again.",
            number=view.number,
            old=when(tr, old, view.zone),
            new=when(tr, view.starts_at, view.zone),
        )
    )
    return END


def move_flow() -> Flow:
    return Flow(
        name="meeting_move",
        title=N_("moving the meeting"),
        timeout=timedelta(hours=2),
        entry=[button(Reschedule, begin_move, Act.CONVENE)],
        states=when_states(move_confirmed, Act.CONVENE),
        prompts={WHEN: ask_when, WHEN_OK: ask_when},
        restart=True,
    )


# -- a message to all invitees (a flow of one step) --------------------------------------------

AWAIT_MESSAGE = "await_message"


async def begin_message(update: Update, context: BotContext, press: MessageAll) -> str | None:
    """📣 Message all: the text comes next."""
    meeting = await meeting_views.load_meeting(context.reads, press.meeting, context.township)
    context.flow.data = {"meeting": meeting.id, "number": meeting.number}
    await ask_message(update, context)
    return AWAIT_MESSAGE


async def ask_message(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._(
            "{number}: type the message for every invitee (or /cancel).",
            number=context.flow.data["number"],
        )
    )


async def message_typed(update: Update, context: BotContext) -> str | None:
    """The message: queued for everyone on the list."""
    if len(context.text) > meeting_invites.MAX_MESSAGE_CHARS:
        context.ui.say(
            context.tr._(
                "Please keep it under {limit} characters.", limit=meeting_invites.MAX_MESSAGE_CHARS
            )
        )
        return None
    try:
        told = await meeting_invites.message_invitees(
            context.uow,
            township_id=context.township,
            meeting_id=int(context.flow.data["meeting"]),
            text=context.text,
            ref=uuid.uuid4().hex[:12],
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return END
    context.ui.say(context.tr.n_("Sent to {count} invitee.", "Sent to {count} invitees.", told))
    return END


def message_flow() -> Flow:
    return Flow(
        name="meeting_message",
        title=N_("the message to the invitees"),
        timeout=timedelta(hours=2),
        entry=[button(MessageAll, begin_message, Act.CONVENE)],
        states={AWAIT_MESSAGE: [message(TEXT, message_typed, Act.CONVENE)]},
        prompts={AWAIT_MESSAGE: ask_message},
        restart=True,
    )


def routes() -> list[Route]:
    staff = Act.CONVENE
    return [
        command("meetings", meetings_command, staff),
        button(SelectTopic, select_topic, staff),
        button(MeetingCard, meeting_card, staff),
        button(AskCancel, ask_cancel, staff),
        button(ConfirmCancel, confirm_cancel, staff),
        button(PickGuestRole, pick_guest_role, staff),
        button(GuestLink, guest_link, staff),
    ]
