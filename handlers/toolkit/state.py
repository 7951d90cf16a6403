"""A chat's open flows as plain data: a stack of frames, top last, stored as JSON."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# A chat holds at most this many open flows; starting one more drops the oldest.
MAX_DEPTH = 3


def new_frame_id() -> str:
    """A short random id: buttons of a flow carry it, so an older flow's buttons are stale."""
    return secrets.token_hex(3)


@dataclass
class Frame:
    """One open flow: which, at what step, what was said so far, and until when it waits."""

    flow: str
    state: str
    expires_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_frame_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "state": self.state,
            "data": self.data,
            "expires_at": self.expires_at.isoformat(),
            "id": self.id,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Frame:
        return cls(
            flow=str(raw["flow"]),
            state=str(raw["state"]),
            expires_at=datetime.fromisoformat(str(raw["expires_at"])),
            data=dict(raw.get("data") or {}),
            id=str(raw.get("id") or new_frame_id()),
        )


def _as_text(frames: list[Frame]) -> str:
    # Keys sorted: the same frames always give the same text, whatever order a handler
    # wrote their data in.
    return json.dumps([frame.to_json() for frame in frames], ensure_ascii=False, sort_keys=True)


class FlowStack:
    """The frames of one chat; knows whether it changed since it was loaded or saved.

    What was loaded or saved last is kept as JSON text: comparing texts tells a change, and
    the text is what a process that alone writes the database remembers of the chat
    (storage/flows.py RememberedFlows).
    """

    def __init__(self, frames: list[Frame] | None = None) -> None:
        self.frames = frames or []
        self._saved = _as_text(self.frames)

    @classmethod
    def load(cls, raw: list[dict[str, Any]]) -> FlowStack:
        return cls([Frame.from_json(item) for item in raw])

    @classmethod
    def from_text(cls, text: str) -> FlowStack:
        return cls.load(json.loads(text))

    @property
    def saved_text(self) -> str:
        """The frames as last loaded or saved, as JSON text."""
        return self._saved

    @property
    def top(self) -> Frame | None:
        return self.frames[-1] if self.frames else None

    def find(self, flow: str) -> Frame | None:
        return next((frame for frame in self.frames if frame.flow == flow), None)

    def push(self, frame: Frame) -> Frame | None:
        """Put a frame on top; returns the frame dropped to stay within MAX_DEPTH, if any."""
        self.frames.append(frame)
        return self.frames.pop(0) if len(self.frames) > MAX_DEPTH else None

    def remove(self, frame: Frame) -> None:
        self.frames = [item for item in self.frames if item is not frame]

    def pop_expired(self, now: datetime) -> list[Frame]:
        expired = [frame for frame in self.frames if frame.expires_at <= now]
        self.frames = [frame for frame in self.frames if frame.expires_at > now]
        return expired

    def unsaved(self) -> str | None:
        """The frames as JSON text if they changed since last loaded or saved, else None."""
        text = _as_text(self.frames)
        return None if text == self._saved else text

    def mark_saved(self, text: str) -> None:
        """`text` (from `unsaved`) is what the database now holds."""
        self._saved = text

    def reset(self) -> None:
        """Back to what was last loaded or saved (the update's changes were rolled back)."""
        self.frames = [Frame.from_json(item) for item in json.loads(self._saved)]
