"""Incoming flood guard: a sliding window of updates per chat, in memory.

It runs when an update *arrives*, before the update waits for its chat's turn, so a chat
that floods never builds a queue in front of its own later messages, and never holds up
anyone else. An album counts once (Telegram sends one update per photo). Once a chat goes
over the limit it is "flooding" until it has been quiet for a whole window: what it sends
meanwhile, and what was still waiting, is dropped; the person is warned once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class _Chat:
    arrivals: deque[float] = field(default_factory=deque)
    last_group: str | None = None
    flooding_until: float = 0.0
    warned: bool = False


class FloodGuard:
    def __init__(self, max_updates: int, window_seconds: float) -> None:
        self.max_updates = max_updates
        self.window = window_seconds
        self._chats: dict[int, _Chat] = {}
        self._arrivals_since_sweep = 0

    def arrive(self, key: int, now: float, media_group: str | None = None) -> bool:
        """Count an update of chat `key`; False when it must be dropped."""
        self._sweep(now)
        chat = self._chats.setdefault(key, _Chat())
        if chat.flooding_until > now:
            chat.flooding_until = now + self.window  # still flooding: the quiet must last
            return False
        if media_group is not None and media_group == chat.last_group:
            return True  # the next photo of the same album
        chat.last_group = media_group
        while chat.arrivals and now - chat.arrivals[0] > self.window:
            chat.arrivals.popleft()
        if len(chat.arrivals) >= self.max_updates:
            chat.flooding_until = now + self.window
            chat.warned = False
            chat.arrivals.clear()
            return False
        chat.arrivals.append(now)
        return True

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
