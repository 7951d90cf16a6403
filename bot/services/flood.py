"""Incoming flood guard: a sliding window of updates per chat, in memory.

With several processes behind one address each sees only some of a chat's updates; every
update is stored before it is handled, so there the count comes from the database instead
(bot/updates.py calls `arrived_everywhere`), and a flooding chat is turned away by whichever
process its next update reaches.

It runs when an update *arrives*, before the update waits for its chat's turn, so a chat
that floods never builds a queue in front of its own later messages, and never holds up
anyone else. An album counts once (Telegram sends one update per photo). Once a chat goes
over the limit it is "flooding" until it has been quiet for a whole window: what it sends
meanwhile, and what was still waiting, is dropped; the person is warned once.

The same text sent again and again is a flood sooner: the third copy within the window
starts it, so the person hears the warning after one answer, not after thirty.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

# The third copy of the same text within the window is a flood.
REPEATS_ALLOWED = 2
# A count across processes (see FloodGuard.arrived_everywhere) stands for the update it was
# taken for, which arrives at the guard moments later.
SHARED_COUNT_FRESH = 1.0


@dataclass
class _Chat:
    arrivals: deque[float] = field(default_factory=deque)
    last_group: str | None = None
    last_text: str | None = None
    repeats: int = 0
    last_text_at: float = 0.0
    flooding_until: float = 0.0
    warned: bool = False
    # With several processes: the chat's arrivals in the window across all of them (from
    # the database, bot/updates.py), and when that was counted.
    everywhere: int = 0
    everywhere_at: float = 0.0


class FloodGuard:
    def __init__(self, max_updates: int, window_seconds: float) -> None:
        self.max_updates = max_updates
        self.window = window_seconds
        self._chats: dict[int, _Chat] = {}
        self._arrivals_since_sweep = 0

    def arrive(
        self, key: int, now: float, media_group: str | None = None, text: str | None = None
    ) -> bool:
        """Count an update of chat `key`; False when it must be dropped."""
        self._sweep(now)
        chat = self._chats.setdefault(key, _Chat())
        if chat.flooding_until > now:
            chat.flooding_until = now + self.window  # still flooding: the quiet must last
            return False
        if self._repeated(chat, text, now):
            self._start_flood(chat, now)
            return False
        if media_group is not None and media_group == chat.last_group:
            return True  # the next photo of the same album
        chat.last_group = media_group
        while chat.arrivals and now - chat.arrivals[0] > self.window:
            chat.arrivals.popleft()
        if self._earlier_arrivals(chat, now) >= self.max_updates:
            self._start_flood(chat, now)
            return False
        chat.arrivals.append(now)
        return True

    def arrived_everywhere(self, key: int, count: int, now: float) -> None:
        """Several processes share the chats: `count` updates of chat `key` (this one
        included) reached any of them within the window. Called before `arrive`."""
        chat = self._chats.setdefault(key, _Chat())
        chat.everywhere, chat.everywhere_at = count, now

    def _earlier_arrivals(self, chat: _Chat, now: float) -> int:
        """Arrivals before this one within the window: this process's own, or all the
        processes' when they were counted just now."""
        shared = chat.everywhere - 1 if now - chat.everywhere_at < SHARED_COUNT_FRESH else 0
        return max(len(chat.arrivals), shared)

    def _repeated(self, chat: _Chat, text: str | None, now: float) -> bool:
        if text is None or text != chat.last_text or now - chat.last_text_at > self.window:
            chat.last_text, chat.repeats = text, 1
        else:
            chat.repeats += 1
        chat.last_text_at = now
        return chat.repeats > REPEATS_ALLOWED

    def _start_flood(self, chat: _Chat, now: float) -> None:
        chat.flooding_until = now + self.window
        chat.warned = False
        chat.arrivals.clear()
        chat.last_text, chat.repeats = None, 0

    def flooding(self, key: int, now: float) -> bool:
        """True while the chat floods: updates that were already waiting are dropped too."""
        chat = self._chats.get(key)
        return chat is not None and chat.flooding_until > now

    def should_warn(self, key: int) -> bool:
        """Warn once per flood, not once per dropped message."""
        chat = self._chats.get(key)
        if chat is None or chat.warned:
            return False
        chat.warned = True
        return True

    def _sweep(self, now: float) -> None:
        """Forget chats quiet for a whole window, so memory follows the active chats only."""
        self._arrivals_since_sweep += 1
        if self._arrivals_since_sweep < 1000:
            return
        self._arrivals_since_sweep = 0
        for key in [
            key
            for key, chat in self._chats.items()
            if chat.flooding_until <= now
            and (not chat.arrivals or now - chat.arrivals[-1] > self.window)
        ]:
            del self._chats[key]
