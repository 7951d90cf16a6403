"""Building the Application: the one place that wires settings, storage and every handler."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot import health, jobs, metrics
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import ConsultationApp
from bot.dispatcher import start_dispatcher, stop_dispatcher
from bot.pacing import PriorityPacer
from bot.scheduler import Scheduler
from bot.services.container import Services
from bot.transport import AiohttpRequest
from bot.update_processor import ChatOrderedProcessor
from handlers import (
    admin,
    alerts,
    answers,
    calendar_admin,
    candidates,
    commands,
    fallbacks,
    figure_files,
    gatekeeper,
    inbox,
    intake,
    issue_card,
    meeting_checkin,
    meeting_create,
    meeting_people,
    meetings,
    mine,
    my_issues,
    opinion_voting,
    opinions,
    outcome_flow,
    outcomes,
    progress_flow,
    ratings,
    resolution,
    resolution_reopen,
    staff_input,
    start,
    stats,
    topics,
    townships,
    triage,
)
from handlers.long_messages import LongMessages
from handlers.notifications import render_notification
from handlers.toolkit import BotContext, Flow, FlowRouter, Route
from handlers.toolkit.scope import process_in_scope
from storage.db import Database, count_activity


def flows() -> list[Flow]:
    """Every multi-step conversation (handlers/toolkit/flows.py says how they share a chat)."""
    return [
        intake.flow(),
        answers.flow(),
        staff_input.question_flow(),
        staff_input.reason_flow(),
        staff_input.original_flow(),
        staff_input.rename_flow(),
        admin.flow(),
        # Meetings: creating one, moving one, a message to its invitees.
        meeting_create.flow(),
        meetings.move_flow(),
        meetings.message_flow(),
        # Deliberation meetings: one's opinion before, the outcome after.
        opinion_voting.flow(),
        outcome_flow.flow(),
        # After the work: resolving, a resident's rating and comment, reopening, answering.
        resolution.resolve_flow(),
        ratings.flow(),
        resolution_reopen.flow(),
        resolution.answer_flow(),
        # Follow-through: posting progress on an action item.
        progress_flow.flow(),
        # The office's figures: the dates of a custom period.
        stats.range_flow(),
    ]


def routes() -> list[Route]:
    """Every command and button outside the flows, in order of precedence."""
    return [
        # Meetings' deep links (a guest's invitation, the check-in QR code), before /start.
        *meeting_checkin.link_routes(),
        # Residents: greeting, help, language, home village; their own issues.
        *start.routes(),
        *my_issues.routes(),
        # Liaison-office staff: the inbox, an issue's card and its actions, topics,
        # candidates, how new issues are announced. Members read topics and issues.
        *inbox.routes(),
        *issue_card.routes(),
        *triage.routes(),
        *topics.routes(),
        *candidates.routes(),
        *alerts.routes(),
        # Staff and members of several townships: which one they work in.
        *townships.routes(),
        # Meetings: staff's /meetings and a meeting's card; invitees' answers; check-in.
        *meetings.routes(),
        *meeting_people.routes(),
        *meeting_checkin.routes(),
        # Deliberation meetings: opinions before (staff gather, everyone votes), the outcome
        # and its minutes after.
        *opinions.routes(),
        *opinion_voting.routes(),
        *outcomes.routes(),
        # After the work: residents answer whether the matter is still solved (回头看).
        *ratings.routes(),
        # Follow-through: /mine, an action item's card, marking it done; /record.
        *mine.routes(),
        # The office's figures: /stats and its chart, /export and /report with their files.
        *stats.routes(),
        *figure_files.routes(),
        # Admins: the working-day calendar.
        *calendar_admin.routes(),
        # Text, a photo or a voice note outside any flow: the answer to a question the office
        # asked, if one waits; else a hint.
        *answers.routes(),
        # Whatever nothing above understood: stale buttons, unknown commands, odd media.
        *fallbacks.routes(),
    ]


def register_handlers(app: ConsultationApp) -> None:
    all_flows = flows()
    # Group -1: every update passes the gatekeeper first (private chat, person, language,
    # the chat's open flows).
    titles = {flow.name: flow.title for flow in all_flows}
    long_messages = LongMessages(app.services.settings.long_message_wait_seconds)
    app.add_handler(
        TypeHandler(Update, gatekeeper.make_gatekeeper(titles, long_messages)), group=-1
    )
    # Group 0, in order: the open flow (or a flow being started) takes the update first;
    # then commands and buttons that work anywhere, also in the middle of a flow.
    app.add_handler(FlowRouter(all_flows))
    for route in routes():
        app.add_handler(route.handler)
    # Group 1, after whatever answered: the person's command menu follows their roles.
    app.add_handler(TypeHandler(Update, commands.follow_roles), group=1)
    app.add_error_handler(fallbacks.on_error)


async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(app, ConsultationApp)
    await commands.publish_menus(app.bot, app.services.settings.default_locale)
    # Not awaited: the bot answers while the word dictionary loads in a worker thread.
    warm_up = asyncio.create_task(app.services.similar.warm_up(), name="warm-up")
    app.services.background.add(warm_up)
    warm_up.add_done_callback(app.services.background.discard)
    # The dictionary lives as long as the process, like what gc.freeze() below keeps.
    warm_up.add_done_callback(lambda _task: gc.freeze())
    # Each township's category model learns from what staff confirmed so far (in a thread).
    for township in await app.services.directory.townships():
        app.services.categories.retrain_soon(township.id)
    # Pushes queued in the outbox go out from now on (post_stop lets the last one finish);
    # scheduled jobs (reminders, nags, look-backs) run when due.
    await start_dispatcher(app, render_notification)
    scheduler = Scheduler(app.services, jobs.JOB_HANDLERS)
    app.bot_data["scheduler"] = scheduler
    app.services.on_jobs = scheduler.wake
    await scheduler.start()
    await jobs.start_repeating_jobs(app.services)
    # /metrics on its own port when asked for (the webhook endpoint serves it itself).
    settings = app.services.settings
    if settings.metrics_port:
        app.bot_data["metrics_runner"] = await health.serve(
            app, settings.metrics_listen, settings.metrics_port
        )
        metrics.start_loop_watch(app.services.background)
        metrics.WARMING_UP.set_function(app.services.warming_up)
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall every chat for tens of milliseconds.
    gc.freeze()


async def on_stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The last pushes go out; the figures stop being served."""
    assert isinstance(app, ConsultationApp)
    scheduler = app.bot_data.pop("scheduler", None)
    if scheduler is not None:
        await scheduler.stop()
    await stop_dispatcher(app)
    await app.services.sent.flush(app.services)
    await metrics.stop_loop_watch(app.services.background)
    runner = app.bot_data.pop("metrics_runner", None)
    if runner is not None:
        await runner.cleanup()


def build_application(
    settings: Settings,
    database: Database,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> ConsultationApp:
    for engine in (database.writer, database.reader, database.bulk):
        if engine is not None:
            count_activity(engine, metrics.count_statement, metrics.count_commit)
    services = Services(
        settings=settings,
        session_factory=database.sessions,
        clock=clock or SystemClock(),
        read_factory=database.read_sessions,
        bulk_factory=database.bulk_sessions,
    )
    processor = ChatOrderedProcessor(settings.concurrent_updates)
    builder = (
        Application.builder()
        .application_class(ConsultationApp, kwargs={"services": services})
        .token(settings.bot_token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.resolved_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(processor)
        # Answers before pushes, pushes by their priority, at Telegram's pace (bot/pacing.py).
        .rate_limiter(PriorityPacer(settings.max_messages_per_second, max_retries=3))
        .post_init(on_startup)
        .post_stop(on_stop)
    )
    # The Bot API over aiohttp (bot/transport.py); tests hand in the in-process fake.
    builder = builder.request(request or AiohttpRequest(pool_size=64)).get_updates_request(
        get_updates_request or request or AiohttpRequest(pool_size=1, read_timeout=None)
    )
    # Updates come through bot/updates.py (stored before they are acknowledged), by long
    # polling or the webhook endpoint; PTB's own Updater is not used.
    builder = builder.updater(None)
    app = builder.build()
    assert isinstance(app, ConsultationApp)

    # Each update runs in its own unit of work, and a flooding chat is turned away early.
    async def around(update: object, handle: Awaitable[Any]) -> None:
        await process_in_scope(services, app.bot, update, handle)

    processor.around = around
    processor.gate = gatekeeper.FloodGate(services, app.bot)
    register_handlers(app)
    return app
