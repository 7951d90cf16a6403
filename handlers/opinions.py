"""/opinions for staff: open a meeting's topics for opinions before it, and read the digest.

Residents' side (giving an opinion, voting) is handlers/opinion_voting.py.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.i18n import Translator
from bot.services import opinion_digest, opinions
from bot.services.access import may
from bot.services.outcomes import topic_meetings
from handlers.deliberation_buttons import GatheringCard, OpinionDigest, ToggleGathering
from handlers.deliberation_errors import explained
from handlers.keyboards import inline
from handlers.outcome_notices import digest_text
from handlers.render import esc
from handlers.toolkit import BotContext, Route, button, command

# The digest on demand: longer lists than a push carries.
FULL_RANKED = 20
FULL_DIVISIVE = 10
FULL_TEXT_CHARS = 300


def _gathering_text(
    tr: Translator, gathering: opinions.MeetingGathering, context: BotContext
) -> str:
    zone = context.services.settings.zone
    lines = [
        f"<b>{esc(gathering.number)} {esc(gathering.title)}</b>",
        tr.when_with_weekday(gathering.starts_at, zone),
        "",
    ]
    if not gathering.topics:
        lines.append(tr._("No topics are on this meeting's agenda yet."))
    for topic in gathering.topics:
        state = (
            tr._("gathering opinions") if topic.opinions_open else tr._("not gathering opinions")
        )
        counts = tr.n_("{count} opinion", "{count} opinions", topic.opinions)
        voters = tr.n_("{count} person voted", "{count} people voted", topic.voters)
        lines.append(
            f"• {esc(topic.topic_number)} {esc(topic.topic_title)} — {state} · {counts} · {voters}"
        )
    return "\n".join(lines)


def _gathering_markup(tr: Translator, gathering: opinions.MeetingGathering) -> InlineKeyboardMarkup:
    rows = []
    for topic in gathering.topics:
        if topic.opinions_open:
            label = tr._("Stop gathering: {number}", number=topic.topic_number)
        else:
            label = tr._("Gather opinions: {number}", number=topic.topic_number)
        rows.append(
            [inline(label, ToggleGathering(topic.meeting_topic_id, not topic.opinions_open))]
        )
    rows.append([inline(tr._("📊 Digest"), OpinionDigest(gathering.meeting_id))])
    return InlineKeyboardMarkup(rows)


async def opinions_command(update: Update, context: BotContext) -> None:
    """/opinions: the meetings still to come; each opens with its topics' opinions."""
    tr = context.tr
    meetings = await opinions.upcoming(context.reads, context.township, context.now)
    if not meetings:
        context.ui.say(
            tr._(
                "No meeting is coming up. Opinions are gathered on the topics of a scheduled "
                "meeting, until it starts."
            )
        )
        return
    zone = context.services.settings.zone
    buttons = [
        [
            inline(
                f"{m.number} {m.title[:24]} · {tr.day(m.starts_at, zone)}",
                GatheringCard(m.meeting_id),
            )
        ]
        for m in meetings[:20]
    ]
    context.ui.say(
        tr._("Meetings coming up: choose one to gather opinions on its topics."),
        InlineKeyboardMarkup(buttons),
    )


@explained
async def gathering_card(update: Update, context: BotContext, press: GatheringCard) -> None:
    """A meeting's topics, their opinions, and the switches to gather them."""
    gathering = await opinions.meeting_gathering(context.reads, context.township, press.meeting)
    context.ui.edit(
        _gathering_text(context.tr, gathering, context),
        _gathering_markup(context.tr, gathering),
    )


@explained
async def toggle_gathering(update: Update, context: BotContext, press: ToggleGathering) -> None:
    """Gather opinions on a topic (its followers and the meeting's invitees are asked), or
    stop gathering them."""
    tr = context.tr
    gathering = await opinions.set_gathering(
        context.uow,
        township_id=context.township,
        meeting_topic_id=press.link,
        gather=press.gather,
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.answer(
        tr._("Asked its followers and the meeting's invitees for their opinions.")
        if press.gather
        else tr._("Opinions on this topic are no longer gathered.")
    )
    context.ui.edit(_gathering_text(tr, gathering, context), _gathering_markup(tr, gathering))


@explained
async def show_digest(update: Update, context: BotContext, press: OpinionDigest) -> None:
    """The digest on demand: every topic's opinions ranked by agreement, the dividing ones
    apart, with counts and (for staff) every author."""
    digest = await opinion_digest.meeting_digest(context.reads, context.township, press.meeting)
    context.ui.say(
        digest_text(
            context.tr,
            meeting_number=digest.meeting_number,
            meeting_title=digest.meeting_title,
            starts_at=digest.starts_at,
            zone=context.services.settings.zone,
            topics=opinion_digest.digest_topics(
                digest, ranked=FULL_RANKED, divisive=FULL_DIVISIVE, text_chars=FULL_TEXT_CHARS
            ),
        )
    )


async def topic_card_buttons(context: BotContext, topic: int) -> list[list[InlineKeyboardButton]]:
    """For the topic card (handlers/topics.py): gather opinions for each meeting still to
    come that the topic is on. Empty for those who may not."""
    if not may(context.me, Act.GATHER_OPINIONS, context.township):
        return []
    meetings = await topic_meetings(context.reads, context.township, topic, context.now)
    tr = context.tr
    return [
        [inline(tr._("🗳 Opinions before {number}", number=m.number), GatheringCard(m.id))]
        for m in meetings
        if m.upcoming
    ]


def routes() -> list[Route]:
    return [
        command("opinions", opinions_command, Act.GATHER_OPINIONS),
        button(GatheringCard, gathering_card, Act.GATHER_OPINIONS),
        button(ToggleGathering, toggle_gathering, Act.GATHER_OPINIONS),
        button(OpinionDigest, show_digest, Act.GATHER_OPINIONS),
    ]
