"""Bot API calls whose answer is not needed, made without building it into PTB objects.

PTB turns each answer of Telegram into objects: a sent message into a `Message` (with its
chat, its sender, its entities…), a batch of updates into `Update`s. Where nothing reads
that object, building it is wasted work: a fifth of the work of a push in a broadcast
(bot/dispatcher.py), and a sixth of the bot's work per update under the intake benchmark
(the answers' sendMessage and editMessageText, and a dictionary per update turned back out
of its `Update` to be stored). `Bot.do_api_request` makes the same call, through the same
transport and rate limiter, and returns Telegram's JSON as it is.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.warnings import PTBUserWarning

# do_api_request suggests the named method for an endpoint PTB knows; here the plain call
# is chosen on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.\w+'", category=PTBUserWarning)


async def plain_call(bot: Bot, method: str, words: dict[str, Any], **options: Any) -> Any:
    """`method` with `words` (objects such as keyboards are serialised by PTB); returns
    Telegram's result as JSON. Errors are PTB's own (BadRequest, Forbidden, RetryAfter …).

    `options` are do_api_request's: timeouts, and the rate limiter's arguments.
    """
    return await bot.do_api_request(method, api_kwargs=words, **options)


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def html_message(
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
    *,
    message_id: int | None = None,
) -> dict[str, Any]:
    """The words of a message the bot sends, or rewrites (`message_id`): HTML, no link
    previews, its keyboard if any."""
    words: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": ParseMode.HTML,
        "link_preview_options": _NO_PREVIEW,
    }
    if markup is not None:
        words["reply_markup"] = markup
    if message_id is not None:
        words["message_id"] = message_id
    return words
