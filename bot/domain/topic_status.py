"""The life of a consultation topic (议题), from collecting issues to looking back."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import DomainError


class TopicStatus(StrEnum):
    COLLECTING = "collecting"  # issues are being gathered
    SELECTED = "selected"  # chosen for deliberation (选题)
    SCHEDULED = "scheduled"  # a meeting is planned
    DELIBERATED = "deliberated"  # the meeting took place, an outcome is recorded
    IMPLEMENTING = "implementing"  # action items are under way
    RESOLVED = "resolved"  # the action items are done
    REVIEWED = "reviewed"  # looked back on (回头看)
    CLOSED = "closed"  # ended without deliberation (e.g. solved directly)
    WITHDRAWN = "withdrawn"  # dropped, e.g. merged into another topic


_FORWARD = [
    TopicStatus.COLLECTING,
    TopicStatus.SELECTED,
    TopicStatus.SCHEDULED,
    TopicStatus.DELIBERATED,
    TopicStatus.IMPLEMENTING,
    TopicStatus.RESOLVED,
    TopicStatus.REVIEWED,
]
# Done with; a reviewed topic can still be reopened when the matter comes back.
TERMINAL = frozenset({TopicStatus.REVIEWED, TopicStatus.CLOSED, TopicStatus.WITHDRAWN})
REOPENABLE = frozenset({TopicStatus.RESOLVED, TopicStatus.REVIEWED})
OPEN_TOPIC_STATUSES = frozenset(s for s in TopicStatus if s not in TERMINAL)


def _allowed() -> dict[TopicStatus, frozenset[TopicStatus]]:
    allowed: dict[TopicStatus, frozenset[TopicStatus]] = {}
    for index, status in enumerate(_FORWARD):
        targets: set[TopicStatus] = set()
        if index + 1 < len(_FORWARD):
            targets.add(_FORWARD[index + 1])
        if status not in TERMINAL:
            targets |= {TopicStatus.CLOSED, TopicStatus.WITHDRAWN}
        allowed[status] = frozenset(targets)
    # A meeting called off hands its topics back, to be taken up by another meeting.
    allowed[TopicStatus.SCHEDULED] |= {TopicStatus.SELECTED}
    # A topic decided without action items can be resolved straight after its meeting.
    allowed[TopicStatus.DELIBERATED] |= {TopicStatus.RESOLVED}
    # Reopened: a resident was not satisfied, or the matter came back after 回头看; the work
    # goes on with a new action item (bot/services/resolution.py).
    allowed[TopicStatus.RESOLVED] |= {TopicStatus.IMPLEMENTING}
    allowed[TopicStatus.REVIEWED] = frozenset({TopicStatus.IMPLEMENTING})
    allowed[TopicStatus.CLOSED] = frozenset()
    allowed[TopicStatus.WITHDRAWN] = frozenset()
    return allowed


_ALLOWED = _allowed()


class IllegalTopicTransition(DomainError):
    def __init__(self, current: TopicStatus, target: TopicStatus) -> None:
        super().__init__(f"topic cannot go from {current} to {target}")
        self.current = current
        self.target = target


def allowed_topic_targets(current: TopicStatus) -> frozenset[TopicStatus]:
    return _ALLOWED[current]


def check_topic_transition(current: TopicStatus, target: TopicStatus) -> TopicStatus:
    if target not in _ALLOWED[current]:
        raise IllegalTopicTransition(current, target)
    return target
