"""A resident answers the office's question about their issue (the [Answer] button under it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import Update
from telegram.ext import filters

from bot.domain.errors import DomainError
from bot.i18n import N_
from bot.services import triage
from handlers.render import esc
from handlers.toolkit import END, BotContext, Button, Flow, button, message

AWAIT_ANSWER = "await_answer"
MAX_TEXT = 1000
TIMEOUT = timedelta(hours=24)
TEXT = filters.TEXT & ~filters.COMMAND


@dataclass(frozen=True)
class AnswerQuestion(Button, prefix="ans"):
    question: int


async def begin_answer(update: Update, context: BotContext, press: AnswerQuestion) -> str:
    """[Answer] under the office's question: the resident types the answer next."""
    context.flow.data = {"question_id": press.question}
    await ask_answer(update, context)
    return AWAIT_ANSWER


async def ask_answer(update: Update, context: BotContext) -> None:
    context.ui.say(context.tr._("Please type your answer (or /cancel)."))


async def answer_typed(update: Update, context: BotContext) -> str | None:
    """The answer: added to the issue, and the staff member who asked is told."""
    assert update.effective_message is not None
    text = (update.effective_message.text or "").strip()
    tr = context.tr
    if len(text) > MAX_TEXT:
        context.ui.say(tr._("Please keep it under {limit} characters.", limit=MAX_TEXT))
        return None
    try:
        number = await triage.answer_question(
            context.uow,
            question_id=int(context.flow.data["question_id"]),
            person_id=context.me.id,
            answer=text,
            now=context.now,
        )
    except DomainError:
        # Answered already, or the question is gone: nothing to wait for any more.
        context.ui.say(tr._("This question cannot be answered any more."))
        return END
    context.ui.say(tr._("Thank you. Your answer was added to {number}.", number=esc(number)))
    return END


def flow() -> Flow:
    return Flow(
        name="answer",
        title=N_("your answer to the office"),
        timeout=TIMEOUT,
        entry=[button(AnswerQuestion, begin_answer)],
        states={AWAIT_ANSWER: [message(TEXT, answer_typed)]},
        prompts={AWAIT_ANSWER: ask_answer},
        restart=True,
    )
