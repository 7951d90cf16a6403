from __future__ import annotations

import itertools

import pytest

from bot.domain.errors import DomainError
from bot.domain.topic_status import (
    OPEN_TOPIC_STATUSES,
    TERMINAL,
    IllegalTopicTransition,
    TopicStatus,
    allowed_topic_targets,
    check_topic_transition,
)

S = TopicStatus
FORWARD = [
    (S.COLLECTING, S.SELECTED),
    (S.SELECTED, S.SCHEDULED),
    (S.SCHEDULED, S.DELIBERATED),
    (S.DELIBERATED, S.IMPLEMENTING),
    (S.IMPLEMENTING, S.RESOLVED),
    (S.RESOLVED, S.REVIEWED),
]
ENDINGS = [
    (status, end)
    for status in (S.COLLECTING, S.SELECTED, S.SCHEDULED, S.DELIBERATED, S.IMPLEMENTING, S.RESOLVED)
    for end in (S.CLOSED, S.WITHDRAWN)
]
# A cancelled meeting's topics wait for another meeting.
BACK = [(S.SCHEDULED, S.SELECTED)]
# Decided without action items: resolved straight away.
SHORTCUT = [(S.DELIBERATED, S.RESOLVED)]
# Reopened after an unsatisfied rating or a matter that came back (回头看).
REOPEN = [(S.RESOLVED, S.IMPLEMENTING), (S.REVIEWED, S.IMPLEMENTING)]
LEGAL = set(FORWARD) | set(ENDINGS) | set(BACK) | set(SHORTCUT) | set(REOPEN)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_is_either_legal_or_refused(current: TopicStatus, target: TopicStatus) -> None:
    if (current, target) in LEGAL:
        assert check_topic_transition(current, target) is target
        assert target in allowed_topic_targets(current)
    else:
        with pytest.raises(IllegalTopicTransition) as raised:
            check_topic_transition(current, target)
        assert isinstance(raised.value, DomainError)
        assert target not in allowed_topic_targets(current)


def test_open_and_terminal_statuses_partition_the_machine() -> None:
    assert set(S) == OPEN_TOPIC_STATUSES | TERMINAL
    assert not OPEN_TOPIC_STATUSES & TERMINAL
    for status in TERMINAL - {S.REVIEWED}:
        assert allowed_topic_targets(status) == frozenset()
    # A reviewed topic is done with, unless the matter comes back.
    assert allowed_topic_targets(S.REVIEWED) == frozenset({S.IMPLEMENTING})
