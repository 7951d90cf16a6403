"""Townships, villages and categories as residents choose them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.errors import NotFound
from bot.services.views import CategoryView, TownshipView, VillageView
from storage.db import SessionFactory
from storage.models import Category, Township, Village
from storage.uow import UnitOfWork


def township_view(township: Township) -> TownshipView:
    return TownshipView(id=township.id, name=township.name, timezone=township.timezone)


def village_view(village: Village) -> VillageView:
    return VillageView(id=village.id, township_id=village.township_id, name=village.name)


def category_view(category: Category) -> CategoryView:
    return CategoryView(id=category.id, key=category.key, label=category.label)


async def townships(uow: UnitOfWork) -> list[TownshipView]:
    return [township_view(t) for t in await uow.directory.townships()]


async def villages(uow: UnitOfWork, township_id: int) -> list[VillageView]:
    return [village_view(v) for v in await uow.directory.villages(township_id)]


async def categories(uow: UnitOfWork, township_id: int) -> list[CategoryView]:
    return [category_view(c) for c in await uow.directory.categories(township_id)]


@dataclass(frozen=True)
class _Snapshot:
    townships: dict[int, TownshipView]
    villages: dict[int, VillageView]
    categories: dict[int, list[CategoryView]]


_MIN_RELOAD_SECONDS = 0.1


class DirectoryCache:
    """Townships, villages and categories change rarely and are read on every intake step.

    Keeping them in memory spares the database a read per step. Setup may run in another
    process, so the copy is reloaded after `ttl_seconds`; this process's own changes call
    `invalidate`.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = session_factory
        self._ttl = ttl_seconds
        self._clock = clock
        self._snapshot: _Snapshot | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._snapshot = None

    async def _fresher(self) -> _Snapshot:
        """After a miss: an id may be newer than the copy (set up from the command line
        meanwhile). Reload, at most ten times a second, so forged ids cannot keep it reloading."""
        if self._clock() - self._loaded_at >= _MIN_RELOAD_SECONDS:
            self.invalidate()
        return await self._current()

    async def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._clock() - self._loaded_at < self._ttl:
            return snapshot
        async with self._lock:
            if self._snapshot is not None and self._clock() - self._loaded_at < self._ttl:
                return self._snapshot
            async with UnitOfWork(self._factory) as uow:
                towns = await townships(uow)
                village_views = {v.id: v for t in towns for v in await villages(uow, t.id)}
                category_views = {t.id: await categories(uow, t.id) for t in towns}
            self._snapshot = _Snapshot({t.id: t for t in towns}, village_views, category_views)
            self._loaded_at = self._clock()
            return self._snapshot

    async def townships(self) -> list[TownshipView]:
        return list((await self._current()).townships.values())

    async def township(self, township_id: int) -> TownshipView:
        found = (await self._current()).townships.get(township_id)
        if found is None:
            found = (await self._fresher()).townships.get(township_id)
        if found is None:
            raise NotFound("township", township_id)
        return found

    async def villages(self, township_id: int) -> list[VillageView]:
        return [
            v for v in (await self._current()).villages.values() if v.township_id == township_id
        ]

    async def village(self, village_id: int) -> VillageView:
        found = (await self._current()).villages.get(village_id)
        if found is None:
            found = (await self._fresher()).villages.get(village_id)
        if found is None:
            raise NotFound("village", village_id)
        return found

    async def categories(self, township_id: int) -> list[CategoryView]:
        return list((await self._current()).categories.get(township_id, []))

    async def category(self, township_id: int, category_id: int) -> CategoryView:
        """A category of this township; a forged id from another township is not found."""
        for category in (await self._current()).categories.get(township_id, []):
            if category.id == category_id:
                return category
        raise NotFound("category", category_id)
