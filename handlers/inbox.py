"""Staff inbox: /inbox, its pages and filters, and one issue's card with its actions."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.services import inbox
from bot.services.inbox import StaffIssueCard
from bot.services.similar import Similar
from handlers.keyboards import inline, rows
from handlers.render import category_label, esc, similarity_label, status_label
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


# The card's actions (handled in handlers/py).
@dataclass(frozen=True)
class NewTopic(Button, prefix="sf.nt"):
    issue: int


@dataclass(frozen=True)
class PickTopic(Button, prefix="sf.tp"):
    issue: int


@dataclass(frozen=True)
class IntoTopic(Button, prefix="sf.ta"):
    issue: int
    topic: int


@dataclass(frozen=True)
class PickOriginal(Button, prefix="sf.dp"):
    issue: int


@dataclass(frozen=True)
class DuplicateOf(Button, prefix="sf.dd"):
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
    reason: int  # index of a template reason


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
                f"{row.number} · {tr.day(row.created_at, zone)} · {row.preview}", OpenIssue(row.id)
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
    context.ui.edit(context.tr._("Which village?"), InlineKeyboardMarkup(rows(buttons, 3)))


async def filter_category(update: Update, context: BotContext, press: FilterCategory) -> None:
    """Filter by category: the township's categories as buttons."""
    tr = context.tr
    categories = await context.services.directory.categories(context.township)
    buttons = [inline(category_label(tr, c), InboxPage(0, press.village, c.id)) for c in categories]
    context.ui.edit(tr._("Which category?"), InlineKeyboardMarkup(rows(buttons, 2)))


def card_text(
    context: BotContext,
    card: StaffIssueCard,
    similar: list[Similar],
    labels: dict[tuple[str, int], str],
) -> str:
    tr = context.tr
    zone = context.services.settings.zone
    place = card.village or card.place or "—"
    lines = [
        tr._("<b>Issue {number}</b>", number=card.number),
        tr._("Status: {status}", status=status_label(tr, card.status)),
        tr._("Category: {category}", category=category_label(tr, card.category)),
        tr._("Place: {place}", place=esc(place)),
        tr._("Raised: {when}", when=tr.when(card.created_at, zone)),
    ]
    if card.raiser is not None:
        raiser = esc(card.raiser)
        if card.anonymous:
            raiser += " " + tr._("(anonymous to members)")
        lines.append(tr._("Raised by: {name}", name=raiser))
    else:
        lines.append(tr._("Imported record {ref}", ref=esc(card.source_ref or "—")))
    if card.title:
        lines.append(tr._("Title: {title}", title=esc(card.title)))
    if card.text:
        lines.append(tr._("Description: {text}", text=esc(card.text)))
    if card.voice_file_id:
        lines.append(tr._("Voice message attached"))
    if card.photo_file_ids:
        lines.append(tr.n_("{count} photo", "{count} photos", len(card.photo_file_ids)))
    if card.supporters:
        lines.append(
            tr.n_("{count} neighbour joined", "{count} neighbours joined", card.supporters)
        )
    if similar:
        lines.append("")
        lines.append(tr._("<b>Similar</b>"))
        for item in similar:
            why = []
            if item.shared_place:
                why.append(tr._("same place: {place}", place=esc(item.shared_place)))
            if item.shared_terms:
                why.append(
                    tr._("shared words: {terms}", terms=esc("、".join(item.shared_terms[:4])))
                )
            label = esc(labels.get((item.kind, item.id), ""))
            reason = tr._("({why})", why=tr._("; ").join(why)) if why else ""
            lines.append(f"{similarity_label(tr, item.score)} · {label}{reason}")
    return "\n".join(lines)


def actions(context: BotContext, card: StaffIssueCard) -> InlineKeyboardMarkup:
    tr = context.tr
    issue = card.id
    return InlineKeyboardMarkup(
        [
            [
                inline(tr._("✅ New topic"), NewTopic(issue)),
                inline(tr._("➕ Into a topic"), PickTopic(issue)),
            ],
            [
                inline(tr._("🔁 Duplicate of…"), PickOriginal(issue)),
                inline(tr._("❓ Ask for more"), AskResident(issue)),
            ],
            [
                inline(tr._("✖ Reject"), PickReason(issue)),
                inline(tr._("🏷 Category"), PickCategory(issue)),
                inline(tr._("📍 Village"), PickVillage(issue)),
            ],
        ]
    )


async def similar_to(
    context: BotContext, card: StaffIssueCard
) -> tuple[list[Similar], dict[tuple[str, int], str]]:
    similar = await context.services.similar.similar(
        card.township_id,
        title=card.title or "",
        body=card.text,
        village=card.village,
        k=5,
        exclude_issue=card.id,
        min_score=0.2,
    )
    labels = await inbox.labels_of(context.reads, [(item.kind, item.id) for item in similar])
    return similar, labels


async def issue_card(update: Update, context: BotContext, press: OpenIssue) -> None:
    """An issue of the inbox: its photos, voice and location, then the card with actions."""
    card = await inbox.card(context.reads, press.issue, context.township)
    similar, labels = await similar_to(context, card)
    context.ui.photos(card.photo_file_ids)
    if card.voice_file_id:
        context.ui.voice(card.voice_file_id)
    if card.location is not None:
        context.ui.location(*card.location)
    context.ui.say(card_text(context, card, similar, labels), actions(context, card))


def routes() -> list[Route]:
    return [
        command("inbox", inbox_command, Act.TRIAGE),
        button(InboxPage, inbox_page, Act.TRIAGE),
        button(FilterVillage, filter_village, Act.TRIAGE),
        button(FilterCategory, filter_category, Act.TRIAGE),
        button(OpenIssue, issue_card, Act.TRIAGE),
    ]
