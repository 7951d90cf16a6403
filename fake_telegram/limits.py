"""Telegram's flood limits and unreliable moments, for tests and benchmarks.

`RateLimits` answers sends beyond the limits with 429 and a `retry_after`, as Telegram
does: about 30 messages a second overall, one a second to a private chat, twenty a minute
to a group. Benchmarks scale the limits up (e.g. 3,000/s and 100/s per chat) so a run is
short; `retry_after` is then fractional, which real Telegram never sends.

`Faults` makes a share of calls fail — 5xx, 403, or a hang the client times out on — by
method and chat, with a fixed seed so a run can be repeated.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

# The calls that send a message (what Telegram's flood limits count).
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendMediaGroup",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass
class _Window:
    """Events in the last `seconds`, to compare with a limit."""

    limit: float
    seconds: float
    times: deque[float] = field(default_factory=deque)

    def retry_after(self, now: float) -> float | None:
        """None when one more event fits; else how long until one does."""
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()
        if len(self.times) < self.limit:
            return None
        return max(self.times[0] + self.seconds - now, 0.001)

    def add(self, now: float) -> None:
        self.times.append(now)


class RateLimits:
    def __init__(
        self,
        overall_per_second: float = 30,
        per_chat_per_second: float = 1,
        group_per_minute: float = 20,
        *,
        whole_seconds: bool = True,
    ) -> None:
        self._overall = _Window(overall_per_second, 1.0)
        self._per_chat = per_chat_per_second
        self._group = group_per_minute
        self._chats: dict[int, _Window] = {}
        # Telegram sends whole seconds; scaled-up benchmarks need fractions.
        self._whole_seconds = whole_seconds
        self.refused = 0
        self.accepted = 0

    def check(self, chat_id: int | None, is_group: bool, now: float) -> float | None:
        """Count one send; returns retry_after (seconds) when it breaks a limit."""
        chat = None
        if chat_id is not None:
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = _Window(self._group, 60.0) if is_group else _Window(self._per_chat, 1.0)
                self._chats[chat_id] = chat
        waits = [self._overall.retry_after(now)]
        if chat is not None:
            waits.append(chat.retry_after(now))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            self.refused += 1
            return float(math.ceil(wait)) if self._whole_seconds else wait
        self._overall.add(now)
        if chat is not None:
            chat.add(now)
        self.accepted += 1
        return None


@dataclass
class Fault:
    status: int | str  # an HTTP status, or "timeout" (the call hangs)
    rate: float
    method: str | None = None
    chat_id: int | None = None


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)
        self._faults: list[Fault] = []
        self.injected = 0

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def pick(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self._faults:
            if fault.method not in (None, method) or fault.chat_id not in (None, chat_id):
                continue
            if self._random.random() < fault.rate:
                self.injected += 1
                return fault
        return None
