"""Creating a meeting (staff): topics → time → length → format → place / link → agenda →
seats → note to invitees → members → summary → create.

Nothing is stored until staff press "Create" under the summary; every step asks again on
input it cannot use. The draft lives in the flow's data, so a restart loses nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import meetings
from bot.services.meetings import MeetingDraft, MeetingRefused
from handlers.keyboards import inline, rows
from handlers.meeting_buttons import (
    Create,
    Duration,
    Members,
    NewMeeting,
    PickFormat,
    Skip,
    TimeRight,
    ToggleTopic,
    TopicsDone,
)
from handlers.meeting_render import FORMAT_LABELS, cut, refusal, when
from handlers.meeting_when import (
    TEXT,
    WHEN,
    WHEN_OK,
    ask_when,
    starts_at_of,
    township_zone,
    when_states,
)
from handlers.meetings import show_card
from handlers.toolkit import END, BotContext, Flow, button, message

TOPICS, DURATION, FORMAT, PLACE, LINK = "topics", "duration", "format", "place", "link"
AGENDA, CAPACITY, NOTE, MEMBERS, CONFIRM = "agenda", "capacity", "note", "members", "confirm"
DURATIONS = (60, 90, 120, 180)
MAX_PLACE, MAX_LINK, MAX_NOTE = 200, 500, 1000


def _data(context: BotContext) -> dict[str, Any]:
    return context.flow.data


# -- topics ------------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext, press: NewMeeting) -> str | None:
    """➕ New meeting (from /meetings or a topic's card): which selected topics it is for."""
    selected = await meetings.selected_topics(context.reads, context.township)
    ids = [topic_id for topic_id, _n, _t in selected]
    # The flow's later steps and prompts read the township from here.
    if press.topic and press.topic not in ids:
        context.ui.answer(
            context.tr._("Select the topic for deliberation first (选题)."), alert=True
        )
        return END
    if not ids:
        context.ui.say(
            context.tr._(
                "No topic is selected for deliberation yet. Open a topic in /topics and press "
                "“Select for deliberation”."
            )
        )
        return END
    context.flow.data = {
        "topics": [press.topic] if press.topic else [],
        "township": context.township,
    }
    await ask_topics(update, context)
    return TOPICS


async def ask_topics(update: Update, context: BotContext) -> None:
    await _topics_question(context, edit=False)


async def _topics_question(context: BotContext, *, edit: bool) -> None:
    tr = context.tr
    chosen = set(_data(context)["topics"])
    selected = await meetings.selected_topics(context.reads, int(_data(context)["township"]))
    buttons = [
        [inline(("✓ " if i in chosen else "") + f"{n} {t[:30]}", ToggleTopic(context.flow.id, i))]
        for i, n, t in selected[:20]
    ]
    buttons.append([inline(tr._("Next ›"), TopicsDone(context.flow.id))])
    text = tr._("Which topics will the meeting deliberate? Press to choose, then “Next”.")
    if edit:
        context.ui.edit(text, InlineKeyboardMarkup(buttons))
    else:
        context.ui.say(text, InlineKeyboardMarkup(buttons))


async def topic_toggled(update: Update, context: BotContext, press: ToggleTopic) -> str:
    """A topic pressed: chosen, or chosen no more."""
    chosen: list[int] = _data(context)["topics"]
    if press.topic in chosen:
        chosen.remove(press.topic)
    else:
        chosen.append(press.topic)
    await _topics_question(context, edit=True)
    return TOPICS


async def topics_done(update: Update, context: BotContext, press: TopicsDone) -> str:
    """Next: at least one topic, then the time."""
    if not _data(context)["topics"]:
        context.ui.answer(context.tr._("Please choose at least one topic."), alert=True)
        return TOPICS
    context.ui.drop_buttons()
    await ask_when(update, context)
    return WHEN


# -- time and length ---------------------------------------------------------------------------


async def time_right(update: Update, context: BotContext, press: TimeRight) -> str:
    """✓ Right: the time stands; how long will it take?"""
    context.ui.drop_buttons()
    await ask_duration(update, context)
    return DURATION


async def ask_duration(update: Update, context: BotContext) -> None:
    tr, flow = context.tr, context.flow.id
    buttons = [inline(tr._("{minutes} min", minutes=m), Duration(flow, m)) for m in DURATIONS]
    context.ui.say(
        tr._("How long will it take? Press, or type the minutes."),
        InlineKeyboardMarkup(rows(buttons, 4)),
    )


async def _set_duration(update: Update, context: BotContext, minutes: int) -> str:
    _data(context)["duration"] = minutes
    await ask_format(update, context)
    return FORMAT


async def duration_pressed(update: Update, context: BotContext, press: Duration) -> str:
    """A length was pressed."""
    context.ui.drop_buttons()
    return await _set_duration(update, context, press.minutes)


async def duration_typed(update: Update, context: BotContext) -> str:
    """Minutes typed: 15 to 600."""
    text = context.text.strip()
    if not text.isdigit() or not 15 <= int(text) <= 600:
        context.ui.say(context.tr._("Please type the length in minutes, from 15 to 600."))
        return DURATION
    return await _set_duration(update, context, int(text))


# -- format, place, link -----------------------------------------------------------------------


async def ask_format(update: Update, context: BotContext) -> None:
    tr, flow = context.tr, context.flow.id
    buttons = [
        [inline(tr._(FORMAT_LABELS[f]), PickFormat(flow, f))]
        for f in ("onsite", "online", "hybrid")
    ]
    context.ui.say(tr._("On site, online, or both?"), InlineKeyboardMarkup(buttons))


async def format_chosen(update: Update, context: BotContext, press: PickFormat) -> str:
    """The format was pressed: where it takes place, or its link."""
    _data(context)["format"] = press.format
    context.ui.drop_buttons()
    if press.format == "online":
        await ask_link(update, context)
        return LINK
    await ask_place(update, context)
    return PLACE


async def ask_place(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._(
            "Where? Type the address (the deliberation room, or a village square). You can "
            "also send a location pin first, so invitees get it on a map."
        )
    )


async def place_pinned(update: Update, context: BotContext) -> str:
    """A location pin: its coordinates are kept; the address is still to be typed."""
    assert update.message is not None and update.message.location is not None
    location = update.message.location
    _data(context)["latitude"], _data(context)["longitude"] = (
        location.latitude,
        location.longitude,
    )
    context.ui.say(context.tr._("Location saved. Now type the address or the name of the place."))
    return PLACE


async def place_typed(update: Update, context: BotContext) -> str:
    """The address: then the link for a hybrid meeting, else the agenda."""
    text = context.text.strip()
    if len(text) > MAX_PLACE:
        context.ui.say(context.tr._("Please keep it under {limit} characters.", limit=MAX_PLACE))
        return PLACE
    _data(context)["place"] = text
    if _data(context).get("format") == "hybrid":
        await ask_link(update, context)
        return LINK
    await ask_agenda(update, context)
    return AGENDA


async def ask_link(update: Update, context: BotContext) -> None:
    context.ui.say(context.tr._("Type the link to join online (https://…)."))


async def link_typed(update: Update, context: BotContext) -> str:
    """The online link: it must be a web address."""
    text = context.text.strip()
    if not text.startswith(("https://", "http://")) or len(text) > MAX_LINK or " " in text:
        context.ui.say(
            context.tr._("That is not a web link. Please type one that starts with https://.")
        )
        return LINK
    _data(context)["link"] = text
    await ask_agenda(update, context)
    return AGENDA


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
    """Skip: the agenda, the seat limit or the note stays empty."""
    context.ui.drop_buttons()
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
    context.ui.drop_buttons()
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


async def create(update: Update, context: BotContext, press: Create) -> str:
    """✅ Create: the meeting is stored, invitations go out, reminders are scheduled."""
    draft = draft_of(context)
    try:
        view = await meetings.create_meeting(
            context.uow,
            township_id=context.township,
            draft=draft,
            actor_id=context.me.id,
            now=context.now,
        )
    except MeetingRefused as error:
        await context.scope.abandon()
        context.ui.say(refusal(context.tr, error))
        if error.reason == "past":
            await ask_when(update, context)
            return WHEN
        return END
    invited = await context.uow.meetings.count(view.id)
    context.ui.edit(
        context.tr.n_(
            "Meeting {number} is set for {when}. {count} person was invited.",
            "Meeting {number} is set for {when}. {count} people were invited.",
            invited,
            number=view.number,
            when=when(context.tr, view.starts_at, view.zone),
        )
    )
    await show_card(context, view.id, edit=False, written=True)
    return END


def flow() -> Flow:
    # Every step re-checks the role: someone whose staff role was taken away mid-flow
    # cannot finish creating the meeting.
    staff = Act.CONVENE
    return Flow(
        name="meeting",
        title=N_("the new meeting"),
        timeout=timedelta(hours=24),
        entry=[button(NewMeeting, begin, staff)],
        states={
            TOPICS: [
                button(ToggleTopic, topic_toggled, staff),
                button(TopicsDone, topics_done, staff),
            ],
            **when_states(time_right, staff),
            DURATION: [
                button(Duration, duration_pressed, staff),
                message(TEXT, duration_typed, staff),
            ],
            FORMAT: [button(PickFormat, format_chosen, staff)],
            PLACE: [
                message(filters.LOCATION, place_pinned, staff),
                message(TEXT, place_typed, staff),
            ],
            LINK: [message(TEXT, link_typed, staff)],
            AGENDA: [button(Skip, skipped, staff), message(TEXT, agenda_typed, staff)],
            CAPACITY: [button(Skip, skipped, staff), message(TEXT, capacity_typed, staff)],
            NOTE: [button(Skip, skipped, staff), message(TEXT, note_typed, staff)],
            MEMBERS: [button(Members, members_chosen, staff)],
            CONFIRM: [button(Create, create, staff)],
        },
        prompts={
            TOPICS: ask_topics,
            WHEN: ask_when,
            WHEN_OK: ask_when,
            DURATION: ask_duration,
            FORMAT: ask_format,
            PLACE: ask_place,
            LINK: ask_link,
            AGENDA: ask_agenda,
            CAPACITY: ask_capacity,
            NOTE: ask_note,
            MEMBERS: ask_members,
            CONFIRM: ask_confirmation,
        },
        restart=True,
    )
