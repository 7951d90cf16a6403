"""/topics: consultation topics by status, merging, splitting and following them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.topic_status import OPEN_TOPIC_STATUSES, TopicStatus
from bot.i18n import N_
from bot.services import topics
from bot.services.access import STAFF_ROLES, TOPIC_READERS
from handlers.render import esc
from handlers.replies import acknowledge, say, settle
from handlers.staff_common import callback_ints, pushes_written, staff_scope

TOPIC_STATUS_LABELS: dict[TopicStatus, str] = {
    TopicStatus.COLLECTING: N_("Collecting"),
    TopicStatus.SELECTED: N_("Selected for consultation"),
    TopicStatus.SCHEDULED: N_("Meeting scheduled"),
    TopicStatus.DELIBERATED: N_("Deliberated"),
    TopicStatus.IMPLEMENTING: N_("Being implemented"),
    TopicStatus.RESOLVED: N_("Resolved"),
    TopicStatus.REVIEWED: N_("Looked back on"),
    TopicStatus.CLOSED: N_("Closed"),
    TopicStatus.WITHDRAWN: N_("Withdrawn"),
}


async def topics_command(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context, TOPIC_READERS)
    if township is None:
        return
    tr = context.tr
    async with context.services.uow() as uow:
        grouped = await topics.topics_by_status(uow, township)
    if not grouped:
        await say(update, context, tr._("No topics yet. Accept issues from /inbox to create them."))
        return
    lines = []
    buttons = []
    for status in TopicStatus:
        views = grouped.get(status, [])
        if not views:
            continue
        lines.append(f"<b>{tr._(TOPIC_STATUS_LABELS[status])}</b> ({len(views)})")
        for view in views:
            lines.append(
                tr._(
                    "{number} {title} — {people} people, {issues} issues",
                    number=view.number,
                    title=esc(view.title),
                    people=view.head_count,
                    issues=view.issue_count,
                )
            )
            if status in OPEN_TOPIC_STATUSES:
                buttons.append(
                    [
                        InlineKeyboardButton(
                            f"{view.number} {view.title[:30]}", callback_data=f"tp:v:{view.id}"
                        )
                    ]
                )
    await say(
        update, context, "\n".join(lines), InlineKeyboardMarkup(buttons[:30]) if buttons else None
    )


async def _topic_in_scope(
    update: Update, context: BotContext, township: int, topic_id: int
) -> bool:
    async with context.services.uow() as uow:
        topic = await uow.topics.get(topic_id)
    if topic is None or topic.township_id != township:
        await acknowledge(update, context.tr._("This topic cannot be shown."), alert=True)
        return False
    return True


async def topic_card(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context, TOPIC_READERS)
    if township is None:
        return
    (topic_id,) = callback_ints(update)
    if not await _topic_in_scope(update, context, township, topic_id):
        return
    tr = context.tr
    async with context.services.uow() as uow:
        topic = await uow.topics.get(topic_id)
        assert topic is not None
        view = await topics.topic_view(uow, topic)
        issues = list(await uow.topics.issues(topic_id))
    lines = [
        f"<b>{view.number} {esc(view.title)}</b>",
        tr._(TOPIC_STATUS_LABELS[view.status]),
        tr._("{people} people raised or joined it.", people=view.head_count),
        "",
    ]
    lines += [f"{i.number} {esc((i.title or i.text)[:50])}" for i in issues]
    follow_button = InlineKeyboardButton(tr._("Follow"), callback_data=f"tp:f:{topic_id}")
    if not any(context.me.has_role(township, role) for role in STAFF_ROLES):
        # Members follow; merging and splitting stay with the office.
        await acknowledge(update)
        await say(update, context, "\n".join(lines), InlineKeyboardMarkup([[follow_button]]))
        return
    merge_button = InlineKeyboardButton(
        tr._("Merge into another topic"), callback_data=f"tp:mp:{topic_id}"
    )
    buttons = [[merge_button, follow_button]]
    if len(issues) > 1:
        buttons += [
            [
                InlineKeyboardButton(
                    tr._("Split out {number}", number=i.number),
                    callback_data=f"tp:s:{topic_id}:{i.id}",
                )
            ]
            for i in issues[:8]
        ]
    await acknowledge(update)
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(buttons))


async def pick_merge_target(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    (topic_id,) = callback_ints(update)
    if not await _topic_in_scope(update, context, township, topic_id):
        return
    async with context.services.uow() as uow:
        targets = [t for t in await topics.open_topics(uow, township) if t.id != topic_id]
    if not targets:
        await acknowledge(update, context.tr._("There is no other open topic."), alert=True)
        return
    buttons = [
        [
            InlineKeyboardButton(
                f"{t.number} {t.title[:30]}", callback_data=f"tp:m:{topic_id}:{t.id}"
            )
        ]
        for t in targets[:12]
    ]
    await settle(update, context.tr._("Merge into which topic?"), InlineKeyboardMarkup(buttons))


async def merge(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    source_id, target_id = callback_ints(update)
    if not (
        await _topic_in_scope(update, context, township, source_id)
        and await _topic_in_scope(update, context, township, target_id)
    ):
        return
    services = context.services
    try:
        async with services.uow() as uow:
            view = await topics.merge_topics(
                uow,
                source_id=source_id,
                target_id=target_id,
                actor_id=context.me.id,
                now=services.clock.now(),
            )
    except DomainError:
        await acknowledge(
            update, context.tr._("This action is not possible for this topic now."), alert=True
        )
        return
    pushes_written(context, township)
    await settle(
        update, context.tr._("Merged into {number}; its followers were told.", number=view.number)
    )


async def split(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    topic_id, issue_id = callback_ints(update)
    if not await _topic_in_scope(update, context, township, topic_id):
        return
    services = context.services
    try:
        async with services.uow() as uow:
            issue = await uow.issues.get_with_history(issue_id)
            title = (issue.title or issue.text)[:60] if issue else ""
            view = await topics.split_topic(
                uow,
                topic_id=topic_id,
                issue_ids=[issue_id],
                title=title,
                actor_id=context.me.id,
                now=services.clock.now(),
                zone=services.settings.zone,
            )
    except DomainError:
        await acknowledge(
            update, context.tr._("This action is not possible for this topic now."), alert=True
        )
        return
    pushes_written(context, township)
    await settle(update, context.tr._("Split out as topic {number}.", number=view.number))


async def follow(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context, TOPIC_READERS)
    if township is None:
        return
    (topic_id,) = callback_ints(update)
    if not await _topic_in_scope(update, context, township, topic_id):
        return
    services = context.services
    async with services.uow() as uow:
        reason = "staff" if any(context.me.has_role(township, r) for r in STAFF_ROLES) else "member"
        await uow.topics.follow(topic_id, context.me.id, reason, services.clock.now())
        await uow.commit()
    await acknowledge(update, context.tr._("You follow this topic now."))


def handlers() -> list[object]:
    return [
        CommandHandler("topics", topics_command),
        CallbackQueryHandler(topic_card, pattern=r"^tp:v:\d{1,12}$"),
        CallbackQueryHandler(pick_merge_target, pattern=r"^tp:mp:\d{1,12}$"),
        CallbackQueryHandler(merge, pattern=r"^tp:m:\d{1,12}:\d{1,12}$"),
        CallbackQueryHandler(split, pattern=r"^tp:s:\d{1,12}:\d{1,12}$"),
        CallbackQueryHandler(follow, pattern=r"^tp:f:\d{1,12}$"),
    ]
