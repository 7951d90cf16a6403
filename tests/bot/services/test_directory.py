"""Townships, villages and categories: read through, and the in-memory DirectoryCache."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import NotFound
from bot.services import directory
from bot.services.directory import DirectoryCache
from bot.services.setup import SetupReport
from bot.services.views import TownshipView, VillageView
from storage.db import SessionFactory
from storage.models import Category, Village
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


class Seconds:
    """The cache's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingFactory:
    """A session factory that counts the sessions the cache opens (one per reload)."""

    def __init__(self, inner: SessionFactory) -> None:
        self.inner = inner
        self.opened = 0

    def __call__(self) -> AsyncSession:
        self.opened += 1
        return self.inner()


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


def _cache(
    session_factory: SessionFactory, ttl: float = 60.0
) -> tuple[DirectoryCache, CountingFactory, Seconds]:
    factory, seconds = CountingFactory(session_factory), Seconds()
    cache = DirectoryCache(factory, ttl_seconds=ttl, clock=seconds)  # type: ignore[arg-type]
    return cache, factory, seconds


async def _add_village(session_factory: SessionFactory, township_id: int, name: str) -> int:
    """A village set up by another process (the command line), behind the cache's back."""
    async with UnitOfWork(session_factory) as uow:
        village = await uow.directory.add_village(
            Village(township_id=township_id, name=name, position=9)
        )
        await uow.commit()
        return village.id


async def test_plain_reads(session_factory: SessionFactory, report: SetupReport) -> None:
    async with UnitOfWork(session_factory) as uow:
        towns = await directory.townships(uow)
        villages = await directory.villages(uow, report.township_id)
        categories = await directory.categories(uow, report.township_id)
    assert towns == [TownshipView(report.township_id, "东风镇", "Asia/Shanghai")]
    assert [v.name for v in villages] == ["东风村", "南湖社区", "柳树屯"]  # in setup order
    assert [c.label for c in categories][:2] == ["城乡建设", "环境保护"]
    assert categories[-1].label == "其他"


async def test_the_cache_answers_from_memory_within_its_ttl(
    session_factory: SessionFactory, report: SetupReport
) -> None:
    cache, factory, seconds = _cache(session_factory)
    village_id = report.villages["南湖社区"]
    assert await cache.village(village_id) == VillageView(
        village_id, report.township_id, "南湖社区"
    )
    assert (await cache.township(report.township_id)).name == "东风镇"
    assert len(await cache.villages(report.township_id)) == 3
    categories = await cache.categories(report.township_id)
    assert await cache.category(report.township_id, categories[0].id) == categories[0]
    seconds.now += 59.9
    await cache.townships()
    assert factory.opened == 1


async def test_the_cache_reloads_after_its_ttl(
    session_factory: SessionFactory, report: SetupReport
) -> None:
    cache, factory, seconds = _cache(session_factory, ttl=60)
    assert len(await cache.villages(report.township_id)) == 3
    await _add_village(session_factory, report.township_id, "新村")
    seconds.now += 30
    assert len(await cache.villages(report.township_id)) == 3  # not seen yet
    seconds.now += 30
    names = [v.name for v in await cache.villages(report.township_id)]
    assert names == ["东风村", "南湖社区", "柳树屯", "新村"]
    assert factory.opened == 2


async def test_a_miss_reloads_at_once(session_factory: SessionFactory, report: SetupReport) -> None:
    cache, factory, seconds = _cache(session_factory)
    await cache.townships()
    seconds.now += 1  # long before the TTL
    village_id = await _add_village(session_factory, report.township_id, "新村")
    assert (await cache.village(village_id)).name == "新村"  # e.g. from a fresh QR code
    assert factory.opened == 2
    assert [v.name for v in await cache.villages(report.township_id)][-1] == "新村"
    assert factory.opened == 2


async def test_misses_reload_at_most_ten_times_a_second(
    session_factory: SessionFactory, report: SetupReport
) -> None:
    cache, factory, seconds = _cache(session_factory)
    await cache.townships()
    loaded_at = seconds.now
    for step in range(1, 7):  # forged ids in quick succession (steps of 1/64 s are exact)
        seconds.now = loaded_at + step / 64
        with pytest.raises(NotFound):
            await cache.village(999999)
        with pytest.raises(NotFound):
            await cache.township(999999)
    assert factory.opened == 1  # the copy is younger than 0.1 s: no reload
    seconds.now = loaded_at + 7 / 64
    with pytest.raises(NotFound):
        await cache.village(999999)
    assert factory.opened == 2  # older than 0.1 s: one reload
    with pytest.raises(NotFound):
        await cache.township(999999)
    assert factory.opened == 2  # and the new copy is young again


async def test_invalidate_reloads_on_the_next_read(
    session_factory: SessionFactory, report: SetupReport
) -> None:
    cache, factory, _ = _cache(session_factory)
    await cache.townships()
    await _add_village(session_factory, report.township_id, "新村")
    cache.invalidate()  # this process changed the directory
    assert len(await cache.villages(report.township_id)) == 4
    assert factory.opened == 2


async def test_concurrent_reads_load_once(
    session_factory: SessionFactory, report: SetupReport
) -> None:
    cache, factory, _ = _cache(session_factory)
    results = await asyncio.gather(*(cache.villages(report.township_id) for _ in range(10)))
    assert all(len(villages) == 3 for villages in results)
    assert factory.opened == 1


async def test_a_category_is_found_only_in_its_own_township(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    async with UnitOfWork(session_factory) as uow:
        await uow.directory.add_category(
            Category(township_id=other.township_id, key="x", label="旧类别", active=False)
        )
        await uow.commit()
    cache, _, _ = _cache(session_factory)
    foreign = (await cache.categories(other.township_id))[0]
    with pytest.raises(NotFound):
        await cache.category(report.township_id, foreign.id)
    assert "旧类别" not in [c.label for c in await cache.categories(other.township_id)]
    assert await cache.categories(999999) == []
    assert await cache.villages(999999) == []
