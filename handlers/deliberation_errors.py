"""The errors of a meeting's opinions and outcome as people read them: one sentence each."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain import deliberation_errors as errors
from bot.i18n import Translator
from handlers.render import esc, topic_status_label
from handlers.toolkit.access import explained_by

_UTC = ZoneInfo("UTC")


def day_text(tr: Translator, day: date) -> str:
    """A calendar day in the one date style of the language."""
    return tr.day(datetime.combine(day, time(12), tzinfo=_UTC), _UTC)


def explain(tr: Translator, error: errors.DeliberationError) -> str:
    if isinstance(error, errors.MeetingCancelled):
        return tr._("Meeting {number} was cancelled.", number=error.number)
    if isinstance(error, errors.MeetingNotHeld):
        return tr._(
            "Meeting {number} has not taken place yet: its outcome can be recorded once it "
            "has started.",
            number=error.number,
        )
    if isinstance(error, errors.MeetingStarted):
        return tr._(
            "Meeting {number} has started: opinions were gathered until then.",
            number=error.number,
        )
    if isinstance(error, errors.OutcomePublished):
        return tr._(
            "The outcome of meeting {number} is published already; it cannot be changed.",
            number=error.number,
        )
    if isinstance(error, errors.SummaryMissing):
        return tr._("Please write the summary of the discussion first.")
    if isinstance(error, errors.OwnerMissing):
        return tr._(
            "Every action item needs an owner: pick a member below, or type the name of the "
            "department or village in charge."
        )
    if isinstance(error, errors.DueDateInvalid):
        return tr._(
            "“{text}” is not a date I can read. Please type it like 12月20日 or 2026-12-20.",
            text=esc(error.text),
        )
    if isinstance(error, errors.DueDateInPast):
        return tr._(
            "The due date {due} has passed (today is {today}). Please give a date from today on.",
            due=day_text(tr, error.due),
            today=day_text(tr, error.today),
        )
    if isinstance(error, errors.OpinionsClosed):
        return tr._(
            "Opinions on topic {number} are not being gathered now.", number=error.topic_number
        )
    if isinstance(error, errors.NotParticipant):
        return tr._(
            "Only the people who follow topic {number}, the meeting's invitees and the "
            "township's residents can take part in its opinions.",
            number=error.topic_number,
        )
    if isinstance(error, errors.OpinionGiven):
        return tr._(
            "You gave your opinion on this topic already: “{text}”. One opinion per person "
            "keeps it fair; you can still vote on the others'.",
            text=esc(error.text),
        )
    if isinstance(error, errors.OwnOpinion):
        return tr._("This is your own opinion: the others vote on it.")
    if isinstance(error, errors.TopicNotScheduled):
        return tr._(
            "Topic {number} is “{status}”: only a topic scheduled for a meeting can be "
            "marked as deliberated.",
            number=error.topic_number,
            status=topic_status_label(tr, error.status),  # type: ignore[arg-type]
        )
    return tr._("This is not possible now.")


# Run a handler; a deliberation error rolls the update back and is told in words.
explained = explained_by((errors.DeliberationError, explain))
