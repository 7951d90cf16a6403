"""Rendering the pushes of the office's side: new-issue alerts and digests for staff, a
changed role, an issue whose topic was combined with another.

Like handlers/notifications.py (which registers these renderers): raw payload values in,
escaped text in the recipient's language out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.domain.roles import RoleName
from bot.i18n import Translator
from handlers.admin import ROLE_LABELS
from handlers.commands import role_commands
from handlers.inbox import InboxPage, OpenIssue, media_summary
from handlers.keyboards import inline
from handlers.render import esc

Payload = Mapping[str, Any]
Rendered = tuple[str, InlineKeyboardMarkup | None]

# As in handlers/notifications.py: a quoted text never makes a push outgrow one message.
MAX_QUOTED_CHARS = 1500


def _text(payload: Payload, name: str) -> str:
    text = str(payload[name])
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 1] + "…"
    return esc(text)


def new_issue(tr: Translator, payload: Payload) -> Rendered:
    lines = [tr._("<b>New issue {issue_number}</b>", issue_number=_text(payload, "issue_number"))]
    if payload["village"]:
        lines.append(tr._("Place: {place}", place=_text(payload, "village")))
    if payload["summary"]:
        lines.append(f"<blockquote>{_text(payload, 'summary')}</blockquote>")
    media = media_summary(tr, bool(payload["voice"]), int(payload["photos"]))
    if media:
        lines.append(media)
    press = OpenIssue(int(payload["issue_id"]))
    return "\n".join(lines), InlineKeyboardMarkup([[inline(tr._("Open the issue"), press)]])


def issue_digest(tr: Translator, payload: Payload) -> Rendered:
    count = int(payload["count"])
    lines = [
        tr.n_(
            "<b>{township}: {count} new issue in the last {hours} hours waits for the office.</b>",
            "<b>{township}: {count} new issues in the last {hours} hours wait for the office.</b>",
            count,
            township=_text(payload, "township"),
            hours=int(payload["hours"]),
        )
    ]
    items = json.loads(str(payload["items"]))
    for item in items:
        summary = esc(str(item["summary"])) or media_summary(
            tr, bool(item["voice"]), int(item["photos"])
        )
        lines.append(f"• {esc(str(item['number']))} {summary}")
    if count > len(items):
        lines.append(tr._("And {more} more; see /inbox.", more=count - len(items)))
    button = inline(tr._("Open the inbox"), InboxPage(0, 0, 0))
    return "\n".join(lines), InlineKeyboardMarkup([[button]])


def role_changed(tr: Translator, payload: Payload) -> Rendered:
    role_name = RoleName(str(payload["granted_role"]))
    role = tr._(ROLE_LABELS[role_name])
    township = _text(payload, "township")
    if payload["change"] == "granted":
        lines = [
            tr._("<b>You are now {role} of {township}.</b>", role=role, township=township),
            tr._(
                "Your commands: {commands}. /help says what each does.",
                commands=tr._("、").join(
                    f"/{name}" for name, _described in role_commands({role_name})
                ),
            ),
        ]
    else:
        lines = [
            tr._("<b>You are no longer {role} of {township}.</b>", role=role, township=township),
            tr._("If this is a mistake, please ask the township's administrator."),
        ]
    return "\n".join(lines), None


def issue_topic_merged(tr: Translator, payload: Payload) -> Rendered:
    values = {name: _text(payload, name) for name in PAYLOAD_NAMES}
    first = (
        tr._(
            "<b>The issue {issue_number} you joined is now part of the consultation topic "
            "{topic_number}: {topic_title}</b>",
            **values,
        )
        if payload.get("role") == "supporter"
        else tr._(
            "<b>Your issue {issue_number} is now part of the consultation topic "
            "{topic_number}: {topic_title}</b>",
            **values,
        )
    )
    rest = tr._(
        "Its topic {from_number} was combined with it, as both are about the same matter. "
        "We will keep you informed at every step.",
        **values,
    )
    return f"{first}\n{rest}", None


PAYLOAD_NAMES = ("issue_number", "from_number", "topic_number", "topic_title")
