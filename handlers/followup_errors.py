"""The errors of resolving, rating, reopening and looking back as people read them."""

from __future__ import annotations

from bot.domain import followup_errors as errors
from bot.domain.deliberation_errors import DeliberationError
from bot.i18n import Translator
from handlers import deliberation_errors
from handlers.toolkit.access import explained_by


def explain(tr: Translator, error: errors.FollowUpError) -> str:
    number = error.topic_number
    if isinstance(error, errors.AlreadyResolved):
        return tr._("Topic {number} is resolved already.", number=number)
    if isinstance(error, errors.NotRaiserOrSupporter):
        return tr._(
            "Only the people who raised or joined an issue of topic {number} are asked about it.",
            number=number,
        )
    if isinstance(error, errors.RoundClosed) and error.reopened:
        return tr._(
            "Topic {number} was reopened since this was sent: the work goes on, and you will "
            "be asked again when it is resolved.",
            number=number,
        )
    if isinstance(error, errors.RoundClosed):
        return tr._("This question about topic {number} is not open now.", number=number)
    if isinstance(error, errors.AlreadyReopened):
        return tr._(
            "Topic {number} was reopened already; its card shows the new action item.",
            number=number,
        )
    if isinstance(error, errors.NotRated):
        return tr._("There is no such rating of topic {number}.", number=number)
    if isinstance(error, errors.NothingToReopenWith):
        return tr._(
            "Topic {number} has no published outcome to add a new action item to.", number=number
        )
    return tr._("This is not possible now.")


# Run a handler; a follow-up or deliberation error rolls the update back and is told in words.
explained = explained_by(
    (errors.FollowUpError, explain), (DeliberationError, deliberation_errors.explain)
)
