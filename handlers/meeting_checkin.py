"""Check-in at the meeting: the QR code with its deep link, the staff message whose count is
edited in place, checking in from the list, letting in someone who is not on it; and the
meetings' deep links (/start g-… for a guest, /start ci-… for a check-in scan)."""

from __future__ import annotations

import io

import segno
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.errors import NotFound
from bot.domain.permissions import Act
from bot.i18n import translator
from bot.services import meeting_checkin, meeting_invites
from bot.services.meeting_checkin import CheckIn, Panel
from bot.services.meeting_views import MeetingRefused
from handlers.keyboards import inline, main_menu, rows
from handlers.meeting_buttons import (
    Admit,
    CheckinList,
    CheckInvitee,
    CloseCheckin,
    MeetingCard,
    OpenCheckin,
)
from handlers.meeting_people import PAGE, pages
from handlers.meeting_render import ROLE_LABELS, cut, refusal, when
from handlers.meetings import refused
from handlers.toolkit import BotContext, Route, button, message
from handlers.toolkit.access import refuse

START_PAYLOAD = filters.Regex(r"^/start(@\w+)? (g-|ci-)")

# -- check-in ----------------------------------------------------------------------------------


def panel_text(panel: Panel) -> tuple[str, InlineKeyboardMarkup]:
    """The staff message that counts arrivals, in that staff member's language."""
    tr = translator(panel.locale or "zh_Hans")
    view = panel.view
    text = "\n".join(
        [
            tr._("<b>Check-in: {number}</b>", number=view.number),
            tr._("Time: {when}", when=when(tr, view.starts_at, view.zone)),
            tr._(
                "Checked in: {count} (attending: {expected})",
                count=panel.checked_in,
                expected=panel.expected,
            ),
            tr._("Check-in is open.") if view.checkin_open else tr._("Check-in is closed."),
        ]
    )
    buttons = [[inline(tr._("👥 Check in from the list"), CheckinList(view.id, 0))]]
    if view.checkin_open:
        buttons.append([inline(tr._("Close check-in"), CloseCheckin(view.id))])
    else:
        # Closed: the way on is the meeting's card (its outcome, its minutes).
        buttons.append([inline(tr._("‹ Back"), MeetingCard(view.id))])
    return text, InlineKeyboardMarkup(buttons)


def _update_panel(context: BotContext, panel: Panel | None) -> None:
    if panel is not None:
        text, markup = panel_text(panel)
        context.ui.edit_message(panel.chat_id, panel.message_id, text, markup)


def checkin_link(context: BotContext, meeting_id: int) -> str:
    payload = meeting_checkin.checkin_payload(meeting_id, context.services.settings.invite_key)
    return f"https://t.me/{context.bot.username}?start={payload}"


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


async def open_checkin(update: Update, context: BotContext, press: OpenCheckin) -> None:
    """✅ Check-in: this message becomes the live count; the QR code to show follows."""
    query = update.callback_query
    assert query is not None and query.message is not None
    try:
        panel = await meeting_checkin.open_checkin(
            context.uow,
            township_id=context.township,
            meeting_id=press.meeting,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    text, markup = panel_text(panel)
    context.ui.edit(text, markup)
    link = checkin_link(context, press.meeting)
    context.ui.picture(
        qr_png(link),
        context.tr._(
            "Show this code at the door: invitees scan it with their phone to check in.\n{link}",
            link=link,
        ),
    )


async def close_checkin(update: Update, context: BotContext, press: CloseCheckin) -> None:
    """Close check-in: scans are refused from now on."""
    panel = await meeting_checkin.close_checkin(
        context.uow, township_id=context.township, meeting_id=press.meeting, now=context.now
    )
    if panel is not None:
        text, markup = panel_text(panel)
        context.ui.edit(text, markup)


async def checkin_list(update: Update, context: BotContext, press: CheckinList) -> None:
    """👥 Check in from the list: who has not arrived, as buttons."""
    tr = context.tr
    listed = await meeting_invites.invitees(
        context.reads, township_id=context.township, meeting_id=press.meeting
    )
    absent = [i for i in listed if i.invitation.checked_in_at is None and i.invitation.rsvp != "no"]
    page = absent[press.page * PAGE : (press.page + 1) * PAGE]
    buttons = [
        inline(f"✅ {(i.name or '—')[:20]}", CheckInvitee(i.invitation.id, press.page))
        for i in page
    ]
    keyboard = rows(buttons, 2)
    keyboard.append(
        pages(context, len(absent), press.page, lambda p: CheckinList(press.meeting, p))
    )
    text = tr._("Not checked in yet: {count}. Press a name to check them in.", count=len(absent))
    context.ui.say(text, InlineKeyboardMarkup([row for row in keyboard if row]))


async def check_invitee(update: Update, context: BotContext, press: CheckInvitee) -> None:
    """A name in the list: checked in; the count is updated."""
    try:
        done = await meeting_checkin.check_in_by_staff(
            context.uow,
            township_id=context.township,
            invitation_id=press.invitation,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    tr = context.tr
    if done.status == "already":
        context.ui.answer(tr._("{name} is checked in already.", name=done.name))
    else:
        context.ui.answer(tr._("{name} is checked in.", name=done.name))
    context.ui.drop_buttons()
    _update_panel(context, done.panel)


async def admit(update: Update, context: BotContext, press: Admit) -> None:
    """✅ Let them in (under a walk-in notice): invited, checked in, and told."""
    try:
        done = await meeting_checkin.admit(
            context.uow,
            township_id=context.township,
            meeting_id=press.meeting,
            person_id=press.person,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    context.ui.edit(context.tr._("{name} is checked in.", name=cut(done.name or "—", 40)))
    _update_panel(context, done.panel)


# -- deep links: /start g-… (a guest) and /start ci-… (check-in) --------------------------------


async def handle_start_payload(update: Update, context: BotContext, payload: str) -> bool:
    """A meeting's deep link: a guest's invitation or a check-in scan. False when the payload
    is not a meeting's (the greeting goes on as usual)."""
    if payload.startswith(meeting_invites.GUEST_LINK_PREFIX):
        await _redeem(update, context, payload)
        return True
    if payload.startswith(meeting_checkin.CHECKIN_PREFIX):
        await _scan(update, context, payload)
        return True
    return False


async def start_payload(update: Update, context: BotContext) -> None:
    """/start with a meeting's deep link (a guest link or the check-in QR code)."""
    text = update.message.text if update.message is not None else None
    await handle_start_payload(update, context, (text or "").split(maxsplit=1)[-1])


async def _redeem(update: Update, context: BotContext, payload: str) -> None:
    tr = context.tr
    try:
        number, role = await meeting_invites.redeem_guest_pass(
            context.uow, payload=payload, person_id=context.me.id, now=context.now
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    context.ui.say(
        tr._(
            "Welcome! You are invited to meeting {number} as {role}. The invitation follows.",
            number=number,
            role=tr._(ROLE_LABELS[role]),
        ),
        main_menu(tr),
    )


async def _scan(update: Update, context: BotContext, payload: str) -> None:
    tr = context.tr
    meeting_id = meeting_checkin.read_checkin_payload(payload, context.services.settings.invite_key)
    if meeting_id is None:
        refuse(update, context, refusal(tr, MeetingRefused("pass_unknown")))
        return
    try:
        done: CheckIn = await meeting_checkin.check_in(
            context.uow,
            meeting_id=meeting_id,
            person_id=context.me.id,
            person_township_id=context.me.township_id,
            now=context.now,
        )
    except MeetingRefused as error:
        await refused(update, context, error)
        return
    except NotFound:
        await context.scope.abandon()
        refuse(update, context, refusal(tr, MeetingRefused("pass_unknown")))
        return
    if done.status == "already":
        context.ui.say(tr._("You are already checked in for meeting {number}.", number=done.number))
        return
    if done.status == "not_listed":
        context.ui.say(
            tr._(
                "You are not on the list of meeting {number}. Please wait a moment: the "
                "liaison office has been told and can let you in.",
                number=done.number,
            )
        )
        return
    context.ui.say(tr._("Welcome! You are checked in for meeting {number}.", number=done.number))
    _update_panel(context, done.panel)


def link_routes() -> list[Route]:
    """Meetings' deep links: registered before /start, whose greeting they replace."""
    return [message(START_PAYLOAD, start_payload)]


def routes() -> list[Route]:
    staff = Act.CONVENE
    return [
        button(OpenCheckin, open_checkin, staff),
        button(CloseCheckin, close_checkin, staff),
        button(CheckinList, checkin_list, staff),
        button(CheckInvitee, check_invitee, staff),
        button(Admit, admit, staff),
    ]
