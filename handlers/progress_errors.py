"""The errors of posting progress as people read them: one sentence each."""

from __future__ import annotations

from bot.domain import progress_errors as errors
from bot.i18n import Translator
from handlers.render import esc
from handlers.toolkit.access import explained_by


def explain(tr: Translator, error: errors.ProgressError) -> str:
    if isinstance(error, errors.ItemDone):
        return tr._(
            "“{item}” is marked done already: no more progress can be posted on it.",
            item=esc(error.description),
        )
    if isinstance(error, errors.NotItemOwner):
        return tr._(
            "Only the member in charge of “{item}” or the liaison office's staff can post its "
            "progress.",
            item=esc(error.description),
        )
    if isinstance(error, errors.PercentOutOfRange):
        return tr._(
            "“{text}” is not a percentage: please type a whole number from 0 to 100, like 60.",
            text=esc(error.text),
        )
    if isinstance(error, errors.NothingToPost):
        return tr._(
            "There is nothing to post yet: write a few words, send a photo or choose a percentage."
        )
    if isinstance(error, errors.BadPeriod):
        return tr._("The period ends before it starts.")
    return tr._("This is not possible now.")


# Run a handler; a progress error rolls the update back and is told in words.
explained = explained_by((errors.ProgressError, explain))
