"""The buttons after the work is done: resolving, rating, reopening, answering, looking back.

Declared apart from their handlers so that pushes (handlers/followup_notices.py) and cards
can carry them. A press names the topic and the round of resolution it is about, so a
press about a resolution that no longer stands (the topic was reopened) is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton

from bot.i18n import N_, Translator
from handlers.keyboards import inline
from handlers.toolkit import Button, FlowButton

# The three answers as residents read them (the values are stored in English).
RATING_LABELS = {
    "satisfied": N_("😊 Satisfied"),
    "basic": N_("🙂 Basically satisfied"),
    "unsatisfied": N_("😞 Not satisfied"),
}
RATING_WORDS = {
    "satisfied": N_("satisfied"),
    "basic": N_("basically satisfied"),
    "unsatisfied": N_("not satisfied"),
}
LOOKBACK_LABELS = {"solved": N_("👍 Still fine"), "back": N_("⚠️ It is back")}


@dataclass(frozen=True)
class Rate(Button, prefix="rt"):
    topic: int
    round_no: int
    value: Literal["satisfied", "basic", "unsatisfied"]


@dataclass(frozen=True)
class SkipComment(FlowButton, prefix="rt.sk"):
    pass


@dataclass(frozen=True)
class LookBackAnswer(Button, prefix="lb"):
    topic: int
    round_no: int
    answer: Literal["solved", "back"]


@dataclass(frozen=True)
class ResolveTopic(Button, prefix="rs"):
    topic: int


@dataclass(frozen=True)
class ResolveWithoutNote(FlowButton, prefix="rs.ok"):
    pass


@dataclass(frozen=True)
class ReopenTopic(Button, prefix="ro"):
    topic: int
    round_no: int


@dataclass(frozen=True)
class ReopenOwner(FlowButton, prefix="ro.o"):
    person: int


@dataclass(frozen=True)
class AnswerRater(Button, prefix="ra"):
    topic: int
    person: int
    round_no: int


def rating_row(tr: Translator, topic_id: int, round_no: int) -> list[InlineKeyboardButton]:
    return [
        inline(tr._(label), Rate(topic_id, round_no, value))  # type: ignore[arg-type]
        for value, label in RATING_LABELS.items()
    ]


def lookback_row(tr: Translator, topic_id: int, round_no: int) -> list[InlineKeyboardButton]:
    return [
        inline(tr._(label), LookBackAnswer(topic_id, round_no, answer))  # type: ignore[arg-type]
        for answer, label in LOOKBACK_LABELS.items()
    ]
