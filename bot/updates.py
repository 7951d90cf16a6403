"""Updates from Telegram are stored before they are acknowledged, and handled once.

* **Webhook**: the body is checked to be an update, stored, and only then answered 200. A
  replayed update (Telegram retries when an answer is lost) is answered 200 and not handled
  again; a body that is not an update gets 400.
* **Polling**: a batch from getUpdates is stored before the next getUpdates acknowledges it
  (the offset moves on only then).
* **Handling**: an update is marked handled in the transaction of its handling, with the
  answers it is to send (see handlers/toolkit/scope.py), so its effects, its answers and
  "handled" are committed together; once the answers went out it is done
  (bot/sent_marks.py).
* **After a restart**, answers committed but not sent are sent, then what was stored but
  not handled is handled, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from bot.context import ConsultationApp
from bot.pacing import retry_seconds
from bot.plain_calls import plain_call
from handlers.toolkit.outgoing import Pressed
from handlers.toolkit.replies import Replies
from handlers.toolkit.scope import send_committed
from storage.received import ChatTurn
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# The kinds of update the bot asks for (and accepts from a webhook).
ALLOWED_UPDATES = Update.ALL_TYPES
POLL_TIMEOUT = 30
# A long poll is answered within its timeout; the margin covers the way there and back.
LONG_POLL_MARGIN = 10.0
RECOVERY_BATCH = 1000


def shape_problem(data: object) -> str | None:
    """Why a body is not an update, or None when it is one (Update.de_json trusts it)."""
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    update_id = data.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int) or update_id < 0:
        return "no update_id"
    kinds = [key for key in data if key != "update_id"]
    if len(kinds) != 1:
        return "an update carries exactly one kind of content"
    if kinds[0] not in ALLOWED_UPDATES or not isinstance(data[kinds[0]], dict):
        return f"{kinds[0]!r} is not a kind of update"
    return None


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _strip_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_nul(item) for item in value]
    return value


def chat_of(update: Update) -> int | None:
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


class UpdateIntake:
    """Stores updates, then hands the new ones to the application's queue."""

    def __init__(self, app: ConsultationApp) -> None:
        self._app = app
        # On PostgreSQL several processes may take a chat's updates: its flood count is
        # theirs together (bot/services/flood.py).
        self._shared = ChatTurn.needed(app.services.session_factory)

    async def _count_arrivals_everywhere(self, uow: UnitOfWork, chats: set[int | None]) -> None:
        services = self._app.services
        flood = services.flood
        since = services.clock.now() - timedelta(seconds=flood.window)
        counts = await uow.received.arrivals_since([c for c in chats if c is not None], since)
        now = time.monotonic()
        for chat_id, count in counts.items():
            flood.arrived_everywhere(chat_id, count, now)

    async def store(self, batch: Sequence[dict[str, Any]]) -> list[Update]:
        """Store a batch (Telegram's JSON, as it came) in one transaction; returns the
        updates not seen before, to be handed on (`hand_on`)."""
        if not batch:
            return []
        services = self._app.services
        updates = []
        rows = []
        for payload in batch:
            if _has_nul(payload):
                # NUL characters mean nothing in a message and PostgreSQL cannot store them
                # in text: such an update (rare; a cheap scan finds it) is kept without.
                payload = _strip_nul(payload)
            update = Update.de_json(payload, self._app.bot)
            updates.append(update)
            rows.append((update.update_id, chat_of(update), payload))
        async with services.uow() as uow:
            new = await uow.received.accept(rows, services.clock.now())
            await uow.commit()
            if self._shared:
                await self._count_arrivals_everywhere(uow, {row[1] for row in rows})
        return [update for update in updates if update.update_id in new]

    async def hand_on(self, updates: Sequence[Update]) -> None:
        """Queue stored updates for handling, in order."""
        for update in updates:
            await self._app.update_queue.put(update)

    async def accept(self, batch: Sequence[dict[str, Any]]) -> int:
        """Store a batch and queue the updates not seen before; returns how many those were."""
        new = await self.store(batch)
        await self.hand_on(new)
        return len(new)

    async def accept_json(self, data: dict[str, Any]) -> bool:
        """A webhook body (checked already): stored, and queued when new."""
        return await self.accept([data]) == 1

    async def recover(self) -> int:
        """Send the answers a stop cut off; queue what was stored but not handled before the
        last stop, oldest first. Returns how many updates are handled again."""
        services = self._app.services
        async with services.uow() as uow:
            unsent = await uow.received.unsent(RECOVERY_BATCH)
            unfinished = await uow.received.unfinished(RECOVERY_BATCH)
        for update_id, chat_id, stored in unsent:
            replies = Replies.from_json(stored["ops"])
            pressed = Pressed.from_json(stored.get("pressed"))
            await send_committed(services, self._app.bot, chat_id, replies, pressed=pressed)
            services.sent.add(update_id, services)
        if unsent:
            log.info("sent the answers of %d updates a stop had cut off", len(unsent))
        for payload in unfinished:
            await self._app.update_queue.put(Update.de_json(payload, self._app.bot))
        if unfinished:
            log.info("handling %d updates accepted before the last stop", len(unfinished))
        return len(unfinished)


async def poll(
    app: ConsultationApp,
    intake: UpdateIntake,
    stop: asyncio.Event,
    *,
    timeout: int = POLL_TIMEOUT,  # noqa: ASYNC109 - getUpdates' own long-poll parameter
    margin: float = LONG_POLL_MARGIN,
) -> None:
    """Long-poll getUpdates until `stop` is set; each batch is stored before it is
    acknowledged by the next call's offset. A poll not answered within `timeout` + `margin`
    seconds is given up and asked again.

    The next poll is asked for as soon as a batch is stored, before its updates are handled:
    an update that arrives meanwhile is not held at Telegram while the bot works on the
    previous ones.
    """
    offset: int | None = None
    failures = 0
    async with _LongPolls(app, stop, timeout, margin) as polls:
        polls.ask(offset)
        while not stop.is_set():
            try:
                updates = await polls.answer()
            except RetryAfter as error:
                await _pause(stop, retry_seconds(error))
                polls.ask(offset)
                continue
            except TimedOut:
                # A long poll that outlived its read timeout (a proxy holding it, a server
                # that answers late): nothing came, so ask again at once. Backing off here
                # would leave everyone waiting for the next answer.
                log.debug("getUpdates timed out; asking again")
                polls.ask(offset)
                continue
            except (NetworkError, TelegramError) as error:
                failures += 1
                log.warning("getUpdates failed (%s); trying again", error)
                await _pause(stop, min(30.0, 0.5 * 2**failures))
                polls.ask(offset)
                continue
            failures = 0
            if updates is None:
                return  # stopped during a long poll: what it would have brought comes next time
            if not updates:
                polls.ask(offset)
                continue
            try:
                new = await intake.store(updates)
            except Exception:
                # Not stored: not acknowledged either (the offset stays), so they come again.
                log.exception("could not store %d updates; asking for them again", len(updates))
                await _pause(stop, 1.0)
                polls.ask(offset)
                continue
            offset = int(updates[-1]["update_id"]) + 1
            polls.ask(offset)
            await intake.hand_on(new)


async def _get_updates(
    app: ConsultationApp,
    offset: int | None,
    timeout: int,  # noqa: ASYNC109 - getUpdates' own long-poll parameter
    margin: float,
) -> list[dict[str, Any]]:
    """One getUpdates, as Telegram's JSON: each update is stored as it came, and built into
    an `Update` once (bot/plain_calls.py)."""
    words: dict[str, Any] = {"timeout": timeout, "allowed_updates": list(ALLOWED_UPDATES)}
    if offset is not None:
        words["offset"] = offset
    result = await plain_call(app.bot, "getUpdates", words, read_timeout=timeout + margin)
    return list(result)


class _LongPolls:
    """The getUpdates calls of one polling loop, one at a time.

    A call is started as a task (`ask`) and its answer awaited later (`answer`), so the bot
    can hand on the previous batch while the next call is on its way. A stop cancels the
    call in flight at once instead of waiting out its long poll (up to POLL_TIMEOUT
    seconds); that loses nothing, as the call acknowledged nothing.
    """

    def __init__(
        self, app: ConsultationApp, stop: asyncio.Event, timeout: int, margin: float
    ) -> None:
        self._app = app
        self._stop = stop
        self._timeout = timeout
        self._margin = margin
        self._call: asyncio.Task[list[dict[str, Any]]] | None = None
        self._stopping: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> _LongPolls:
        self._stopping = asyncio.ensure_future(self._stop.wait())
        self._stopping.add_done_callback(lambda _stopping: self._cancel_call())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._stopping is not None:
            self._stopping.cancel()
        self._cancel_call()
        if self._call is not None:
            # Wound down before the transport is closed; its outcome no longer matters.
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await self._call

    def _cancel_call(self) -> None:
        if self._call is not None and not self._call.done():
            self._call.cancel()

    def ask(self, offset: int | None) -> None:
        """Start the next getUpdates; `offset` acknowledges what came before it."""
        self._call = asyncio.ensure_future(
            _get_updates(self._app, offset, self._timeout, self._margin)
        )

    async def answer(self) -> list[dict[str, Any]] | None:
        """The updates the call brought, or None when a stop cancelled it."""
        call = self._call
        assert call is not None, "ask() first"
        try:
            return await call
        except asyncio.CancelledError:
            current = asyncio.current_task()
            stopped = call.cancelled() and self._stop.is_set()
            if stopped and not (current is not None and current.cancelling()):
                return None
            raise


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return


class Polling:
    """Long polling as a task: started after the application, stopped before it."""

    def __init__(self, app: ConsultationApp, *, timeout: int = POLL_TIMEOUT) -> None:
        self._app = app
        self._timeout = timeout
        self.intake = UpdateIntake(app)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.intake.recover()
        self._stop.clear()
        self._task = asyncio.create_task(
            poll(self._app, self.intake, self._stop, timeout=self._timeout), name="polling"
        )

    async def stop(self) -> None:
        """No more updates are taken (those stored already are handled first)."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
