"""/mine for members and staff: the action items they own and the topics they follow,
overdue first, a page at a time; one press opens an item's card with its history, from
which progress is posted (handlers/progress_flow.py) or the item marked done. /record: the
person's participation record (委员履职记录) for this month, last month or this year."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.i18n import N_, Translator
from bot.services import participation, progress
from bot.services.participation import PERIODS
from handlers.deliberation_errors import day_text
from handlers.keyboards import inline
from handlers.progress_buttons import MarkDone, MinePage, OpenItem, PostProgress, RecordPeriod
from handlers.progress_errors import explained
from handlers.render import esc
from handlers.toolkit import BotContext, Route, button, command

PAGE_SIZE = 6
LAST_UPDATE_CHARS = 40
BUTTON_CHARS = 28
PERIOD_LABELS = {
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "this_year": N_("This year"),
}


def _cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _marker(item: progress.ItemSummary) -> str:
    if item.done:
        return "✅ "
    return "⚠️ " if item.overdue else ""


def _item_lines(tr: Translator, index: int, item: progress.ItemSummary) -> list[str]:
    lines = [
        f"{index}. {_marker(item)}<b>{esc(item.description)}</b>"
        + (tr._(" (yours)") if item.mine else ""),
        "    "
        + tr._(
            "{owner} · due {due} · {percent}%",
            owner=esc(item.owner),
            due=day_text(tr, item.due_on),
            percent=item.progress,
        ),
    ]
    if item.last_update is not None:
        update = item.last_update
        words = _cut(update.text, LAST_UPDATE_CHARS) if update.text else ""
        lines.append(
            "    "
            + tr._(
                "Last update {day}: {text}",
                day=day_text(tr, update.at.date()),
                text=f"“{esc(words)}”" if words else tr._("(photos or percentage only)"),
            )
        )
    return lines


async def show_mine(context: BotContext, page: int, *, edit: bool) -> None:
    tr = context.tr
    items = await progress.mine(context.reads, context.township, context.me.id, context.now)
    record = [inline(tr._("📋 My participation record"), RecordPeriod("this_month", False))]
    if not items:
        text = tr._(
            "No action items for you yet: the items you are in charge of, and those of the "
            "topics you follow, show here once a meeting's outcome is published."
        )
        markup = InlineKeyboardMarkup([record])
        context.ui.edit(text, markup) if edit else context.ui.say(text, markup)
        return
    pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    overdue = sum(1 for item in items if item.overdue)
    lines = [tr._("<b>Action items you are in charge of or follow</b>")]
    if overdue:
        lines.append(tr.n_("{count} is overdue.", "{count} are overdue.", overdue))
    if pages > 1:
        lines.append(tr._("Page {page} of {pages}", page=page + 1, pages=pages))
    keyboard: list[list[InlineKeyboardButton]] = []
    for index, item in enumerate(shown, page * PAGE_SIZE + 1):
        lines.append("")
        lines += _item_lines(tr, index, item)
        keyboard.append(
            [inline(f"{index}. {_cut(item.description, BUTTON_CHARS)}", OpenItem(item.id))]
        )
    paging = []
    if page > 0:
        paging.append(inline(tr._("‹ Previous"), MinePage(page - 1)))
    if page < pages - 1:
        paging.append(inline(tr._("Next ›"), MinePage(page + 1)))
    if paging:
        keyboard.append(paging)
    keyboard.append(record)
    text, markup = "\n".join(lines), InlineKeyboardMarkup(keyboard)
    if edit:
        context.ui.edit(text, markup)
    else:
        context.ui.say(text, markup)


async def mine_command(update: Update, context: BotContext) -> None:
    """/mine: the first page."""
    await show_mine(context, 0, edit=False)


async def mine_page(update: Update, context: BotContext, press: MinePage) -> None:
    """‹ Previous / Next ›: the list edited in place."""
    context.ui.answer()
    await show_mine(context, press.page, edit=True)


def card_text(tr: Translator, card: progress.ItemCard) -> str:
    item = card.item
    lines = [f"<b>{esc(item.description)}</b>"]
    if item.topic_number:
        lines.append(
            tr._(
                "Topic {number}: {title}",
                number=esc(item.topic_number),
                title=esc(item.topic_title),
            )
        )
    lines.append(
        tr._("In charge: {owner} · due {due}", owner=esc(item.owner), due=day_text(tr, item.due_on))
    )
    if item.done and item.done_at is not None:
        lines.append(tr._("✅ Done on {day}.", day=day_text(tr, item.done_at.date())))
    elif item.overdue:
        lines.append(tr._("⚠️ Overdue since {day}.", day=day_text(tr, item.due_on)))
    lines.append(tr._("Progress now: {percent}%", percent=item.progress))
    lines.append("")
    if not card.history:
        lines.append(tr._("No progress posted yet."))
    else:
        lines.append(tr.n_("<b>{count} update</b>", "<b>{count} updates</b>", card.updates))
        if card.updates > len(card.history):
            lines.append(tr._("(the latest {count})", count=len(card.history)))
        for update in card.history:
            who = (
                tr._("the liaison office for {owner}", owner=esc(item.owner))
                if update.on_behalf
                else esc(update.author)
            )
            line = f"{day_text(tr, update.at.date())} · {who}"
            if update.percent is not None:
                line += f" · {update.percent}%"
            if update.photos:
                line += " · " + tr.n_("{count} photo", "{count} photos", len(update.photos))
            if update.text:
                line += f"\n    “{esc(update.text)}”"
            lines.append(line)
    return "\n".join(lines)


def card_keyboard(tr: Translator, card: progress.ItemCard) -> InlineKeyboardMarkup:
    rows = []
    if card.may_post:
        rows.append(
            [
                inline(tr._("📝 Post progress"), PostProgress(card.item.id)),
                inline(tr._("✅ Mark done"), MarkDone(card.item.id, False)),
            ]
        )
    rows.append([inline(tr._("‹ My action items"), MinePage(0))])
    return InlineKeyboardMarkup(rows)


async def open_item(update: Update, context: BotContext, press: OpenItem) -> None:
    """An item's card: what, who, by when, how far, and its history."""
    card = await progress.item_card(
        context.reads, context.township, press.item, context.me.id, context.now
    )
    context.ui.answer()
    context.ui.say(card_text(context.tr, card), card_keyboard(context.tr, card))


@explained
async def mark_done(update: Update, context: BotContext, press: MarkDone) -> None:
    """✅ Mark done: asked once more (everyone following is told), then done at 100%."""
    tr = context.tr
    if not press.sure:
        item = await progress.check_poster(
            context.reads, context.township, press.item, context.me.id, context.now
        )
        context.ui.answer()
        context.ui.say(
            tr._(
                "Mark “{item}” as done? Everyone following its topic is told, and no more "
                "progress can be posted on it.",
                item=esc(item.description),
            ),
            InlineKeyboardMarkup(
                [[inline(tr._("✅ Yes, it is done"), MarkDone(press.item, True))]]
            ),
        )
        return
    posted = await progress.post_update(
        context.uow,
        township_id=context.township,
        item_id=press.item,
        actor_id=context.me.id,
        text="",
        photos=(),
        percent=None,
        done=True,
        now=context.now,
    )
    context.ui.answer()
    context.ui.drop_buttons()
    context.ui.say(done_text(tr, posted))


def done_text(tr: Translator, posted: progress.Posted) -> str:
    first = (
        tr._("“{item}” is marked done.", item=esc(posted.item.description))
        if posted.item.done
        else tr._("Progress on “{item}” is posted.", item=esc(posted.item.description))
    )
    told = tr.n_(
        "{count} person following the topic is told.",
        "{count} people following the topic are told.",
        posted.told,
    )
    return f"{first}\n{told}"


# -- the participation record ----------------------------------------------------------------


async def show_record(context: BotContext, period: participation.Period, *, edit: bool) -> None:
    tr = context.tr
    record, since, until = await participation.record_for(
        context.reads, context.township, context.me.id, period, context.now
    )
    lines = [
        tr._("<b>Participation record of {name}</b>", name=esc(record.name)),
        tr._(
            "{period}: {first} to {last}",
            period=tr._(PERIOD_LABELS[period]),
            first=day_text(tr, since.date()),
            last=day_text(tr, (until - timedelta(days=1)).date()),
        ),
        "",
        tr._("Meetings invited to: {count}", count=record.invited),
        tr._("Meetings attended (checked in): {count}", count=record.attended),
        tr._("Opinions given: {count}", count=record.opinions),
        tr._("Progress updates posted: {count}", count=record.updates),
        tr._("Action items closed on time: {count}", count=record.closed_on_time),
        tr._("Action items closed late: {count}", count=record.closed_late),
    ]
    buttons = [
        inline(
            ("· " if name == period else "") + tr._(PERIOD_LABELS[name]), RecordPeriod(name, True)
        )
        for name in PERIODS
    ]
    markup = InlineKeyboardMarkup([buttons])
    if edit:
        context.ui.edit("\n".join(lines), markup)
    else:
        context.ui.say("\n".join(lines), markup)


async def record_command(update: Update, context: BotContext) -> None:
    """/record: this month's participation record, with the other periods as buttons."""
    await show_record(context, "this_month", edit=False)


async def record_period(update: Update, context: BotContext, press: RecordPeriod) -> None:
    """A period pressed: the record edited in place, or (from /mine) a new message."""
    context.ui.answer()
    await show_record(context, press.period, edit=press.edit)


def routes() -> list[Route]:
    act = Act.FOLLOW_UP
    return [
        command("mine", mine_command, act),
        command("record", record_command, act),
        button(MinePage, mine_page, act),
        button(OpenItem, open_item, act),
        button(MarkDone, mark_done, act),
        button(RecordPeriod, record_period, act),
    ]
