"""One answer for a whole album.

Telegram delivers an album as one update per photo. A flow step that takes photos waits
a moment after each one and answers once, after the last, if the flow is still at that
step by then (the person may have moved on or cancelled meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from telegram import InlineKeyboardMarkup

from handlers.toolkit.context import RUN_HOWEVER_LATE, BotContext
from handlers.toolkit.scope import job_scope

# What to say once the album is in: the step's prompt, in the person's language.
AlbumAnswer = Callable[[BotContext], tuple[str, InlineKeyboardMarkup | None]]


def answer_album_once(context: BotContext, chat_id: int, state: str, answer: AlbumAnswer) -> None:
    """Schedule (or push back) the one answer to the album arriving in `chat_id`."""
    assert context.job_queue is not None
    name = f"album-ack:{chat_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(
        cast(Any, _answer),
        context.services.settings.album_wait_seconds,
        chat_id=chat_id,
        name=name,
        data=(context.me.locale, context.flow.id, state, answer),
        job_kwargs=RUN_HOWEVER_LATE,
    )


async def _answer(context: BotContext) -> None:
    """The album's last photo came a moment ago: one answer for all of them."""
    assert context.job is not None and context.job.chat_id is not None
    locale, frame_id, state, answer = cast(tuple[str, str, str, AlbumAnswer], context.job.data)
    async with job_scope(context.services, context.bot, context.job.chat_id) as scope:
        context.use_locale(locale)
        top = scope.flows.top
        if top is None or top.id != frame_id or top.state != state:
            return  # moved on or cancelled meanwhile
        scope.replies.say(*answer(context))
