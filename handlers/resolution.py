"""Staff resolve a topic (from the push that says every action item is done, or from the
topic's card), with a closing note typed in a short flow or without one; and answer a
resident who was not satisfied (a short text relayed to them)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.followup_errors import FollowUpError
from bot.domain.permissions import Act
from bot.domain.topic_status import REOPENABLE
from bot.i18n import N_
from bot.services import ratings, resolution
from bot.services.access import may
from bot.services.outcomes import township_zone
from bot.services.topics import TopicView
from handlers.followup_buttons import AnswerRater, ReopenTopic, ResolveTopic, ResolveWithoutNote
from handlers.followup_errors import explain, explained
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import END, BotContext, Flow, button, message

AWAIT_NOTE = "await_note"
AWAIT_ANSWER = "await_answer"
TIMEOUT = timedelta(hours=2)
TEXT = filters.TEXT & ~filters.COMMAND


async def topic_card_buttons(
    context: BotContext, view: TopicView
) -> list[list[InlineKeyboardButton]]:
    """On a topic's card, for staff: resolve it, or reopen it once resolved."""
    if not may(context.me, Act.RESOLVE, context.township):
        return []
    tr = context.tr
    if view.status in resolution.RESOLVABLE:
        return [[inline(tr._("✅ Resolve the topic"), ResolveTopic(view.id))]]
    if view.status in REOPENABLE:
        topic = await ratings.topic_in(context.reads, view.id, context.township)
        press = ReopenTopic(view.id, ratings.round_of(topic))
        return [[inline(tr._("↩️ Reopen the topic"), press)]]
    return []


@explained
async def begin_resolve(update: Update, context: BotContext, press: ResolveTopic) -> str:
    topic = await resolution.resolvable(context.uow, context.township, press.topic)
    context.flow.data = {"topic_id": topic.id, "number": topic.number, "title": topic.title}
    await ask_note(update, context)
    return AWAIT_NOTE


async def ask_note(update: Update, context: BotContext) -> None:
    tr, data = context.tr, context.flow.data
    text = tr._(
        "Resolving topic {number} {title}. Type a closing note for the residents (what was "
        "done), or press “Resolve without a note” (or /cancel).",
        number=data["number"],
        title=esc(str(data["title"])),
    )
    press = ResolveWithoutNote(context.flow.id)
    context.ui.say(text, InlineKeyboardMarkup([[inline(tr._("Resolve without a note"), press)]]))


async def _resolve(context: BotContext, note: str | None) -> str:
    tr = context.tr
    try:
        done = await resolution.resolve(
            context.uow,
            township_id=context.township,
            topic_id=int(context.flow.data["topic_id"]),
            note=note,
            actor_id=context.me.id,
            now=context.now,
        )
    except FollowUpError as error:
        return explain(tr, error)
    zone = await township_zone(context.uow, context.township)
    return tr.n_(
        "Topic {number} is resolved. {count} person who raised or joined it is asked whether "
        "they are satisfied; looking back (回头看) on {day}.",
        "Topic {number} is resolved. {count} people who raised or joined it are asked whether "
        "they are satisfied; looking back (回头看) on {day}.",
        done.asked,
        number=done.topic_number,
        day=tr.day(done.review_on, zone),
    )


async def note_typed(update: Update, context: BotContext) -> str | None:
    text = context.text.strip()
    if len(text) > resolution.MAX_NOTE:
        context.ui.say(
            context.tr._("Please keep it under {limit} characters.", limit=resolution.MAX_NOTE)
        )
        return None
    context.ui.say(await _resolve(context, text))
    return END


async def without_note(update: Update, context: BotContext, press: ResolveWithoutNote) -> str:
    context.ui.edit(await _resolve(context, None))
    return END


def resolve_flow() -> Flow:
    return Flow(
        name="resolve",
        title=N_("resolving a topic"),
        timeout=TIMEOUT,
        entry=[button(ResolveTopic, begin_resolve, Act.RESOLVE)],
        states={
            AWAIT_NOTE: [
                message(TEXT, note_typed, Act.RESOLVE),
                button(ResolveWithoutNote, without_note, Act.RESOLVE),
            ]
        },
        prompts={AWAIT_NOTE: ask_note},
        restart=True,
    )


# -- answering a resident who was not satisfied -------------------------------------------


@explained
async def begin_answer(update: Update, context: BotContext, press: AnswerRater) -> str:
    number, name = await ratings.answerable(
        context.uow,
        township_id=context.township,
        topic_id=press.topic,
        person_id=press.person,
        round_=press.round_no,
    )
    context.flow.data = {
        "topic_id": press.topic,
        "person_id": press.person,
        "round": press.round_no,
        "number": number,
        "name": name,
    }
    await ask_answer(update, context)
    return AWAIT_ANSWER


async def ask_answer(update: Update, context: BotContext) -> None:
    data = context.flow.data
    context.ui.say(
        context.tr._(
            "Type your answer to {name} about topic {number}; it is sent to them as you write "
            "it (or /cancel).",
            name=esc(str(data["name"])),
            number=data["number"],
        )
    )


async def answer_typed(update: Update, context: BotContext) -> str | None:
    tr, data = context.tr, context.flow.data
    text = context.text.strip()
    if len(text) > ratings.MAX_ANSWER:
        context.ui.say(tr._("Please keep it under {limit} characters.", limit=ratings.MAX_ANSWER))
        return None
    try:
        name = await ratings.answer_rater(
            context.uow,
            township_id=context.township,
            topic_id=int(data["topic_id"]),
            person_id=int(data["person_id"]),
            round_=int(data["round"]),
            text=text,
            actor_id=context.me.id,
            now=context.now,
        )
    except FollowUpError as error:
        context.ui.say(explain(tr, error))
        return END
    context.ui.say(
        tr._(
            "Sent to {name}. They can change their rating if they see it differently now.",
            name=esc(name),
        )
    )
    return END


def answer_flow() -> Flow:
    return Flow(
        name="rating_answer",
        title=N_("your answer to a resident's rating"),
        timeout=TIMEOUT,
        entry=[button(AnswerRater, begin_answer, Act.RESOLVE)],
        states={AWAIT_ANSWER: [message(TEXT, answer_typed, Act.RESOLVE)]},
        prompts={AWAIT_ANSWER: ask_answer},
        restart=True,
    )
