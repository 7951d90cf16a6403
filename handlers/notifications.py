"""Rendering outbox rows: a notification's kind and payload in the recipient's language.

The payload holds raw values (issue numbers, and text people typed: titles, reasons,
questions, answers). Every value is escaped here, at the last moment, so the same row can be
rendered for any language or channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.dispatcher import RenderedPush
from bot.domain.categories import DEFAULT_CATEGORIES, key_for_label
from bot.domain.rejections import REJECTION_REASONS
from bot.i18n import Translator, translator
from bot.services.outbox import NotificationKind
from handlers import office_pushes
from handlers.answers import AnswerQuestion
from handlers.figure_notices import RENDERERS as FIGURE_RENDERERS
from handlers.followup_notices import RENDERERS as FOLLOW_UP_RENDERERS
from handlers.inbox import OpenIssue
from handlers.keyboards import inline
from handlers.meeting_notifications import MEETING_RENDERERS
from handlers.outcome_notices import RENDERERS as DELIBERATION_RENDERERS
from handlers.progress_notices import RENDERERS as PROGRESS_RENDERERS
from handlers.render import esc

Payload = Mapping[str, Any]
Rendered = tuple[str, InlineKeyboardMarkup | None]

# People's text is cut to this many characters so that a rendered push always fits one
# Telegram message (4,096 UTF-16 units; every kind carries at most one such text).
MAX_QUOTED_CHARS = 1500


def _quote(value: object) -> str:
    """A raw value as escaped, length-bounded HTML text."""
    text = str(value)
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 1] + "…"
    return esc(text)


def _text(payload: Payload, name: str) -> str:
    return _quote(payload[name])


def _joined(payload: Payload) -> bool:
    """The recipient joined the issue (附议) rather than raised it (older rows: raised)."""
    return payload.get("role") == "supporter"


def _accepted(tr: Translator, payload: Payload) -> Rendered:
    number = _text(payload, "issue_number")
    lines = [
        tr._("<b>The issue {issue_number} you joined has been accepted.</b>", issue_number=number)
        if _joined(payload)
        else tr._("<b>Your issue {issue_number} has been accepted.</b>", issue_number=number),
        tr._(
            "It is now part of the consultation topic {topic_number}: {topic_title}",
            topic_number=_text(payload, "topic_number"),
            topic_title=_text(payload, "topic_title"),
        ),
        tr._("We will keep you informed at every step."),
    ]
    return "\n".join(lines), None


def _rejected(tr: Translator, payload: Payload) -> Rendered:
    number = _text(payload, "issue_number")
    # A template reason is read in the recipient's language; one typed by staff as typed.
    template = REJECTION_REASONS.get(str(payload.get("reason_key")))
    reason = tr._(template) if template is not None else _text(payload, "reason")
    lines = [
        tr._("<b>The issue {issue_number} you joined was not taken up.</b>", issue_number=number)
        if _joined(payload)
        else tr._("<b>Your issue {issue_number} was not taken up.</b>", issue_number=number),
        tr._("The office's reason: {reason}", reason=reason),
    ]
    return "\n".join(lines), None


def _merged(tr: Translator, payload: Payload) -> Rendered:
    number, original = _text(payload, "issue_number"), _text(payload, "original_number")
    lines = [
        tr._(
            "<b>The issue {issue_number} you joined has been joined with issue "
            "{original_number}</b>, which raises the same matter.",
            issue_number=number,
            original_number=original,
        )
        if _joined(payload)
        else tr._(
            "<b>Your issue {issue_number} has been joined with issue {original_number}</b>, "
            "which raises the same matter.",
            issue_number=number,
            original_number=original,
        ),
        tr._(
            "You now support {original_number} and will be kept informed about it.",
            original_number=_text(payload, "original_number"),
        ),
    ]
    return "\n".join(lines), None


def _needs_info(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>The office has a question about your issue {issue_number}:</b>",
            issue_number=_text(payload, "issue_number"),
        ),
        f"<blockquote>{_text(payload, 'question')}</blockquote>",
        tr._("Tap the button below to answer."),
    ]
    press = AnswerQuestion(int(payload["question_id"]))
    return "\n".join(lines), InlineKeyboardMarkup([[inline(tr._("Answer"), press)]])


def _info_received(tr: Translator, payload: Payload) -> Rendered:
    number = _text(payload, "issue_number")
    lines = [
        tr._(
            "<b>The resident answered your question about issue {issue_number}:</b>",
            issue_number=number,
        )
    ]
    if payload["answer"]:
        lines.append(f"<blockquote>{_text(payload, 'answer')}</blockquote>")
    media = []
    if payload.get("photos"):
        media.append(tr.n_("{count} photo", "{count} photos", int(payload["photos"])))
    if payload.get("voices"):
        media.append(tr._("a voice message"))
    if "issue_id" not in payload:
        # Written before answers named their issue: no button, so say where to look.
        if media:
            lines.append(
                tr._(
                    "With {media}: open {issue_number} in /inbox to see and hear them.",
                    media=tr._("; ").join(media),
                    issue_number=number,
                )
            )
        return "\n".join(lines), None
    if media:
        lines.append(
            tr._("With {media}: open the issue to see and hear them.", media=tr._("; ").join(media))
        )
    press = OpenIssue(int(payload["issue_id"]))
    return "\n".join(lines), InlineKeyboardMarkup([[inline(tr._("Open the issue"), press)]])


def _category_name(tr: Translator, label: str) -> str:
    # Default categories are stored under their Chinese label; show them in the reader's
    # language. A township's own categories have no translation: their label as typed.
    key = key_for_label(label)
    if key is not None:
        return tr._(DEFAULT_CATEGORIES[key][0])
    return _quote(label)


def _updated(tr: Translator, payload: Payload) -> Rendered:
    number = _text(payload, "issue_number")
    joined = _joined(payload)
    if payload["what"] == "category":
        category = _category_name(tr, str(payload["value"]))
        text = (
            tr._(
                "The office changed the category of the issue {issue_number} you joined to: "
                "{category}",
                issue_number=number,
                category=category,
            )
            if joined
            else tr._(
                "The office changed the category of your issue {issue_number} to: {category}",
                issue_number=number,
                category=category,
            )
        )
    elif payload["what"] == "village":
        village = _text(payload, "value")
        text = (
            tr._(
                "The office changed the village or community of the issue {issue_number} you "
                "joined to: {village}",
                issue_number=number,
                village=village,
            )
            if joined
            else tr._(
                "The office changed the village or community of your issue {issue_number} "
                "to: {village}",
                issue_number=number,
                village=village,
            )
        )
    else:
        raise ValueError(f"issue_updated cannot render what={payload['what']!r}")
    return text, None


def _topic_merged(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>Topic {topic_number} has been combined with topic {into_number}: {into_title}</b>",
            topic_number=_text(payload, "topic_number"),
            into_number=_text(payload, "into_number"),
            into_title=_text(payload, "into_title"),
        ),
        tr._(
            "You now follow {into_number}; the consultation continues there.",
            into_number=_text(payload, "into_number"),
        ),
    ]
    return "\n".join(lines), None


def _topic_changed(tr: Translator, payload: Payload) -> Rendered:
    values = {
        "issue_number": _text(payload, "issue_number"),
        "from_number": _text(payload, "from_number"),
        "topic_number": _text(payload, "topic_number"),
        "topic_title": _text(payload, "topic_title"),
    }
    first = (
        tr._(
            "<b>The issue {issue_number} you joined now has a consultation topic of its "
            "own: {topic_number} {topic_title}</b>",
            **values,
        )
        if _joined(payload)
        else tr._(
            "<b>Your issue {issue_number} now has a consultation topic of its own: "
            "{topic_number} {topic_title}</b>",
            **values,
        )
    )
    rest = tr._(
        "The office found it is a different matter from the rest of {from_number}. "
        "We will keep you informed at every step.",
        **values,
    )
    return f"{first}\n{rest}", None


def _catch_up(tr: Translator, payload: Payload) -> Rendered:
    """What changed while the person had blocked the bot: the first line of each push."""
    lines = [tr._("<b>Welcome back. While you were away:</b>")]
    for item in json.loads(str(payload["items"])):
        try:
            rendered = _RENDERERS[NotificationKind(item["kind"])](tr, item["payload"])
        except (KeyError, ValueError):
            continue  # a kind this version no longer knows: /my shows it
        text = rendered.text if isinstance(rendered, RenderedPush) else rendered[0]
        # Its heading and the line that says why or where to (a reason, a topic).
        heading, *details = text.replace("<b>", "").replace("</b>", "").split("\n")
        lines.append("• " + heading)
        lines += ["  " + detail for detail in details[:1]]
    lines.append(tr._("See every issue and its history under /my."))
    return "\n".join(lines), None


_RENDERERS: dict[NotificationKind, Callable[[Translator, Payload], Rendered | RenderedPush]] = {
    NotificationKind.ISSUE_ACCEPTED: _accepted,
    NotificationKind.ISSUE_REJECTED: _rejected,
    NotificationKind.ISSUE_MERGED: _merged,
    NotificationKind.ISSUE_NEEDS_INFO: _needs_info,
    NotificationKind.ISSUE_INFO_RECEIVED: _info_received,
    NotificationKind.ISSUE_UPDATED: _updated,
    NotificationKind.TOPIC_MERGED: _topic_merged,
    NotificationKind.ISSUE_TOPIC_CHANGED: _topic_changed,
    NotificationKind.CATCH_UP: _catch_up,
    # -- the office's side -------------------------------------------------------------------
    NotificationKind.NEW_ISSUE: office_pushes.new_issue,
    NotificationKind.ISSUE_DIGEST: office_pushes.issue_digest,
    NotificationKind.ROLE_CHANGED: office_pushes.role_changed,
    NotificationKind.ISSUE_TOPIC_MERGED: office_pushes.issue_topic_merged,
    # -- meetings (handlers/meeting_notifications.py) --
    **MEETING_RENDERERS,
    # -- Deliberation meetings: opinions before, the outcome after (handlers/outcome_notices)
    **DELIBERATION_RENDERERS,
    # -- After the work: resolving, rating, reopening, 回头看 (handlers/followup_notices.py)
    **FOLLOW_UP_RENDERERS,
    # -- Follow-through: progress on action items, overdue ones (handlers/progress_notices)
    **PROGRESS_RENDERERS,
    # -- The liaison office's figures (handlers/figure_notices.py) --
    **FIGURE_RENDERERS,
}


def render_notification(kind: str, payload: Payload, locale: str) -> Rendered | RenderedPush:
    """(HTML text, inline keyboard or None) for one notification in one locale, or a
    RenderedPush when it carries photos (a progress update's).

    Raises ValueError for a kind this code does not know and KeyError for a missing payload
    field; the dispatcher gives such a row up instead of retrying it.
    """
    return _RENDERERS[NotificationKind(kind)](translator(locale), payload)
