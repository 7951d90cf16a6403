from __future__ import annotations

import dataclasses

import pytest

from bot.domain.errors import NotAllowed
from bot.domain.permissions import Act
from bot.domain.roles import RoleName
from bot.services.access import require, townships_for, working_township
from bot.services.views import PersonView


def _person(*roles: tuple[int, RoleName]) -> PersonView:
    return PersonView(
        id=1,
        telegram_id=1,
        first_name="x",
        locale="zh_Hans",
        chosen_locale=None,
        village_id=None,
        township_id=None,
        roles=frozenset(roles),
    )


def test_staff_of_one_township_only() -> None:
    staff = _person((1, RoleName.STAFF))
    require(staff, Act.TRIAGE, 1)
    with pytest.raises(NotAllowed):
        require(staff, Act.TRIAGE, 2)
    assert working_township(staff, Act.TRIAGE) == 1


def test_residents_and_members_do_not_triage() -> None:
    for person in (_person(), _person((1, RoleName.MEMBER)), _person((1, RoleName.RESIDENT))):
        with pytest.raises(NotAllowed):
            require(person, Act.TRIAGE, 1)
        with pytest.raises(NotAllowed):
            working_township(person, Act.TRIAGE)


def test_members_read_topics_but_do_not_manage_them() -> None:
    member = _person((4, RoleName.MEMBER))
    require(member, Act.READ_TOPICS, 4)
    with pytest.raises(NotAllowed):
        require(member, Act.MANAGE_TOPICS, 4)


def test_admin_counts_as_staff() -> None:
    require(_person((3, RoleName.ADMIN)), Act.TRIAGE, 3)


def test_staff_of_two_townships_work_in_the_one_they_chose() -> None:
    staff = _person((1, RoleName.STAFF), (2, RoleName.STAFF))
    assert townships_for(staff, Act.TRIAGE) == [1, 2]
    assert working_township(staff, Act.TRIAGE) == 1
    chose_second = dataclasses.replace(staff, working_township_id=2)
    assert working_township(chose_second, Act.TRIAGE) == 2
    # A choice that no longer carries the role falls back to one that does.
    chose_gone = dataclasses.replace(staff, working_township_id=9)
    assert working_township(chose_gone, Act.TRIAGE) == 1
