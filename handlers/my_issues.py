"""/my: the resident's own issues, newest first, and each one's detail and history."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.services import issues
from handlers.keyboards import MENU_MY, inline, labels_in_every_locale
from handlers.render import issue_detail, issue_line
from handlers.toolkit import BotContext, Button, Route, button, command, message

PAGE_SIZE = 8


@dataclass(frozen=True)
class MyPage(Button, prefix="my.pg"):
    page: int


@dataclass(frozen=True)
class MyIssue(Button, prefix="my.is"):
    issue: int


async def _show_page(context: BotContext, page: int, *, edit: bool) -> None:
    tr = context.tr
    rows, total = await issues.my_issues(
        context.reads, context.me.id, page=page, page_size=PAGE_SIZE
    )
    if total == 0:
        context.ui.say(tr._("You have not raised any matter yet. Use /new to start."))
        return
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if page >= pages:
        # A button from when there were more issues (or forged): show the last page.
        page = pages - 1
        rows, total = await issues.my_issues(
            context.reads, context.me.id, page=page, page_size=PAGE_SIZE
        )
    zone = context.services.settings.zone
    buttons = [[inline(issue_line(tr, row, zone), MyIssue(row.id))] for row in rows]
    navigation = []
    if page > 0:
        navigation.append(inline(tr._("‹ Newer"), MyPage(page - 1)))
    if page + 1 < pages:
        navigation.append(inline(tr._("Older ›"), MyPage(page + 1)))
    if navigation:
        buttons.append(navigation)
    text = tr._(
        "Your issues ({total}), page {page} of {pages}:", total=total, page=page + 1, pages=pages
    )
    if edit:
        context.ui.edit(text, InlineKeyboardMarkup(buttons))
    else:
        context.ui.say(text, InlineKeyboardMarkup(buttons))


async def my_command(update: Update, context: BotContext) -> None:
    """/my or the "my issues" button: the first page of one's issues."""
    await _show_page(context, 0, edit=False)


async def page_pressed(update: Update, context: BotContext, press: MyPage) -> None:
    """‹ Newer / Older ›: the list turns its page in place."""
    await _show_page(context, press.page, edit=True)


async def issue_pressed(update: Update, context: BotContext, press: MyIssue) -> None:
    """One issue of the list: its detail and history (only one's own)."""
    detail = await issues.issue_detail(context.reads, press.issue, context.me.id)
    context.ui.say(issue_detail(context.tr, detail))


def routes() -> list[Route]:
    return [
        command("my", my_command),
        message(filters.Text(labels_in_every_locale(MENU_MY)), my_command),
        button(MyPage, page_pressed),
        button(MyIssue, issue_pressed),
    ]
