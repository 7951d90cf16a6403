"""/stats for staff: the township's figures for a period, with buttons for the period (this
month, last month, this year, other dates), the chart and the workbook.

    /stats                          this month
    /stats 2026-01-01 2026-06-30    any range of days (also 1月1日 至 6月30日)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.categories import DEFAULT_CATEGORIES
from bot.domain.permissions import Act
from bot.i18n import N_, Translator
from bot.services import stats, stats_chart
from bot.services.stats import Figures, Period, PeriodKind
from handlers.figure_files import ExportFile
from handlers.figure_periods import (
    PERIOD_LABELS,
    day_number,
    period_of_numbers,
    period_text,
    range_problem,
)
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import END, BotContext, Button, Flow, Route, button, command, message

AWAIT_RANGE = "await_range"
TEXT = filters.TEXT & ~filters.COMMAND


@dataclass(frozen=True)
class StatsPeriod(Button, prefix="st.p"):
    kind: Literal["tm", "lm", "ty"]


@dataclass(frozen=True)
class StatsOtherDates(Button, prefix="st.o"):
    pass


@dataclass(frozen=True)
class StatsChart(Button, prefix="st.c"):
    """The chart of a period; days as numbers like 20261130."""

    first: int
    last: int


def _hours(tr: Translator, hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 1:
        # "0.0 hours" reads as no time at all: under an hour is told in minutes.
        return tr.n_("{count} minute", "{count} minutes", max(1, round(hours * 60)))
    return tr._("{hours} hours", hours=f"{hours:.1f}")


def _overall(tr: Translator, figures: Figures, response_days: int) -> list[str]:
    f = figures
    return [
        tr._("Issues received: {count}", count=f.received),
        tr.n_(
            "Response rate (answered within {count} day): {rate} ({part} of {whole})",
            "Response rate (answered within {count} days): {rate} ({part} of {whole})",
            response_days,
            rate=f.response.percent(),
            part=f.response.part,
            whole=f.response.whole,
        ),
        tr._("Median time to first answer: {time}", time=_hours(tr, f.median_response_hours)),
        tr._(
            "Selection rate (issues that reached a selected topic): {rate} ({part} of {whole})",
            rate=f.selection.percent(),
            part=f.selection.part,
            whole=f.selection.whole,
        ),
        tr._(
            "Resolution rate (topics resolved of those selected): {rate} ({part} of {whole})",
            rate=f.resolution.percent(),
            part=f.resolution.part,
            whole=f.resolution.whole,
        ),
        tr.n_(
            "Satisfaction rate: {rate} ({part} of {count} rating satisfied or basically satisfied)",
            "Satisfaction rate: {rate} ({part} of {count} ratings satisfied or basically "
            "satisfied)",
            f.satisfaction.whole,
            rate=f.satisfaction.percent(),
            part=f.satisfaction.part,
        )
        if f.satisfaction.whole
        else tr._("Satisfaction rate: no ratings yet"),
        tr._(
            "Action items still open: {open}, of which overdue: {overdue}",
            open=f.items_open,
            overdue=f.items_overdue,
        ),
        tr._(
            "Looking back, still solved: {rate} ({part} of {whole} answers)",
            rate=f.still_solved.percent(),
            part=f.still_solved.part,
            whole=f.still_solved.whole,
        )
        if f.still_solved.whole
        else tr._("Looking back, still solved: no answers yet"),
    ]


def group_name(tr: Translator, figures: Figures) -> str:
    """A village as named; a default category in the reader's language."""
    default = DEFAULT_CATEGORIES.get(figures.key or "")
    return tr._(default[0]) if default else esc(figures.name or "")


def _group_line(tr: Translator, figures: Figures) -> str:
    return tr.n_(
        "• {name}: {count} issue · response {response} · resolution {resolution} · "
        "satisfaction {satisfaction}",
        "• {name}: {count} issues · response {response} · resolution {resolution} · "
        "satisfaction {satisfaction}",
        figures.received,
        name=group_name(tr, figures),
        response=figures.response.percent(),
        resolution=figures.resolution.percent(),
        satisfaction=figures.satisfaction.percent(),
    )


def render_report(tr: Translator, report: stats.Report) -> str:
    lines = [
        tr._(
            "<b>Figures of {township}, {period}</b>",
            township=esc(report.township),
            period=period_text(tr, report.period),
        )
    ]
    if report.empty:
        lines.append(tr._("Nothing in this period: no issues, topics, ratings or action items."))
        return "\n".join(lines)
    lines += _overall(tr, report.overall, report.response_days)
    for title, groups in (
        (tr._("<b>By village or community</b>"), report.by_village),
        (tr._("<b>By category</b>"), report.by_category),
    ):
        if groups:
            lines += ["", title, *(_group_line(tr, g) for g in groups)]
    return "\n".join(lines)


def _keyboard(
    tr: Translator, period: Period, chosen: PeriodKind | None, empty: bool
) -> InlineKeyboardMarkup:
    def mark(kind: PeriodKind) -> str:
        return ("✓ " if kind is chosen else "") + tr._(PERIOD_LABELS[kind])

    rows = [
        [inline(mark(kind), StatsPeriod(kind.value)) for kind in PERIOD_LABELS],  # type: ignore[arg-type]
        [inline(tr._("📅 Other dates…"), StatsOtherDates())],
    ]
    if not empty:
        first, last = day_number(period.first), day_number(period.last)
        rows.append(
            [
                inline(tr._("📊 Chart"), StatsChart(first, last)),
                inline(tr._("📥 Workbook (.xlsx)"), ExportFile(first, last, "xlsx")),
            ]
        )
    return InlineKeyboardMarkup(rows)


async def _show(
    context: BotContext, period: Period, chosen: PeriodKind | None, *, edit: bool
) -> None:
    # A year of a large township is counted off the event loop (SQLite: a worker thread).
    async with context.services.bulk_uow() as uow:
        report = await stats.figures(uow, context.township, period, context.now)
    text = render_report(context.tr, report)
    markup = _keyboard(context.tr, period, chosen, report.empty)
    if edit:
        context.ui.edit(text, markup)
    else:
        context.ui.say(text, markup)


async def _today(context: BotContext) -> date:
    township = await stats.township_of(context.reads, context.township)
    return stats.local_today(township, context.now)


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats [first last]: this month's figures, or those of the days given."""
    today = await _today(context)
    typed = " ".join(context.args or [])
    if not typed:
        kind = PeriodKind.THIS_MONTH
        await _show(context, stats.period_of(kind, today), kind, edit=False)
        return
    period = await _typed_period(context, typed, today)
    if period is not None:
        await _show(context, period, None, edit=False)


async def _typed_period(context: BotContext, typed: str, today: date) -> Period | None:
    """The range typed, or None after saying what is wrong with it."""
    days = stats.parse_range(typed, today)
    if days is None:
        context.ui.say(
            context.tr._(
                "Please give the first and the last day, like 2026-11-01 2026-11-30 or "
                "11月1日 至 11月30日."
            )
        )
        return None
    problem = range_problem(context.tr, *days)
    if problem is not None:
        context.ui.say(problem)
        return None
    return stats.custom_period(*days)


async def period_pressed(update: Update, context: BotContext, press: StatsPeriod) -> None:
    kind = PeriodKind(press.kind)
    await _show(context, stats.period_of(kind, await _today(context)), kind, edit=True)


async def chart_pressed(update: Update, context: BotContext, press: StatsChart) -> None:
    """The chart: the months up to the period's end (a year at most before it) and the
    period's rates by village."""
    tr = context.tr
    period = period_of_numbers(press.first, press.last)
    if period is None:
        context.ui.answer(tr._("This button is no longer valid."), alert=True)
        return
    year_before = (period.last.replace(day=1) - timedelta(days=335)).replace(day=1)
    months = Period(min(period.first.replace(day=1), year_before), period.last)
    async with context.services.bulk_uow() as uow:
        report = await stats.figures(uow, context.township, period, context.now)
        monthly = await stats.monthly(uow, context.township, months)
    context.ui.answer()
    context.ui.picture(
        stats_chart.render(tr, report, monthly),
        tr._("Figures of {period}", period=period_text(tr, period)),
    )


async def other_dates(update: Update, context: BotContext, press: StatsOtherDates) -> str:
    context.ui.say(
        context.tr._(
            "Type the first and the last day, like 2026-11-01 2026-11-30 or 11月1日 至 11月30日 "
            "(or /cancel)."
        )
    )
    return AWAIT_RANGE


async def range_typed(update: Update, context: BotContext) -> str | None:
    """The range: its figures; a range that cannot be read or ends before it starts is
    said so, and the bot waits for another."""
    period = await _typed_period(context, context.text, await _today(context))
    if period is None:
        return None
    await _show(context, period, None, edit=False)
    return END


async def _ask_again(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._("Type the first and the last day, like 2026-11-01 2026-11-30 (or /cancel).")
    )


def range_flow() -> Flow:
    return Flow(
        name="stats_range",
        title=N_("the dates of the figures"),
        timeout=timedelta(hours=1),
        entry=[button(StatsOtherDates, other_dates, Act.READ_FIGURES)],
        states={AWAIT_RANGE: [message(TEXT, range_typed, Act.READ_FIGURES)]},
        prompts={AWAIT_RANGE: _ask_again},
        restart=True,
    )


def routes() -> list[Route]:
    return [
        command("stats", stats_command, Act.READ_FIGURES),
        button(StatsPeriod, period_pressed, Act.READ_FIGURES),
        button(StatsChart, chart_pressed, Act.READ_FIGURES),
    ]
