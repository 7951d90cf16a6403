"""The life of an issue (诉求) as an explicit state machine.

Only the transitions listed in `_ALLOWED` exist; everything else is a domain error that
handlers turn into a translated message. Topic-level progress (deliberation, action items)
lives on the topic; an issue only records how the office received it and how it ended.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import DomainError


class IssueStatus(StrEnum):
    SUBMITTED = "submitted"  # raised by a resident, waiting for triage
    NEEDS_INFO = "needs_info"  # staff asked the resident a question
    ACCEPTED = "accepted"  # taken into a consultation topic
    REJECTED = "rejected"  # outside the remit, already solved, … (with a reason)
    MERGED = "merged"  # duplicate of another issue; its raiser supports that one
    WITHDRAWN = "withdrawn"  # the resident took it back
    RESOLVED = "resolved"  # the topic it belongs to was resolved
    CLOSED = "closed"  # archived after resolution or review


_ALLOWED: dict[IssueStatus, frozenset[IssueStatus]] = {
    IssueStatus.SUBMITTED: frozenset(
        {
            IssueStatus.NEEDS_INFO,
            IssueStatus.ACCEPTED,
            IssueStatus.REJECTED,
            IssueStatus.MERGED,
            IssueStatus.WITHDRAWN,
        }
    ),
    IssueStatus.NEEDS_INFO: frozenset(
        {
            IssueStatus.SUBMITTED,  # the resident answered; back to the inbox
            IssueStatus.ACCEPTED,
            IssueStatus.REJECTED,
            IssueStatus.MERGED,
            IssueStatus.WITHDRAWN,
        }
    ),
    IssueStatus.ACCEPTED: frozenset({IssueStatus.RESOLVED, IssueStatus.CLOSED}),
    IssueStatus.RESOLVED: frozenset({IssueStatus.CLOSED, IssueStatus.ACCEPTED}),
    IssueStatus.REJECTED: frozenset(),
    IssueStatus.MERGED: frozenset(),
    IssueStatus.WITHDRAWN: frozenset(),
    IssueStatus.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset({IssueStatus.SUBMITTED, IssueStatus.NEEDS_INFO, IssueStatus.ACCEPTED})
# Waiting for the office: what triage acts on.
TRIAGE_STATUSES = frozenset({IssueStatus.SUBMITTED, IssueStatus.NEEDS_INFO})
# The office answered the resident: took the issue up, asked a question, or refused it with a
# reason. The first of these is when the response rate counts the issue as answered.
FIRST_ANSWERS = frozenset({IssueStatus.ACCEPTED, IssueStatus.NEEDS_INFO, IssueStatus.REJECTED})
# Still alive: what a resident may join and an issue may be a duplicate of. A merged issue
# is not, so two issues can never end up duplicates of each other.
LIVE_STATUSES = OPEN_STATUSES


class IllegalTransition(DomainError):
    """Raised when an issue is asked to move to a status it cannot reach from where it is."""

    def __init__(self, current: IssueStatus, target: IssueStatus) -> None:
        super().__init__(f"issue cannot go from {current} to {target}")
        self.current = current
        self.target = target


def allowed_targets(current: IssueStatus) -> frozenset[IssueStatus]:
    return _ALLOWED[current]


def check_transition(current: IssueStatus, target: IssueStatus) -> IssueStatus:
    """Return `target` when the move is legal, else raise IllegalTransition."""
    if target not in _ALLOWED[current]:
        raise IllegalTransition(current, target)
    return target
