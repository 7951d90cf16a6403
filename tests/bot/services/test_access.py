from __future__ import annotations

import pytest

from bot.domain.errors import NotAllowed
from bot.domain.roles import RoleName
from bot.services.access import STAFF_ROLES, require, staff_township
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
    require(staff, 1, STAFF_ROLES)
    with pytest.raises(NotAllowed):
        require(staff, 2, STAFF_ROLES)
    assert staff_township(staff) == 1


def test_residents_and_members_are_not_staff() -> None:
    for person in (_person(), _person((1, RoleName.MEMBER)), _person((1, RoleName.RESIDENT))):
        with pytest.raises(NotAllowed):
            require(person, 1, STAFF_ROLES)
        with pytest.raises(NotAllowed):
            staff_township(person)


def test_admin_counts_as_staff() -> None:
    require(_person((3, RoleName.ADMIN)), 3, STAFF_ROLES)
