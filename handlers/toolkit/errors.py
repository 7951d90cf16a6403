"""Domain errors as people read them: one translated sentence each, never a traceback."""

from __future__ import annotations

from bot.domain.errors import (
    DescriptionTooLong,
    DomainError,
    NotAllowed,
    NotFound,
    QuotaExceeded,
    StaleState,
)
from bot.domain.issue_status import IllegalTransition, IssueStatus
from bot.domain.topic_status import IllegalTopicTransition, TopicStatus
from bot.i18n import Translator
from handlers.render import status_label, topic_status_label


def _status(tr: Translator, status: object) -> str:
    if isinstance(status, IssueStatus):
        return status_label(tr, status)
    if isinstance(status, TopicStatus):
        return topic_status_label(tr, status)
    return str(status)


def explain(tr: Translator, error: DomainError) -> str:
    """What went wrong, in words the person can act on."""
    if isinstance(error, StaleState):
        if error.related:
            return tr._(
                "This was changed in the meantime: {subject} is now “{status}” ({related}).",
                subject=error.subject,
                status=_status(tr, error.status),
                related=error.related,
            )
        return tr._(
            "This was changed in the meantime: {subject} is now “{status}”.",
            subject=error.subject,
            status=_status(tr, error.status),
        )
    if isinstance(error, IllegalTransition | IllegalTopicTransition):
        return tr._(
            "This is not possible now: it is “{status}”.", status=_status(tr, error.current)
        )
    if isinstance(error, NotFound | NotAllowed):
        # The same answer for "gone" and "not yours": a forged id learns nothing.
        return tr._("This cannot be found, or it is not yours to change.")
    if isinstance(error, DescriptionTooLong):
        return tr._(
            "Please keep it under {limit} characters (this was {length}).",
            limit=error.limit,
            length=error.length,
        )
    if isinstance(error, QuotaExceeded):
        return tr._("You have reached the daily limit. Please try again tomorrow.")
    return tr._("This is not possible now.")
