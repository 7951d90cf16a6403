"""Townships, villages and categories as residents choose them."""

from __future__ import annotations

from bot.domain.errors import NotFound
from bot.services.views import CategoryView, TownshipView, VillageView
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


async def get_township(uow: UnitOfWork, township_id: int) -> TownshipView:
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    return township_view(township)


async def villages(uow: UnitOfWork, township_id: int) -> list[VillageView]:
    return [village_view(v) for v in await uow.directory.villages(township_id)]


async def get_village(uow: UnitOfWork, village_id: int) -> VillageView:
    village = await uow.directory.village(village_id)
    if village is None:
        raise NotFound("village", village_id)
    return village_view(village)


async def categories(uow: UnitOfWork, township_id: int) -> list[CategoryView]:
    return [category_view(c) for c in await uow.directory.categories(township_id)]


async def get_category(uow: UnitOfWork, township_id: int, category_id: int) -> CategoryView:
    """A category of this township; a forged id from another township is not found."""
    category = await uow.directory.category(category_id)
    if category is None or category.township_id != township_id or not category.active:
        raise NotFound("category", category_id)
    return category_view(category)
