"""Files of figures in chat: /export (a workbook, CSV files or JSON of a period) and /report
(the monthly 社情民意 report, .docx).

Both take a while on a large township, so the bot says "Preparing… 0%" at once, edits that
one message as the work goes on, then sends the file. The work starts once that message is
sent (after the update's commit) and only reads.

    /export                               this month, last month or this year, as buttons
    /export 2026-01-01 2026-06-30 [csv]   any range of days; xlsx (default), csv or json
    /report [2026-10]                     last month's report, or that of the month given
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.domain.permissions import Act
from bot.i18n import Translator
from bot.services import export_files, exports, monthly_report, stats
from bot.services.stats import Period, PeriodKind
from handlers.figure_periods import (
    PERIOD_LABELS,
    day_number,
    month_label,
    period_of_numbers,
    period_text,
    range_problem,
)
from handlers.keyboards import inline
from handlers.report_docx import report_docx
from handlers.toolkit import BotContext, Button, Route, button, command

log = logging.getLogger(__name__)
Format = Literal["xlsx", "csv", "json"]
FORMAT_LABELS: tuple[tuple[Format, str], ...] = (
    ("xlsx", "Excel"),
    ("csv", "CSV"),
    ("json", "JSON"),
)
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True)
class ExportFile(Button, prefix="st.x"):
    """The export of a period; days as numbers like 20261130."""

    first: int
    last: int
    format: Literal["xlsx", "csv", "json"]


@dataclass(frozen=True)
class ReportFile(Button, prefix="st.r"):
    """The 社情民意 report of a month."""

    year: int
    month: int


class InPlace:
    """One message that tells how far the work is, edited in place."""

    def __init__(self, message: Message, heading: str) -> None:
        self.message, self.heading, self.shown = message, heading, 0

    async def show(self, text: str) -> None:
        try:
            await self.message.edit_text(text, parse_mode=ParseMode.HTML)
        except BadRequest as exc:
            # The same text again (a repeated percentage) is not an error worth a word.
            if "not modified" not in str(exc).lower():
                log.info("could not edit the progress message: %s", exc)
        except TelegramError as exc:
            log.info("could not edit the progress message: %s", exc)

    async def percent(self, share: int) -> None:
        if share != self.shown:
            self.shown = share
            await self.show(f"{self.heading} {share}%")


Work = Callable[[InPlace], Awaitable[tuple[bytes, str, str]]]


def _working(tr: Translator, heading: str, work: Work) -> Callable[[Message], Awaitable[None]]:
    """Once the "… 0%" message is sent: do the work, then send its file."""

    async def on_sent(sent: Message) -> None:
        progress = InPlace(sent, heading)
        try:
            content, filename, caption = await work(progress)
        except Exception:
            log.exception("a file of figures could not be made")
            await progress.show(tr._("Sorry, the file could not be made. Please try again."))
            return
        await progress.percent(100)
        await sent.get_bot().send_document(
            sent.chat_id, content, filename=filename, caption=caption, parse_mode=ParseMode.HTML
        )

    return on_sent


def start_export(context: BotContext, period: Period, fmt: Format) -> None:
    tr, services, township = context.tr, context.services, context.township
    heading = tr._("Preparing the export of {period}…", period=period_text(tr, period))

    async def work(progress: InPlace) -> tuple[bytes, str, str]:
        async with services.bulk_uow() as uow:
            # The sheets are most of the work; writing the file is the last tenth.
            async def sheets_done(share: int) -> None:
                await progress.percent(share * 9 // 10)

            export = await exports.collect(uow, township, period, sheets_done)
        content = await asyncio.to_thread(export_files.write, tr, export, fmt)
        caption = tr._("Figures of {period}", period=period_text(tr, period))
        return content, export_files.filename(tr, export, fmt), caption

    context.ui.say(f"{heading} 0%", on_sent=_working(tr, heading, work))


async def export_command(update: Update, context: BotContext) -> None:
    """/export [first last [xlsx|csv|json]]: the period's sheets as a file."""
    tr = context.tr
    args = list(context.args or [])
    if not args:
        buttons = []
        township = await stats.township_of(context.reads, context.township)
        today = stats.local_today(township, context.now)
        for kind in (PeriodKind.THIS_MONTH, PeriodKind.LAST_MONTH, PeriodKind.THIS_YEAR):
            period = stats.period_of(kind, today)
            first, last = day_number(period.first), day_number(period.last)
            buttons.append(
                [
                    inline(f"{tr._(PERIOD_LABELS[kind])} · {label}", ExportFile(first, last, fmt))
                    for fmt, label in FORMAT_LABELS
                ]
            )
        context.ui.say(
            tr._(
                "Export the figures: issues, topics, meetings, attendance, action items, "
                "progress updates, ratings and members' participation. For other dates: "
                "/export 2026-01-01 2026-06-30 (add csv or json for those formats)."
            ),
            InlineKeyboardMarkup(buttons),
        )
        return
    fmt: Format = "xlsx"
    if args[-1].lower() in export_files.FORMATS:
        fmt = args.pop().lower()  # type: ignore[assignment]
    township = await stats.township_of(context.reads, context.township)
    days = stats.parse_range(" ".join(args), stats.local_today(township, context.now))
    if days is None:
        context.ui.say(
            tr._(
                "Please give the first and the last day, like /export 2026-11-01 2026-11-30 "
                "(add csv or json for those formats)."
            )
        )
        return
    problem = range_problem(tr, *days)
    if problem is not None:
        context.ui.say(problem)
        return
    start_export(context, stats.custom_period(*days), fmt)


async def export_pressed(update: Update, context: BotContext, press: ExportFile) -> None:
    period = period_of_numbers(press.first, press.last)
    if period is None:
        context.ui.answer(context.tr._("This button is no longer valid."), alert=True)
        return
    context.ui.answer()
    start_export(context, period, press.format)


# -- the monthly report ----------------------------------------------------------------------


def start_report(context: BotContext, month: date) -> None:
    tr, services, township = context.tr, context.services, context.township
    label = month_label(tr, month.year, month.month)
    heading = tr._("Preparing the report for {month}…", month=label)

    async def work(progress: InPlace) -> tuple[bytes, str, str]:
        async with services.bulk_uow() as uow:

            async def step(share: int) -> None:
                await progress.percent(share * 9 // 10)

            report = await monthly_report.gather(uow, township, month, context.now, step)
        content = await asyncio.to_thread(report_docx, tr, report)
        name = tr._("report-{month}.docx", month=f"{month:%Y-%m}")
        caption = tr._("Report on public opinion (社情民意) for {month}", month=label)
        return content, name, caption

    context.ui.say(f"{heading} 0%", on_sent=_working(tr, heading, work))


async def report_command(update: Update, context: BotContext) -> None:
    """/report [YYYY-MM]: the monthly report, last month's by default."""
    tr = context.tr
    typed = " ".join(context.args or [])
    township = await stats.township_of(context.reads, context.township)
    today = stats.local_today(township, context.now)
    if not typed:
        month = stats.period_of(PeriodKind.LAST_MONTH, today).first
    else:
        match = _MONTH.match(typed)
        month_number = int(match[2]) if match else 0
        if match is None or not 1 <= month_number <= 12:
            context.ui.say(tr._("Please give the month like /report 2026-10."))
            return
        month = date(int(match[1]), month_number, 1)
        if month > today:
            context.ui.say(tr._("That month has not begun yet."))
            return
    start_report(context, month)


async def report_pressed(update: Update, context: BotContext, press: ReportFile) -> None:
    if not (2000 <= press.year <= 2100 and 1 <= press.month <= 12):
        context.ui.answer(context.tr._("This button is no longer valid."), alert=True)
        return
    context.ui.answer()
    start_report(context, date(press.year, press.month, 1))


def routes() -> list[Route]:
    return [
        command("export", export_command, Act.READ_FIGURES),
        button(ExportFile, export_pressed, Act.READ_FIGURES),
        command("report", report_command, Act.READ_FIGURES),
        button(ReportFile, report_pressed, Act.READ_FIGURES),
    ]
