from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.roles import RoleName
from bot.services.setup import SetupReport, setup_township, split_names
from storage.db import SessionFactory
from storage.models import AuditLog, Category, Village
from storage.uow import UnitOfWork
from tests.conftest import MutableClock


def test_split_names_accepts_chinese_commas() -> None:
    assert split_names("东风村，南湖社区、 柳树屯,,东风村") == ["东风村", "南湖社区", "柳树屯"]


async def test_setup_is_idempotent(session_factory: SessionFactory, clock: MutableClock) -> None:
    async def run(villages: list[str]) -> SetupReport:
        async with UnitOfWork(session_factory) as uow:
            report = await setup_township(
                uow, name="东风镇", villages=villages, now=clock.now(), admin_telegram_id=42
            )
            await uow.commit()
            return report

    first = await run(["东风村", "南湖社区"])
    second = await run(["东风村", "南湖社区"])
    third = await run(["东风村", "南湖社区", "柳树屯"])
    assert first.township_created and not second.township_created
    assert first.admin_granted and not second.admin_granted
    assert second.villages_created == [] and third.villages_created == ["柳树屯"]
    async with session_factory() as session:
        assert await session.scalar(select(func.count(Village.id))) == 3
        assert await session.scalar(select(func.count(Category.id))) == 8
        # Only runs that changed something are audited.
        assert await session.scalar(select(func.count(AuditLog.id))) == 2
    async with UnitOfWork(session_factory) as uow:
        admin = await uow.people.by_telegram_id(42)
        assert admin is not None
        assert (first.township_id, RoleName.ADMIN) in await uow.people.roles(admin.id)


async def test_custom_categories(session_factory: SessionFactory, clock: MutableClock) -> None:
    async with UnitOfWork(session_factory) as uow:
        report = await setup_township(
            uow,
            name="西山乡",
            villages=["上村"],
            now=clock.now(),
            categories=["环境保护", "养老服务"],
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        keys = [c.key for c in await uow.directory.categories(report.township_id)]
    assert keys == ["environment", "custom:养老服务"]


async def test_choosing_a_village_that_does_not_exist(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    import pytest

    from bot.domain.errors import NotFound
    from bot.services.people import Contact, choose_village, register_contact

    async with UnitOfWork(session_factory) as uow:
        report = await setup_township(uow, name="东风镇", villages=["东风村"], now=clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        person = await register_contact(uow, Contact(1, 1, "x", None, None), "zh_Hans", clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotFound):
            await choose_village(uow, person.id, person.telegram_id, 999999, clock.now())
        # The refusal changed nothing, even for a caller that commits anyway.
        assert not await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        stored = await uow.people.get(person.id)
        assert stored is not None
        assert stored.village_id is None
    async with UnitOfWork(session_factory) as uow:
        await choose_village(
            uow, person.id, person.telegram_id, report.villages["东风村"], clock.now()
        )
        changes = await uow.commit()
    # The person's cached view is told the new home.
    assert changes.homes == {person.telegram_id: (report.villages["东风村"], report.township_id)}
    async with UnitOfWork(session_factory) as uow:
        stored = await uow.people.get(person.id)
        assert stored is not None
        assert stored.village_id == report.villages["东风村"]
