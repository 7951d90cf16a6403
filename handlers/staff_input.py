"""Free text staff type after a button: a question for the resident, or a rejection reason.

Two small flows of one state each; a press names the issue, so pressing again (for the
same or another issue) starts afresh. A restart in between loses nothing.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import filters

from bot.domain.errors import DomainError
from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import triage
from handlers import triage as triage_actions
from handlers.inbox import AskResident, OwnReason
from handlers.toolkit import END, BotContext, Flow, button, message
from handlers.toolkit.errors import explain

AWAIT_TEXT = "await_text"
MAX_TEXT = 1000
TIMEOUT = timedelta(hours=2)
TEXT = filters.TEXT & ~filters.COMMAND


async def _begin(context: BotContext, issue_id: int, prompt: str) -> str:
    number = await triage.awaiting_triage(
        context.reads, township_id=context.township, issue_id=issue_id
    )
    context.flow.data = {"issue_id": issue_id, "number": number}
    context.ui.edit(context.tr._("{number}: {prompt}", number=number, prompt=prompt))
    return AWAIT_TEXT


def _text_or_hint(update: Update, context: BotContext) -> str | None:
    text = context.text.strip()
    if len(text) > MAX_TEXT:
        context.ui.say(context.tr._("Please keep it under {limit} characters.", limit=MAX_TEXT))
        return None
    return text


async def begin_question(update: Update, context: BotContext, press: AskResident) -> str:
    """❓ Ask for more: the staff member types the question next."""
    return await _begin(
        context, press.issue, context.tr._("Type the question for the resident (or /cancel).")
    )


async def question_typed(update: Update, context: BotContext) -> str | None:
    """The question: relayed to the resident; staff hear back when they answer."""
    text = _text_or_hint(update, context)
    if text is None:
        return None
    try:
        await triage.ask_for_information(
            context.uow,
            township_id=context.township,
            issue_id=int(context.flow.data["issue_id"]),
            question=text,
            actor_id=context.me.id,
            now=context.now,
        )
    except DomainError as error:
        # Dealt with meanwhile: say so, and stop waiting for text.
        context.ui.say(explain(context.tr, error))
        return END
    context.ui.say(context.tr._("Sent to the resident. You will be told when they answer."))
    return END


async def begin_reason(update: Update, context: BotContext, press: OwnReason) -> str:
    """Another reason: the staff member types the reason the resident will read."""
    return await _begin(
        context, press.issue, context.tr._("Type the reason the resident will read (or /cancel).")
    )


async def reason_typed(update: Update, context: BotContext) -> str | None:
    """The reason: the issue is rejected with it."""
    text = _text_or_hint(update, context)
    if text is None:
        return None
    try:
        await triage_actions.reject(context, int(context.flow.data["issue_id"]), text)
    except DomainError as error:
        context.ui.say(explain(context.tr, error))
    return END


async def _ask_again(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._(
            "{number}: please type the text now (or /cancel).", number=context.flow.data["number"]
        )
    )


def question_flow() -> Flow:
    return Flow(
        name="staff_question",
        title=N_("the question for the resident"),
        timeout=TIMEOUT,
        entry=[button(AskResident, begin_question, Act.TRIAGE)],
        states={AWAIT_TEXT: [message(TEXT, question_typed, Act.TRIAGE)]},
        prompts={AWAIT_TEXT: _ask_again},
        restart=True,
    )


def reason_flow() -> Flow:
    return Flow(
        name="rejection_reason",
        title=N_("the rejection reason"),
        timeout=TIMEOUT,
        entry=[button(OwnReason, begin_reason, Act.TRIAGE)],
        states={AWAIT_TEXT: [message(TEXT, reason_typed, Act.TRIAGE)]},
        prompts={AWAIT_TEXT: _ask_again},
        restart=True,
    )
