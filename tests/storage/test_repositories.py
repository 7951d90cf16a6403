"""Repositories: people, the directory, issues (counters, supports) and the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import Category, Counter, Support, Village
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


@pytest.fixture
def savepoints(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every savepoint taken on the test's engine."""
    taken: list[str] = []

    def record(connection: Any, name: str) -> None:
        taken.append(name)

    event.listen(engine.sync_engine, "savepoint", record)
    yield taken
    event.remove(engine.sync_engine, "savepoint", record)


async def _counters(session_factory: SessionFactory) -> dict[str, int]:
    async with session_factory() as session:
        return {c.name: c.value for c in await session.scalars(select(Counter))}


# -- counters --------------------------------------------------------------------------------


async def test_a_counter_starts_at_one_and_counts_on(
    session_factory: SessionFactory, savepoints: list[str]
) -> None:
    async with UnitOfWork(session_factory) as uow:
        assert [await uow.issues.next_sequence("a") for _ in range(3)] == [1, 2, 3]
        assert await uow.issues.next_sequence("b") == 1  # counters are independent
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.issues.next_sequence("a") == 4
        await uow.commit()
    assert await _counters(session_factory) == {"a": 4, "b": 1}
    assert savepoints == []


async def test_a_block_of_sequences(session_factory: SessionFactory, savepoints: list[str]) -> None:
    async with UnitOfWork(session_factory) as uow:
        assert await uow.issues.take_sequences("import", 5) == 1  # 1 … 5
        assert await uow.issues.next_sequence("import") == 6
        assert await uow.issues.take_sequences("import", 1) == 7
        with pytest.raises(ValueError, match="at least 1"):
            await uow.issues.take_sequences("import", 0)
        await uow.commit()
    assert await _counters(session_factory) == {"import": 7}
    assert savepoints == []


@pytest.mark.parametrize("first_write", [True, False])
async def test_a_new_counter_rolls_back_with_its_transaction(
    session_factory: SessionFactory, savepoints: list[str], first_write: bool
) -> None:
    """The counter created as the transaction's first write (where a SQLite savepoint would
    commit on release) or after another write leaves nothing behind on rollback."""
    async with UnitOfWork(session_factory) as uow:
        if not first_write:
            uow.session.add(Counter(name="other", value=41))
            await uow.flush()
        assert await uow.issues.next_sequence("fresh") == 1
        assert await uow.issues.take_sequences("block", 3) == 1
        await uow.rollback()
    assert await _counters(session_factory) == {}
    async with UnitOfWork(session_factory) as uow:
        assert await uow.issues.next_sequence("fresh") == 1
    assert savepoints == []


async def test_two_transactions_creating_one_counter_get_different_numbers(
    session_factory: SessionFactory,
) -> None:
    first = UnitOfWork(session_factory).open()
    second = UnitOfWork(session_factory).open()
    try:
        assert await first.issues.next_sequence("race") == 1
        # SQLite: the second waits for the one writer; PostgreSQL: for the first's new row.
        waiting = asyncio.create_task(second.issues.next_sequence("race"))
        await first.commit()
        assert await asyncio.wait_for(waiting, 10) == 2
        await second.commit()
    finally:
        await first.close()
        await second.close()
    assert await _counters(session_factory) == {"race": 2}


# -- supports ------------------------------------------------------------------------------


async def _two_issues(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> tuple[list[int], list[int]]:
    people = [await factories.person(session_factory, clock.now(), 1000 + i) for i in range(3)]
    issues = [
        await factories.issue(session_factory, clock.now(), report, people[0], text)
        for text in ("东门路灯坏了", "菜市场门口积水")
    ]
    return people, issues


async def test_supports_are_idempotent(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    people, issues = await _two_issues(session_factory, clock, report)

    def support(person: int, issue: int) -> Support:
        return Support(person_id=person, issue_id=issue, created_at=clock.now())

    async with UnitOfWork(session_factory) as uow:
        assert await uow.issues.add_support(support(people[2], issues[0]))
        assert await uow.issues.add_support(support(people[1], issues[0]))
        assert not await uow.issues.add_support(support(people[2], issues[0]))
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert not await uow.issues.add_support(support(people[1], issues[0]))  # committed
        assert await uow.issues.supporters_count(issues[0]) == 2
        assert await uow.issues.supporter_ids(issues[0]) == [people[2], people[1]]
        assert await uow.issues.supporter_ids(issues[1]) == []
        assert await uow.issues.supporter_counts([*issues, 999999]) == {issues[0]: 2}
        assert await uow.issues.supporter_counts([]) == {}


# -- issues ----------------------------------------------------------------------------------


async def test_issues_by_author_and_since(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    author = await factories.person(session_factory, clock.now(), 1001)
    other = await factories.person(session_factory, clock.now(), 1002)
    start = clock.now()
    ids = []
    for index in range(3):
        clock.advance(hours=1)
        ids.append(
            await factories.issue(session_factory, clock.now(), report, author, f"事{index}")
        )
    theirs = await factories.issue(session_factory, clock.now(), report, other, "别人的事")
    async with UnitOfWork(session_factory) as uow:
        assert await uow.issues.count_raised_or_joined(author) == 3
        assert await uow.issues.count_by_author_since(author, start + timedelta(hours=1)) == 2
        oldest = await uow.issues.oldest_by_author_since(author, start + timedelta(hours=1))
        assert oldest == start + timedelta(hours=2)
        assert oldest.tzinfo is not None  # the column's type, on every backend
        assert await uow.issues.oldest_by_author_since(author, clock.now()) is None
        newest = await uow.issues.raised_or_joined(author, limit=2)
        assert [i.id for i in newest] == [ids[2], ids[1]]
        later = await uow.issues.raised_or_joined(author, limit=2, offset=2)
        assert [i.id for i in later] == [ids[0]]
        # Joining a neighbour's issue (附议) puts it among one's own.
        await uow.issues.add_support(Support(person_id=author, issue_id=theirs, created_at=start))
        assert await uow.issues.supports(author, theirs)
        assert await uow.issues.count_raised_or_joined(author) == 4
        assert (await uow.issues.raised_or_joined(author, limit=1))[0].id == theirs
        found = await uow.issues.many([ids[0], ids[2], 999999])
        assert sorted(found) == [ids[0], ids[2]]
        assert await uow.issues.many([]) == {}
        number = found[ids[0]].number
        assert (await uow.issues.by_number(number)).id == ids[0]  # type: ignore[union-attr]
        assert await uow.issues.by_number("YS-1999-000001") is None


async def test_bulk_inserts_keep_their_order(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    rows = [
        {
            "number": f"YS-2026-9{index:05d}",
            "township_id": report.township_id,
            "text": f"导入{index}",
            "status": IssueStatus.SUBMITTED,
            "source": "import",
            "source_ref": f"R{index}",
            "anonymous": False,
            "likes": 0,
            "category_confirmed": False,
            "created_at": clock.now(),
            "updated_at": clock.now(),
        }
        for index in range(5)
    ]
    async with UnitOfWork(session_factory) as uow:
        ids = await uow.issues.insert_many(rows)
        await uow.issues.insert_events(
            [
                {"issue_id": issue_id, "at": clock.now(), "to_status": IssueStatus.SUBMITTED}
                for issue_id in ids
            ]
        )
        assert await uow.issues.insert_many([]) == []
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        texts = [(await uow.issues.get_with_history(i)) for i in ids]
        assert [(i.text, len(i.events)) for i in texts if i] == [(f"导入{n}", 1) for n in range(5)]
        refs = await uow.issues.existing_source_refs(report.township_id, "import", ["R1", "R9"])
        assert refs == {"R1"}
        assert await uow.issues.existing_source_refs(report.township_id, "import", []) == set()
        assert (
            await uow.issues.existing_source_refs(report.township_id, "telegram", ["R1"]) == set()
        )
        found = await uow.issues.by_source_ref(report.township_id, "import", "R3")
        assert found is not None and found.id == ids[3]
        unassigned = await uow.issues.unassigned(report.township_id, {IssueStatus.SUBMITTED})
        assert [i.id for i in unassigned] == ids
        assert await uow.issues.unassigned(report.township_id, {IssueStatus.ACCEPTED}) == []


# -- people ----------------------------------------------------------------------------------


async def test_roles_granted_once_and_revoked(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    person = await factories.person(session_factory, clock.now(), 1001)
    township = report.township_id
    async with UnitOfWork(session_factory) as uow:
        assert await uow.people.grant(person, township, RoleName.STAFF, clock.now())
        assert not await uow.people.grant(person, township, RoleName.STAFF, clock.now())
        assert await uow.people.grant(person, township, RoleName.MEMBER, clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert sorted(await uow.people.roles(person)) == sorted(
            [(township, RoleName.STAFF), (township, RoleName.MEMBER)]
        )
        await uow.people.revoke(person, township, RoleName.STAFF)
        await uow.people.revoke(person, township, RoleName.ADMIN)  # not held: nothing happens
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.people.roles(person) == [(township, RoleName.MEMBER)]


async def test_set_village_is_one_update(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    person = await factories.person(session_factory, clock.now(), 1001)
    village = report.villages["柳树屯"]
    clock.advance(minutes=1)
    async with UnitOfWork(session_factory) as uow:
        assert await uow.people.set_village(person, village, clock.now())
        assert not await uow.people.set_village(999999, village, clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        stored = await uow.people.get(person)
        assert stored is not None
        assert (stored.village_id, stored.updated_at) == (village, clock.now())
        assert (await uow.people.by_telegram_id(1001)) is not None
        assert await uow.people.by_telegram_id(424242) is None


# -- directory and audit ---------------------------------------------------------------------


async def test_directory_order_and_inactive_categories(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    township = report.township_id
    async with UnitOfWork(session_factory) as uow:
        await uow.directory.add_village(Village(township_id=township, name="前村", position=-1))
        await uow.directory.add_category(
            Category(township_id=township, key="gone", label="停用", position=-1, active=False)
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        villages = [v.name for v in await uow.directory.villages(township)]
        assert villages == ["前村", "东风村", "南湖社区", "柳树屯"]
        labels = [c.label for c in await uow.directory.categories(township)]
        assert "停用" not in labels and labels[0] == "城乡建设"
        assert (await uow.directory.township_by_name("东风镇")).id == township  # type: ignore[union-attr]
        assert await uow.directory.township_by_name("无此镇") is None
        assert await uow.directory.township(999999) is None
        assert await uow.directory.village(999999) is None
        assert await uow.directory.category(999999) is None


async def test_audit_records_and_finds(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await uow.audit.record(
            at=clock.now(), actor_id=None, action="x.do", object_type="issue", object_id=7
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.audit.exists(action="x.do", object_type="issue", object_id=7)
        assert await uow.audit.exists(action="x.do", object_type="issue", object_id="7")
        assert not await uow.audit.exists(action="x.do", object_type="topic", object_id=7)
        assert not await uow.audit.exists(action="x.undo", object_type="issue", object_id=7)


def test_a_person_is_shown_by_name_then_username_then_id() -> None:
    """A member granted by Telegram id before opening the bot has no name yet: buttons and
    lists must still show something staff recognise, never an empty label."""
    from storage.models import Person

    assert Person(telegram_id=5002, first_name="张委员").display_name == "张委员"
    assert Person(telegram_id=5002, first_name="", username="zhang").display_name == "@zhang"
    assert Person(telegram_id=5002, first_name="").display_name == "ID 5002"
