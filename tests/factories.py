"""Test data written by the tests themselves (a small township in Chinese)."""

from __future__ import annotations

from datetime import datetime

from bot.services.setup import SetupReport, setup_township
from storage.db import SessionFactory
from storage.uow import UnitOfWork

TOWNSHIP = "东风镇"
VILLAGES = ["东风村", "南湖社区", "柳树屯"]


async def township(
    session_factory: SessionFactory,
    now: datetime,
    *,
    name: str = TOWNSHIP,
    admin: int | None = None,
) -> SetupReport:
    async with UnitOfWork(session_factory) as uow:
        report = await setup_township(
            uow, name=name, villages=VILLAGES, now=now, admin_telegram_id=admin
        )
        await uow.commit()
        return report


async def person(
    session_factory: SessionFactory, now: datetime, telegram_id: int, name: str = "居民"
) -> int:
    from bot.services.people import Contact, register_contact

    async with UnitOfWork(session_factory) as uow:
        contact = Contact(telegram_id, telegram_id, name, None, "zh-hans")
        person_id = (await register_contact(uow, contact, "zh_Hans", now)).id
        await uow.commit()
        return person_id


async def issue(
    session_factory: SessionFactory,
    now: datetime,
    report: SetupReport,
    author_id: int,
    text: str,
    *,
    village: str = "南湖社区",
    category_index: int = 0,
) -> int:
    """A submitted issue raised in chat by `author_id` (a person id)."""
    from bot.services.intake import IssueDraft, submit

    async with UnitOfWork(session_factory) as uow:
        categories = await uow.directory.categories(report.township_id)
        draft = IssueDraft(
            township_id=report.township_id,
            village_id=report.villages[village],
            category_id=categories[category_index].id,
            text=text,
        )
        issue_id = (await submit(uow, author_id, draft, now=now, daily_limit=1000)).id
        await uow.commit()
        return issue_id
