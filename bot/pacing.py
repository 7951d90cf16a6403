"""Outgoing messages at Telegram's pace, the most urgent first.

Telegram allows a bot about 30 messages a second overall and 20 a minute to a group (one a
second to a private chat is enforced by the dispatcher, which knows the chat's queue). This
rate limiter replaces PTB's AIORateLimiter, which serves requests in arrival order: behind a
broadcast of thousands, a person's answer to their own tap would wait for the whole queue.
Here every message takes the next free slot of the overall pace, and a waiting message with
a better priority always goes first:

* `REPLY` (0): answers to what a person just did (every call without rate-limit arguments);
* pushes from the outbox carry their row's priority (bot/services/outbox.py: a meeting
  reminder before a monthly digest).

Who retries: a push is never retried here (its `max_retries` is 0): a 429 goes back to the
dispatcher, which reschedules the row durably after `retry_after`. An answer has no row to
wait in, so it is retried here after `retry_after`, up to `max_retries` times.

With several bot processes, each paces its own sends: give each a share of the overall
limit (MAX_MESSAGES_PER_SECOND divided by the number of processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypedDict

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot import metrics

log = logging.getLogger(__name__)

REPLY = 0
# Pushes use this share of the overall limit; the rest is kept for answers. Telegram counts
# messages as they arrive, and a burst of pushes whose sends were spaced correctly can still
# arrive bunched: without the margin an answer typed during a broadcast would meet a 429 and
# wait for the window to clear.
PUSH_SHARE = 0.95
GROUP_WINDOW_SECONDS = 60.0
CATCH_UP_SECONDS = 0.02


class PaceArgs(TypedDict, total=False):
    priority: int  # lower goes first; REPLY when absent
    max_retries: int  # 429 answers retried here after retry_after


def paced(endpoint: str) -> bool:
    """Calls that count against Telegram's message limits (not getMe, callbacks, files…)."""
    return endpoint.startswith(("send", "copyMessage", "forwardMessage", "editMessage"))


def _is_group(chat_id: object) -> bool:
    # Private chats have the user's (positive) id; groups and channels negative ids.
    try:
        return int(str(chat_id)) < 0
    except ValueError:
        return True  # "@channelname"


class PriorityPacer(BaseRateLimiter[PaceArgs]):
    def __init__(
        self,
        per_second: float,
        *,
        group_per_minute: float = 20,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        push_share: float = PUSH_SHARE,
    ) -> None:
        self._interval = 1.0 / per_second
        self._limit = max(1, int(per_second))
        self._push_interval = self._interval / push_share
        self._push_limit = max(1, int(per_second * push_share))
        self._recent: deque[float] = deque()  # when the slots of the last second were given
        self._group_limit = group_per_minute
        self._max_retries = max_retries
        self._clock = clock
        self._next_slot = 0.0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._groups: dict[str, deque[float]] = {}

    async def initialize(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._hand_out_slots(), name="send-pacer")

    async def shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for _, _, waiter in self._waiting:
            if not waiter.done():
                waiter.cancel()
        self._waiting.clear()

    @property
    def queued(self) -> int:
        return sum(1 for _, _, waiter in self._waiting if not waiter.done())

    async def slot(self, priority: int = REPLY) -> None:
        """Wait for the next free slot of the overall pace, the best priority first."""
        if self._task is None or self._task.done():
            await self.initialize()
        if not self._waiting and self._take_free_slot(priority):
            # Nobody queued and the pace allows it now: no hand-off through the pacer task
            # (each hand-off is a turn of the event loop, and every answer pays it).
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), waiter))
        self._wake.set()
        await waiter

    def _limit_for(self, priority: int) -> int:
        return self._limit if priority == REPLY else self._push_limit

    def _take_free_slot(self, priority: int) -> bool:
        """Give the caller the current slot if it is free; False when it must wait."""
        now = self._clock()
        if now < self._next_slot:
            return False
        self._forget_older_than_a_second(now)
        if len(self._recent) >= self._limit_for(priority):
            return False
        self._next_slot = max(self._next_slot, now - CATCH_UP_SECONDS)
        self._give(priority, now)
        return True

    def _forget_older_than_a_second(self, now: float) -> None:
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()

    def _give(self, priority: int, now: float) -> None:
        self._recent.append(now)
        self._next_slot += self._interval if priority == REPLY else self._push_interval

    async def _hand_out_slots(self) -> None:
        while True:
            while not self._waiting:
                self._wake.clear()
                await self._wake.wait()
            now = self._clock()
            if now < self._next_slot:
                # New waiters cannot go earlier than the slot, only ahead in the queue.
                await asyncio.sleep(self._next_slot - now)
                continue
            # A sleep ends late on a busy loop: the slots missed meanwhile are handed out
            # now, but never more than a short moment's worth at once (Telegram counts
            # messages per second; a burst would run into its limit).
            self._next_slot = max(self._next_slot, now - CATCH_UP_SECONDS)
            # And never more than the limit within one second, as Telegram counts.
            self._forget_older_than_a_second(now)
            while self._waiting and self._next_slot <= now:
                priority, _, waiter = self._waiting[0]
                if len(self._recent) >= self._limit_for(priority):
                    break
                heapq.heappop(self._waiting)
                if waiter.done():  # its caller gave up (cancelled)
                    continue
                waiter.set_result(None)
                self._give(priority, now)
            if self._waiting and len(self._recent) >= self._limit_for(self._waiting[0][0]):
                # Until a slot of the last second frees, or an answer arrives that may use
                # the share kept from pushes.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._recent[0] + 1.0 - now)

    async def _group_turn(self, chat_id: object) -> None:
        """At most `group_per_minute` messages in any minute to one group."""
        key = str(chat_id)
        sent = self._groups.setdefault(key, deque())
        while True:
            now = self._clock()
            while sent and now - sent[0] >= GROUP_WINDOW_SECONDS:
                sent.popleft()
            if len(sent) < self._group_limit:
                sent.append(now)
                return
            await asyncio.sleep(sent[0] + GROUP_WINDOW_SECONDS - now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: PaceArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not paced(endpoint):
            return await callback(*args, **kwargs)
        options = rate_limit_args or {}
        priority = options.get("priority", REPLY)
        retries = options.get("max_retries", self._max_retries)
        chat_id = data.get("chat_id")
        for attempt in itertools.count():
            if chat_id is not None and _is_group(chat_id):
                await self._group_turn(chat_id)
            await self.slot(priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                metrics.RATE_LIMITED.inc()
                if attempt >= retries:
                    raise
                seconds = retry_seconds(exc)
                log.info("%s rate limited; retrying in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover


def retry_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns on every read of retry_after while it migrates the attribute from int to
    # timedelta; read it quietly and accept either type.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
