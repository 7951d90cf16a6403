from __future__ import annotations

import itertools

import pytest

from bot.domain.errors import DomainError
from bot.domain.issue_status import (
    IllegalTransition,
    IssueStatus,
    allowed_targets,
    check_transition,
)

S = IssueStatus
LEGAL = {
    (S.SUBMITTED, S.NEEDS_INFO),
    (S.SUBMITTED, S.ACCEPTED),
    (S.SUBMITTED, S.REJECTED),
    (S.SUBMITTED, S.MERGED),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.NEEDS_INFO, S.SUBMITTED),
    (S.NEEDS_INFO, S.ACCEPTED),
    (S.NEEDS_INFO, S.REJECTED),
    (S.NEEDS_INFO, S.MERGED),
    (S.NEEDS_INFO, S.WITHDRAWN),
    (S.ACCEPTED, S.RESOLVED),
    (S.ACCEPTED, S.CLOSED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.ACCEPTED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_is_either_legal_or_refused(current: IssueStatus, target: IssueStatus) -> None:
    if (current, target) in LEGAL:
        assert check_transition(current, target) is target
        assert target in allowed_targets(current)
    else:
        with pytest.raises(IllegalTransition) as raised:
            check_transition(current, target)
        assert raised.value.current is current
        assert raised.value.target is target
        assert isinstance(raised.value, DomainError)


def test_terminal_statuses_lead_nowhere() -> None:
    for status in (S.REJECTED, S.MERGED, S.WITHDRAWN, S.CLOSED):
        assert allowed_targets(status) == frozenset()
