"""Staff inbox and triage: /inbox, an issue's card, and the actions on it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.i18n import N_
from bot.services import inbox, topics, triage
from bot.services.inbox import StaffIssueCard
from bot.services.similar import Similar
from handlers.render import category_label, esc, status_label
from handlers.replies import acknowledge, say, settle
from handlers.staff_common import callback_ints, pushes_written, staff_scope

PAGE_SIZE = 6
REJECT_TEMPLATES = [
    N_("Outside the township's remit — please call the 12345 hotline."),
    N_("Already resolved."),
    N_("Not enough information to act on."),
    N_("A matter between private parties; please turn to mediation."),
]


def _filters(village_id: int, category_id: int) -> tuple[int | None, int | None]:
    return (village_id or None), (category_id or None)


async def _show_inbox(
    update: Update, context: BotContext, township: int, page: int, village: int, category: int
) -> None:
    tr = context.tr
    village_id, category_id = _filters(village, category)
    async with context.services.uow() as uow:
        rows, total = await inbox.page(
            uow,
            township,
            page=page,
            page_size=PAGE_SIZE,
            village_id=village_id,
            category_id=category_id,
        )
    zone = context.services.settings.zone
    buttons = [
        [
            InlineKeyboardButton(
                f"{row.number} · {tr.day(row.created_at, zone)} · {row.preview}",
                callback_data=f"sf:is:{row.id}",
            )
        ]
        for row in rows
    ]
    navigation = []
    if page > 0:
        navigation.append(
            InlineKeyboardButton(
                tr._("‹ Newer"), callback_data=f"sf:in:{page - 1}:{village}:{category}"
            )
        )
    if (page + 1) * PAGE_SIZE < total:
        navigation.append(
            InlineKeyboardButton(
                tr._("Older ›"), callback_data=f"sf:in:{page + 1}:{village}:{category}"
            )
        )
    if navigation:
        buttons.append(navigation)
    buttons.append(
        [
            InlineKeyboardButton(tr._("Filter by village"), callback_data=f"sf:fv:{category}"),
            InlineKeyboardButton(tr._("Filter by category"), callback_data=f"sf:fc:{village}"),
        ]
    )
    if village or category:
        buttons.append([InlineKeyboardButton(tr._("Show all"), callback_data="sf:in:0:0:0")])
    text = (
        tr._("Inbox: {total} issues waiting.", total=total)
        if total
        else tr._("The inbox is empty: nothing waits for triage.")
    )
    await say(update, context, text, InlineKeyboardMarkup(buttons))


async def inbox_command(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is not None:
        await _show_inbox(update, context, township, 0, 0, 0)


async def inbox_page(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    page, village, category = callback_ints(update)
    await acknowledge(update)
    await _show_inbox(update, context, township, page, village, category)


async def filter_village(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (category,) = callback_ints(update)
    villages = await context.services.directory.villages(township)
    buttons = [
        [InlineKeyboardButton(v.name, callback_data=f"sf:in:0:{v.id}:{category}")] for v in villages
    ]
    await settle(update, context.tr._("Which village?"), InlineKeyboardMarkup(buttons))


async def filter_category(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (village,) = callback_ints(update)
    tr = context.tr
    categories = await context.services.directory.categories(township)
    buttons = [
        [InlineKeyboardButton(category_label(tr, c), callback_data=f"sf:in:0:{village}:{c.id}")]
        for c in categories
    ]
    await settle(update, tr._("Which category?"), InlineKeyboardMarkup(buttons))


def _card_text(
    context: BotContext, card: StaffIssueCard, similar: list[Similar], names: dict[str, str]
) -> str:
    tr = context.tr
    zone = ZoneInfo(context.services.settings.timezone)
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
            label = names.get(f"{item.kind}:{item.id}", "")
            lines.append(
                f"{item.score:.2f} · {esc(label)}" + (f" ({'; '.join(why)})" if why else "")
            )
    return "\n".join(lines)


def _actions(context: BotContext, card: StaffIssueCard) -> InlineKeyboardMarkup:
    tr = context.tr
    issue = card.id
    rows = [
        [
            InlineKeyboardButton(tr._("✅ New topic"), callback_data=f"sf:nt:{issue}"),
            InlineKeyboardButton(tr._("➕ Into a topic"), callback_data=f"sf:tp:{issue}"),
        ],
        [
            InlineKeyboardButton(tr._("🔁 Duplicate of…"), callback_data=f"sf:dp:{issue}"),
            InlineKeyboardButton(tr._("❓ Ask for more"), callback_data=f"sf:ask:{issue}"),
        ],
        [
            InlineKeyboardButton(tr._("✖ Reject"), callback_data=f"sf:rj:{issue}"),
            InlineKeyboardButton(tr._("🏷 Category"), callback_data=f"sf:cc:{issue}"),
            InlineKeyboardButton(tr._("📍 Village"), callback_data=f"sf:cv:{issue}"),
        ],
    ]
    return InlineKeyboardMarkup(rows)


async def _similar_for(
    context: BotContext, card: StaffIssueCard
) -> tuple[list[Similar], dict[str, str]]:
    services = context.services
    similar = await services.similar.similar(
        card.township_id,
        title=card.title or "",
        body=card.text,
        village=card.village,
        k=5,
        exclude_issue=card.id,
        min_score=0.2,
    )
    names: dict[str, str] = {}
    async with services.uow() as uow:
        for item in similar:
            if item.kind == "topic":
                topic = await uow.topics.get(item.id)
                names[f"topic:{item.id}"] = f"{topic.number} {topic.title}" if topic else ""
            else:
                issue = await uow.issues.get_with_history(item.id)
                if issue is not None:
                    names[f"issue:{item.id}"] = f"{issue.number} {(issue.title or issue.text)[:30]}"
    return similar, names


async def issue_card(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    try:
        async with context.services.uow() as uow:
            card = await inbox.card(uow, issue_id, township)
    except DomainError:
        await acknowledge(update, context.tr._("This issue cannot be shown."), alert=True)
        return
    await acknowledge(update)
    similar, names = await _similar_for(context, card)
    chat = update.effective_chat
    assert chat is not None
    if card.photo_file_ids:
        await context.bot.send_media_group(
            chat.id, [InputMediaPhoto(file_id) for file_id in card.photo_file_ids[:10]]
        )
    if card.location is not None:
        await context.bot.send_location(chat.id, card.location[0], card.location[1])
    await say(update, context, _card_text(context, card, similar, names), _actions(context, card))


async def _issue_in_scope(
    update: Update, context: BotContext, township: int, issue_id: int
) -> bool:
    """Every press names an issue; check it is this staff member's township's, every time."""
    try:
        async with context.services.uow() as uow:
            await inbox.in_scope(uow, issue_id, township)
    except DomainError:
        await acknowledge(update, context.tr._("This issue cannot be shown."), alert=True)
        return False
    return True


async def _done(update: Update, context: BotContext, township: int, text: str) -> None:
    pushes_written(context, township)
    await settle(update, text)


async def new_topic(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    services = context.services
    try:
        async with services.uow() as uow:
            issue = await inbox.in_scope(uow, issue_id, township)
            title = (issue.title or issue.text)[:60] or issue.number
            view = await topics.create_topic(
                uow,
                township_id=township,
                issue_ids=[issue_id],
                title=title,
                actor_id=context.me.id,
                now=services.clock.now(),
                zone=services.settings.zone,
            )
    except DomainError:
        await acknowledge(
            update, context.tr._("This action is not possible for this issue now."), alert=True
        )
        return
    await _done(
        update,
        context,
        township,
        context.tr._("Topic {number} created: {title}", number=view.number, title=esc(view.title)),
    )


async def pick_topic(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    if not await _issue_in_scope(update, context, township, issue_id):
        return
    async with context.services.uow() as uow:
        open_topics = await topics.open_topics(uow, township)
    tr = context.tr
    if not open_topics:
        await acknowledge(update, tr._("There is no open topic yet."), alert=True)
        return
    buttons = [
        [
            InlineKeyboardButton(
                f"{t.number} {t.title[:30]} ({t.head_count})",
                callback_data=f"sf:ta:{issue_id}:{t.id}",
            )
        ]
        for t in open_topics[:12]
    ]
    await settle(update, tr._("Into which topic?"), InlineKeyboardMarkup(buttons))


async def into_topic(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    issue_id, topic_id = callback_ints(update)
    services = context.services
    try:
        async with services.uow() as uow:
            await inbox.in_scope(uow, issue_id, township)
            topic = await uow.topics.get(topic_id)
            if topic is None or topic.township_id != township:
                raise DomainError("topic outside the township")
            view = await topics.accept_into_topic(
                uow,
                issue_id=issue_id,
                topic_id=topic_id,
                actor_id=context.me.id,
                now=services.clock.now(),
            )
    except DomainError:
        await acknowledge(
            update, context.tr._("This action is not possible for this issue now."), alert=True
        )
        return
    await _done(
        update, context, township, context.tr._("Added to topic {number}.", number=view.number)
    )


async def pick_original(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    if not await _issue_in_scope(update, context, township, issue_id):
        return
    async with context.services.uow() as uow:
        card = await inbox.card(uow, issue_id, township)
    similar, names = await _similar_for(context, card)
    issues = [s for s in similar if s.kind == "issue"]
    tr = context.tr
    if not issues:
        await acknowledge(
            update, tr._("No similar issue found to mark this as a duplicate of."), alert=True
        )
        return
    buttons = [
        [
            InlineKeyboardButton(
                names.get(f"issue:{s.id}", str(s.id))[:60], callback_data=f"sf:dd:{issue_id}:{s.id}"
            )
        ]
        for s in issues
    ]
    await settle(update, tr._("A duplicate of which issue?"), InlineKeyboardMarkup(buttons))


async def duplicate_of(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    issue_id, original_id = callback_ints(update)
    services = context.services
    try:
        async with services.uow() as uow:
            await inbox.in_scope(uow, issue_id, township)
            original = await inbox.in_scope(uow, original_id, township)
            number = original.number
            await triage.mark_duplicate(
                uow,
                issue_id=issue_id,
                original_id=original_id,
                actor_id=context.me.id,
                now=services.clock.now(),
            )
    except DomainError:
        await acknowledge(
            update, context.tr._("This action is not possible for this issue now."), alert=True
        )
        return
    await _done(
        update, context, township, context.tr._("Marked as a duplicate of {number}.", number=number)
    )


async def pick_reason(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    if not await _issue_in_scope(update, context, township, issue_id):
        return
    tr = context.tr
    buttons = [
        [InlineKeyboardButton(tr._(template)[:60], callback_data=f"sf:rr:{issue_id}:{index}")]
        for index, template in enumerate(REJECT_TEMPLATES)
    ]
    buttons.append(
        [InlineKeyboardButton(tr._("Another reason (type it)"), callback_data=f"sf:rx:{issue_id}")]
    )
    await settle(update, tr._("Why is it not taken up?"), InlineKeyboardMarkup(buttons))


async def reject_with_template(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    issue_id, index = callback_ints(update)
    if not await _issue_in_scope(update, context, township, issue_id):
        return
    if index >= len(REJECT_TEMPLATES):
        await acknowledge(update, context.tr._("This option is no longer available."), alert=True)
        return
    # The reason is stored in the office's default language, as the office wrote it.
    reason = context.tr._(REJECT_TEMPLATES[index])
    await reject(update, context, township, issue_id, reason)


async def reject(
    update: Update, context: BotContext, township: int, issue_id: int, reason: str
) -> None:
    services = context.services
    try:
        async with services.uow() as uow:
            await inbox.in_scope(uow, issue_id, township)
            await triage.reject(
                uow,
                issue_id=issue_id,
                reason=reason,
                actor_id=context.me.id,
                now=services.clock.now(),
            )
    except DomainError:
        await _refuse(update, context)
        return
    pushes_written(context, township)
    text = context.tr._("Rejected; the resident was told: {reason}", reason=esc(reason))
    if update.callback_query is not None:
        await settle(update, text)
    else:
        await say(update, context, text)


async def _refuse(update: Update, context: BotContext) -> None:
    text = context.tr._("This action is not possible for this issue now.")
    if update.callback_query is not None:
        await acknowledge(update, text, alert=True)
    else:
        await say(update, context, text)


async def pick_category(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    if not await _issue_in_scope(update, context, township, issue_id):
        return
    tr = context.tr
    categories = await context.services.directory.categories(township)
    buttons = [
        [InlineKeyboardButton(category_label(tr, c), callback_data=f"sf:cs:{issue_id}:{c.id}")]
        for c in categories
    ]
    await settle(update, tr._("Which category?"), InlineKeyboardMarkup(buttons))


async def pick_village(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (issue_id,) = callback_ints(update)
    if not await _issue_in_scope(update, context, township, issue_id):
        return
    villages = await context.services.directory.villages(township)
    buttons = [
        [InlineKeyboardButton(v.name, callback_data=f"sf:vs:{issue_id}:{v.id}")] for v in villages
    ]
    await settle(update, context.tr._("Which village?"), InlineKeyboardMarkup(buttons))


async def refile(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    issue_id, value = callback_ints(update)
    assert update.callback_query is not None and update.callback_query.data is not None
    field = update.callback_query.data.split(":")[1]
    services = context.services
    try:
        async with services.uow() as uow:
            await inbox.in_scope(uow, issue_id, township)
            await triage.refile(
                uow,
                issue_id=issue_id,
                actor_id=context.me.id,
                now=services.clock.now(),
                category_id=value if field == "cs" else None,
                village_id=value if field == "vs" else None,
            )
    except DomainError:
        await _refuse(update, context)
        return
    if field == "cs":
        services.categories.note_confirmation(township)
    await _done(update, context, township, context.tr._("Saved; the resident was told."))


def handlers() -> list[object]:
    return [
        CommandHandler("inbox", inbox_command),
        CallbackQueryHandler(inbox_page, pattern=r"^sf:in:\d{1,5}:\d{1,9}:\d{1,9}$"),
        CallbackQueryHandler(filter_village, pattern=r"^sf:fv:\d{1,9}$"),
        CallbackQueryHandler(filter_category, pattern=r"^sf:fc:\d{1,9}$"),
        CallbackQueryHandler(issue_card, pattern=r"^sf:is:\d{1,12}$"),
        CallbackQueryHandler(new_topic, pattern=r"^sf:nt:\d{1,12}$"),
        CallbackQueryHandler(pick_topic, pattern=r"^sf:tp:\d{1,12}$"),
        CallbackQueryHandler(into_topic, pattern=r"^sf:ta:\d{1,12}:\d{1,12}$"),
        CallbackQueryHandler(pick_original, pattern=r"^sf:dp:\d{1,12}$"),
        CallbackQueryHandler(duplicate_of, pattern=r"^sf:dd:\d{1,12}:\d{1,12}$"),
        CallbackQueryHandler(pick_reason, pattern=r"^sf:rj:\d{1,12}$"),
        CallbackQueryHandler(reject_with_template, pattern=r"^sf:rr:\d{1,12}:\d{1,2}$"),
        CallbackQueryHandler(pick_category, pattern=r"^sf:cc:\d{1,12}$"),
        CallbackQueryHandler(pick_village, pattern=r"^sf:cv:\d{1,12}$"),
        CallbackQueryHandler(refile, pattern=r"^sf:(cs|vs):\d{1,12}:\d{1,12}$"),
    ]
