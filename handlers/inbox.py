"""Staff inbox: /inbox, its pages and filters; the button kinds of an issue's card and its
actions (the card is handlers/issue_card.py, the actions handlers/triage.py)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.i18n import Translator
from bot.services import inbox
from handlers.keyboards import inline, rows
from handlers.render import category_label
from handlers.toolkit import BotContext, Button, Route, button, command

PAGE_SIZE = 6


@dataclass(frozen=True)
class InboxPage(Button, prefix="sf.in"):
    page: int
    village: int  # 0: every village
    category: int  # 0: every category


@dataclass(frozen=True)
class FilterVillage(Button, prefix="sf.fv"):
    category: int


@dataclass(frozen=True)
class FilterCategory(Button, prefix="sf.fc"):
    village: int


@dataclass(frozen=True)
class OpenIssue(Button, prefix="sf.is"):
    issue: int


@dataclass(frozen=True)
class ViewIssue(Button, prefix="iv"):
    """An issue opened from a topic or by number: by staff, or by members (who see less)."""

    issue: int


@dataclass(frozen=True)
class BackToCard(Button, prefix="sf.bk"):
    """‹ Back: a picker or a question on the card gives way to the card again."""

    issue: int


# The card's actions (handled in handlers/triage.py); each irreversible one is asked first.
@dataclass(frozen=True)
class NewTopic(Button, prefix="sf.nt"):
    issue: int


@dataclass(frozen=True)
class CreateTopic(Button, prefix="sf.ntc"):
    issue: int


@dataclass(frozen=True)
class PickTopic(Button, prefix="sf.tp"):
    issue: int


@dataclass(frozen=True)
class IntoTopic(Button, prefix="sf.ta"):
    issue: int
    topic: int


@dataclass(frozen=True)
class IntoTopicConfirmed(Button, prefix="sf.tac"):
    issue: int
    topic: int


@dataclass(frozen=True)
class PickOriginal(Button, prefix="sf.dp"):
    issue: int


@dataclass(frozen=True)
class TypeOriginal(Button, prefix="sf.dt"):
    issue: int


@dataclass(frozen=True)
class DuplicateOf(Button, prefix="sf.dd"):
    issue: int
    original: int


@dataclass(frozen=True)
class DuplicateConfirmed(Button, prefix="sf.ddc"):
    issue: int
    original: int


@dataclass(frozen=True)
class AskResident(Button, prefix="sf.ask"):
    issue: int


@dataclass(frozen=True)
class PickReason(Button, prefix="sf.rj"):
    issue: int


@dataclass(frozen=True)
class RejectWith(Button, prefix="sf.rr"):
    issue: int
    reason: int  # index of a template reason (bot/domain/rejections.py, in order)


@dataclass(frozen=True)
class RejectConfirmed(Button, prefix="sf.rrc"):
    issue: int
    reason: int


@dataclass(frozen=True)
class OwnReason(Button, prefix="sf.rx"):
    issue: int


@dataclass(frozen=True)
class PickCategory(Button, prefix="sf.cc"):
    issue: int


@dataclass(frozen=True)
class PickVillage(Button, prefix="sf.cv"):
    issue: int


@dataclass(frozen=True)
class SetCategory(Button, prefix="sf.cs"):
    issue: int
    category: int


@dataclass(frozen=True)
class SetVillage(Button, prefix="sf.vs"):
    issue: int
    village: int


def media_summary(tr: Translator, voice: bool, photos: int) -> str:
    """What an issue holds besides text, in a few words ("" for text alone)."""
    parts = []
    if voice:
        parts.append(tr._("🎤 Voice message"))
    if photos:
        parts.append(tr.n_("📷 {count} photo", "📷 {count} photos", photos))
    return " ".join(parts)


def preview_label(tr: Translator, preview: str, voice: bool, photos: int) -> str:
    """An issue in a list: the start of its text, or what it holds when it has none."""
    return preview or media_summary(tr, voice, photos) or "—"


async def show_inbox(
    context: BotContext, page: int = 0, village: int = 0, category: int = 0, *, edit: bool = False
) -> None:
    tr = context.tr
    rows_, total = await inbox.page(
        context.reads,
        context.township,
        page=page,
        page_size=PAGE_SIZE,
        village_id=village or None,
        category_id=category or None,
    )
    zone = context.services.settings.zone
    buttons = [
        [
            inline(
                f"{row.number} · {tr.day(row.created_at, zone)} · "
                + preview_label(tr, row.preview, row.voice, row.photos),
                OpenIssue(row.id),
            )
        ]
        for row in rows_
    ]
    navigation = []
    if page > 0:
        navigation.append(inline(tr._("‹ Newer"), InboxPage(page - 1, village, category)))
    if (page + 1) * PAGE_SIZE < total:
        navigation.append(inline(tr._("Older ›"), InboxPage(page + 1, village, category)))
    if navigation:
        buttons.append(navigation)
    buttons.append(
        [
            inline(tr._("Filter by village"), FilterVillage(category)),
            inline(tr._("Filter by category"), FilterCategory(village)),
        ]
    )
    if village or category:
        buttons.append([inline(tr._("Show all"), InboxPage(0, 0, 0))])
    text = (
        tr._("Inbox: {total} issues waiting.", total=total)
        if total
        else tr._("The inbox is empty: nothing waits for triage.")
    )
    if edit:
        context.ui.edit(text, InlineKeyboardMarkup(buttons))
    else:
        context.ui.say(text, InlineKeyboardMarkup(buttons))


async def inbox_command(update: Update, context: BotContext) -> None:
    """/inbox: the first page of what waits for triage, newest first."""
    await show_inbox(context)


async def inbox_page(update: Update, context: BotContext, press: InboxPage) -> None:
    """A page or filter of the inbox: the list is rewritten in place."""
    await show_inbox(context, press.page, press.village, press.category, edit=True)


async def filter_village(update: Update, context: BotContext, press: FilterVillage) -> None:
    """Filter by village: the township's villages as buttons."""
    villages = await context.services.directory.villages(context.township)
    buttons = [inline(v.name, InboxPage(0, v.id, press.category)) for v in villages]
    back = [inline(context.tr._("‹ Back"), InboxPage(0, 0, press.category))]
    context.ui.edit(context.tr._("Which village?"), InlineKeyboardMarkup([*rows(buttons, 3), back]))


async def filter_category(update: Update, context: BotContext, press: FilterCategory) -> None:
    """Filter by category: the township's categories as buttons."""
    tr = context.tr
    categories = await context.services.directory.categories(context.township)
    buttons = [inline(category_label(tr, c), InboxPage(0, press.village, c.id)) for c in categories]
    back = [inline(tr._("‹ Back"), InboxPage(0, press.village, 0))]
    context.ui.edit(tr._("Which category?"), InlineKeyboardMarkup([*rows(buttons, 2), back]))


def routes() -> list[Route]:
    return [
        command("inbox", inbox_command, Act.TRIAGE),
        button(InboxPage, inbox_page, Act.TRIAGE),
        button(FilterVillage, filter_village, Act.TRIAGE),
        button(FilterCategory, filter_category, Act.TRIAGE),
    ]
