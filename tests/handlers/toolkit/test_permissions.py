"""The whole permission table, walked through the bot: every action that needs a role ×
every role × own and other township, plus ids of another township's objects.

Everything here must be refused, so the database must not change at all; each refusal is
answered (a button's spinner stops with the reason, a command gets a message).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.application import flows, routes
from bot.config import Settings
from bot.domain.permissions import PERMISSIONS, Act
from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.services import topics
from fake_telegram import SimUser
from handlers.toolkit import Button, Route
from handlers.toolkit.access import refusal
from handlers.toolkit.flows import FlowButton
from storage.models import AuditLog, Follower, Issue, Notification, Role, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.harness import BotHarness

ZH = translator("zh_Hans")
NOT_FOUND = ZH._("This cannot be found, or it is not yours to change.")


@dataclass(frozen=True)
class Objects:
    """What one township holds, by id, for filling a button's fields."""

    township: int
    village: int
    category: int
    issue: int
    original: int
    topic: int
    target: int
    numbers: tuple[str, ...]


async def _objects(harness: BotHarness, name: str, first_user: int) -> Objects:
    factory, now = harness.session_factory, harness.clock.now()
    report = (
        harness.township
        if name == factories.TOWNSHIP
        else await factories.township(factory, now, name=name)
    )
    assert report is not None
    resident = await factories.person(factory, now, first_user)
    ids = [
        await factories.issue(factory, now, report, resident, text)
        for text in (
            "东门路灯坏了",
            "西门路灯也坏了",
            "菜市场垃圾没人清",
            "河边护栏松了",
            "桥头积水",
        )
    ]
    async with UnitOfWork(factory) as uow:
        made = [
            await topics.create_topic(
                uow,
                township_id=report.township_id,
                issue_ids=issue_ids,
                title=title,
                actor_id=None,
                now=now,
                zone=harness.settings.zone,
            )
            for issue_ids, title in (([ids[2], ids[3]], "卫生与安全"), ([ids[4]], "积水"))
        ]
        categories = await uow.directory.categories(report.township_id)
        found = await uow.issues.many(ids)
        numbers = tuple(found[i].number for i in ids)
        await uow.commit()
    return Objects(
        township=report.township_id,
        village=next(iter(report.villages.values())),
        category=categories[0].id,
        issue=ids[0],
        original=ids[1],
        topic=made[0].id,
        target=made[1].id,
        numbers=numbers + tuple(t.number for t in made),
    )


def _press(kind: type[Button], objects: Objects) -> str:
    """The kind's callback data, every field naming one of `objects`."""
    hints = typing.get_type_hints(kind, include_extras=True)
    values: dict[str, object] = {}
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        name = field.name
        if name in ("source",):
            values[name] = objects.topic
        elif hasattr(objects, name):
            values[name] = getattr(objects, name)
        elif hints[name] is int:
            values[name] = 0
        elif hints[name] is bool:
            values[name] = True
        elif typing.get_origin(hints[name]) is typing.Literal:
            values[name] = typing.get_args(hints[name])[0]
        else:
            values[name] = "abcd1234"
    if issubclass(kind, FlowButton):
        values["flow"] = "abcdef"
    return kind(**values).data()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The walk presses every guarded button in a row, faster than any person: above the
    flood limit, which would answer the rest with silence (tests/bot/test_flood.py)."""
    return settings.model_copy(update={"flood_max_updates": 10_000})


def _guarded_routes() -> list[Route]:
    found = [route for route in routes() if route.act is not None]
    for flow in flows():
        found += [route for route in flow.entry if route.act is not None]
    return found


async def _snapshot(harness: BotHarness) -> dict[str, object]:
    async with harness.session_factory() as session:
        issues = (await session.execute(select(Issue.id, Issue.status, Issue.topic_id))).all()
        topics_ = (await session.execute(select(Topic.id, Topic.status, Topic.title))).all()
        counts = {
            model.__name__: await session.scalar(select(func.count()).select_from(model))
            for model in (Follower, Notification, Role, AuditLog)
        }
    return {"issues": sorted(issues), "topics": sorted(topics_), **counts}


async def _person(
    harness: BotHarness, telegram_id: int, role: RoleName | None, township: int
) -> SimUser:
    person_id = await factories.person(
        harness.session_factory, harness.clock.now(), telegram_id, "测试"
    )
    if role is not None:
        async with UnitOfWork(harness.session_factory) as uow:
            await uow.people.grant(person_id, township, role, harness.clock.now())
            await uow.commit()
    return harness.api.user(telegram_id, first_name="测试", language_code="zh-hans")


ACTORS = [
    (None, "own"),
    (RoleName.MEMBER, "own"),
    (RoleName.STAFF, "other"),
    (RoleName.ADMIN, "other"),
    (RoleName.MEMBER, "other"),
    (RoleName.STAFF, "own"),  # forged ids: the other township's objects
]


@pytest.mark.parametrize(("role", "where"), ACTORS)
async def test_every_guarded_action_refuses_and_changes_nothing(
    harness: BotHarness, role: RoleName | None, where: str
) -> None:
    own = await _objects(harness, factories.TOWNSHIP, 1001)
    other = await _objects(harness, "西山乡", 2001)
    home = own if where == "own" else other
    actor = await _person(harness, 7001, role, home.township)
    # The actor's buttons name the *own* township's objects, except for own staff, who try
    # the other township's (forged ids).
    target = other if (role, where) == (RoleName.STAFF, "own") else own
    before = await _snapshot(harness)
    walked = 0
    for route in _guarded_routes():
        assert route.act is not None
        may = role in PERMISSIONS[route.act] if role is not None else False
        if may and target is home:
            continue  # allowed on their own township's objects: other tests cover these
        if route.command is not None:
            if may:
                continue  # their own township's lists: allowed, checked elsewhere
            seen = len(actor.bot_messages())
            await actor.command(route.command)
            await harness.idle()
            said = [m.text for m in actor.bot_messages()[seen:]]
            assert said == [refusal(ZH, route.act)], (route.command, said)
        else:
            assert route.kind is not None
            message = actor.bot_messages()[-1] if actor.bot_messages() else None
            if message is None:
                await actor.command("help")
                await harness.idle()
                message = actor.bot_messages()[-1]
            query = await actor.press(_press(route.kind, target), message, check=False)
            await harness.idle()
            answer = harness.api.callback_answer(query)
            assert answer is not None, f"{route.kind.__name__} was not answered"
            if not may:
                assert answer.get("text") == refusal(ZH, route.act), route.kind.__name__
        walked += 1
    assert walked >= 20
    assert await _snapshot(harness) == before
    # Nothing of the other township reached them either.
    seen_text = "\n".join(m.text or "" for m in actor.bot_messages())
    if target is not home:
        assert not any(number in seen_text for number in target.numbers)


def test_every_act_is_in_the_table_and_used() -> None:
    used = {route.act for route in _guarded_routes()}
    assert set(Act) == set(PERMISSIONS)
    assert used == set(Act)
