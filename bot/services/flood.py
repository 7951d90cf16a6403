"""Incoming flood guard: a sliding-window limit of messages per person, in memory."""

from __future__ import annotations

from collections import deque


class FloodGuard:
    def __init__(self, max_updates: int, window_seconds: float) -> None:
        self.max_updates = max_updates
        self.window = window_seconds
        self._seen: dict[int, deque[float]] = {}
        self._warned_until: dict[int, float] = {}

    def admit(self, person_key: int, now: float) -> bool:
        times = self._seen.setdefault(person_key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) >= self.max_updates:
            return False
        times.append(now)
        return True

    def should_warn(self, person_key: int, now: float) -> bool:
        """Warn once per window, not once per dropped message."""
        if self._warned_until.get(person_key, 0.0) > now:
            return False
        self._warned_until[person_key] = now + self.window
        return True
