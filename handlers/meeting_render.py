"""Meetings as people read them: the details block, labels, keyboards, refusals.

The same details block is used by the invitation, the reminder, the reschedule notice and
staff's meeting card, so an invitee and the office always see the meeting alike. Every
value typed by people is escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.services.meeting_time import TimeNotUnderstood
from bot.services.meeting_views import MeetingRefused, MeetingView
from handlers.keyboards import inline
from handlers.meeting_buttons import CalendarFile, Rsvp, ShowPlace
from handlers.render import esc

FORMAT_LABELS = {
    "onsite": N_("On site"),
    "online": N_("Online"),
    "hybrid": N_("On site and online"),
}
RSVP_LABELS = {
    "pending": N_("no answer yet"),
    "yes": N_("attending"),
    "no": N_("not attending"),
    "maybe": N_("not sure yet"),
    "waiting": N_("on the waiting list"),
}
ROLE_LABELS = {
    "resident": N_("resident"),
    "member": N_("CPPCC member"),
    "staff": N_("liaison office"),
    "department": N_("department representative"),
    "village": N_("village or community representative"),
    "expert": N_("expert"),
    "observer": N_("observer"),
}
# Meeting texts quote people's words; cut them so one message always fits.
MAX_FIELD = 600


@dataclass(frozen=True)
class Details:
    meeting_id: int
    number: str
    title: str
    starts_at: datetime
    duration: int
    zone: ZoneInfo
    format: str
    place: str
    online_link: str
    agenda: list[str]
    description: str
    located: bool


def details_of_payload(payload: Mapping[str, Any]) -> Details:
    return Details(
        meeting_id=int(payload["meeting_id"]),
        number=str(payload["number"]),
        title=str(payload["title"]),
        starts_at=datetime.fromisoformat(str(payload["starts_at"])),
        duration=int(payload["duration"]),
        zone=ZoneInfo(str(payload["zone"])),
        format=str(payload["format"]),
        place=str(payload["place"]),
        online_link=str(payload["online_link"]),
        agenda=[str(item) for item in json.loads(str(payload["agenda"]))],
        description=str(payload["description"]),
        located=bool(payload["located"]),
    )


def details_of_view(view: MeetingView) -> Details:
    return Details(
        meeting_id=view.id,
        number=view.number,
        title=view.title,
        starts_at=view.starts_at,
        duration=view.duration_minutes,
        zone=view.zone,
        format=view.format,
        place=view.place or "",
        online_link=view.online_link or "",
        agenda=view.agenda,
        description=view.description,
        located=view.latitude is not None and view.longitude is not None,
    )


def cut(text: str, limit: int = MAX_FIELD) -> str:
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


def when(tr: Translator, moment: datetime, zone: ZoneInfo) -> str:
    return tr.when_with_weekday(moment, zone)


def details_lines(tr: Translator, details: Details) -> list[str]:
    """Topic, time, place or link, format, agenda and the note to invitees."""
    lines = [
        tr._("Topic: {title}", title=cut(details.title)),
        tr._(
            "Time: {when} (about {minutes} minutes)",
            when=when(tr, details.starts_at, details.zone),
            minutes=details.duration,
        ),
    ]
    if details.place:
        lines.append(tr._("Place: {place}", place=cut(details.place)))
    if details.online_link:
        lines.append(tr._("Online: {link}", link=cut(details.online_link)))
    lines.append(tr._("Format: {format}", format=tr._(FORMAT_LABELS[details.format])))
    if details.agenda:
        lines.append(tr._("Agenda:"))
        lines += [f"{i}. {cut(item, 200)}" for i, item in enumerate(details.agenda, start=1)]
    if details.description:
        lines.append(tr._("Note: {text}", text=cut(details.description)))
    return lines


def rsvp_keyboard(tr: Translator, details: Details, rsvp: str) -> InlineKeyboardMarkup:
    """参加 / 不参加 / 待定, with a mark on the current answer; the calendar file; the place."""

    def mark(answer: str, label: str) -> str:
        chosen = rsvp == answer or (answer == "yes" and rsvp == "waiting")
        return f"✓ {label}" if chosen else label

    rows = [
        [
            inline(mark("yes", tr._("Attend")), Rsvp(details.meeting_id, "yes")),
            inline(mark("no", tr._("Not attend")), Rsvp(details.meeting_id, "no")),
            inline(mark("maybe", tr._("Not sure")), Rsvp(details.meeting_id, "maybe")),
        ],
        [inline(tr._("📅 Add to calendar"), CalendarFile(details.meeting_id))],
    ]
    if details.located:
        rows[1].append(inline(tr._("📍 Where"), ShowPlace(details.meeting_id)))
    if details.online_link.startswith(("https://", "http://")):
        rows.append([InlineKeyboardButton(tr._("Join online"), url=details.online_link)])
    return InlineKeyboardMarkup(rows)


def time_problem(tr: Translator, error: TimeNotUnderstood, zone: ZoneInfo) -> str:
    """Why a typed time was refused, with an example that works."""
    example = tr._("For example: 12月5日晚上7点, 下周三下午三点 or 2026-12-05 19:00.")
    if error.problem == "no_time" and error.understood is not None:
        text = tr._(
            "I read {day}, but not the hour. Please add the time of day.",
            day=tr.day(error.understood, zone),
        )
    elif error.problem == "past" and error.understood is not None:
        text = tr._(
            "{when} is in the past. Please give a time that is still ahead.",
            when=when(tr, error.understood, zone),
        )
    elif error.problem == "far" and error.understood is not None:
        text = tr._(
            "{when} is more than a year ahead. Please check the date.",
            when=when(tr, error.understood, zone),
        )
    else:
        text = tr._("Sorry, I could not read a date and time in that.")
    return f"{text}\n{example}"


def refusal(tr: Translator, error: MeetingRefused) -> str:
    """A refused meeting action, in words the person can act on."""
    number = error.number or ""
    texts = {
        "cancelled": tr._("Meeting {number} has been cancelled.", number=number),
        "over": tr._("Meeting {number} is already over.", number=number),
        "started": tr._("Meeting {number} has already started.", number=number),
        "past": tr._("That time is in the past. Please give a time that is still ahead."),
        "capacity": tr._("The number of seats must be a whole number of at least 1."),
        "format": tr._("An on-site meeting needs a place; an online one needs a link."),
        "no_topics": tr._("Please choose at least one topic."),
        "pass_used": tr._(
            "This invitation link has already been used. Please ask the liaison office for "
            "a new one."
        ),
        "pass_expired": tr._(
            "This invitation link has expired. Please ask the liaison office for a new one."
        ),
        "pass_unknown": tr._("This link is not valid."),
        "checkin_closed": tr._("Check-in for meeting {number} is not open.", number=number),
        "other_township": tr._(
            "This QR code is for meeting {number} of another township; you are not on its list.",
            number=number,
        ),
    }
    return texts.get(error.reason, tr._("This is not possible now."))
