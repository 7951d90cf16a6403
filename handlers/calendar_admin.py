"""/holiday for admins: the days that break the weekday rule where the built-in calendar has
no data (years after its last release), or where it needs a correction.

    /holiday                      the days entered, and which years the bot knows itself
    /holiday 2027-01-01 休 元旦    a public holiday
    /holiday 2027-02-07 班 调休    a weekend worked
    /holiday 2027-02-07 删除       forget the entry
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update

from bot.domain.due_dates import parse_due_date
from bot.domain.permissions import Act
from bot.services import workdays
from bot.services.outcomes import local_today
from handlers.deliberation_errors import day_text
from handlers.render import esc
from handlers.toolkit import BotContext, Route, command

OFF_WORDS = frozenset({"休", "假", "放假", "节假日", "節假日", "off", "holiday"})
WORK_WORDS = frozenset({"班", "上班", "调休", "調休", "work", "working"})
CLEAR_WORDS = frozenset({"删除", "刪除", "默认", "默認", "clear", "delete"})
# How far ahead /holiday lists the days entered.
LISTED_DAYS = 500


async def holiday_command(update: Update, context: BotContext) -> None:
    """/holiday [date 休|班|删除 [note]]: list or change the days that break the weekday rule."""
    tr = context.tr
    args = context.args or []
    today = await local_today(context.reads, context.township, context.now)
    if not args:
        await _list(context, today)
        return
    day = parse_due_date(args[0], today) if args else None
    word = args[1].lower() if len(args) > 1 else ""
    if day is None or word not in OFF_WORDS | WORK_WORDS | CLEAR_WORDS:
        context.ui.say(_usage(context))
        return
    note = " ".join(args[2:])
    if word in CLEAR_WORDS:
        removed = await workdays.unset_day(
            context.uow, day=day, actor_id=context.me.id, now=context.now
        )
        context.ui.say(
            tr._("{day}: back to the usual rule.", day=day_text(tr, day))
            if removed
            else tr._("{day} had no entry.", day=day_text(tr, day))
        )
        return
    working = word in WORK_WORDS
    await workdays.set_day(
        context.uow, day=day, working=working, note=note, actor_id=context.me.id, now=context.now
    )
    context.ui.say(
        tr._("{day} is now a working day.", day=day_text(tr, day))
        if working
        else tr._("{day} is now a day off.", day=day_text(tr, day))
    )


def _usage(context: BotContext) -> str:
    return context.tr._(
        "Usage: /holiday 2027-01-01 休 [note] for a public holiday, /holiday 2027-02-07 班 "
        "[note] for a weekend worked (调休), /holiday 2027-02-07 删除 to forget an entry."
    )


async def _list(context: BotContext, today: date) -> None:
    tr = context.tr
    known = [
        year
        for year in range(today.year, today.year + 3)
        if workdays.package_knows(date(year, 6, 1))
    ]
    unknown = [year for year in range(today.year, today.year + 3) if year not in known]
    lines = []
    if unknown:
        lines.append(
            tr._(
                "The bot has no official holiday schedule for {years}: there, working days are "
                "Monday to Friday plus the days entered here.",
                years=tr._("、").join(str(year) for year in unknown),
            )
        )
    else:
        lines.append(
            tr._("The bot knows the official holiday schedule up to {year}.", year=known[-1])
        )
    entered = await workdays.entered_days(context.reads, today, today + timedelta(days=LISTED_DAYS))
    if entered:
        lines.append(tr._("Days entered:"))
        for day, working in sorted(entered.items()):
            lines.append(
                f"{day_text(tr, day)} — " + (tr._("working day") if working else tr._("day off"))
            )
    else:
        lines.append(tr._("No days entered."))
    lines.append("")
    lines.append(_usage(context))
    context.ui.say(esc("\n".join(lines)))


def routes() -> list[Route]:
    return [command("holiday", holiday_command, Act.MANAGE_CALENDAR)]
