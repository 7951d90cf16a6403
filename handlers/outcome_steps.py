"""The steps of the outcome flow (handlers/outcome_flow.py) and the buttons it shows.

Declared apart so that the modules of the flow (the text parts, the action items, the review)
can show each other's buttons without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.services.outcomes import Part
from handlers.toolkit import FlowButton

SUMMARY = "summary"
CONSENSUS = "consensus"
DISAGREEMENTS = "disagreements"
ITEMS = "items"
ITEM_TEXT = "item_text"
ITEM_TOPIC = "item_topic"
ITEM_OWNER = "item_owner"
ITEM_DUE = "item_due"
REVIEW = "review"
PUBLISH = "publish"

# The states that take text, and the part of the outcome each one writes.
TEXT_STATES: dict[str, Part] = {
    SUMMARY: "summary",
    CONSENSUS: "consensus",
    DISAGREEMENTS: "disagreements",
}


@dataclass(frozen=True)
class PartDone(FlowButton, prefix="oc.n"):
    """[Next ›] under a part: its messages are all in."""


@dataclass(frozen=True)
class EditPart(FlowButton, prefix="oc.e"):
    part: Literal["summary", "consensus", "disagreements", "items"]


@dataclass(frozen=True)
class AddItem(FlowButton, prefix="oc.ia"):
    pass


@dataclass(frozen=True)
class RemoveItem(FlowButton, prefix="oc.ix"):
    item: int


@dataclass(frozen=True)
class ItemsDone(FlowButton, prefix="oc.id"):
    pass


@dataclass(frozen=True)
class ItemTopic(FlowButton, prefix="oc.it"):
    topic: int


@dataclass(frozen=True)
class ItemOwner(FlowButton, prefix="oc.io"):
    person: int


@dataclass(frozen=True)
class AskPublish(FlowButton, prefix="oc.pa"):
    pass


@dataclass(frozen=True)
class ConfirmPublish(FlowButton, prefix="oc.pc"):
    pass


@dataclass(frozen=True)
class BackToReview(FlowButton, prefix="oc.rv"):
    pass


@dataclass(frozen=True)
class SaveForLater(FlowButton, prefix="oc.sl"):
    pass


def flow_township(frame_data: dict[str, object]) -> int:
    """The township the outcome is recorded in, as the flow began (prompts run outside the
    permission check, e.g. when the flow comes back after another one)."""
    return int(str(frame_data["township"]))
