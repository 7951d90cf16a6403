"""Staff actions on an issue's card: new topic, into a topic, duplicate, reject, re-file.

Each action checks the permission (Act.TRIAGE, which also gives the township), lets the
service re-check the issue's township and status, and rewrites the card's message into the
issue's updated card, with what was done on top. What cannot be undone (a new topic, into a
topic, a duplicate, a rejection) is asked once more first; every picker and question has
‹ Back to the card. The resident is told through the outbox, by the service.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.errors import DomainError
from bot.domain.permissions import Act
from bot.domain.rejections import REJECTION_REASONS
from bot.i18n import translator
from bot.services import inbox, topics, triage
from handlers.inbox import (
    BackToCard,
    CreateTopic,
    DuplicateConfirmed,
    DuplicateOf,
    IntoTopic,
    IntoTopicConfirmed,
    NewTopic,
    OwnReason,
    PickCategory,
    PickOriginal,
    PickReason,
    PickTopic,
    PickVillage,
    RejectConfirmed,
    RejectWith,
    SetCategory,
    SetVillage,
    TypeOriginal,
    preview_label,
)
from handlers.issue_card import show_card, similar_to
from handlers.keyboards import inline, rows
from handlers.render import category_label, esc
from handlers.toolkit import BotContext, Button, Route, button

# Template reasons by the index their buttons carry.
REASON_KEYS = list(REJECTION_REASONS)


def _ask(context: BotContext, issue: int, question: str, label: str, yes: Button) -> None:
    """Ask before an action that cannot be undone: [yes] or ‹ Back to the card."""
    keyboard = [[inline(label, yes)], [inline(context.tr._("‹ Back"), BackToCard(issue))]]
    context.ui.edit(question, InlineKeyboardMarkup(keyboard))


def _with_back(
    context: BotContext, issue: int, keyboard: Sequence[Sequence[InlineKeyboardButton]]
) -> InlineKeyboardMarkup:
    """A picker's buttons, and ‹ Back to the card (the picker changes nothing)."""
    back = [inline(context.tr._("‹ Back"), BackToCard(issue))]
    return InlineKeyboardMarkup([*keyboard, back])


async def new_topic(update: Update, context: BotContext, press: NewTopic) -> None:
    """✅ New topic: asked first, with the title the topic will get."""
    card = await inbox.card(context.reads, press.issue, context.township)
    await triage.awaiting_triage(context.reads, township_id=context.township, issue_id=press.issue)
    title = triage.topic_title(card.title or card.text, card.number)
    question = context.tr._(
        "Make {number} a new consultation topic titled “{title}”? The resident is told, and "
        "this cannot be undone. You can rename the topic afterwards.",
        number=card.number,
        title=esc(title),
    )
    _ask(
        context,
        press.issue,
        question,
        context.tr._("✅ Create the topic"),
        CreateTopic(press.issue),
    )


async def create_topic(update: Update, context: BotContext, press: CreateTopic) -> None:
    """Confirmed: the issue becomes the first of a new topic; the card shows it."""
    card = await inbox.card(context.uow, press.issue, context.township)
    view = await topics.create_topic(
        context.uow,
        township_id=context.township,
        issue_ids=[press.issue],
        title=triage.topic_title(card.title or card.text, card.number),
        actor_id=context.me.id,
        now=context.now,
        zone=context.services.settings.zone,
    )
    notice = context.tr._(
        "Topic {number} created: {title}", number=view.number, title=esc(view.title)
    )
    await show_card(context, press.issue, notice)


async def pick_topic(update: Update, context: BotContext, press: PickTopic) -> None:
    """➕ Into a topic: the township's open topics as buttons, and ‹ Back."""
    tr = context.tr
    await triage.awaiting_triage(context.reads, township_id=context.township, issue_id=press.issue)
    open_topics = await topics.open_topics(context.reads, context.township)
    if not open_topics:
        context.ui.answer(tr._("There is no open topic yet."), alert=True)
        return
    buttons = [
        [inline(f"{t.number} {t.title[:30]} ({t.head_count})", IntoTopic(press.issue, t.id))]
        for t in open_topics[:12]
    ]
    context.ui.edit(tr._("Into which topic?"), _with_back(context, press.issue, buttons))


async def into_topic(update: Update, context: BotContext, press: IntoTopic) -> None:
    """A topic was picked: asked first."""
    number = await triage.awaiting_triage(
        context.reads, township_id=context.township, issue_id=press.issue
    )
    topic = await topics.load_topic(context.reads, press.topic, context.township)
    await topics.require_open(context.reads, topic)
    question = context.tr._(
        "Add {number} to the topic {topic} “{title}”? The resident is told, and this cannot be "
        "undone.",
        number=number,
        topic=topic.number,
        title=esc(topic.title),
    )
    yes = IntoTopicConfirmed(press.issue, press.topic)
    _ask(context, press.issue, question, context.tr._("✅ Add to the topic"), yes)


async def into_topic_confirmed(
    update: Update, context: BotContext, press: IntoTopicConfirmed
) -> None:
    """Confirmed: the issue joins the topic; the card shows it."""
    view = await topics.accept_into_topic(
        context.uow,
        township_id=context.township,
        issue_id=press.issue,
        topic_id=press.topic,
        actor_id=context.me.id,
        now=context.now,
    )
    await show_card(
        context, press.issue, context.tr._("Added to topic {number}.", number=view.number)
    )


async def pick_original(update: Update, context: BotContext, press: PickOriginal) -> None:
    """🔁 Duplicate of…: the similar issues, typing the number of another one, or ‹ Back."""
    tr = context.tr
    card = await inbox.card(context.reads, press.issue, context.township)
    await triage.awaiting_triage(context.reads, township_id=context.township, issue_id=press.issue)
    similar, labels = await similar_to(context, card)
    buttons = [
        [inline(labels.get(("issue", s.id), str(s.id))[:60], DuplicateOf(press.issue, s.id))]
        for s in similar
        if s.kind == "issue"
    ]
    text = (
        tr._("A duplicate of which issue? Pick it, or type its number.")
        if buttons
        else tr._("No similar issue was found. Type the number of the issue it repeats.")
    )
    buttons.append([inline(tr._("⌨️ Type the number"), TypeOriginal(press.issue))])
    context.ui.edit(text, _with_back(context, press.issue, buttons))


async def ask_duplicate(context: BotContext, issue_id: int, original_id: int) -> None:
    """Ask before marking a duplicate (a picked or a typed original)."""
    number = await triage.awaiting_triage(
        context.reads, township_id=context.township, issue_id=issue_id
    )
    original = await inbox.card(context.reads, original_id, context.township)
    if original.id == issue_id:
        raise DomainError("an issue cannot duplicate itself")
    summary = preview_label(
        context.tr,
        " ".join((original.title or original.text).split())[:40],
        original.voice_file_id is not None,
        len(original.photo_file_ids),
    )
    question = context.tr._(
        "Mark {number} as the same matter as {original} (“{summary}”)? Its raiser and "
        "neighbours become supporters of {original} and are told. This cannot be undone.",
        number=number,
        original=original.number,
        summary=esc(summary),
    )
    yes = DuplicateConfirmed(issue_id, original_id)
    _ask(context, issue_id, question, context.tr._("✅ Mark as duplicate"), yes)


async def duplicate_of(update: Update, context: BotContext, press: DuplicateOf) -> None:
    """A similar issue was picked as the original: asked first."""
    await ask_duplicate(context, press.issue, press.original)


async def duplicate_confirmed(
    update: Update, context: BotContext, press: DuplicateConfirmed
) -> None:
    """Confirmed: this issue's people now support the original; the card shows it."""
    number = await triage.mark_duplicate(
        context.uow,
        township_id=context.township,
        issue_id=press.issue,
        original_id=press.original,
        actor_id=context.me.id,
        now=context.now,
    )
    notice = context.tr._("Marked as a duplicate of {number}.", number=number)
    await show_card(context, press.issue, notice)


async def pick_reason(update: Update, context: BotContext, press: PickReason) -> None:
    """✖ Reject: template reasons, one's own words, or ‹ Back."""
    tr = context.tr
    await triage.awaiting_triage(context.reads, township_id=context.township, issue_id=press.issue)
    buttons = [
        [inline(tr._(REJECTION_REASONS[key])[:60], RejectWith(press.issue, index))]
        for index, key in enumerate(REASON_KEYS)
    ]
    buttons.append([inline(tr._("Another reason (type it)"), OwnReason(press.issue))])
    context.ui.edit(tr._("Why is it not taken up?"), _with_back(context, press.issue, buttons))


async def reject_with_template(update: Update, context: BotContext, press: RejectWith) -> None:
    """A template reason was picked: asked first."""
    if press.reason >= len(REASON_KEYS):
        context.ui.answer(context.tr._("This option is no longer available."), alert=True)
        return
    number = await triage.awaiting_triage(
        context.reads, township_id=context.township, issue_id=press.issue
    )
    question = context.tr._(
        "Do not take up {number}? The reason the resident reads:\n{reason}\nThe resident is "
        "told, and this cannot be undone.",
        number=number,
        reason=context.tr._(REJECTION_REASONS[REASON_KEYS[press.reason]]),
    )
    yes = RejectConfirmed(press.issue, press.reason)
    _ask(context, press.issue, question, context.tr._("✖ Do not take it up"), yes)


async def reject_confirmed(update: Update, context: BotContext, press: RejectConfirmed) -> None:
    """Confirmed: rejected; each person told reads the reason in their own language."""
    if press.reason >= len(REASON_KEYS):
        context.ui.answer(context.tr._("This option is no longer available."), alert=True)
        return
    key = REASON_KEYS[press.reason]
    # The history keeps the office's wording, in the office's default language.
    office = translator(context.services.settings.default_locale)
    await reject(context, press.issue, office._(REJECTION_REASONS[key]), key)


async def reject(
    context: BotContext, issue_id: int, reason: str, reason_key: str | None = None
) -> None:
    await triage.reject(
        context.uow,
        township_id=context.township,
        issue_id=issue_id,
        reason=reason,
        reason_key=reason_key,
        actor_id=context.me.id,
        now=context.now,
    )
    shown = context.tr._(REJECTION_REASONS[reason_key]) if reason_key else reason
    notice = context.tr._("Rejected; the resident was told: {reason}", reason=esc(shown))
    await show_card(context, issue_id, notice)


async def pick_category(update: Update, context: BotContext, press: PickCategory) -> None:
    """🏷 Category: the township's categories as buttons, and ‹ Back."""
    tr = context.tr
    categories = await context.services.directory.categories(context.township)
    buttons = [inline(category_label(tr, c), SetCategory(press.issue, c.id)) for c in categories]
    context.ui.edit(tr._("Which category?"), _with_back(context, press.issue, rows(buttons, 2)))


async def pick_village(update: Update, context: BotContext, press: PickVillage) -> None:
    """📍 Village: the township's villages as buttons, and ‹ Back."""
    villages = await context.services.directory.villages(context.township)
    buttons = [inline(v.name, SetVillage(press.issue, v.id)) for v in villages]
    keyboard = _with_back(context, press.issue, rows(buttons, 3))
    context.ui.edit(context.tr._("Which village?"), keyboard)


async def set_category(update: Update, context: BotContext, press: SetCategory) -> None:
    """A category was picked: re-filed (the resident is told only of a real change)."""
    await _refile(context, press.issue, category_id=press.category)


async def set_village(update: Update, context: BotContext, press: SetVillage) -> None:
    """A village was picked: re-filed (the resident is told only of a real change)."""
    await _refile(context, press.issue, village_id=press.village)


async def _refile(
    context: BotContext,
    issue_id: int,
    *,
    category_id: int | None = None,
    village_id: int | None = None,
) -> None:
    changed = await triage.refile(
        context.uow,
        township_id=context.township,
        issue_id=issue_id,
        actor_id=context.me.id,
        now=context.now,
        category_id=category_id,
        village_id=village_id,
    )
    tr = context.tr
    notice = (
        tr._("Saved; the resident was told.")
        if changed
        else tr._("No change: it was filed so already.")
    )
    await show_card(context, issue_id, notice)


def routes() -> list[Route]:
    return [
        button(NewTopic, new_topic, Act.TRIAGE),
        button(CreateTopic, create_topic, Act.TRIAGE),
        button(PickTopic, pick_topic, Act.TRIAGE),
        button(IntoTopic, into_topic, Act.TRIAGE),
        button(IntoTopicConfirmed, into_topic_confirmed, Act.TRIAGE),
        button(PickOriginal, pick_original, Act.TRIAGE),
        button(DuplicateOf, duplicate_of, Act.TRIAGE),
        button(DuplicateConfirmed, duplicate_confirmed, Act.TRIAGE),
        button(PickReason, pick_reason, Act.TRIAGE),
        button(RejectWith, reject_with_template, Act.TRIAGE),
        button(RejectConfirmed, reject_confirmed, Act.TRIAGE),
        button(PickCategory, pick_category, Act.TRIAGE),
        button(PickVillage, pick_village, Act.TRIAGE),
        button(SetCategory, set_category, Act.TRIAGE),
        button(SetVillage, set_village, Act.TRIAGE),
    ]
