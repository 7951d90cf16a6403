"""Creating a meeting (staff): topics → time → length → format → place / link → agenda →
seats → note to invitees → members → summary → create (the steps from the agenda on are in
handlers/meeting_details.py).

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
from bot.services.meeting_views import MeetingRefused
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
from handlers.meeting_details import (
    AGENDA,
    CAPACITY,
    CONFIRM,
    MEMBERS,
    NOTE,
    agenda_typed,
    ask_agenda,
    ask_capacity,
    ask_confirmation,
    ask_members,
    ask_note,
    capacity_typed,
    draft_of,
    members_chosen,
    note_typed,
    skipped,
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
DURATIONS = (60, 90, 120, 180)
MAX_PLACE, MAX_LINK = 200, 500


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
    # The question becomes its answer, as every step below: the chat reads as a record.
    topics = set(_data(context)["topics"])
    selected = await meetings.selected_topics(context.reads, int(_data(context)["township"]))
    chosen = [f"{number} {cut(title, 40)}" for i, number, title in selected if i in topics]
    context.ui.edit(context.tr._("Topics: {topics}", topics=context.tr._("、").join(chosen)))
    await ask_when(update, context)
    return WHEN


# -- time and length ---------------------------------------------------------------------------


async def time_right(update: Update, context: BotContext, press: TimeRight) -> str:
    """✓ Right: the time stands; how long will it take?"""
    zone = await township_zone(context)
    context.ui.edit(
        context.tr._("Time: {when}", when=when(context.tr, starts_at_of(context), zone))
    )
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
    context.ui.edit(context.tr._("Length: about {minutes} minutes", minutes=press.minutes))
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
    context.ui.edit(
        context.tr._("Format: {format}", format=context.tr._(FORMAT_LABELS[press.format]))
    )
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
