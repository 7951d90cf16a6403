"""The pushes after the work is done, rendered per recipient's language: resolving, rating,
reopening, looking back (回头看)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.outbox import NotificationKind
from handlers.deliberation_errors import day_text
from handlers.followup_buttons import (
    AnswerRater,
    ReopenTopic,
    ResolveTopic,
    lookback_row,
    rating_row,
)
from handlers.keyboards import inline
from handlers.render import esc
from handlers.topics import TopicCard

Payload = Mapping[str, Any]
Rendered = tuple[str, InlineKeyboardMarkup | None]


def _topic(payload: Payload) -> dict[str, str]:
    return {
        "number": esc(str(payload["topic_number"])),
        "title": esc(str(payload["topic_title"])),
    }


def _note(tr: Translator, payload: Payload, name: str = "note") -> list[str]:
    if not payload[name]:
        return []
    return [
        tr._("The office's closing note:"),
        f"<blockquote>{esc(str(payload[name]))}</blockquote>",
    ]


def _resolve_suggested(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._("<b>Every action item of topic {number} {title} is done.</b>", **_topic(payload)),
        tr.n_(
            "Its {count} action item is marked done. Resolve the topic? Everyone who raised or "
            "joined it will then be asked whether they are satisfied.",
            "Its {count} action items are marked done. Resolve the topic? Everyone who raised "
            "or joined it will then be asked whether they are satisfied.",
            int(payload["items"]),
        ),
    ]
    topic_id = int(payload["topic_id"])
    markup = InlineKeyboardMarkup(
        [
            [inline(tr._("✅ Resolve the topic"), ResolveTopic(topic_id))],
            [inline(tr._("Open the topic"), TopicCard(topic_id))],
        ]
    )
    return "\n".join(lines), markup


def _topic_resolved(tr: Translator, payload: Payload) -> Rendered:
    lines = [tr._("<b>Topic {number} {title} has been resolved.</b>", **_topic(payload))]
    return "\n".join(lines + _note(tr, payload)), None


def _rating_request(tr: Translator, payload: Payload) -> Rendered:
    lines = [tr._("A reminder:")] if payload["reminder"] else []
    lines.append(tr._("<b>Topic {number} {title} has been resolved.</b>", **_topic(payload)))
    lines += _note(tr, payload)
    lines.append(
        tr._(
            "Are you satisfied with how it was handled? One press is enough; you can add a "
            "comment afterwards."
        )
    )
    row = rating_row(tr, int(payload["topic_id"]), int(payload["round"]))
    return "\n".join(lines), InlineKeyboardMarkup([row])


def _rating_unsatisfied(tr: Translator, payload: Payload) -> Rendered:
    name = esc(str(payload["name"]))
    lines = [
        tr._(
            "<b>{name} is not satisfied with how topic {number} {title} was resolved.</b>",
            name=name,
            **_topic(payload),
        )
    ]
    if payload["comment"]:
        lines.append(f"<blockquote>{esc(str(payload['comment']))}</blockquote>")
    else:
        lines.append(tr._("They left no comment."))
    lines.append(
        tr._(
            "Reopen the topic with a new action item, or answer them; they will be told either way."
        )
    )
    topic_id, round_no = int(payload["topic_id"]), int(payload["round"])
    markup = InlineKeyboardMarkup(
        [
            [inline(tr._("↩️ Reopen the topic"), ReopenTopic(topic_id, round_no))],
            [
                inline(
                    tr._("💬 Answer {name}", name=str(payload["name"])),
                    AnswerRater(topic_id, int(payload["person_id"]), round_no),
                )
            ],
        ]
    )
    return "\n".join(lines), markup


def _rating_answered(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>The office answered about your rating of topic {number} {title}:</b>",
            **_topic(payload),
        ),
        f"<blockquote>{esc(str(payload['text']))}</blockquote>",
        tr._(
            "The topic stays resolved. If you see it differently now, you can change your "
            "rating below."
        ),
    ]
    row = rating_row(tr, int(payload["topic_id"]), int(payload["round"]))
    return "\n".join(lines), InlineKeyboardMarkup([row])


def _topic_reopened(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._("<b>Topic {number} {title} has been reopened.</b>", **_topic(payload)),
        tr._(
            "What happens next: {description} — in charge: {owner}; due {due}.",
            description=esc(str(payload["description"])),
            owner=esc(str(payload["owner"])),
            due=day_text(tr, date.fromisoformat(str(payload["due"]))),
        ),
        tr._("We will keep you informed, and ask you again when it is resolved."),
    ]
    return "\n".join(lines), None


def _resolved_on(tr: Translator, payload: Payload) -> str:
    return day_text(tr, date.fromisoformat(str(payload["resolved_on"])))


def _lookback_ask(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._("<b>Looking back: topic {number} {title}</b>", **_topic(payload)),
        tr._(
            "It was resolved on {day}. Is the matter still solved?",
            day=_resolved_on(tr, payload),
        ),
    ]
    row = lookback_row(tr, int(payload["topic_id"]), int(payload["round"]))
    return "\n".join(lines), InlineKeyboardMarkup([row])


def _lookback_check(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._("<b>Looking back: topic {number} {title}</b>", **_topic(payload)),
        tr._(
            "You had an action item of this topic, resolved on {day}. Please go and see in "
            "person whether the matter is still solved; the residents are being asked too.",
            day=_resolved_on(tr, payload),
        ),
    ]
    return "\n".join(lines), None


def _lookback_problem(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>{name} says the matter of topic {number} {title} is back.</b>",
            name=esc(str(payload["name"])),
            **_topic(payload),
        ),
        tr._("Reopen the topic with a new action item, or look at it first."),
    ]
    topic_id = int(payload["topic_id"])
    markup = InlineKeyboardMarkup(
        [
            [inline(tr._("↩️ Reopen the topic"), ReopenTopic(topic_id, int(payload["round"])))],
            [inline(tr._("Open the topic"), TopicCard(topic_id))],
        ]
    )
    return "\n".join(lines), markup


def _topic_reviewed(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._("<b>Looking back on topic {number} {title} is done.</b>", **_topic(payload)),
        tr._(
            "Still solved: {solved}. Back again: {back}.",
            solved=int(payload["still_solved"]),
            back=int(payload["back_again"]),
        ),
        tr._("Thank you for following it to the end."),
    ]
    return "\n".join(lines), None


RENDERERS: dict[NotificationKind, Callable[[Translator, Payload], Rendered]] = {
    NotificationKind.RESOLVE_SUGGESTED: _resolve_suggested,
    NotificationKind.TOPIC_RESOLVED: _topic_resolved,
    NotificationKind.RATING_REQUEST: _rating_request,
    NotificationKind.RATING_UNSATISFIED: _rating_unsatisfied,
    NotificationKind.RATING_ANSWERED: _rating_answered,
    NotificationKind.TOPIC_REOPENED: _topic_reopened,
    NotificationKind.LOOKBACK_ASK: _lookback_ask,
    NotificationKind.LOOKBACK_CHECK: _lookback_check,
    NotificationKind.LOOKBACK_PROBLEM: _lookback_problem,
    NotificationKind.TOPIC_REVIEWED: _topic_reviewed,
}
