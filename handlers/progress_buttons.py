"""The buttons of action items' follow-through, declared once (handlers/toolkit/buttons.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.toolkit import Button, FlowButton


@dataclass(frozen=True)
class OpenItem(Button, prefix="pg.it"):
    """An action item's card, with its history."""

    item: int


@dataclass(frozen=True)
class MinePage(Button, prefix="pg.ls"):
    """A page of /mine."""

    page: int


@dataclass(frozen=True)
class PostProgress(Button, prefix="pg.pp"):
    """Start posting an update on the item."""

    item: int


@dataclass(frozen=True)
class MarkDone(Button, prefix="pg.dn"):
    """Mark the item done from its card (100%): asked again first (`sure` False)."""

    item: int
    sure: bool


@dataclass(frozen=True)
class PhotosNext(FlowButton, prefix="pg.nx"):
    """No (more) photos: on to the percentage."""


@dataclass(frozen=True)
class PickPercent(FlowButton, prefix="pg.pc"):
    """The percentage of the update: one of the buttons, done, or unchanged."""

    value: Literal["25", "50", "75", "done", "keep"]


@dataclass(frozen=True)
class RecordPeriod(Button, prefix="pg.rc"):
    """The participation record (履职记录) for a period; `edit`: in place of the record
    shown (its own period buttons), else as a new message (from /mine)."""

    period: Literal["this_month", "last_month", "this_year"]
    edit: bool
