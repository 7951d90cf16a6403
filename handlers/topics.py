"""/topics: consultation topics by status, merging, splitting and following them."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.domain.topic_status import OPEN_TOPIC_STATUSES, TopicStatus
from bot.services import topics
from bot.services.access import may
from handlers.keyboards import inline
from handlers.render import esc, topic_status_label
from handlers.toolkit import BotContext, Button, Route, button, command


@dataclass(frozen=True)
class TopicCard(Button, prefix="tp.v"):
    topic: int


@dataclass(frozen=True)
class PickMergeTarget(Button, prefix="tp.mp"):
    topic: int


@dataclass(frozen=True)
class Merge(Button, prefix="tp.m"):
    source: int
    target: int


@dataclass(frozen=True)
class Split(Button, prefix="tp.s"):
    topic: int
    issue: int


@dataclass(frozen=True)
class Follow(Button, prefix="tp.f"):
    topic: int


async def topics_command(update: Update, context: BotContext) -> None:
    """/topics: every topic of the township by status, the open ones as buttons."""
    tr = context.tr
    grouped = await topics.topics_by_status(context.reads, context.township)
    if not grouped:
        context.ui.say(tr._("No topics yet. Accept issues from /inbox to create them."))
        return
    lines = []
    buttons = []
    for status in TopicStatus:
        views = grouped.get(status, [])
        if not views:
            continue
        lines.append(f"<b>{topic_status_label(tr, status)}</b> ({len(views)})")
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
                buttons.append([inline(f"{view.number} {view.title[:30]}", TopicCard(view.id))])
    context.ui.say("\n".join(lines), InlineKeyboardMarkup(buttons[:30]) if buttons else None)


async def topic_card(update: Update, context: BotContext, press: TopicCard) -> None:
    """A topic: its status, its issues, and what the person may do with it."""
    tr = context.tr
    card = await topics.topic_card(context.reads, context.township, press.topic)
    view = card.view
    lines = [
        f"<b>{view.number} {esc(view.title)}</b>",
        topic_status_label(tr, view.status),
        tr._("{people} people raised or joined it.", people=view.head_count),
        "",
    ]
    lines += [f"{issue.number} {esc(issue.preview)}" for issue in card.issues]
    follow_button = inline(tr._("Follow"), Follow(view.id))
    if not may(context.me, Act.MANAGE_TOPICS, context.township):
        # Members follow; merging and splitting stay with the office.
        context.ui.say("\n".join(lines), InlineKeyboardMarkup([[follow_button]]))
        return
    buttons = [[inline(tr._("Merge into another topic"), PickMergeTarget(view.id)), follow_button]]
    if len(card.issues) > 1:
        buttons += [
            [inline(tr._("Split out {number}", number=issue.number), Split(view.id, issue.id))]
            for issue in card.issues[:8]
        ]
    context.ui.say("\n".join(lines), InlineKeyboardMarkup(buttons))


async def pick_merge_target(update: Update, context: BotContext, press: PickMergeTarget) -> None:
    """Merge into another topic: the other open topics as buttons."""
    source = await topics.load_topic(context.reads, press.topic, context.township)
    await topics.require_open(context.reads, source)
    targets = [
        t for t in await topics.open_topics(context.reads, context.township) if t.id != source.id
    ]
    if not targets:
        context.ui.answer(context.tr._("There is no other open topic."), alert=True)
        return
    buttons = [
        [inline(f"{t.number} {t.title[:30]}", Merge(press.topic, t.id))] for t in targets[:12]
    ]
    context.ui.edit(context.tr._("Merge into which topic?"), InlineKeyboardMarkup(buttons))


async def merge(update: Update, context: BotContext, press: Merge) -> None:
    """A target was picked: the topic and its people move into it."""
    view = await topics.merge_topics(
        context.uow,
        township_id=context.township,
        source_id=press.source,
        target_id=press.target,
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.edit(
        context.tr._("Merged into {number}; its followers were told.", number=view.number)
    )


async def split(update: Update, context: BotContext, press: Split) -> None:
    """Split out: the issue leaves the topic and becomes a topic of its own."""
    view = await topics.split_issue_out(
        context.uow,
        township_id=context.township,
        topic_id=press.topic,
        issue_id=press.issue,
        actor_id=context.me.id,
        now=context.now,
        zone=context.services.settings.zone,
    )
    context.ui.edit(context.tr._("Split out as topic {number}.", number=view.number))


async def follow(update: Update, context: BotContext, press: Follow) -> None:
    """Follow: the person is told of every step of the topic from now on."""
    reason = "staff" if may(context.me, Act.MANAGE_TOPICS, context.township) else "member"
    await topics.follow_topic(
        context.uow,
        township_id=context.township,
        topic_id=press.topic,
        person_id=context.me.id,
        reason=reason,
        now=context.now,
    )
    context.ui.answer(context.tr._("You follow this topic now."))


def routes() -> list[Route]:
    return [
        command("topics", topics_command, Act.READ_TOPICS),
        button(TopicCard, topic_card, Act.READ_TOPICS),
        button(PickMergeTarget, pick_merge_target, Act.MANAGE_TOPICS),
        button(Merge, merge, Act.MANAGE_TOPICS),
        button(Split, split, Act.MANAGE_TOPICS),
        button(Follow, follow, Act.FOLLOW_TOPIC),
    ]
