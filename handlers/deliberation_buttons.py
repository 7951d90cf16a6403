"""The buttons of a meeting's opinions and outcome that outlive one flow: they come with
pushes (an opinion request, a digest, a reminder) and with staff's lists and cards.

Declared apart so that the notification renderers can put them on pushes without importing
the handlers behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.toolkit import Button

# -- residents (and everyone taking part): opinions before the meeting ----------------------


@dataclass(frozen=True)
class WriteOpinion(Button, prefix="op.w"):
    """Write one's opinion on a topic of a meeting (`link` is the meeting topic)."""

    link: int


@dataclass(frozen=True)
class BrowseOpinions(Button, prefix="op.b"):
    """The next opinion on the topic one has not voted on."""

    link: int


@dataclass(frozen=True)
class ShowOpinion(Button, prefix="op.s"):
    """The opinion at a position (‹ and ›)."""

    link: int
    position: int


@dataclass(frozen=True)
class VoteOpinion(Button, prefix="op.v"):
    opinion: int
    vote: Literal["agree", "disagree", "pass"]


# -- staff: gathering opinions ---------------------------------------------------------------


@dataclass(frozen=True)
class GatheringCard(Button, prefix="op.g"):
    """A meeting's topics and their opinions, with the switches to gather them."""

    meeting: int


@dataclass(frozen=True)
class ToggleGathering(Button, prefix="op.t"):
    link: int
    gather: bool


@dataclass(frozen=True)
class OpinionDigest(Button, prefix="op.d"):
    meeting: int


# -- staff: the outcome; staff and members: the minutes --------------------------------------


@dataclass(frozen=True)
class RecordOutcome(Button, prefix="oc.r"):
    """Begin the meeting's outcome, or go on with its draft."""

    meeting: int


@dataclass(frozen=True)
class DownloadMinutes(Button, prefix="oc.m"):
    meeting: int
