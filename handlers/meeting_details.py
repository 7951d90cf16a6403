"""The later steps of creating a meeting: agenda, seats, the note to invitees, whether the
township's members are invited, and the summary staff check before anything is stored."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.services import meetings
from bot.services.meeting_views import MeetingRefused
from bot.services.meetings import MeetingDraft
from handlers.keyboards import inline
from handlers.meeting_buttons import Create, Members, Skip
from handlers.meeting_render import FORMAT_LABELS, cut, refusal, when
from handlers.meeting_when import starts_at_of, township_zone
from handlers.toolkit import BotContext

AGENDA, CAPACITY, NOTE, MEMBERS, CONFIRM = "agenda", "capacity", "note", "members", "confirm"
MAX_NOTE = 1000


def _data(context: BotContext) -> dict[str, Any]:
    return context.flow.data


# -- agenda, seats, note, members --------------------------------------------------------------


async def ask_agenda(update: Update, context: BotContext) -> None:
    tr = context.tr
    context.ui.say(
        tr._("Type the agenda, one item per line — or skip, and the topics are the agenda."),
        InlineKeyboardMarkup([[inline(tr._("Skip"), Skip(context.flow.id, "agenda"))]]),
    )


async def agenda_typed(update: Update, context: BotContext) -> str:
    """The agenda: one item per line (at most ten)."""
    items = [line.strip(" -•·、") for line in context.text.splitlines() if line.strip(" -•·、")]
    _data(context)["agenda"] = [item[:200] for item in items[: meetings.MAX_AGENDA_ITEMS]]
    await ask_capacity(update, context)
    return CAPACITY


async def ask_capacity(update: Update, context: BotContext) -> None:
    tr = context.tr
    context.ui.say(
        tr._("How many seats are there? Type a number — or press “No limit”."),
        InlineKeyboardMarkup([[inline(tr._("No limit"), Skip(context.flow.id, "capacity"))]]),
    )


async def capacity_typed(update: Update, context: BotContext) -> str:
    """Seats: a whole number from 1; beyond it, "attend" answers wait in line."""
    text = context.text.strip()
    if not text.isdigit() or not 0 < int(text) <= meetings.MAX_CAPACITY:
        context.ui.say(refusal(context.tr, MeetingRefused("capacity")))
        return CAPACITY
    _data(context)["capacity"] = int(text)
    await ask_note(update, context)
    return NOTE


async def ask_note(update: Update, context: BotContext) -> None:
    tr = context.tr
    context.ui.say(
        tr._("A short note for the invitees (what to bring, who may come) — or skip."),
        InlineKeyboardMarkup([[inline(tr._("Skip"), Skip(context.flow.id, "description"))]]),
    )


async def note_typed(update: Update, context: BotContext) -> str:
    """The note to invitees."""
    text = context.text.strip()
    if len(text) > MAX_NOTE:
        context.ui.say(context.tr._("Please keep it under {limit} characters.", limit=MAX_NOTE))
        return NOTE
    _data(context)["description"] = text
    await ask_members(update, context)
    return MEMBERS


async def skipped(update: Update, context: BotContext, press: Skip) -> str:
    """Skip: the agenda, the seat limit or the note stays empty (the question says so)."""
    tr = context.tr
    context.ui.edit(
        {
            "agenda": tr._("Agenda: the chosen topics"),
            "capacity": tr._("Seats: {seats}", seats=tr._("no limit")),
        }.get(press.step, tr._("Note: none"))
    )
    if press.step == "agenda":
        _data(context)["agenda"] = []
        await ask_capacity(update, context)
        return CAPACITY
    if press.step == "capacity":
        _data(context)["capacity"] = None
        await ask_note(update, context)
        return NOTE
    _data(context)["description"] = ""
    await ask_members(update, context)
    return MEMBERS


async def ask_members(update: Update, context: BotContext) -> None:
    tr, flow = context.tr, context.flow.id
    context.ui.say(
        tr._(
            "The raisers and supporters of the topics' issues are invited. Invite the "
            "township's CPPCC members too? (You can add or remove people later.)"
        ),
        InlineKeyboardMarkup(
            [
                [inline(tr._("Yes, all members"), Members(flow, True))],
                [inline(tr._("No members"), Members(flow, False))],
            ]
        ),
    )


async def members_chosen(update: Update, context: BotContext, press: Members) -> str:
    """Members or not: the summary to check."""
    _data(context)["members"] = press.invite
    tr = context.tr
    context.ui.edit(
        tr._("CPPCC members: invited") if press.invite else tr._("CPPCC members: not invited")
    )
    await ask_confirmation(update, context)
    return CONFIRM


# -- the summary -------------------------------------------------------------------------------


def draft_of(context: BotContext) -> MeetingDraft:
    data = _data(context)
    return MeetingDraft(
        topic_ids=[int(t) for t in data["topics"]],
        starts_at=starts_at_of(context),
        duration_minutes=int(data.get("duration") or 90),
        format=str(data.get("format") or "onsite"),
        place=data.get("place"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        online_link=data.get("link"),
        agenda=list(data.get("agenda") or []),
        capacity=data.get("capacity"),
        description=str(data.get("description") or ""),
        invite_members=bool(data.get("members", True)),
    )


async def ask_confirmation(update: Update, context: BotContext) -> None:
    tr, draft = context.tr, draft_of(context)
    zone = await township_zone(context)
    selected = await meetings.selected_topics(context.reads, int(_data(context)["township"]))
    titles = [f"{n} {cut(t, 60)}" for i, n, t in selected if i in draft.topic_ids]
    lines = [tr._("<b>Please check the meeting before it is created:</b>"), *titles]
    lines.append(
        tr._(
            "Time: {when} (about {minutes} minutes)",
            when=when(tr, draft.starts_at, zone),
            minutes=draft.duration_minutes,
        )
    )
    lines.append(tr._("Format: {format}", format=tr._(FORMAT_LABELS[draft.format])))
    if draft.place:
        pinned = tr._(" (with a map pin)") if draft.latitude is not None else ""
        lines.append(tr._("Place: {place}", place=cut(draft.place)) + pinned)
    if draft.online_link:
        lines.append(tr._("Online: {link}", link=cut(draft.online_link)))
    agenda = draft.agenda or [t.split(" ", 1)[1] for t in titles]
    lines.append(tr._("Agenda:"))
    lines += [f"{i}. {cut(item, 200)}" for i, item in enumerate(agenda, start=1)]
    seats = str(draft.capacity) if draft.capacity else tr._("no limit")
    lines.append(tr._("Seats: {seats}", seats=seats))
    if draft.description:
        lines.append(tr._("Note: {text}", text=cut(draft.description)))
    lines.append(
        tr._("CPPCC members: invited")
        if draft.invite_members
        else tr._("CPPCC members: not invited")
    )
    context.ui.say(
        "\n".join(lines),
        InlineKeyboardMarkup([[inline(tr._("✅ Create and invite"), Create(context.flow.id))]]),
    )
