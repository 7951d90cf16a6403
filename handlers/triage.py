"""Staff actions on an issue's card: into a topic, duplicate, reject, re-file.

Each action checks the permission (Act.TRIAGE, which also gives the township), lets the
service re-check the issue's township and status, and rewrites the card's message with
the result. The resident is told through the outbox, by the service.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import inbox, topics, triage
from handlers.inbox import (
    DuplicateOf,
    IntoTopic,
    NewTopic,
    OwnReason,
    PickCategory,
    PickOriginal,
    PickReason,
    PickTopic,
    PickVillage,
    RejectWith,
    SetCategory,
    SetVillage,
    similar_to,
)
from handlers.keyboards import inline, rows
from handlers.render import category_label, esc
from handlers.toolkit import BotContext, Route, button

REJECT_TEMPLATES = [
    N_("Outside the township's remit — please call the 12345 hotline."),
    N_("Already resolved."),
    N_("Not enough information to act on."),
    N_("A matter between private parties; please turn to mediation."),
]


async def new_topic(update: Update, context: BotContext, press: NewTopic) -> None:
    """✅ New topic: the issue becomes the first of a new consultation topic."""
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
    context.ui.edit(
        context.tr._("Topic {number} created: {title}", number=view.number, title=esc(view.title))
    )


async def pick_topic(update: Update, context: BotContext, press: PickTopic) -> None:
    """➕ Into a topic: the township's open topics as buttons."""
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
    context.ui.edit(tr._("Into which topic?"), InlineKeyboardMarkup(buttons))


async def into_topic(update: Update, context: BotContext, press: IntoTopic) -> None:
    """A topic was picked: the issue joins it."""
    view = await topics.accept_into_topic(
        context.uow,
        township_id=context.township,
        issue_id=press.issue,
        topic_id=press.topic,
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.edit(context.tr._("Added to topic {number}.", number=view.number))


async def pick_original(update: Update, context: BotContext, press: PickOriginal) -> None:
    """🔁 Duplicate of…: the similar issues, one of which this one repeats."""
    tr = context.tr
    card = await inbox.card(context.reads, press.issue, context.township)
    await triage.awaiting_triage(context.reads, township_id=context.township, issue_id=press.issue)
    similar, labels = await similar_to(context, card)
    issues = [s for s in similar if s.kind == "issue"]
    if not issues:
        context.ui.answer(
            tr._("No similar issue found to mark this as a duplicate of."), alert=True
        )
        return
    buttons = [
        [inline(labels.get(("issue", s.id), str(s.id))[:60], DuplicateOf(press.issue, s.id))]
        for s in issues
    ]
    context.ui.edit(tr._("A duplicate of which issue?"), InlineKeyboardMarkup(buttons))


async def duplicate_of(update: Update, context: BotContext, press: DuplicateOf) -> None:
    """The original was picked: this issue's raiser now supports it."""
    number = await triage.mark_duplicate(
        context.uow,
        township_id=context.township,
        issue_id=press.issue,
        original_id=press.original,
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.edit(context.tr._("Marked as a duplicate of {number}.", number=number))


async def pick_reason(update: Update, context: BotContext, press: PickReason) -> None:
    """✖ Reject: template reasons, or one's own words."""
    tr = context.tr
    await triage.awaiting_triage(context.reads, township_id=context.township, issue_id=press.issue)
    buttons = [
        [inline(tr._(template)[:60], RejectWith(press.issue, index))]
        for index, template in enumerate(REJECT_TEMPLATES)
    ]
    buttons.append([inline(tr._("Another reason (type it)"), OwnReason(press.issue))])
    context.ui.edit(tr._("Why is it not taken up?"), InlineKeyboardMarkup(buttons))


async def reject_with_template(update: Update, context: BotContext, press: RejectWith) -> None:
    """A template reason was picked: the issue is rejected with it."""
    if press.reason >= len(REJECT_TEMPLATES):
        context.ui.answer(context.tr._("This option is no longer available."), alert=True)
        return
    # The reason is stored in the office's default language, as the office wrote it.
    await reject(context, press.issue, context.tr._(REJECT_TEMPLATES[press.reason]))


async def reject(context: BotContext, issue_id: int, reason: str) -> None:
    await triage.reject(
        context.uow,
        township_id=context.township,
        issue_id=issue_id,
        reason=reason,
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.edit(context.tr._("Rejected; the resident was told: {reason}", reason=esc(reason)))


async def pick_category(update: Update, context: BotContext, press: PickCategory) -> None:
    """🏷 Category: the township's categories as buttons."""
    tr = context.tr
    categories = await context.services.directory.categories(context.township)
    buttons = [inline(category_label(tr, c), SetCategory(press.issue, c.id)) for c in categories]
    context.ui.edit(tr._("Which category?"), InlineKeyboardMarkup(rows(buttons, 2)))


async def pick_village(update: Update, context: BotContext, press: PickVillage) -> None:
    """📍 Village: the township's villages as buttons."""
    villages = await context.services.directory.villages(context.township)
    buttons = [inline(v.name, SetVillage(press.issue, v.id)) for v in villages]
    context.ui.edit(context.tr._("Which village?"), InlineKeyboardMarkup(rows(buttons, 3)))


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
    context.ui.edit(
        tr._("Saved; the resident was told.")
        if changed
        else tr._("No change: it was filed so already.")
    )


def routes() -> list[Route]:
    return [
        button(NewTopic, new_topic, Act.TRIAGE),
        button(PickTopic, pick_topic, Act.TRIAGE),
        button(IntoTopic, into_topic, Act.TRIAGE),
        button(PickOriginal, pick_original, Act.TRIAGE),
        button(DuplicateOf, duplicate_of, Act.TRIAGE),
        button(PickReason, pick_reason, Act.TRIAGE),
        button(RejectWith, reject_with_template, Act.TRIAGE),
        button(PickCategory, pick_category, Act.TRIAGE),
        button(PickVillage, pick_village, Act.TRIAGE),
        button(SetCategory, set_category, Act.TRIAGE),
        button(SetVillage, set_village, Act.TRIAGE),
    ]
