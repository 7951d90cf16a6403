"""Roles: granted and revoked by hand, each idempotent and audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from bot.services.roles import RoleChange, grant_role, revoke_role
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import AuditLog, Person, Role
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

ADMIN = 42
CLERK = 9001


async def _change(
    session_factory: SessionFactory,
    clock: MutableClock,
    report: SetupReport,
    action: Any,
    telegram_id: int = CLERK,
    role: RoleName = RoleName.STAFF,
) -> tuple[RoleChange, set[int]]:
    async with UnitOfWork(session_factory) as uow:
        change = await action(
            uow,
            township_id=report.township_id,
            telegram_id=telegram_id,
            role=role,
            now=clock.now(),
            actor_id=None,
        )
        changes = await uow.commit()
    return change, changes.people


async def _roles(session_factory: SessionFactory) -> set[tuple[int, int, RoleName]]:
    async with session_factory() as session:
        return {(r.person_id, r.township_id, r.role) for r in await session.scalars(select(Role))}


async def _audit(session_factory: SessionFactory) -> list[tuple[Any, ...]]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(AuditLog).where(AuditLog.action.startswith("role.")).order_by(AuditLog.id)
        )
        return [(a.action, a.object_type, a.object_id, a.actor_id, a.details, a.at) for a in rows]


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


async def test_grant_to_someone_the_bot_never_met_creates_them(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    change, people = await _change(session_factory, clock, report, grant_role)
    async with session_factory() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == CLERK))
    assert person is not None and person.active and person.chat_id is None
    assert change == RoleChange(person_id=person.id, changed=True, person_created=True)
    assert people == {CLERK}
    assert await _roles(session_factory) == {(person.id, report.township_id, RoleName.STAFF)}
    details = {"township_id": report.township_id, "role": "staff", "telegram_id": CLERK}
    assert await _audit(session_factory) == [
        ("role.grant", "person", str(person.id), None, details, clock.now())
    ]


async def test_grant_is_idempotent(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    person_id = await factories.person(session_factory, clock.now(), CLERK, "小张")
    first, _ = await _change(session_factory, clock, report, grant_role)
    assert first == RoleChange(person_id=person_id, changed=True, person_created=False)
    clock.advance(minutes=1)
    again, people = await _change(session_factory, clock, report, grant_role)
    assert again == RoleChange(person_id=person_id, changed=False, person_created=False)
    assert people == set()  # nothing changed: no cache needs to forget them
    assert len(await _audit(session_factory)) == 1
    assert await _roles(session_factory) == {(person_id, report.township_id, RoleName.STAFF)}


async def test_roles_are_per_township_and_per_role(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    person_id = await factories.person(session_factory, clock.now(), CLERK, "小张")
    await _change(session_factory, clock, report, grant_role)
    await _change(session_factory, clock, report, grant_role, role=RoleName.MEMBER)
    await _change(session_factory, clock, other, grant_role)
    change, _ = await _change(session_factory, clock, report, revoke_role)
    assert change == RoleChange(person_id=person_id, changed=True)
    assert await _roles(session_factory) == {
        (person_id, report.township_id, RoleName.MEMBER),
        (person_id, other.township_id, RoleName.STAFF),
    }


async def test_revoke_is_idempotent_and_audited(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    person_id = await factories.person(session_factory, clock.now(), CLERK, "小张")
    await _change(session_factory, clock, report, grant_role)
    clock.advance(minutes=1)
    change, people = await _change(session_factory, clock, report, revoke_role)
    assert change == RoleChange(person_id=person_id, changed=True)
    assert people == {CLERK}
    assert await _roles(session_factory) == set()
    details = {"township_id": report.township_id, "role": "staff", "telegram_id": CLERK}
    assert (await _audit(session_factory))[-1] == (
        "role.revoke",
        "person",
        str(person_id),
        None,
        details,
        clock.now(),
    )
    again, people = await _change(session_factory, clock, report, revoke_role)
    assert again == RoleChange(person_id=person_id, changed=False)
    assert people == set()
    assert [row[0] for row in await _audit(session_factory)] == ["role.grant", "role.revoke"]


async def test_revoking_from_an_unknown_person_creates_nobody(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    change, people = await _change(session_factory, clock, report, revoke_role, telegram_id=777)
    assert change == RoleChange(person_id=None, changed=False)
    assert people == set()
    async with session_factory() as session:
        assert await session.scalar(select(func.count(Person.id))) == 0
    assert await _audit(session_factory) == []


async def test_the_actor_is_recorded(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    admin_id = await factories.person(session_factory, clock.now(), ADMIN, "管理员")
    async with UnitOfWork(session_factory) as uow:
        await grant_role(
            uow,
            township_id=report.township_id,
            telegram_id=CLERK,
            role=RoleName.ADMIN,
            now=clock.now(),
            actor_id=admin_id,
        )
        await uow.commit()
    assert [(row[0], row[3]) for row in await _audit(session_factory)] == [("role.grant", admin_id)]


@pytest.mark.parametrize("action", [grant_role, revoke_role])
async def test_residents_are_not_granted_and_townships_must_exist(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport, action: Any
) -> None:
    await factories.person(session_factory, clock.now(), CLERK, "小张")
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(ValueError, match="not granted by hand"):
            await action(
                uow,
                township_id=report.township_id,
                telegram_id=CLERK,
                role=RoleName.RESIDENT,
                now=clock.now(),
            )
        with pytest.raises(NotFound):
            await action(
                uow, township_id=999999, telegram_id=CLERK, role=RoleName.STAFF, now=clock.now()
            )
        assert not uow.changes
    assert await _roles(session_factory) == set()
    assert await _audit(session_factory) == []


async def test_the_person_is_told_of_each_real_change(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    from storage.models import Notification

    await factories.person(session_factory, clock.now(), CLERK, "小张")
    await _change(session_factory, clock, report, grant_role)
    await _change(session_factory, clock, report, grant_role)  # had it already: no push
    clock.advance(minutes=1)
    await _change(session_factory, clock, report, revoke_role)
    await _change(session_factory, clock, report, revoke_role)
    async with session_factory() as session:
        told = [n.payload for n in await session.scalars(select(Notification))]
    assert told == [
        {"township": "东风镇", "granted_role": "staff", "change": "granted"},
        {"township": "东风镇", "granted_role": "staff", "change": "revoked"},
    ]


async def test_people_to_choose_from_are_the_township_s(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    from bot.services import roles

    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    living = await factories.person(session_factory, clock.now(), 3001, "住在这里")
    raiser = await factories.person(session_factory, clock.now(), 3002, "反映过事")
    await factories.person(session_factory, clock.now(), 3003, "别处的人")
    stranger = await factories.person(session_factory, clock.now(), 3004, "西湖镇的人")
    await factories.issue(session_factory, clock.now(), report, raiser, "路灯坏了")
    async with UnitOfWork(session_factory) as uow:
        await uow.people.set_village(living, report.villages["东风村"], clock.now())
        await uow.people.set_village(stranger, other.villages["东风村"], clock.now())
        await uow.commit()
    await _change(session_factory, clock, report, grant_role, telegram_id=3005)  # works here
    async with UnitOfWork(session_factory) as uow:
        page, total = await roles.people_to_choose(uow, report.township_id, page=0, page_size=2)
        rest, _ = await roles.people_to_choose(uow, report.township_id, page=1, page_size=2)
        holders, count = await roles.people_to_choose(
            uow, report.township_id, page=0, page_size=8, holding=RoleName.STAFF
        )
        assert (await roles.chosen_person(uow, report.township_id, living)).name == "住在这里"
        with pytest.raises(NotFound):
            await roles.chosen_person(uow, report.township_id, stranger)
    assert total == 3
    assert {p.telegram_id for p in [*page, *rest]} == {3001, 3002, 3005}
    assert ([p.telegram_id for p in holders], count) == ([3005], 1)
