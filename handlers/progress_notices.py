"""The pushes of action items' follow-through, rendered in the recipient's language: a
progress update (with its photos), the owner's overdue nudge, staff told of an item
overdue past the nudges, and the weekly digest of what is overdue."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.dispatcher import RenderedPush
from bot.i18n import Translator
from bot.services.outbox import NotificationKind
from handlers.deliberation_errors import day_text
from handlers.keyboards import inline
from handlers.progress_buttons import OpenItem, PostProgress
from handlers.render import esc

Payload = Mapping[str, Any]
# A progress update's own words, cut so the push fits one message with its heading.
MAX_TEXT_CHARS = 1500


def _due(tr: Translator, payload: Payload) -> str:
    return day_text(tr, date.fromisoformat(str(payload["due"])))


def _topic_line(tr: Translator, payload: Payload) -> str | None:
    if not payload["topic_number"]:
        return None
    return tr._(
        "Topic {number}: {title}",
        number=esc(str(payload["topic_number"])),
        title=esc(str(payload["topic_title"])),
    )


def _progress_posted(tr: Translator, payload: Payload) -> RenderedPush:
    item, owner = esc(str(payload["item"])), esc(str(payload["owner"]))
    lines = [
        tr._("<b>Done: {item}</b>", item=item)
        if int(payload["done"])
        else tr._("<b>Progress: {item}</b>", item=item)
    ]
    topic = _topic_line(tr, payload)
    if topic:
        lines.append(topic)
    lines.append(tr._("In charge: {owner} · due {due}", owner=owner, due=_due(tr, payload)))
    lines.append(tr._("Progress now: {percent}%", percent=int(payload["percent"])))
    text = str(payload["text"])
    if text:
        if len(text) > MAX_TEXT_CHARS:
            text = text[: MAX_TEXT_CHARS - 1] + "…"
        lines.append(f"“{esc(text)}”")
    if int(payload["on_behalf"]):
        lines.append(tr._("Posted by the liaison office on behalf of {owner}.", owner=owner))
    photos = tuple(str(photo) for photo in json.loads(str(payload["photos"])))
    return RenderedPush("\n".join(lines), None, photos)


def _item_overdue(tr: Translator, payload: Payload) -> tuple[str, InlineKeyboardMarkup]:
    days = int(payload["working_days"])
    lines = [
        tr._("<b>Overdue: {item}</b>", item=esc(str(payload["item"]))),
        tr.n_(
            "It was due on {due}, {count} working day ago.",
            "It was due on {due}, {count} working days ago.",
            days,
            due=_due(tr, payload),
        ),
        tr._("Please post how far it is, or mark it done if it is."),
        tr._(
            "Reminder {nudge} of {limit}; after that the liaison office is told.",
            nudge=int(payload["nudge"]),
            limit=int(payload["limit"]),
        ),
    ]
    item = int(payload["item_id"])
    keyboard = InlineKeyboardMarkup(
        [
            [inline(tr._("📝 Post progress"), PostProgress(item))],
            [inline(tr._("Open the item"), OpenItem(item))],
        ]
    )
    return "\n".join(lines), keyboard


def _item_overdue_staff(tr: Translator, payload: Payload) -> tuple[str, InlineKeyboardMarkup]:
    owner, days, nudges = (
        esc(str(payload["owner"])),
        int(payload["working_days"]),
        int(payload["nudges"]),
    )
    lines = [tr._("<b>Action item overdue: {item}</b>", item=esc(str(payload["item"])))]
    topic = _topic_line(tr, payload)
    if topic:
        lines.append(topic)
    lines.append(
        tr.n_(
            "In charge: {owner}; it was due on {due}, {count} working day ago.",
            "In charge: {owner}; it was due on {due}, {count} working days ago.",
            days,
            owner=owner,
            due=_due(tr, payload),
        )
    )
    if nudges:
        lines.append(
            tr.n_(
                "{owner} was reminded {count} time and has posted nothing since.",
                "{owner} was reminded {count} times and has posted nothing since.",
                nudges,
                owner=owner,
            )
        )
    else:
        lines.append(
            tr._(
                "{owner} has no account in the bot: please follow up and post its progress on "
                "its behalf.",
                owner=owner,
            )
        )
    keyboard = InlineKeyboardMarkup(
        [[inline(tr._("Open the item"), OpenItem(int(payload["item_id"])))]]
    )
    return "\n".join(lines), keyboard


def _overdue_digest(tr: Translator, payload: Payload) -> tuple[str, None]:
    lines = [
        tr.n_(
            "<b>{count} action item is overdue</b>",
            "<b>{count} action items are overdue</b>",
            int(payload["count"]),
        ),
    ]
    for owner in json.loads(str(payload["owners"])):
        lines.append("")
        lines.append(f"<b>{esc(str(owner['owner']))}</b> ({int(owner['count'])})")
        for item in owner["items"]:
            line = tr._(
                "• {item} — due {due}, {percent}%",
                item=esc(str(item["item"])),
                due=day_text(tr, date.fromisoformat(str(item["due"]))),
                percent=int(item["percent"]),
            )
            if item["topic_number"]:
                line += f" ({esc(str(item['topic_number']))})"
            lines.append(line)
    lines.append("")
    lines.append(tr._("Every item's card is under /mine."))
    return "\n".join(lines), None


RENDERERS: dict[
    NotificationKind,
    Callable[[Translator, Payload], RenderedPush | tuple[str, InlineKeyboardMarkup | None]],
] = {
    NotificationKind.PROGRESS_POSTED: _progress_posted,
    NotificationKind.ITEM_OVERDUE: _item_overdue,
    NotificationKind.ITEM_OVERDUE_STAFF: _item_overdue_staff,
    NotificationKind.OVERDUE_DIGEST: _overdue_digest,
}
