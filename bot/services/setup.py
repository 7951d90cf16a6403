"""Setting up a township (idempotent: running it again changes nothing that exists)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.categories import DEFAULT_CATEGORIES, key_for_label
from bot.domain.roles import RoleName
from storage.models import Category, Person, Township, Village
from storage.uow import UnitOfWork


@dataclass
class SetupReport:
    township_id: int
    township_created: bool
    villages: dict[str, int] = field(default_factory=dict)
    villages_created: list[str] = field(default_factory=list)
    categories_created: list[str] = field(default_factory=list)
    admin_granted: bool = False


def split_names(raw: str) -> list[str]:
    """'东村, 西村，南村' -> ['东村', '西村', '南村'] (ASCII or full-width commas, no blanks)."""
    names: list[str] = []
    for part in raw.replace("，", ",").replace("、", ",").split(","):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


async def setup_township(
    uow: UnitOfWork,
    *,
    name: str,
    villages: Sequence[str],
    now: datetime,
    timezone: str = "Asia/Shanghai",
    admin_telegram_id: int | None = None,
    categories: Sequence[str] | None = None,
) -> SetupReport:
    name = name.strip()
    if not name:
        raise ValueError("the township needs a name")
    township = await uow.directory.township_by_name(name)
    created = township is None
    if township is None:
        township = await uow.directory.add_township(
            Township(name=name, timezone=timezone, created_at=now)
        )
    report = SetupReport(township_id=township.id, township_created=created)

    existing_villages = {v.name: v for v in await uow.directory.villages(township.id)}
    for position, village_name in enumerate(villages, start=len(existing_villages)):
        village = existing_villages.get(village_name)
        if village is None:
            village = await uow.directory.add_village(
                Village(township_id=township.id, name=village_name, position=position)
            )
            existing_villages[village_name] = village
            report.villages_created.append(village_name)
        report.villages[village_name] = village.id

    existing_keys = {c.key for c in await uow.directory.categories(township.id)}
    wanted = (
        list(categories) if categories else [label for _m, label in DEFAULT_CATEGORIES.values()]
    )
    for position, label in enumerate(wanted):
        key = key_for_label(label) or f"custom:{label}"[:40]
        if key in existing_keys:
            continue
        await uow.directory.add_category(
            Category(township_id=township.id, key=key, label=label, position=position, active=True)
        )
        existing_keys.add(key)
        report.categories_created.append(label)

    if admin_telegram_id is not None:
        person = await uow.people.by_telegram_id(admin_telegram_id)
        if person is None:
            # The admin has not talked to the bot yet; their chat id arrives with /start.
            person = await uow.people.add(
                Person(telegram_id=admin_telegram_id, created_at=now, updated_at=now, active=True)
            )
        report.admin_granted = await uow.people.grant(person.id, township.id, RoleName.ADMIN, now)

    changed = (
        created or report.villages_created or report.categories_created or report.admin_granted
    )
    if changed:
        await uow.audit.record(
            at=now,
            actor_id=None,
            action="township.setup",
            object_type="township",
            object_id=township.id,
            details={
                "villages_created": report.villages_created,
                "categories_created": report.categories_created,
                "admin": admin_telegram_id,
            },
        )
    return report
