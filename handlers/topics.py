"""/topics: consultation topics by status; a topic's card, its issues, merging, splitting an
issue out, renaming (handlers/staff_input.py) and following.

Merging and splitting cannot be undone, so each asks first ("Merge …? [Merge] [‹ Back]");
every picker and question has ‹ Back to the topic's card, and after an action the message
becomes the card of the topic the issues are in now.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.domain.topic_status import OPEN_TOPIC_STATUSES, TopicStatus
from bot.services import topics
from bot.services.access import may
from bot.services.topic_card import topic_card
from handlers import opinions, resolution
from handlers.inbox import BackToCard, ViewIssue, preview_label
from handlers.keyboards import inline
from handlers.meetings import topic_card_buttons as meeting_buttons
from handlers.render import esc, topic_status_label, with_note
from handlers.toolkit import BotContext, Button, Route, button, command

SHOWN_ISSUES = 10


@dataclass(frozen=True)
class TopicCard(Button, prefix="tp.v"):
    topic: int


@dataclass(frozen=True)
class BackToTopic(Button, prefix="tp.b"):
    """The topic's card, in place of the message pressed (‹ Back, or from an issue's card)."""

    topic: int


@dataclass(frozen=True)
class RenameTopic(Button, prefix="tp.rn"):
    topic: int


@dataclass(frozen=True)
class PickMergeTarget(Button, prefix="tp.mp"):
    topic: int


@dataclass(frozen=True)
class Merge(Button, prefix="tp.m"):
    source: int
    target: int


@dataclass(frozen=True)
class MergeConfirmed(Button, prefix="tp.mc"):
    source: int
    target: int


@dataclass(frozen=True)
class Split(Button, prefix="tp.s"):
    topic: int
    issue: int


@dataclass(frozen=True)
class SplitConfirmed(Button, prefix="tp.sc"):
    topic: int
    issue: int


@dataclass(frozen=True)
class Follow(Button, prefix="tp.f"):
    topic: int


def _staff(context: BotContext) -> bool:
    return may(context.me, Act.MANAGE_TOPICS, context.township)


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
        lines.append(with_note(tr, f"<b>{topic_status_label(tr, status)}</b>", str(len(views))))
        for view in views:
            if view.merged_into is not None:
                # Its issues and people are in the other topic now: say where, not "0 people".
                lines.append(
                    tr._(
                        "{number} {title} — combined with {into}",
                        number=view.number,
                        title=esc(view.title),
                        into=view.merged_into,
                    )
                )
                continue
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


async def render_topic(
    context: BotContext, topic_id: int, notice: str | None = None, *, changed: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """A topic's card: its state, its issues (each opens), what the person may do.

    `changed`: right after a change in this update, read through the writer (a separate
    reader does not see what is not committed yet).
    """
    tr = context.tr
    staff = _staff(context)
    uow = context.uow if changed else context.reads
    card = await topic_card(uow, context.township, topic_id, for_staff=staff)
    view = card.view
    lines = [notice, ""] if notice else []
    lines += [f"<b>{view.number} {esc(view.title)}</b>", topic_status_label(tr, view.status)]
    if view.merged_into is not None:
        lines.append(tr._("Combined with {into}.", into=view.merged_into))
    else:
        lines.append(tr._("{people} people raised or joined it.", people=view.head_count))
    lines.append("")
    buttons = []
    for issue in card.issues:
        line = f"{issue.number} {esc(preview_label(tr, issue.preview, issue.voice, issue.photos))}"
        if issue.raiser:
            line += tr._(" (raised by {name})", name=esc(issue.raiser))
        lines.append(line)
    for issue in card.issues[:SHOWN_ISSUES]:
        label = preview_label(tr, issue.preview, issue.voice, issue.photos)[:24]
        buttons.append([inline(f"{issue.number} {label}", ViewIssue(issue.id))])
    if view.status in OPEN_TOPIC_STATUSES:
        if staff:
            buttons.append(
                [
                    inline(tr._("✏️ Rename"), RenameTopic(view.id)),
                    inline(tr._("Merge into another topic"), PickMergeTarget(view.id)),
                ]
            )
        # Select it for deliberation, or schedule its meeting (staff who convene); gather
        # opinions before each of its meetings.
        buttons += meeting_buttons(context, view)
        buttons += await opinions.topic_card_buttons(context, view.id)
        buttons.append([inline(tr._("Follow"), Follow(view.id))])
    # Resolve it once the work is done; reopen it once resolved (also when reviewed).
    buttons += await resolution.topic_card_buttons(context, view)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def topic_card_pressed(update: Update, context: BotContext, press: TopicCard) -> None:
    """A topic of /topics: its card as a new message."""
    context.ui.say(*await render_topic(context, press.topic))


async def back_to_topic(update: Update, context: BotContext, press: BackToTopic) -> None:
    """‹ Back (or the topic's button on an issue): the message becomes the topic's card."""
    context.ui.edit(*await render_topic(context, press.topic))


async def pick_merge_target(update: Update, context: BotContext, press: PickMergeTarget) -> None:
    """Merge into another topic: the other open topics as buttons, and ‹ Back."""
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
    buttons.append([inline(context.tr._("‹ Back"), BackToTopic(press.topic))])
    context.ui.edit(context.tr._("Merge into which topic?"), InlineKeyboardMarkup(buttons))


async def merge(update: Update, context: BotContext, press: Merge) -> None:
    """A target was picked: asked once more, since a merge cannot be undone."""
    tr = context.tr
    source = await topics.load_topic(context.reads, press.source, context.township)
    target = await topics.load_topic(context.reads, press.target, context.township)
    await topics.require_open(context.reads, source)
    await topics.require_open(context.reads, target)
    text = tr._(
        "Merge {source} into {target} “{title}”? Its issues and followers move there, each "
        "person is told, and {source} is no longer listed. This cannot be undone.",
        source=source.number,
        target=target.number,
        title=esc(target.title),
    )
    keyboard = [
        [inline(tr._("✅ Merge"), MergeConfirmed(press.source, press.target))],
        [inline(tr._("‹ Back"), BackToTopic(press.source))],
    ]
    context.ui.edit(text, InlineKeyboardMarkup(keyboard))


async def merge_confirmed(update: Update, context: BotContext, press: MergeConfirmed) -> None:
    """Merge confirmed: the topic and its people move; the message shows where they are now."""
    view = await topics.merge_topics(
        context.uow,
        township_id=context.township,
        source_id=press.source,
        target_id=press.target,
        actor_id=context.me.id,
        now=context.now,
    )
    notice = context.tr._("Merged into {number}; everyone concerned was told.", number=view.number)
    context.ui.edit(*await render_topic(context, view.id, notice, changed=True))


async def split(update: Update, context: BotContext, press: Split) -> None:
    """✂ Split out (on the card of an issue in a topic): asked once more, since it cannot be
    undone; ‹ Back returns to the issue's card."""
    tr = context.tr
    card = await topic_card(context.reads, context.township, press.topic)
    await topics.require_open(
        context.reads, await topics.load_topic(context.reads, press.topic, context.township)
    )
    issue = next((i for i in card.issues if i.id == press.issue), None)
    if issue is None or len(card.issues) < 2:
        context.ui.answer(tr._("This is not possible now."), alert=True)
        return
    text = tr._(
        "Make {number} a topic of its own, out of {topic}? Its raiser and the neighbours who "
        "joined it are told. This cannot be undone.",
        number=issue.number,
        topic=card.view.number,
    )
    keyboard = [
        [inline(tr._("✅ Split out"), SplitConfirmed(press.topic, press.issue))],
        [inline(tr._("‹ Back"), BackToCard(press.issue))],
    ]
    context.ui.edit(text, InlineKeyboardMarkup(keyboard))


async def split_confirmed(update: Update, context: BotContext, press: SplitConfirmed) -> None:
    """Split confirmed: the issue leaves the topic; the message shows its new topic."""
    view = await topics.split_issue_out(
        context.uow,
        township_id=context.township,
        topic_id=press.topic,
        issue_id=press.issue,
        actor_id=context.me.id,
        now=context.now,
        zone=context.services.settings.zone,
    )
    notice = context.tr._("Split out as topic {number}.", number=view.number)
    context.ui.edit(*await render_topic(context, view.id, notice, changed=True))


async def follow(update: Update, context: BotContext, press: Follow) -> None:
    """Follow: the person is told of every step of the topic from now on."""
    reason = "staff" if _staff(context) else "member"
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
        button(TopicCard, topic_card_pressed, Act.READ_TOPICS),
        button(BackToTopic, back_to_topic, Act.READ_TOPICS),
        button(PickMergeTarget, pick_merge_target, Act.MANAGE_TOPICS),
        button(Merge, merge, Act.MANAGE_TOPICS),
        button(MergeConfirmed, merge_confirmed, Act.MANAGE_TOPICS),
        button(Split, split, Act.MANAGE_TOPICS),
        button(SplitConfirmed, split_confirmed, Act.MANAGE_TOPICS),
        button(Follow, follow, Act.FOLLOW_TOPIC),
    ]
