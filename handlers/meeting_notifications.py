"""Rendering the outbox's meeting pushes in the recipient's language.

Invitations, reschedule notices and reminders carry the RSVP buttons (参加 / 不参加 / 待定)
and a button for the calendar file and, with coordinates, the place; pressing those
answers directly (handlers/meeting_people.py). Keeping the calendar file and the map pin
behind buttons keeps every push one text message, which the dispatcher's per-chat pacing
and its "sent once" promise are built around.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.outbox import NotificationKind
from handlers.keyboards import inline
from handlers.meeting_buttons import Admit
from handlers.meeting_render import (
    ROLE_LABELS,
    RSVP_LABELS,
    cut,
    details_lines,
    details_of_payload,
    rsvp_keyboard,
    when,
)

Payload = Mapping[str, Any]
Rendered = tuple[str, InlineKeyboardMarkup | None]


def _invitation_line(tr: Translator, invited_as: str) -> str:
    """Why this person is asked: a resident for their own matter, a member to deliberate, a
    guest in the role staff gave them."""
    if invited_as == "member":
        return tr._("You are invited as a CPPCC member to deliberate with the residents.")
    if invited_as == "staff":
        return tr._("You are invited for the liaison office.")
    if invited_as in ROLE_LABELS and invited_as != "resident":
        return tr._("You are invited in the role of {role}.", role=tr._(ROLE_LABELS[invited_as]))
    return tr._("You are invited to discuss a matter that concerns you and your neighbours.")


def _invited(tr: Translator, payload: Payload) -> Rendered:
    details = details_of_payload(payload)
    lines = [
        tr._("<b>Invitation to deliberation meeting {number}</b>", number=details.number),
        _invitation_line(tr, str(payload.get("invited_as", "resident"))),
        "",
        *details_lines(tr, details),
        "",
        tr._("Will you attend? Please answer with the buttons below."),
    ]
    return "\n".join(lines), rsvp_keyboard(tr, details, str(payload["rsvp"]))


def _rescheduled(tr: Translator, payload: Payload) -> Rendered:
    details = details_of_payload(payload)
    old = datetime.fromisoformat(str(payload["old_starts_at"]))
    rsvp = str(payload["rsvp"])
    lines = [
        tr._("<b>Meeting {number} has been moved.</b>", number=details.number),
        tr._("Old time: {when}", when=when(tr, old, details.zone)),
        tr._("New time: {when}", when=when(tr, details.starts_at, details.zone)),
        "",
        *details_lines(tr, details),
        "",
    ]
    if rsvp == "pending":
        lines.append(tr._("Will you attend? Please answer with the buttons below."))
    else:
        lines.append(
            tr._(
                "Your answer so far: {answer}. Please confirm it again for the new time.",
                answer=tr._(RSVP_LABELS[rsvp]),
            )
        )
    return "\n".join(lines), rsvp_keyboard(tr, details, rsvp)


def _cancelled(tr: Translator, payload: Payload) -> Rendered:
    details = details_of_payload(payload)
    lines = [
        tr._("<b>Meeting {number} has been cancelled.</b>", number=details.number),
        tr._("Topic: {title}", title=cut(details.title)),
        tr._("It was to take place on {when}.", when=when(tr, details.starts_at, details.zone)),
    ]
    if payload["reason"]:
        lines.append(tr._("The office's reason: {reason}", reason=cut(str(payload["reason"]))))
    lines.append(tr._("We will tell you when a new meeting is set."))
    return "\n".join(lines), None


def _promoted(tr: Translator, payload: Payload) -> Rendered:
    details = details_of_payload(payload)
    lines = [
        tr._("<b>A seat came free: you can attend meeting {number}.</b>", number=details.number),
        tr._("Topic: {title}", title=cut(details.title)),
        tr._("Time: {when}", when=when(tr, details.starts_at, details.zone)),
        tr._("If you cannot come after all, please press “Not attend”."),
    ]
    return "\n".join(lines), rsvp_keyboard(tr, details, "yes")


def _reminder(tr: Translator, payload: Payload) -> Rendered:
    details = details_of_payload(payload)
    hours = int(payload["hours"])
    rsvp = str(payload["rsvp"])
    lines = [
        tr.n_(
            "<b>Reminder: meeting {number} starts in {count} hour.</b>",
            "<b>Reminder: meeting {number} starts in {count} hours.</b>",
            hours,
            number=details.number,
        ),
        "",
        *details_lines(tr, details),
    ]
    if rsvp != "yes":
        lines += ["", tr._("Will you attend? Please answer with the buttons below.")]
    return "\n".join(lines), rsvp_keyboard(tr, details, rsvp)


def _message(tr: Translator, payload: Payload) -> Rendered:
    lines = [
        tr._(
            "<b>Message from the liaison office about meeting {number}</b> ({title}):",
            number=cut(str(payload["number"])),
            title=cut(str(payload["title"]), 100),
        ),
        f"<blockquote>{cut(str(payload['text']), 1500)}</blockquote>",
    ]
    return "\n".join(lines), None


def _walk_in(tr: Translator, payload: Payload) -> Rendered:
    name = cut(str(payload["name"]) or "—", 100)
    text = tr._(
        "{name} scanned the check-in code of meeting {number} but is not on the list.",
        name=name,
        number=cut(str(payload["number"])),
    )
    press = Admit(int(payload["meeting_id"]), int(payload["person_id"]))
    return text, InlineKeyboardMarkup([[inline(tr._("✅ Let them in"), press)]])


def _admitted(tr: Translator, payload: Payload) -> Rendered:
    text = tr._(
        "The liaison office let you in: you are checked in for meeting {number} ({title}).",
        number=cut(str(payload["number"])),
        title=cut(str(payload["title"]), 100),
    )
    return text, None


MEETING_RENDERERS: dict[NotificationKind, Callable[[Translator, Payload], Rendered]] = {
    NotificationKind.MEETING_INVITED: _invited,
    NotificationKind.MEETING_RESCHEDULED: _rescheduled,
    NotificationKind.MEETING_CANCELLED: _cancelled,
    NotificationKind.MEETING_PROMOTED: _promoted,
    NotificationKind.MEETING_REMINDER: _reminder,
    NotificationKind.MEETING_MESSAGE: _message,
    NotificationKind.MEETING_WALK_IN: _walk_in,
    NotificationKind.MEETING_ADMITTED: _admitted,
}
