"""Free text typed after a button: a staff question or rejection reason, a resident's answer.

Each is a small persistent conversation, so a restart between the button and the text
loses nothing.
"""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.services import inbox, triage
from handlers.render import esc
from handlers.replies import acknowledge, say, settle
from handlers.staff import reject
from handlers.staff_common import callback_ints, pushes_written, staff_scope

AWAIT_TEXT = "await_text"
PENDING_KEY = "staff_input"
ANSWER_KEY = "answer_question"
MAX_TEXT = 1000
END = ConversationHandler.END


async def _begin(update: Update, context: BotContext, kind: str, prompt: str) -> str | int:
    township = await staff_scope(update, context)
    if township is None:
        return END
    (issue_id,) = callback_ints(update)
    try:
        async with context.services.uow() as uow:
            issue = await inbox.in_scope(uow, issue_id, township)
            number = issue.number
    except DomainError:
        await acknowledge(update, context.tr._("This issue cannot be shown."), alert=True)
        return END
    assert context.user_data is not None
    context.user_data[PENDING_KEY] = {"kind": kind, "issue_id": issue_id}
    await settle(update, f"{number}: {prompt}")
    return AWAIT_TEXT


async def begin_question(update: Update, context: BotContext) -> str | int:
    return await _begin(
        update, context, "ask", context.tr._("Type the question for the resident (or /cancel).")
    )


async def begin_reason(update: Update, context: BotContext) -> str | int:
    return await _begin(
        update,
        context,
        "reject",
        context.tr._("Type the reason the resident will read (or /cancel)."),
    )


async def staff_text(update: Update, context: BotContext) -> str | int:
    assert context.user_data is not None and update.effective_message is not None
    pending = context.user_data.get(PENDING_KEY) or {}
    text = (update.effective_message.text or "").strip()
    if len(text) > MAX_TEXT:
        await say(
            update,
            context,
            context.tr._("Please keep it under {limit} characters.", limit=MAX_TEXT),
        )
        return AWAIT_TEXT
    township = await staff_scope(update, context)
    context.user_data.pop(PENDING_KEY, None)
    if township is None or not pending:
        return END
    issue_id = int(pending["issue_id"])
    if pending.get("kind") == "reject":
        await reject(update, context, township, issue_id, text)
        return END
    services = context.services
    try:
        async with services.uow() as uow:
            await inbox.in_scope(uow, issue_id, township)
            await triage.ask_for_information(
                uow,
                issue_id=issue_id,
                question=text,
                actor_id=context.me.id,
                now=services.clock.now(),
            )
    except DomainError:
        await say(update, context, context.tr._("This action is not possible for this issue now."))
        return END
    pushes_written(context, township)
    await say(
        update, context, context.tr._("Sent to the resident. You will be told when they answer.")
    )
    return END


async def staff_cancel(update: Update, context: BotContext) -> int:
    assert context.user_data is not None
    context.user_data.pop(PENDING_KEY, None)
    await say(update, context, context.tr._("Cancelled. Nothing was sent."))
    return END


async def begin_answer(update: Update, context: BotContext) -> str | int:
    assert update.callback_query is not None and update.callback_query.data is not None
    question_id = int(update.callback_query.data.split(":")[1])
    assert context.user_data is not None
    context.user_data[ANSWER_KEY] = question_id
    await acknowledge(update)
    await say(update, context, context.tr._("Please type your answer (or /cancel)."))
    return AWAIT_TEXT


async def resident_answer(update: Update, context: BotContext) -> str | int:
    assert context.user_data is not None and update.effective_message is not None
    text = (update.effective_message.text or "").strip()
    if len(text) > MAX_TEXT:
        await say(
            update,
            context,
            context.tr._("Please keep it under {limit} characters.", limit=MAX_TEXT),
        )
        return AWAIT_TEXT
    question_id = int(context.user_data.pop(ANSWER_KEY, 0))
    services = context.services
    try:
        async with services.uow() as uow:
            number = await triage.answer_question(
                uow,
                question_id=question_id,
                person_id=context.me.id,
                answer=text,
                now=services.clock.now(),
            )
    except DomainError:
        await say(update, context, context.tr._("This question cannot be answered any more."))
        return END
    pushes_written(context, None)
    await say(
        update,
        context,
        context.tr._("Thank you. Your answer was added to {number}.", number=esc(number)),
    )
    return END


async def answer_cancel(update: Update, context: BotContext) -> int:
    assert context.user_data is not None
    context.user_data.pop(ANSWER_KEY, None)
    await say(update, context, context.tr._("Cancelled. Nothing was sent."))
    return END


def conversations() -> list[ConversationHandler[BotContext]]:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        staff = ConversationHandler(
            name="staff_input",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CallbackQueryHandler(begin_question, pattern=r"^sf:ask:\d{1,12}$"),
                CallbackQueryHandler(begin_reason, pattern=r"^sf:rx:\d{1,12}$"),
            ],
            states={AWAIT_TEXT: [MessageHandler(text, staff_text)]},
            fallbacks=[CommandHandler("cancel", staff_cancel)],
        )
        answer = ConversationHandler(
            name="answer",
            persistent=True,
            allow_reentry=True,
            entry_points=[CallbackQueryHandler(begin_answer, pattern=r"^ans:\d{1,12}$")],
            states={AWAIT_TEXT: [MessageHandler(text, resident_answer)]},
            fallbacks=[CommandHandler("cancel", answer_cancel)],
        )
    return [staff, answer]
