"""The pushes of a meeting's opinions and outcome, rendered per recipient's language, and
the opinion digest's text (the same for a push and for staff asking for it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.outbox import NotificationKind
from handlers.deliberation_buttons import (
    BrowseOpinions,
    OpinionDigest,
    RecordOutcome,
    WriteOpinion,
)
from handlers.deliberation_errors import day_text
from handlers.keyboards import inline
from handlers.render import esc, with_note

Payload = Mapping[str, Any]
Rendered = tuple[str, InlineKeyboardMarkup | None]


def _moment(payload: Payload) -> tuple[datetime, ZoneInfo]:
    return datetime.fromisoformat(str(payload["starts_at"])), ZoneInfo(str(payload["timezone"]))


# -- the digest ------------------------------------------------------------------------------


def _stat_line(tr: Translator, stat: Mapping[str, Any]) -> str:
    author = esc(str(stat["author"]))
    if stat["anonymous"]:
        author = tr._("{name} (anonymous to others)", name=author)
    return tr._(
        "“{text}” — {author} · agree {agree} · disagree {disagree} · pass {passes}",
        text=esc(str(stat["text"])),
        author=author,
        agree=stat["agree"],
        disagree=stat["disagree"],
        passes=stat["pass"],
    )


def digest_text(
    tr: Translator,
    *,
    meeting_number: str,
    meeting_title: str,
    starts_at: datetime,
    zone: ZoneInfo,
    topics: Sequence[Mapping[str, Any]],
) -> str:
    lines = [
        tr._(
            "<b>Opinions before meeting {number} {title}</b>",
            number=esc(meeting_number),
            title=esc(meeting_title),
        ),
        tr._("The meeting starts {when}.", when=tr.when_with_weekday(starts_at, zone)),
    ]
    for topic in topics:
        lines.append("")
        lines.append(
            f"<b>{esc(str(topic['number']))} {esc(str(topic['title']))}</b> · "
            + tr.n_("{count} opinion", "{count} opinions", int(topic["opinions"]))
            + " · "
            + tr.n_("{count} person voted", "{count} people voted", int(topic["voters"]))
        )
        if not topic["ranked"]:
            lines.append(tr._("No opinions yet."))
            continue
        lines.append(tr._("Ranked by agreement:"))
        lines += [
            f"{index}. {_stat_line(tr, stat)}" for index, stat in enumerate(topic["ranked"], 1)
        ]
        if topic["divisive"]:
            lines.append(tr._("Dividing people:"))
            lines += ["• " + _stat_line(tr, stat) for stat in topic["divisive"]]
    lines.append("")
    lines.append(
        tr._(
            "Agreement is the share of agree among agree and disagree, counted cautiously "
            "while few have voted. Dividing: agree and disagree each at least 30 % of at "
            "least 4 votes."
        )
    )
    return "\n".join(lines)


# -- renderers -------------------------------------------------------------------------------


def _opinions_open(tr: Translator, payload: Payload) -> Rendered:
    starts_at, zone = _moment(payload)
    link = int(payload["meeting_topic_id"])
    lines = [
        tr._(
            "<b>Your opinion, please: {number} {title}</b>",
            number=esc(str(payload["topic_number"])),
            title=esc(str(payload["topic_title"])),
        ),
        tr._(
            "This topic will be deliberated at the meeting on {when}. Before it, the office "
            "would like to hear what you think:",
            when=tr.when_with_weekday(starts_at, zone),
        ),
        tr._("• reply to this message with your opinion (one message);"),
        tr._("• or read what others said and vote agree, disagree or pass on each."),
        tr._("Opinions are gathered until the meeting starts."),
    ]
    markup = InlineKeyboardMarkup(
        [
            [
                inline(tr._("✍️ Give my opinion"), WriteOpinion(link)),
                inline(tr._("🗳 Read and vote"), BrowseOpinions(link)),
            ]
        ]
    )
    return "\n".join(lines), markup


def _opinion_digest(tr: Translator, payload: Payload) -> Rendered:
    starts_at, zone = _moment(payload)
    text = digest_text(
        tr,
        meeting_number=str(payload["meeting_number"]),
        meeting_title=str(payload["meeting_title"]),
        starts_at=starts_at,
        zone=zone,
        topics=json.loads(str(payload["topics"])),
    )
    press = OpinionDigest(int(payload["meeting_id"]))
    return text, InlineKeyboardMarkup([[inline(tr._("The full digest"), press)]])


def _due(tr: Translator, iso: str) -> str:
    return day_text(tr, date.fromisoformat(iso))


def _outcome_published(tr: Translator, payload: Payload) -> Rendered:
    topics = json.loads(str(payload["topics"]))
    lines = [
        tr._(
            "<b>The outcome of meeting {number} {title}</b>",
            number=esc(str(payload["meeting_number"])),
            title=esc(str(payload["meeting_title"])),
        ),
        tr._(
            "Topics: {topics}",
            topics=tr._("; ").join(f"{esc(t['number'])} {esc(t['title'])}" for t in topics),
        ),
    ]
    if payload["consensus"]:
        lines += ["", tr._("<b>What was agreed</b>"), esc(str(payload["consensus"]))]
    items = json.loads(str(payload["items"]))
    if items:
        lines += ["", tr._("<b>What will be done</b>")]
        for index, item in enumerate(items, 1):
            if "more" in item:
                lines.append(tr.n_("… and {count} more", "… and {count} more", int(item["more"])))
                continue
            lines.append(
                tr._(
                    "{index}. {description} — {owner}, by {due}",
                    index=index,
                    description=esc(item["description"]),
                    owner=esc(item["owner"]),
                    due=_due(tr, item["due"]),
                )
            )
    lines += ["", tr._("We will keep you informed as the work goes on.")]
    return "\n".join(lines), None


def _action_items(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>Your action items from meeting {number} {title}:</b>",
            number=esc(str(payload["meeting_number"])),
            title=esc(str(payload["meeting_title"])),
        )
    ]
    for index, item in enumerate(json.loads(str(payload["items"])), 1):
        line = tr._(
            "{index}. {description} — by {due}",
            index=index,
            description=esc(item["description"]),
            due=_due(tr, item["due"]),
        )
        if item.get("topic"):
            line = with_note(tr, line, esc(item["topic"]))
        lines.append(line)
    lines.append(tr._("Please see to them by their due dates; the liaison office follows up."))
    return "\n".join(lines), None


def _outcome_overdue(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>The outcome of meeting {number} {title} is not published yet.</b>",
            number=esc(str(payload["meeting_number"])),
            title=esc(str(payload["meeting_title"])),
        ),
        tr.n_(
            "The meeting ended {count} working day ago; the rules ask for the outcome within "
            "7 working days.",
            "The meeting ended {count} working days ago; the rules ask for the outcome within "
            "7 working days.",
            int(payload["working_days"]),
        ),
    ]
    if payload["fallback_years"]:
        lines.append(
            tr._(
                "Note: the bot has no official holiday schedule for {years}, so working days "
                "there are counted as Monday to Friday plus the days an administrator entered "
                "with /holiday.",
                years=esc(str(payload["fallback_years"])),
            )
        )
    press = RecordOutcome(int(payload["meeting_id"]))
    return "\n".join(lines), InlineKeyboardMarkup([[inline(tr._("Record the outcome"), press)]])


RENDERERS: dict[NotificationKind, Callable[[Translator, Payload], Rendered]] = {
    NotificationKind.OPINIONS_OPEN: _opinions_open,
    NotificationKind.OPINION_DIGEST: _opinion_digest,
    NotificationKind.OUTCOME_PUBLISHED: _outcome_published,
    NotificationKind.ACTION_ITEMS_ASSIGNED: _action_items,
    NotificationKind.OUTCOME_OVERDUE: _outcome_overdue,
}
