"""People: registered on first contact, refreshed on change, their choices saved."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from bot.services import outbox, people, roles
from bot.services.people import Contact, PersonCache
from bot.services.views import PersonView
from storage.db import SessionFactory
from storage.models import Notification, Person
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

CONTACT = Contact(
    telegram_id=1001, chat_id=1001, first_name="王阿姨", username=None, language_code="zh-hans"
)


async def _person(session_factory: SessionFactory, telegram_id: int) -> Person:
    async with session_factory() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    assert person is not None
    return person


async def _register(
    session_factory: SessionFactory, clock: MutableClock, contact: Contact = CONTACT
) -> tuple[PersonView, set[int]]:
    async with UnitOfWork(session_factory) as uow:
        view = await people.register_contact(uow, contact, "zh_Hans", clock.now())
        changes = await uow.commit()
    return view, changes.people


async def test_first_contact_registers_the_person(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    view, _ = await _register(session_factory, clock)
    stored = await _person(session_factory, 1001)
    assert view == PersonView(
        id=stored.id,
        telegram_id=1001,
        first_name="王阿姨",
        locale="zh_Hans",  # derived: nothing chosen yet
        chosen_locale=None,
        village_id=None,
        township_id=None,
        roles=frozenset(),
        working_township_id=None,
    )
    assert (stored.chat_id, stored.language_code, stored.active) == (1001, "zh-hans", True)
    assert stored.created_at == stored.updated_at == clock.now()


async def test_a_known_person_is_refreshed_only_when_something_changed(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    first, _ = await _register(session_factory, clock)
    registered_at = clock.now()
    clock.advance(hours=1)
    again, _ = await _register(session_factory, clock)
    assert again == first
    assert (await _person(session_factory, 1001)).updated_at == registered_at  # no write
    clock.advance(hours=1)
    renamed = dataclasses.replace(CONTACT, first_name="王桂兰", username="wgl")
    view, _ = await _register(session_factory, clock, renamed)
    stored = await _person(session_factory, 1001)
    assert view.id == first.id
    assert (view.first_name, stored.username, stored.updated_at) == ("王桂兰", "wgl", clock.now())


async def test_writing_again_after_blocking_reactivates(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    await _register(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        await people.mark_blocked(uow, 1001, clock.now())
        await uow.commit()
    assert not (await _person(session_factory, 1001)).active
    await _register(session_factory, clock)
    assert (await _person(session_factory, 1001)).active


async def test_the_view_carries_roles_village_township_and_chosen_locale(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    view, _ = await _register(session_factory, clock)
    village_id = report.villages["南湖社区"]
    async with UnitOfWork(session_factory) as uow:
        await people.choose_village(uow, view.id, 1001, village_id, clock.now())
        await people.choose_locale(uow, view.id, "en", clock.now())
        await people.choose_working_township(uow, view.id, report.township_id, clock.now())
        await uow.people.grant(view.id, report.township_id, RoleName.STAFF, clock.now())
        await uow.commit()
    refreshed, _ = await _register(session_factory, clock)
    assert refreshed == dataclasses.replace(
        view,
        locale="en",
        chosen_locale="en",
        village_id=village_id,
        township_id=report.township_id,
        roles=frozenset({(report.township_id, RoleName.STAFF)}),
        working_township_id=report.township_id,
    )


async def test_choices_are_saved_and_reported_as_changes(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    view, _ = await _register(session_factory, clock)
    clock.advance(minutes=5)
    home = {1001: (report.villages["柳树屯"], report.township_id)}
    for choose, forgotten, homes in (
        (lambda uow: people.choose_locale(uow, view.id, "zh_Hant", clock.now()), {1001}, {}),
        (
            lambda uow: people.choose_village(
                uow, view.id, 1001, report.villages["柳树屯"], clock.now()
            ),
            set(),
            home,  # the person cache takes the new home in place, no reload
        ),
        (
            lambda uow: people.choose_working_township(
                uow, view.id, report.township_id, clock.now()
            ),
            {1001},
            {},
        ),
    ):
        async with UnitOfWork(session_factory) as uow:
            await choose(uow)
            changes = await uow.commit()
        assert (changes.people, changes.homes) == (forgotten, homes)
    stored = await _person(session_factory, 1001)
    assert (stored.locale, stored.village_id, stored.working_township_id) == (
        "zh_Hant",
        report.villages["柳树屯"],
        report.township_id,
    )
    assert stored.updated_at == clock.now()


@pytest.mark.parametrize(
    "choice",
    [
        "unsupported locale",
        "unknown person's locale",
        "unknown village",
        "unknown person's village",
        "unknown person's township",
    ],
)
async def test_impossible_choices_are_not_found_and_change_nothing(
    session_factory: SessionFactory, clock: MutableClock, choice: str
) -> None:
    report = await factories.township(session_factory, clock.now())
    view, _ = await _register(session_factory, clock)
    village_id = report.villages["南湖社区"]
    calls = {
        "unsupported locale": lambda uow: people.choose_locale(uow, view.id, "fr", clock.now()),
        "unknown person's locale": lambda uow: people.choose_locale(uow, 999999, "en", clock.now()),
        "unknown village": lambda uow: people.choose_village(
            uow, view.id, 1001, 999999, clock.now()
        ),
        "unknown person's village": lambda uow: people.choose_village(
            uow, 999999, 1001, village_id, clock.now()
        ),
        "unknown person's township": lambda uow: people.choose_working_township(
            uow, 999999, report.township_id, clock.now()
        ),
    }
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotFound):
            await calls[choice](uow)
        assert not uow.changes
    stored = await _person(session_factory, 1001)
    assert (stored.locale, stored.village_id, stored.working_township_id) == (None, None, None)


async def test_mark_blocked_once_and_ignores_strangers(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    await _register(session_factory, clock)
    clock.advance(minutes=1)
    async with UnitOfWork(session_factory) as uow:
        await people.mark_blocked(uow, 1001, clock.now())
        assert (await uow.commit()).people == {1001}
    blocked_at = clock.now()
    clock.advance(minutes=1)
    async with UnitOfWork(session_factory) as uow:
        await people.mark_blocked(uow, 1001, clock.now())  # already inactive: no change
        await people.mark_blocked(uow, 424242, clock.now())  # nobody: nothing happens
        assert not (await uow.commit())
    stored = await _person(session_factory, 1001)
    assert (stored.active, stored.updated_at) == (False, blocked_at)
    async with session_factory() as session:
        assert await session.scalar(select(Person).where(Person.telegram_id == 424242)) is None


def _view(telegram_id: int = 1001, **changes: object) -> PersonView:
    base = PersonView(
        id=1,
        telegram_id=telegram_id,
        first_name="王阿姨",
        locale="zh_Hans",
        chosen_locale=None,
        village_id=None,
        township_id=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_person_cache_hits_within_its_ttl() -> None:
    cache = PersonCache(ttl_seconds=300)
    assert cache.get(CONTACT, 0.0) is None
    cache.put(CONTACT, _view(), 100.0)
    assert cache.get(CONTACT, 100.0) == _view()
    assert cache.get(CONTACT, 400.0) == _view()  # exactly the TTL: still fresh
    assert cache.get(CONTACT, 400.1) is None
    assert cache.peek(1001) == _view()  # however old, for a best-effort language
    assert cache.peek(2002) is None


def test_person_cache_misses_when_telegram_tells_something_new() -> None:
    cache = PersonCache()
    cache.put(CONTACT, _view(), 0.0)
    assert cache.get(dataclasses.replace(CONTACT, first_name="王桂兰"), 1.0) is None
    assert cache.get(dataclasses.replace(CONTACT, language_code="en"), 1.0) is None
    assert cache.get(CONTACT, 1.0) == _view()


def test_person_cache_forget_and_amend() -> None:
    cache = PersonCache(ttl_seconds=10)
    other = dataclasses.replace(CONTACT, telegram_id=2002, chat_id=2002)
    cache.put(CONTACT, _view(), 0.0)
    cache.put(other, _view(2002), 0.0)
    cache.amend(1001, locale="en", chosen_locale="en")
    assert cache.get(CONTACT, 5.0) == _view(locale="en", chosen_locale="en")
    assert cache.get(CONTACT, 10.1) is None  # amending does not make the entry newer
    cache.amend(3003, locale="en")  # nobody cached: nothing happens
    assert cache.peek(3003) is None
    cache.forget(1001)
    cache.forget(1001)
    assert cache.peek(1001) is None
    assert cache.get(other, 5.0) == _view(2002)


async def test_first_message_delivers_what_waited_for_someone_new(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    """A member granted a role before ever writing to the bot has pushes that were skipped
    (no chat to send to): on their first message the recent ones go out in full, buttons
    and all; one older than HELD_DAYS is only summed up; the role change itself is left to
    the greeting, which names the roles."""
    township_id = (await factories.township(session_factory, clock.now())).township_id
    old = clock.now() - timedelta(days=outbox.HELD_DAYS + 1)
    async with UnitOfWork(session_factory) as uow:
        granted = await roles.grant_role(
            uow, township_id=township_id, telegram_id=1001, role=RoleName.MEMBER, now=old
        )
        await outbox.notify(  # a meeting that has begun since: not delivered late
            uow,
            recipient_id=granted.person_id,
            kind=outbox.NotificationKind.MEETING_PROMOTED,
            payload={
                **dict.fromkeys(outbox.MEETING_FIELDS, ""),
                "meeting_id": 1,
                "number": "HY-2026-0001",
                "starts_at": (clock.now() - timedelta(hours=1)).isoformat(),
            },
            dedupe_key="meeting-promoted:1",
            now=clock.now(),
        )
        for number, at in (("YS-2026-000001", old), ("YS-2026-000002", clock.now())):
            await outbox.notify(
                uow,
                recipient_id=granted.person_id,
                kind=outbox.NotificationKind.ISSUE_MERGED,
                payload={
                    "issue_number": number,
                    "original_number": "YS-2026-000009",
                    "role": "raiser",
                },
                dedupe_key=f"merged:{number}",
                now=at,
            )
        await uow.commit()
    async with session_factory() as session, session.begin():
        await session.execute(update(Notification).values(status="skipped"))
    await _register(session_factory, clock)
    async with session_factory() as session:
        rows = (await session.scalars(select(Notification).order_by(Notification.id))).all()
    assert [(row.kind, row.payload.get("issue_number"), row.status) for row in rows] == [
        ("role_changed", None, "summed_up"),
        ("meeting_promoted", None, "summed_up"),
        ("issue_merged", "YS-2026-000001", "summed_up"),
        ("issue_merged", "YS-2026-000002", "pending"),
        ("catch_up", None, "pending"),
    ]
