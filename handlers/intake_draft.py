"""Where an intake stands: its steps, its buttons, and the draft kept in the flow's frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import Message, Update

from bot.services.intake import IssueDraft
from handlers.toolkit import BotContext, Button, FlowButton

PLACE, WHERE, CATEGORY, DESCRIBE, SIMILAR, PHOTOS, LOCATION, ANONYMITY, CONFIRM = (
    "place",
    "where",
    "category",
    "describe",
    "similar",
    "photos",
    "location",
    "anonymity",
    "confirm",
)
FLOW_NAME = "intake"


@dataclass(frozen=True)
class MenuNew(Button, prefix="menu.new"):
    """ "Raise a matter" under a message (starts the intake from anywhere)."""


@dataclass(frozen=True)
class IntakeTownship(FlowButton, prefix="in.tw"):
    township: int


@dataclass(frozen=True)
class IntakeVillage(FlowButton, prefix="in.vl"):
    village: int


@dataclass(frozen=True)
class HappenedIn(FlowButton, prefix="in.wh"):
    """Where the matter is (a village of the township; the home village by default)."""

    village: int


@dataclass(frozen=True)
class IntakeCategory(FlowButton, prefix="in.cat"):
    category: int


@dataclass(frozen=True)
class JoinExisting(FlowButton, prefix="in.jn"):
    kind: Literal["i", "t"]  # an issue or a topic
    id: int


@dataclass(frozen=True)
class JoinNone(FlowButton, prefix="in.jx"):
    """ "Mine is different": go on with one's own issue."""


@dataclass(frozen=True)
class PhotosDone(FlowButton, prefix="in.ph"):
    pass


@dataclass(frozen=True)
class Anonymity(FlowButton, prefix="in.an"):
    anonymous: bool


@dataclass(frozen=True)
class Confirm(FlowButton, prefix="in.cf"):
    answer: Literal["ok", "cancel"]


def draft_of(context: BotContext) -> IssueDraft:
    return IssueDraft.from_dict(context.flow.data)


def keep(context: BotContext, draft: IssueDraft) -> None:
    """Store the draft in the flow's frame; it is committed with the step."""
    context.flow.data = draft.to_dict()


def message_of(update: Update) -> Message:
    assert update.effective_message is not None
    return update.effective_message
