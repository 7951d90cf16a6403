"""Building the Application: one place that wires settings, storage and every handler."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotContext, ConsultationApp
from bot.dispatcher import start_dispatcher, stop_dispatcher
from bot.persistence import DatabasePersistence
from bot.services.container import Services
from bot.update_processor import PerChatUpdateProcessor
from handlers import (
    admin,
    candidates,
    commands,
    fallbacks,
    gatekeeper,
    intake,
    my_issues,
    staff,
    staff_input,
    start,
    topics,
)
from storage.conversation_store import ConversationStore
from storage.db import SessionFactory


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Group -1: every update passes the gatekeeper first (private chat, flood, person, locale).
    app.add_handler(TypeHandler(Update, gatekeeper.gatekeeper), group=-1)
    # Group 0, in order of precedence:
    # 1. text awaited after a button (a staff question, a resident's answer), then the
    #    intake conversation (each owns /cancel while it is open);
    for conversation in staff_input.conversations():
        app.add_handler(conversation)
    app.add_handler(intake.conversation())
    # 2. commands and buttons that work anywhere, also in the middle of a draft (staff
    #    handlers check the role on every update);
    for handler in (
        start.handlers()
        + my_issues.handlers()
        + staff.handlers()
        + topics.handlers()
        + admin.handlers()
        + candidates.handlers()
    ):
        app.add_handler(handler)  # type: ignore[arg-type]
    # 3. whatever nothing above understood: stale buttons, unknown commands, odd media.
    for handler in fallbacks.handlers():
        app.add_handler(handler)  # type: ignore[arg-type]
    app.add_error_handler(fallbacks.on_error)


async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(app, ConsultationApp)
    await commands.publish_menus(app.bot, app.services.settings.default_locale)
    # Not awaited: the bot answers while the word dictionary loads in a worker thread.
    warm_up = asyncio.create_task(app.services.similar.warm_up())
    app.services.background.add(warm_up)
    warm_up.add_done_callback(app.services.background.discard)
    # Each township's category model learns from what staff confirmed so far (in a thread).
    for township in await app.services.directory.townships():
        app.services.categories.retrain_soon(township.id)
    # Pushes queued in the outbox go out from now on (post_stop lets the last one finish).
    await start_dispatcher(app)
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall every chat for tens of milliseconds.
    gc.freeze()


def build_application(
    settings: Settings,
    session_factory: SessionFactory,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    webhook: bool = False,
    read_session_factory: SessionFactory | None = None,
) -> ConsultationApp:
    services = Services(
        settings=settings,
        session_factory=session_factory,
        clock=clock or SystemClock(),
        read_factory=read_session_factory,
    )
    processor = PerChatUpdateProcessor(settings.concurrent_updates)
    builder = (
        Application.builder()
        .application_class(ConsultationApp, kwargs={"services": services})
        .token(settings.bot_token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.resolved_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .persistence(DatabasePersistence(ConversationStore(session_factory)))
        .concurrent_updates(processor)
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.max_messages_per_second,
                overall_time_period=1,
                max_retries=3,
            )
        )
        .post_init(on_startup)
        .post_stop(stop_dispatcher)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    if webhook:
        # Updates arrive on our own aiohttp endpoint (bot/webhook.py), not from getUpdates.
        builder = builder.updater(None)
    app = builder.build()
    assert isinstance(app, ConsultationApp)
    # Flush conversation state after every update, not once a minute (see update_processor).
    processor.after_update = app.update_persistence
    register_handlers(app)
    return app
