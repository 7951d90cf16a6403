"""A resident answers the office's question about their issue, in words, a photo or a voice
note, in any of three ways:

* pressing [Answer] under the question, then sending the answer (a flow of one step);
* replying to the question message (Telegram's "reply"): that message is the answer, even
  in the middle of another flow, which is resumed afterwards;
* with no flow open, the next message while a question waits for its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import Message, Update
from telegram.ext import filters

from bot.domain.errors import DomainError
from bot.i18n import N_
from bot.services import triage
from bot.services.triage import MediaRef
from handlers import fallbacks
from handlers.render import esc
from handlers.toolkit import END, BotContext, Button, Flow, Route, button, message

AWAIT_ANSWER = "await_answer"
MAX_TEXT = 1000
TIMEOUT = timedelta(hours=24)
ANSWERS = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VOICE


@dataclass(frozen=True)
class AnswerQuestion(Button, prefix="ans"):
    question: int


def question_replied_to(message: Message | None) -> int | None:
    """The question a message replies to: read off the [Answer] button of the replied one."""
    replied = message.reply_to_message if message is not None else None
    markup = replied.reply_markup if replied is not None else None
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for key in row:
            press = AnswerQuestion.parse(key.callback_data)
            if press is not None:
                return press.question
    return None


class _RepliesToQuestion(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return question_replied_to(message) is not None


REPLIES_TO_QUESTION = _RepliesToQuestion(name="replies to a question") & ANSWERS


def _answer_of(message: Message, text: str) -> tuple[str, list[MediaRef]]:
    text = (text or message.caption or "").strip()
    media = []
    if message.photo:
        largest = message.photo[-1]
        media.append(MediaRef("photo", largest.file_id, largest.file_unique_id))
    if message.voice:
        media.append(MediaRef("voice", message.voice.file_id, message.voice.file_unique_id))
    return text, media


async def _answer(update: Update, context: BotContext, question_id: int) -> bool:
    """Record the answer; False (after saying why) when it cannot be taken."""
    assert update.effective_message is not None
    tr = context.tr
    text, media = _answer_of(update.effective_message, context.text)
    if len(text) > MAX_TEXT:
        context.ui.say(tr._("Please keep it under {limit} characters.", limit=MAX_TEXT))
        return False
    try:
        number = await triage.answer_question(
            context.uow,
            question_id=question_id,
            person_id=context.me.id,
            answer=text,
            now=context.now,
            media=media,
        )
    except DomainError:
        # Answered already, or the question is gone: nothing to wait for any more.
        await context.scope.abandon()
        context.ui.say(tr._("This question cannot be answered any more."))
        return True
    context.ui.say(tr._("Thank you. Your answer was added to {number}.", number=esc(number)))
    return True


async def begin_answer(update: Update, context: BotContext, press: AnswerQuestion) -> str:
    """[Answer] under the office's question: the resident sends the answer next."""
    context.flow.data = {"question_id": press.question}
    await ask_answer(update, context)
    return AWAIT_ANSWER


async def ask_answer(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._(
            "Please send your answer: write it, or send a photo or a voice message (or /cancel)."
        )
    )


async def answer_sent(update: Update, context: BotContext) -> str | None:
    """The answer after [Answer]: added to the issue, and the staff member who asked is told."""
    done = await _answer(update, context, int(context.flow.data["question_id"]))
    return END if done else None


async def answer_by_reply(update: Update, context: BotContext) -> str:
    """A reply to the question message: that is the answer (the flow it interrupted, if
    any, comes back right after)."""
    question_id = question_replied_to(update.effective_message)
    assert question_id is not None
    await _answer(update, context, question_id)
    return END


async def answer_or_fallback(update: Update, context: BotContext) -> None:
    """A message outside any flow: the answer to a question that waits, else the usual hint."""
    question_id = await triage.open_question(context.reads, context.me.id)
    message_ = update.effective_message
    if question_id is None or message_ is None:
        await fallbacks.free_text(update, context)
        return
    await _answer(update, context, question_id)


def flow() -> Flow:
    return Flow(
        name="answer",
        title=N_("your answer to the office"),
        timeout=TIMEOUT,
        entry=[button(AnswerQuestion, begin_answer), message(REPLIES_TO_QUESTION, answer_by_reply)],
        states={AWAIT_ANSWER: [message(ANSWERS, answer_sent)]},
        prompts={AWAIT_ANSWER: ask_answer},
        restart=True,
    )


def routes() -> list[Route]:
    """Registered just before the fallbacks: only what nothing else took comes here."""
    return [message(ANSWERS, answer_or_fallback)]
