"""Asking for a meeting's time, shared by the creation and the reschedule flows.

Staff type the time the way they write it ("12月5日晚上7点") or pick a day and then an hour
with buttons. Either way the bot says back what it understood, as a full date with its
weekday, and waits for "right" before going on; a phrase it cannot read, or a time in the
past, is explained with an example and asked again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.permissions import Act
from bot.services import meeting_time
from bot.services.meeting_time import TimeNotUnderstood
from handlers.keyboards import inline, rows
from handlers.meeting_buttons import Day, Hour, PickDay, TimeAgain, TimeRight
from handlers.meeting_render import time_problem, when
from handlers.toolkit import BotContext, Route, button, message
from handlers.toolkit.routes import PressCallback

WHEN = "when"
WHEN_OK = "when_ok"
TEXT = filters.TEXT & ~filters.COMMAND
PICKER_DAYS = 14
PICKER_HOURS = range(8, 22)


async def township_zone(context: BotContext) -> ZoneInfo:
    """Times are read and shown in the township's own zone (set per township)."""
    # Prompts run outside the permission check, so the flow keeps the township it began in.
    township_id = context.flow.data.get("township") or context.township
    township = await context.services.directory.township(int(township_id))
    return ZoneInfo(township.timezone)


async def ask_when(update: Update, context: BotContext) -> None:
    """The question, with the day picker as the other way to answer."""
    tr = context.tr
    context.ui.say(
        tr._(
            "When does the meeting start? Type the date and time, for example "
            "12月5日晚上7点 or 下周三下午三点, or pick a day."
        ),
        InlineKeyboardMarkup([[inline(tr._("📅 Pick a day"), PickDay(context.flow.id))]]),
    )


def _understood(context: BotContext, starts_at: datetime, duration: int | None) -> str:
    context.flow.data["starts_at"] = starts_at.isoformat()
    if duration is not None:
        context.flow.data["duration"] = duration
    return WHEN_OK


async def _echo(context: BotContext, starts_at: datetime, *, edit: bool) -> None:
    tr, flow = context.tr, context.flow.id
    text = tr._(
        "I understood: <b>{when}</b>. Is that right?",
        when=when(tr, starts_at, await township_zone(context)),
    )
    markup = InlineKeyboardMarkup(
        [
            [
                inline(tr._("✓ Right"), TimeRight(flow)),
                inline(tr._("✎ Type it again"), TimeAgain(flow)),
            ]
        ]
    )
    if edit:
        context.ui.edit(text, markup)
    else:
        context.ui.say(text, markup)


async def when_typed(update: Update, context: BotContext) -> str | None:
    """A typed time: read in the township's zone and said back, or explained and asked again."""
    zone = await township_zone(context)
    try:
        found = await meeting_time.parse(context.text, now=context.now, zone=zone)
    except TimeNotUnderstood as error:
        context.ui.say(time_problem(context.tr, error, zone))
        return WHEN
    await _echo(context, found.starts_at, edit=False)
    return _understood(context, found.starts_at, found.duration_minutes)


async def pick_day(update: Update, context: BotContext, press: PickDay) -> str:
    """📅 Pick a day: the next two weeks as buttons (with their weekdays)."""
    tr, zone = context.tr, await township_zone(context)
    today = context.now.astimezone(zone)
    buttons = []
    for offset in range(PICKER_DAYS):
        day = today + timedelta(days=offset)
        # "2026年12月5日 星期六" / "Saturday 5 December 2026": the date style without the hour.
        label = " ".join(tr.when_with_weekday(day, zone).split()[:-1]).rstrip(",")
        key = day.year * 10000 + day.month * 100 + day.day
        buttons.append(inline(label, Day(press.flow, key)))
    context.ui.edit(tr._("Which day?"), InlineKeyboardMarkup(rows(buttons, 2)))
    return WHEN


async def day_chosen(update: Update, context: BotContext, press: Day) -> str:
    """A day was picked: the hours of that day as buttons."""
    buttons = [inline(f"{hour}:00", Hour(press.flow, press.day, hour)) for hour in PICKER_HOURS]
    context.ui.edit(
        context.tr._("At what time? (For minutes, type the time instead.)"),
        InlineKeyboardMarkup(rows(buttons, 4)),
    )
    return WHEN


async def hour_chosen(update: Update, context: BotContext, press: Hour) -> str:
    """An hour was picked: said back for confirmation (or refused if already past)."""
    zone = await township_zone(context)
    try:
        starts_at = meeting_time.from_picker(press.day, press.hour, 0, now=context.now, zone=zone)
    except TimeNotUnderstood as error:
        context.ui.say(time_problem(context.tr, error, zone))
        await ask_when(update, context)
        return WHEN
    await _echo(context, starts_at, edit=True)
    return _understood(context, starts_at, None)


async def time_again(update: Update, context: BotContext, press: TimeAgain) -> str:
    """✎ Type it again: the question once more."""
    context.ui.drop_buttons()
    context.flow.data.pop("starts_at", None)
    await ask_when(update, context)
    return WHEN


def when_states(time_right: PressCallback[TimeRight], act: Act) -> dict[str, list[Route]]:
    """The two states of asking for a time; `time_right` goes on once it is confirmed.

    A new time typed while the bot waits for "right" is read afresh.
    """
    asking = [
        message(TEXT, when_typed, act),
        button(PickDay, pick_day, act),
        button(Day, day_chosen, act),
        button(Hour, hour_chosen, act),
    ]
    return {
        WHEN: asking,
        WHEN_OK: [button(TimeRight, time_right, act), button(TimeAgain, time_again, act), *asking],
    }


def starts_at_of(context: BotContext) -> datetime:
    return datetime.fromisoformat(str(context.flow.data["starts_at"]))
