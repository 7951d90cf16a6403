"""One unit of work per update: opened when the update starts, committed once at its end.

    update arrives → gatekeeper (person, language, the chat's open flows)
                   → one handler (reads and writes through `context.uow`, answers into
                     `context.ui`, moves its flow)
                   → commit: the step's data and the chat's flows together
                   → caches learn what changed, the dispatcher is woken if pushes were queued
                   → the answers are sent

A handler that fails, or a domain error, rolls the whole update back and discards what it
meant to say; the person gets one clear message instead. Nothing is sent before the commit,
so the bot never reports a change that did not happen, and a crash at any point loses
nothing that was acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from telegram import Bot, CallbackQuery, Update
from telegram.error import TelegramError

from bot import metrics
from bot.i18n import translator
from bot.services import people
from bot.services.container import Services
from handlers.toolkit.outgoing import Blocked, Pressed, send_replies
from handlers.toolkit.replies import Replies
from handlers.toolkit.state import FlowStack, Frame
from storage.changes import Changes
from storage.received import ChatTurn
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

_CURRENT: ContextVar[UpdateScope | None] = ContextVar("update_scope", default=None)


class UpdateScope:
    """The unit of work, the answers and the open flows of one update (or one job)."""

    def __init__(self, services: Services, chat_id: int | None) -> None:
        self.services = services
        self.chat_id = chat_id
        self.replies = Replies()
        self.flows = FlowStack()
        # The language answers are in; the gatekeeper sets the person's own.
        self.locale = services.settings.default_locale
        # The update this scope handles: marked done with the commit (bot/updates.py).
        self.update_id: int | None = None
        # The message whose button was pressed (an edit rewrites it).
        self.pressed: Pressed | None = None
        # What the person wrote (the gatekeeper sets it): the message's text, or a long text
        # that arrived in parts, joined (handlers/long_messages.py).
        self.text: str | None = None
        self._uow: UnitOfWork | None = None
        self._reads: UnitOfWork | None = None
        self._after_commit: list[Callable[[], None]] = []
        # Whether `flows` holds what the table holds for the chat (loaded or saved here):
        # only then is it remembered (an update turned away early never loads them).
        self._flows_known = False

    @property
    def uow(self) -> UnitOfWork:
        """The update's unit of work (the connection is taken at its first statement)."""
        if self._uow is None:
            self._uow = UnitOfWork(self.services.session_factory).open()
        return self._uow

    @property
    def reads(self) -> UnitOfWork:
        """For reads only: a SQLite reader beside the single writer, or the same unit of work.

        A chat's updates run one after another, so a read connection always sees what this
        chat's previous update committed.
        """
        if self.services.read_factory is None:
            return self.uow
        if self._reads is None:
            self._reads = UnitOfWork(self.services.read_factory).open()
        return self._reads

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the update's changes are committed (e.g. fill a cache)."""
        self._after_commit.append(callback)

    async def load_flows(self) -> list[Frame]:
        """Read the chat's open flows; returns the ones that waited past their timeout."""
        if self.chat_id is None:
            return []
        self._flows_known = True
        memory = self.services.flow_memory
        text = memory.get(self.chat_id) if memory is not None else None
        if text is not None:
            self.flows = FlowStack.from_text(text)
        else:
            self.flows = FlowStack.load(await self.reads.flows.load(self.chat_id))
            await self._end_read()
            if memory is not None:
                memory.put(self.chat_id, self.flows.saved_text)
        return self.flows.pop_expired(self.services.clock.now())

    async def _end_read(self) -> None:
        """Hand a reader connection back as soon as a read is done (a separate reader only:
        ending the writer's transaction would drop the update's changes)."""
        if self._reads is not None:
            await self._reads.session.rollback()

    async def abandon(self) -> None:
        """Undo the update: roll back its writes, forget its answers and flow moves."""
        if self._uow is not None:
            await self._uow.rollback()
        self.flows.reset()
        self.replies.discard()
        self._after_commit.clear()

    async def commit(self) -> Changes:
        """Write the chat's flows with the step's data, commit once, return what changed."""
        now = self.services.clock.now()
        # The frames are turned into text once: to tell a change, to store, to remember.
        unsaved = self.flows.unsaved() if self.chat_id is not None else None
        if unsaved is not None and self.chat_id is not None:
            await self.uow.flows.save(self.chat_id, json.loads(unsaved), now)
            self._flows_known = True
        if self.update_id is not None:
            await self.uow.received.mark_handled(self.update_id, now, self._durable_replies())
            await self.uow.received.mark_sent(self.services.sent.take(), now)
        changes = await self._uow.commit() if self._uow is not None else Changes()
        if unsaved is not None:
            self.flows.mark_saved(unsaved)
        memory = self.services.flow_memory
        if memory is not None and self.chat_id is not None and self._flows_known:
            memory.put(self.chat_id, self.flows.saved_text)
        for callback in self._after_commit:
            callback()
        self._after_commit.clear()
        return changes

    def _durable_replies(self) -> dict[str, Any] | None:
        """The answers to keep with the commit, so a crash before they are sent does not
        lose them; None when there is nothing to send."""
        if not self.replies.ops:
            return None
        return {"ops": self.replies.to_json(), "pressed": self.pressed and self.pressed.to_json()}

    async def close(self) -> None:
        for uow in (self._uow, self._reads):
            if uow is not None:
                await uow.close()
        self._uow = self._reads = None


def current_scope() -> UpdateScope | None:
    return _CURRENT.get()


def require_scope() -> UpdateScope:
    scope = _CURRENT.get()
    if scope is None:
        raise RuntimeError("no update scope: handlers run inside process_in_scope")
    return scope


async def process_in_scope(
    services: Services, bot: Bot, update: object, handle: Awaitable[Any]
) -> None:
    """Run PTB's handling of one update inside its scope; commit, then answer."""
    if not isinstance(update, Update):
        await handle
        return
    started = time.perf_counter()
    chat = update.effective_chat
    scope = UpdateScope(services, chat.id if chat is not None else None)
    scope.update_id = update.update_id
    scope.pressed = Pressed.of(update.callback_query)
    turn = await _wait_for_chat_turn(services, scope)
    try:
        token = _CURRENT.set(scope)
        try:
            await handle
            changes = await _commit_or_apologise(scope)
        finally:
            _CURRENT.reset(token)
            await scope.close()
        services.apply(changes)
        await deliver(services, bot, scope, update)
    finally:
        if turn is not None:
            await turn.release()
    if scope.replies.ops:
        services.sent.add(update.update_id, services)
    metrics.UPDATES.labels("answered" if not scope.replies.empty else "silent").inc()
    metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)


# How long an update waits for an earlier one of its chat held by another process; past
# that, the holder is taken to have died (its update is handled when it starts again).
CHAT_TURN_SECONDS = 10.0
_CHAT_TURN_POLL = 0.02


async def _wait_for_chat_turn(services: Services, scope: UpdateScope) -> ChatTurn | None:
    """Several processes on one PostgreSQL: a chat's updates are handled and answered one
    at a time and in order, whichever process received them (one process orders them by
    itself: bot/update_processor.py)."""
    if scope.chat_id is None or scope.update_id is None:
        return None
    if not ChatTurn.needed(services.session_factory):
        return None
    deadline = time.monotonic() + CHAT_TURN_SECONDS
    while True:
        turn = ChatTurn(services.session_factory)
        if await turn.take(scope.chat_id, scope.update_id):
            return turn
        if time.monotonic() > deadline:
            log.warning("chat %s: an earlier update is still held elsewhere", scope.chat_id)
            return None
        await asyncio.sleep(_CHAT_TURN_POLL)


async def _commit_or_apologise(scope: UpdateScope) -> Changes:
    try:
        return await scope.commit()
    except Exception:
        # The database refused the commit (a constraint, a lost connection): nothing of the
        # update stays, and the answers the handler meant for a committed change are dropped.
        log.exception("commit failed; the update was rolled back")
        await scope.abandon()
        try:
            # Marked done all the same: an update that cannot be committed would fail
            # again, after every restart.
            await scope.commit()
        except Exception:
            log.exception("could not mark update %s done either", scope.update_id)
            await scope.abandon()
        scope.replies.say(
            translator(scope.locale)._(
                "Sorry, something went wrong on our side. What you entered so far is kept; "
                "please try again in a moment."
            )
        )
        return Changes()


async def deliver(services: Services, bot: Bot, scope: UpdateScope, update: Update) -> None:
    """Send the update's answers; someone who blocked the bot is marked inactive."""
    if scope.chat_id is None or (scope.replies.empty and update.callback_query is None):
        return
    user = update.effective_user
    await send_committed(
        services,
        bot,
        scope.chat_id,
        scope.replies,
        query=update.callback_query,
        pressed=scope.pressed,
        user_id=user.id if user is not None else None,
    )


async def send_committed(
    services: Services,
    bot: Bot,
    chat_id: int,
    replies: Replies,
    *,
    query: CallbackQuery | None = None,
    pressed: Pressed | None = None,
    user_id: int | None = None,
) -> None:
    """Send answers whose change is committed; someone who blocked the bot is marked
    inactive (in a private chat the chat is the person)."""
    try:
        await send_replies(bot, chat_id, query, replies, pressed)
    except Blocked:
        person = user_id if user_id is not None else chat_id if chat_id > 0 else None
        if person is not None:
            async with services.uow() as uow:
                await people.mark_blocked(uow, person, services.clock.now())
                services.apply(await uow.commit())
    except TelegramError:
        # Committed, but the answer did not get through (network, Telegram trouble): the
        # person sees the change under /my, and nothing is repeated on their next message.
        log.warning("could not deliver the answer to chat %s", chat_id, exc_info=True)


@asynccontextmanager
async def job_scope(services: Services, bot: Bot, chat_id: int) -> AsyncIterator[UpdateScope]:
    """A scope for work that is not an update (a delayed answer): same rules, own commit."""
    scope = UpdateScope(services, chat_id)
    token = _CURRENT.set(scope)
    try:
        await scope.load_flows()
        yield scope
        changes = await scope.commit()
    finally:
        _CURRENT.reset(token)
        await scope.close()
    services.apply(changes)
    if not scope.replies.empty:
        try:
            await send_replies(bot, chat_id, None, scope.replies)
        except (Blocked, TelegramError):
            log.info("could not send a delayed answer to chat %s", chat_id, exc_info=True)
