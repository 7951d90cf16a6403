"""The notification dispatcher: the one component that pushes messages nobody asked for.

Services write pushes into the outbox (bot/services/outbox.py) in the same transaction as
the change they report; this loop claims due rows, renders them in the recipient's language
and sends them. Its promises:

* a row is sent at most once while things work: claims are atomic (storage/notifications.py)
  and every outcome is written only if this dispatcher's claim still holds;
* transient trouble is retried: a 429 waits for Telegram's ``retry_after`` (not counted as a
  failed attempt, up to `max_rate_limits` in a row); timeouts, network errors and 5xx back off
  (5 s, 30 s, 2 min, 10 min, then hourly) until `max_attempts`, then the row is ``failed``;
* a person who blocked the bot (403) is marked inactive, and their rows are ``skipped``;
  a 400 (chat not found, …) cannot improve by waiting and fails at once;
* at most one push per second goes to a chat (Telegram's private-chat limit; PTB's
  AIORateLimiter only enforces the overall and group limits): a row that would break it is
  handed back and becomes due when the chat is free again.

Two cases can still deliver a push twice, both outside normal operation: a dispatcher dies
(or stalls past its lease) after Telegram accepted a message but before the outcome was
written, and the row is claimed again when the lease runs out; or Telegram accepts a message
but the answer times out, and the retry sends it again.

All scheduling uses the injected clock (services.clock), so tests move time by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ExtBot

from bot import metrics
from bot.config import SUPPORTED_LOCALES
from bot.context import ConsultationApp
from bot.i18n import locale_for_language_code
from bot.pacing import retry_seconds
from bot.plain_calls import html_message, plain_call
from bot.services.container import Services
from storage.notifications import (
    ClaimedNotification,
    rate_limit_streak,
    rate_limited_note,
)

log = logging.getLogger(__name__)

_SEND_MESSAGE = "sendMessage"

BACKOFF: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
MAX_ERROR_CHARS = 500
ALBUM_LIMIT = 10  # photos per album (Telegram's limit)
# The application keeps its dispatcher here (bot_data is not persisted in this bot).
_APP_KEY = "notification_dispatcher"


@dataclass(frozen=True)
class RenderedPush:
    """One push as it goes out: photos first (one, or albums of up to ten: a progress
    update's pictures), then the text with its buttons, then a file (a report).

    A push of several messages that fails half-way is sent again whole on the retry: the
    photos of a retried push can arrive twice, the text cannot arrive without them.
    """

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    photos: tuple[str, ...] = ()  # Telegram file ids
    document: tuple[str, bytes] | None = None  # (file name, content)


# (kind, payload, locale) → the push, or just (HTML text, inline keyboard or None); the
# wiring passes the Telegram layer's renderer in, so this module does not depend on handlers/.
Renderer = Callable[
    [str, Mapping[str, Any], str],
    RenderedPush | tuple[str, InlineKeyboardMarkup | None],
]
# Never spin: even when a row is due "now" (e.g. locked by another dispatcher's claim that
# has not committed yet), wait this long before the next pass.
_MIN_IDLE_SECONDS = 0.05
# Successful sends recorded in one statement at most (see NotificationDispatcher._record_sent).
_SENT_FLUSH_ROWS = 32
_SENT_FLUSH_SECONDS = 0.25
# How often old rows are deleted and the outbox figures refreshed.
_HOUSEKEEPING_SECONDS = 60.0


@dataclass(frozen=True)
class _Outgoing:
    """A claimed row cleared for sending, and the chat reservation made for it."""

    claim: ClaimedNotification
    chat_id: int
    push: RenderedPush
    reserved_at: datetime
    previous_push: datetime | None


class NotificationDispatcher:
    """Sends outbox rows; `start()` runs it as a task, `run_once()` is one pass."""

    def __init__(
        self,
        services: Services,
        bot: Bot,
        render: Renderer,
        *,
        batch_size: int = 200,
        poll_interval: float = 5.0,
        lease: timedelta = timedelta(minutes=5),
        per_chat_interval: timedelta = timedelta(seconds=1),
        max_attempts: int = 8,
        max_rate_limits: int = 10,
        max_concurrent_sends: int = 32,
        send_timeout: float = 60.0,
        backoff: Sequence[timedelta] = BACKOFF,
    ) -> None:
        if send_timeout >= lease.total_seconds():
            # A send still running when its claim expires could be claimed and sent again.
            raise ValueError("send_timeout must be shorter than the lease")
        if not backoff:
            raise ValueError("backoff needs at least one delay")
        self._services = services
        self._bot = bot
        self._render = render
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lease = lease
        self._per_chat = per_chat_interval
        self._max_attempts = max_attempts
        self._max_rate_limits = max_rate_limits
        self._send_slots = asyncio.Semaphore(max_concurrent_sends)
        self._send_timeout = send_timeout
        self._backoff = tuple(backoff)
        # When each chat last got (or is about to get) a push from this process.
        self._last_push: dict[int, datetime] = {}
        # Sends that succeeded and are waiting to be recorded (see _record_sent).
        self._sent: list[ClaimedNotification] = []
        self._sent_since = 0.0
        self._broadcasting = False
        self._flushing = asyncio.Lock()
        self._next_housekeeping = 0.0
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Run a pass now (call after committing a change that queued pushes).

        Calls coalesce: any number of wakes during a pass lead to one more pass.
        """
        self._wake.set()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        # The loop starts with a pass: it sends whatever was left from before a restart.
        self._task = asyncio.create_task(self._run(), name="notification-dispatcher")
        log.info("notification dispatcher started")

    async def stop(self) -> None:
        """Finish the sends in flight; rows not yet sent stay pending for the next start."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        await task
        log.info("notification dispatcher stopped")

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                handled = await self.run_once()
                await self._housekeeping()
                delay = await self._idle_seconds(progressed=handled > 0)
            except Exception:
                # The database may be briefly unavailable; the rows wait in it meanwhile.
                log.exception("notification pass failed; retrying")
                delay = self._poll_interval
            if self._stopping:
                break
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _idle_seconds(self, *, progressed: bool = False) -> float:
        """How long to sleep: until the next row is due, at most the poll interval; not at
        all when this pass sent something and more is due (a broadcast goes on at once)."""
        async with self._services.uow() as uow:
            next_due = await uow.notifications.next_due()
        if next_due is None:
            return self._poll_interval
        wait = (next_due - self._services.clock.now()).total_seconds()
        if progressed and wait <= 0:
            return 0.0
        return min(self._poll_interval, max(wait, _MIN_IDLE_SECONDS))

    async def _housekeeping(self) -> None:
        """Now and then: delete settled rows and handled updates older than the keep time."""
        moment = time.monotonic()
        if moment < self._next_housekeeping:
            return
        self._next_housekeeping = moment + _HOUSEKEEPING_SECONDS
        await self.housekeep()

    async def housekeep(self) -> None:
        """Delete settled rows and handled updates older than the keep time, now."""
        keep_days = self._services.settings.outbox_keep_days
        if keep_days <= 0:
            return
        before = self._services.clock.now() - timedelta(days=keep_days)
        async with self._services.uow() as uow:
            pruned = await uow.notifications.prune(before)
            pruned_updates = await uow.received.prune(before)
            await uow.commit()
        if pruned or pruned_updates:
            log.info("deleted %d old outbox rows and %d old updates", pruned, pruned_updates)

    async def counts(self) -> dict[str, int]:
        """Rows per status, for a health figure (a growing "failed" count needs a look)."""
        async with self._services.uow() as uow:
            return await uow.notifications.counts_by_status()

    # -- one pass ---------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim the due rows and settle each of them; returns how many were claimed."""
        now = self._services.clock.now()
        async with self._services.uow() as uow:
            batch = await uow.notifications.claim_due(
                now=now, limit=self._batch_size, lease=self._lease, chat_gap=self._per_chat
            )
            await uow.commit()
        if not batch:
            return 0
        outgoing = await self._settle_unsendable(batch, now)
        self._broadcasting = len(outgoing) > _SENT_FLUSH_ROWS
        await asyncio.gather(*(self._deliver_in_slot(push) for push in outgoing))
        await self._flush_sent()
        return len(batch)

    async def _settle_unsendable(
        self, batch: Sequence[ClaimedNotification], now: datetime
    ) -> list[_Outgoing]:
        """Skip, give up or hand back what must not be sent now; returns the rest, rendered.

        Decided before any await, so passes that overlap see each other's chat reservations.
        """
        self._forget_idle_chats(now)
        outgoing: list[_Outgoing] = []
        skips: list[tuple[ClaimedNotification, str]] = []
        failures: list[tuple[ClaimedNotification, str]] = []
        releases: list[tuple[ClaimedNotification, datetime]] = []
        planned: dict[int, datetime] = {}
        for claim in batch:
            if claim.chat_id is None:
                skips.append((claim, "recipient has no chat with the bot"))
                continue
            if not claim.active:
                skips.append((claim, "recipient is inactive (blocked the bot)"))
                continue
            if claim.attempts > self._max_attempts:
                # Claimed again and again without an outcome: each of its sends ended the
                # process (or stalled past the lease). Stop before it does so again.
                failures.append((claim, f"no outcome after {self._max_attempts} attempts"))
                continue
            try:
                rendered = self._render(claim.kind, claim.payload, self._locale(claim))
                if not isinstance(rendered, RenderedPush):
                    rendered = RenderedPush(*rendered)
            except (KeyError, ValueError, TypeError) as exc:
                # A row this code cannot render will not render later either.
                failures.append((claim, f"cannot render: {self._describe(exc)}"))
                continue
            chat_id = claim.chat_id
            free_at = planned.get(chat_id) or self._chat_free_at(chat_id)
            if free_at is not None and free_at > now:
                releases.append((claim, free_at))
            else:
                # Reserve the chat now, before any await, against overlapping passes.
                previous = self._last_push.get(chat_id)
                self._last_push[chat_id] = now
                outgoing.append(_Outgoing(claim, chat_id, rendered, now, previous))
                free_at = now
            # Further rows for this chat in the batch queue up one interval apart.
            planned[chat_id] = free_at + self._per_chat
        if skips or failures or releases:
            async with self._services.uow() as uow:
                for claim, reason in skips:
                    await uow.notifications.skip(claim, reason=reason, now=now)
                for claim, error in failures:
                    await uow.notifications.give_up(claim, error=error, now=now)
                for claim, at in releases:
                    await uow.notifications.release(claim, at=at)
                await uow.commit()
            metrics.PUSHES.labels("skipped").inc(len(skips))
            metrics.PUSHES.labels("failed").inc(len(failures))
            for claim, reason in skips:
                log.info(
                    "notification %s to person %s skipped: %s", claim.id, claim.recipient_id, reason
                )
            for claim, error in failures:
                log.warning(
                    "notification %s to person %s failed: %s", claim.id, claim.recipient_id, error
                )
        return outgoing

    def _chat_free_at(self, chat_id: int) -> datetime | None:
        last = self._last_push.get(chat_id)
        return None if last is None else last + self._per_chat

    def _forget_idle_chats(self, now: datetime) -> None:
        if len(self._last_push) > 1024:
            horizon = now - self._per_chat
            for chat_id in [c for c, at in self._last_push.items() if at < horizon]:
                del self._last_push[chat_id]

    async def _deliver_in_slot(self, push: _Outgoing) -> None:
        async with self._send_slots:
            if self._stopping:
                # Not sent after all: free the chat's reservation and hand the row back.
                if self._last_push.get(push.chat_id) == push.reserved_at:
                    if push.previous_push is None:
                        del self._last_push[push.chat_id]
                    else:
                        self._last_push[push.chat_id] = push.previous_push
                async with self._services.uow() as uow:
                    await uow.notifications.release(push.claim, at=self._services.clock.now())
                    await uow.commit()
                return
            try:
                await self._deliver(push)
            except Exception:
                # Recording the outcome failed (the database went away): the row stays
                # claimed and is retried when its lease runs out.
                log.exception("notification %s: could not record the outcome", push.claim.id)

    def _locale(self, claim: ClaimedNotification) -> str:
        if claim.locale in SUPPORTED_LOCALES:
            return claim.locale
        settings = self._services.settings
        return locale_for_language_code(
            claim.language_code,
            settings.default_locale,
            default_is_explicit="default_locale" in settings.model_fields_set,
        )

    def _describe(self, exc: BaseException) -> str:
        name, detail = type(exc).__name__, str(exc)
        # Telegram's descriptions often start with the error's name already ("Forbidden: …").
        text = detail if detail.startswith(name) else f"{name}: {detail}"
        # Errors from the HTTP layer can quote the request URL, which contains the token.
        for secret in (self._bot.token, self._bot.token.partition(":")[2]):
            if secret:
                text = text.replace(secret, "<token>")
        return text[:MAX_ERROR_CHARS]

    def _backoff_after(self, attempts: int) -> timedelta:
        return self._backoff[min(max(attempts, 1), len(self._backoff)) - 1]

    async def _deliver(self, push: _Outgoing) -> None:
        claim, chat_id = push.claim, push.chat_id
        try:
            for call, is_media in self._calls(chat_id, push.push, claim.priority):
                try:
                    await asyncio.wait_for(call, timeout=self._send_timeout)
                except BadRequest as exc:
                    if not is_media:
                        raise
                    # A photo Telegram refuses (an unknown or expired file id) must not cost
                    # the words: they go out alone, and a retry could not do better.
                    log.warning("notification %s: photos left out: %s", claim.id, exc)
        except RetryAfter as exc:
            await self._rate_limited(claim, exc)
        except Forbidden as exc:
            await self._unreachable(claim, exc)
        except (BadRequest, ChatMigrated) as exc:
            # BadRequest before the network errors: PTB derives it from NetworkError.
            await self._give_up(claim, self._describe(exc))
        except (TelegramError, TimeoutError) as exc:
            # TimedOut, NetworkError (5xx, connection trouble) and the rest: try again later.
            await self._transient(claim, exc)
        except Exception as exc:
            # Not a Telegram answer: possibly our environment rather than the row, so it is
            # retried like a network error (and given up after as many attempts).
            log.exception("notification %s: unexpected error while sending", claim.id)
            await self._transient(claim, exc)
        else:
            now = self._services.clock.now()
            self._last_push[chat_id] = max(self._last_push.get(chat_id, now), now)
            await self._record_sent(claim)

    async def _record_sent(self, claim: ClaimedNotification) -> None:
        """Sends are recorded a few at a time: one statement and commit for many rows.

        A row whose send succeeded but is not recorded yet is what a crash can send twice
        (and, claimed still, holds back the person's next push until its lease runs out),
        so only a large pass (a broadcast) waits, and briefly: `_SENT_FLUSH_ROWS` rows,
        `_SENT_FLUSH_SECONDS`, or the end of the pass, whichever comes first.
        """
        now = time.monotonic()
        if not self._sent:
            self._sent_since = now
        self._sent.append(claim)
        if (
            not self._broadcasting
            or len(self._sent) >= _SENT_FLUSH_ROWS
            or now - self._sent_since >= _SENT_FLUSH_SECONDS
        ):
            await self._flush_sent()

    async def _flush_sent(self) -> None:
        async with self._flushing:
            claims, self._sent = self._sent, []
            if not claims:
                return
            async with self._services.uow() as uow:
                owned = await uow.notifications.mark_all_sent(
                    claims, now=self._services.clock.now()
                )
                await uow.commit()
        metrics.PUSHES.labels("sent").inc(len(claims))
        for claim in claims:
            if claim.id in owned:
                log.debug("notification %s (%s) sent", claim.id, claim.kind)
            else:
                log.warning("notification %s was sent after its claim expired", claim.id)

    def _calls(
        self, chat_id: int, push: RenderedPush, priority: int
    ) -> Iterator[tuple[Awaitable[object], bool]]:
        """The Bot API calls of one push, in order (made one at a time by the caller), each
        with whether it only carries photos.

        The pacer (bot/pacing.py) sends them by the row's priority and does not retry a 429:
        the row is rescheduled here, durably.
        """
        pace: dict[str, Any] = (
            {"rate_limit_args": {"priority": priority, "max_retries": 0}}
            if isinstance(self._bot, ExtBot)
            else {}
        )
        for start in range(0, len(push.photos), ALBUM_LIMIT):
            chunk = push.photos[start : start + ALBUM_LIMIT]
            if len(chunk) == 1:
                yield self._bot.send_photo(chat_id, chunk[0], **pace), True
            else:
                album = [InputMediaPhoto(f) for f in chunk]
                yield self._bot.send_media_group(chat_id, album, **pace), True
        # The sent message itself is not needed: the plain call spares building a Message
        # from Telegram's answer, a fifth of the work of each push in a broadcast.
        words = html_message(chat_id, push.text, push.keyboard)
        yield plain_call(self._bot, _SEND_MESSAGE, words, **pace), False
        if push.document is not None:
            filename, content = push.document
            yield (
                self._bot.send_document(chat_id, InputFile(content, filename=filename), **pace),
                False,
            )

    async def _rate_limited(self, claim: ClaimedNotification, exc: RetryAfter) -> None:
        now = self._services.clock.now()
        seconds = retry_seconds(exc)
        streak = rate_limit_streak(claim.last_error) + 1
        note = rate_limited_note(streak, self._describe(exc))
        if streak > self._max_rate_limits:
            await self._give_up(claim, note)
            return
        metrics.PUSHES.labels("rate_limited").inc()
        at = now + timedelta(seconds=seconds)
        # Telegram asked for quiet in this chat: hold its other rows back as well.
        assert claim.chat_id is not None
        self._last_push[claim.chat_id] = max(
            self._last_push.get(claim.chat_id, now), at - self._per_chat
        )
        async with self._services.uow() as uow:
            await uow.notifications.reschedule(claim, at=at, error=note, count_attempt=False)
            await uow.commit()
        log.info("notification %s rate limited; retrying in %.0f s", claim.id, seconds)

    async def _unreachable(self, claim: ClaimedNotification, exc: Forbidden) -> None:
        now = self._services.clock.now()
        reason = self._describe(exc)
        metrics.PUSHES.labels("blocked").inc()
        async with self._services.uow() as uow:
            await uow.notifications.mark_person_inactive(claim.recipient_id, now=now)
            await uow.notifications.skip(claim, reason=reason, now=now, tried=True)
            await uow.commit()
        if claim.telegram_id is not None:
            # The gatekeeper's cache must not keep them active; writing again reactivates.
            self._services.people.forget(claim.telegram_id)
        log.info("person %s cannot be reached; marked inactive", claim.recipient_id)

    async def _transient(self, claim: ClaimedNotification, exc: BaseException) -> None:
        error = self._describe(exc)
        if claim.attempts >= self._max_attempts:
            await self._give_up(claim, error)
            return
        delay = self._backoff_after(claim.attempts)
        metrics.PUSHES.labels("retried").inc()
        async with self._services.uow() as uow:
            await uow.notifications.reschedule(
                claim, at=self._services.clock.now() + delay, error=error
            )
            await uow.commit()
        log.info(
            "notification %s attempt %s failed (%s); retrying in %s",
            claim.id,
            claim.attempts,
            type(exc).__name__,
            delay,
        )

    async def _give_up(self, claim: ClaimedNotification, error: str) -> None:
        metrics.PUSHES.labels("failed").inc()
        async with self._services.uow() as uow:
            await uow.notifications.give_up(claim, error=error, now=self._services.clock.now())
            await uow.commit()
        log.warning("notification %s to person %s failed: %s", claim.id, claim.recipient_id, error)


# -- wiring into the application ------------------------------------------------------------------


def dispatcher_of(app: Application[Any, Any, Any, Any, Any, Any]) -> NotificationDispatcher | None:
    found = app.bot_data.get(_APP_KEY)
    return found if isinstance(found, NotificationDispatcher) else None


def wake(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Called after a commit that queued pushes: they go out within moments."""
    dispatcher = dispatcher_of(app)
    if dispatcher is not None:
        dispatcher.wake()


async def start_dispatcher(
    app: Application[Any, Any, Any, Any, Any, Any], render: Renderer
) -> None:
    """Start the application's dispatcher (once; later calls keep the running one)."""
    assert isinstance(app, ConsultationApp)
    dispatcher = dispatcher_of(app)
    if dispatcher is None:
        lease = app.services.settings.outbox_lease_seconds
        dispatcher = NotificationDispatcher(
            app.services,
            app.bot,
            render,
            lease=timedelta(seconds=lease),
            # A send must end well inside its lease, or a second claim could send it again.
            send_timeout=min(60.0, lease / 2),
        )
        app.bot_data[_APP_KEY] = dispatcher
        app.services.on_outbox = dispatcher.wake
    await dispatcher.start()


async def stop_dispatcher(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Let the sends in flight finish; unsent rows stay pending for the next start."""
    dispatcher = dispatcher_of(app)
    if dispatcher is not None:
        await dispatcher.stop()
