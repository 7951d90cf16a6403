"""Where an intake stands: its steps, the draft kept between them, and making both durable
before the bot answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.context import BotContext
from bot.persistence import DatabasePersistence
from bot.services.intake import IssueDraft

PLACE, CATEGORY, DESCRIBE, SIMILAR, PHOTOS, LOCATION, ANONYMITY, CONFIRM = (
    "place",
    "category",
    "describe",
    "similar",
    "photos",
    "location",
    "anonymity",
    "confirm",
)
END = ConversationHandler.END
CONVERSATION = "intake"
DRAFT_KEY = "intake"
STEP_KEY = "intake_step"

Step = Callable[[Update, BotContext], Awaitable[str]]


def draft_of(context: BotContext) -> IssueDraft:
    assert context.user_data is not None
    return IssueDraft.from_dict(context.user_data.get(DRAFT_KEY) or {})


def keep(context: BotContext, draft: IssueDraft, step: str | None = None) -> None:
    """Update the draft in memory (see `_checkpoint` for making it durable)."""
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = draft.to_dict()
    if step is not None:
        context.user_data[STEP_KEY] = step


async def checkpoint(update: Update, context: BotContext, step: str | None) -> None:
    """Store the draft and the conversation's next state before the bot answers.

    Were the bot killed right after answering, the resident would otherwise be asked the
    next question by a bot that forgot the answer to the last one.
    """
    assert context.user_data is not None
    chat, user = update.effective_chat, update.effective_user
    persistence = context.application.persistence
    if chat is None or user is None or not isinstance(persistence, DatabasePersistence):
        return
    if step is None:
        context.user_data.pop(DRAFT_KEY, None)
        context.user_data.pop(STEP_KEY, None)
    else:
        context.user_data[STEP_KEY] = step
    await persistence.save_step(CONVERSATION, (chat.id, user.id), step, user.id, context.user_data)


def message_of(update: Update) -> Message:
    assert update.effective_message is not None
    return update.effective_message
