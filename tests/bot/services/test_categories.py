"""Category suggestion: keyword rules at first, then what staff confirmed in the township."""

from __future__ import annotations

from sqlalchemy import update

from bot.services.categories import CategorySuggester
from bot.services.directory import DirectoryCache
from bot.services.setup import setup_township
from storage.db import SessionFactory
from storage.models import Issue
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

ELDERLY = ["养老院护工态度差", "敬老院伙食太差", "老年食堂饭菜不够", "日间照料中心不开门"]
ROADS = ["村道坑洼不平", "路面破损积水", "道路塌陷很危险", "桥面裂缝需要修补"]


async def test_rules_before_anything_is_confirmed(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    suggester = CategorySuggester(session_factory, DirectoryCache(session_factory))
    suggestion = await suggester.suggest(report.township_id, "南湖社区东门的路灯坏了，道路施工占道")
    async with UnitOfWork(session_factory) as uow:
        labels = {c.id: c.label for c in await uow.directory.categories(report.township_id)}
    assert suggestion is not None
    assert labels[suggestion.category_id] == "城乡建设"
    assert await suggester.suggest(report.township_id, "   ") is None


async def test_learns_a_custom_category_from_confirmed_issues(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    async with UnitOfWork(session_factory) as uow:
        report = await setup_township(
            uow,
            name="西山乡",
            villages=["上村", "下村"],
            now=clock.now(),
            categories=["养老服务", "城乡建设"],
        )
        await uow.commit()
    author = await factories.person(session_factory, clock.now(), 1001)
    for round_ in range(6):
        for text in ELDERLY:
            await factories.issue(
                session_factory,
                clock.now(),
                report,
                author,
                f"{text}{round_}",
                village="上村",
                category_index=0,
            )
        for text in ROADS:
            await factories.issue(
                session_factory,
                clock.now(),
                report,
                author,
                f"{text}{round_}",
                village="下村",
                category_index=1,
            )
    async with session_factory() as session, session.begin():
        await session.execute(update(Issue).values(category_confirmed=True))
    suggester = CategorySuggester(session_factory, DirectoryCache(session_factory))
    await suggester.retrain(report.township_id)
    suggestion = await suggester.suggest(report.township_id, "敬老院的护工不耐烦，伙食也差")
    async with UnitOfWork(session_factory) as uow:
        labels = {c.id: c.label for c in await uow.directory.categories(report.township_id)}
    assert suggestion is not None
    assert labels[suggestion.category_id] == "养老服务"
