"""Posting progress on action items: who may, what is refused, and who is told (every
follower of the topic once, however many of its issues they raised, never the author)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.domain.errors import NotFound
from bot.domain.progress_errors import ItemDone, NothingToPost, NotItemOwner, PercentOutOfRange
from bot.services import progress
from bot.services.outbox import NotificationKind, notify_many, priority_of
from storage.db import SessionFactory
from storage.models import ActionItem, Notification, ProgressUpdate
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock
from tests.progress_fixtures import FollowThrough, follow_through


async def _scene(factory: SessionFactory, clock: MutableClock) -> FollowThrough:
    report = await factories.township(factory, clock.now())
    return await follow_through(factory, clock.now(), report)


async def _pushes(factory: SessionFactory) -> list[Notification]:
    async with factory() as session:
        query = select(Notification).where(
            Notification.kind == NotificationKind.PROGRESS_POSTED.value
        )
        return list(await session.scalars(query.order_by(Notification.id)))


async def _post(
    factory: SessionFactory,
    scene: FollowThrough,
    now: datetime,
    *,
    who: str = "老刘",
    item: int | None = None,
    text: str = "",
    photos: tuple[str, ...] = (),
    percent: int | None = None,
    done: bool = False,
    township: int | None = None,
) -> progress.Posted:
    async with UnitOfWork(factory) as uow:
        posted = await progress.post_update(
            uow,
            township_id=township or scene.township_id,
            item_id=item or scene.lights,
            actor_id=scene.people[who],
            text=text,
            photos=photos,
            percent=percent,
            done=done,
            now=now,
        )
        await uow.commit()
        return posted


async def test_an_update_reaches_every_follower_once_and_not_its_author(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    posted = await _post(
        session_factory,
        scene,
        clock.now(),
        text="已安装2盏",
        photos=("photo-a", "photo-b", "photo-c"),
        percent=50,
    )
    # 王阿姨 raised two issues, is an attendee and follows the topic: one push. 赵姐 joined,
    # 李大爷 raised, 老陈 attended. 老刘 wrote it; 小张 follows nothing.
    pushes = await _pushes(session_factory)
    recipients = sorted(row.recipient_id for row in pushes)
    expected = sorted(scene.people[name] for name in ("王阿姨", "李大爷", "赵姐", "老陈"))
    assert recipients == expected and posted.told == 4 and not posted.on_behalf
    # Queued in bulk, each row still knows its priority and, for those registered in a
    # village, its township (for fair pacing), as a row queued alone does.
    assert {row.priority for row in pushes} == {priority_of(NotificationKind.PROGRESS_POSTED)}
    assert scene.township_id in {row.township_id for row in pushes}
    payload = pushes[0].payload
    assert (payload["percent"], payload["done"], payload["on_behalf"]) == (50, 0, 0)
    assert json.loads(payload["photos"]) == ["photo-a", "photo-b", "photo-c"]
    assert payload["owner"] == "老刘" and payload["topic_number"].startswith("YT-")
    assert "王阿姨" not in json.dumps(payload, ensure_ascii=False)
    async with session_factory() as session:
        [update] = list(await session.scalars(select(ProgressUpdate)))
        item = await session.get(ActionItem, scene.lights)
    assert update.photos == ["photo-a", "photo-b", "photo-c"]  # an album is one update
    assert item is not None and (item.progress, item.status) == (50, "open")


async def test_staff_post_for_a_department_on_its_behalf(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    posted = await _post(
        session_factory, scene, clock.now(), who="小张", item=scene.patrol, text="已巡查"
    )
    assert posted.on_behalf and posted.told == 4  # the same four; 老刘 owns another item
    pushes = await _pushes(session_factory)
    assert {row.payload["on_behalf"] for row in pushes} == {1}
    assert {row.payload["owner"] for row in pushes} == {"城管办"}
    assert scene.people["小张"] not in {row.recipient_id for row in pushes}


async def _asked_to_resolve(factory: SessionFactory) -> list[int]:
    async with factory() as session:
        query = select(Notification.recipient_id).where(
            Notification.kind == NotificationKind.RESOLVE_SUGGESTED.value
        )
        return sorted(await session.scalars(query))


async def test_the_last_item_done_asks_staff_to_resolve_the_topic(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    await _post(session_factory, scene, clock.now(), text="全部装好了", done=True)
    assert await _asked_to_resolve(session_factory) == []  # the patrol is still open
    await _post(session_factory, scene, clock.now(), who="小张", item=scene.patrol, done=True)
    assert await _asked_to_resolve(session_factory) == [scene.people["小张"]]


async def test_marking_done_closes_the_item(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    await _post(session_factory, scene, clock.now(), text="全部装好了", done=True)
    async with session_factory() as session:
        item = await session.get(ActionItem, scene.lights)
    assert item is not None and (item.status, item.progress, item.done_at) == (
        "done",
        100,
        clock.now(),
    )
    [first] = (await _pushes(session_factory))[:1]
    assert (first.payload["done"], first.payload["percent"]) == (1, 100)
    # Done: nothing more is posted on it (a double tap included), and nobody hears more.
    before = len(await _pushes(session_factory))
    with pytest.raises(ItemDone):
        await _post(session_factory, scene, clock.now(), done=True)
    with pytest.raises(ItemDone):
        await _post(session_factory, scene, clock.now(), text="再补充一句")
    assert len(await _pushes(session_factory)) == before


async def test_bad_input_changes_nothing(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    now = clock.now()
    with pytest.raises(NotItemOwner):  # a member who does not own it
        await _post(session_factory, scene, now, who="老陈", text="我来说两句")
    with pytest.raises(NotItemOwner):  # a resident
        await _post(session_factory, scene, now, who="王阿姨", text="还没装")
    with pytest.raises(NotFound):  # another township's staff, in their township
        await _post(
            session_factory, scene, now, who="小吴", text="x", township=scene.other_township_id
        )
    with pytest.raises(NotFound):  # an item that does not exist
        await _post(session_factory, scene, now, item=999_999, text="x")
    with pytest.raises(PercentOutOfRange):
        await _post(session_factory, scene, now, percent=120)
    with pytest.raises(PercentOutOfRange):
        await _post(session_factory, scene, now, percent=-5)
    with pytest.raises(NothingToPost):  # the same percentage, no words, no photos
        await _post(session_factory, scene, now, percent=0)
    assert await _pushes(session_factory) == []
    async with session_factory() as session:
        assert list(await session.scalars(select(ProgressUpdate))) == []
        item = await session.get(ActionItem, scene.lights)
    assert item is not None and (item.progress, item.status) == (0, "open")


def test_typed_percentages() -> None:
    assert [progress.parse_percent(t) for t in ("60", "60%", " 100％ ", "0")] == [60, 60, 100, 0]
    for text in ("101", "-1", "六十", "50.5", ""):
        with pytest.raises(PercentOutOfRange):
            progress.parse_percent(text)


async def test_mine_lists_overdue_first_with_the_last_update(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        patrol = await uow.session.get(ActionItem, scene.patrol)
        assert patrol is not None
        patrol.due_on = clock.now().date().replace(day=1)  # 1 March: overdue on 2 March
        await uow.commit()
    await _post(session_factory, scene, clock.now(), text="已安装2盏", percent=50)
    async with UnitOfWork(session_factory) as uow:
        # 老陈 attended but follows no topic and owns nothing; 老刘 owns one item.
        liu = await progress.mine(uow, scene.township_id, scene.people["老刘"], clock.now())
        wang = await progress.mine(uow, scene.township_id, scene.people["王阿姨"], clock.now())
        staff = await progress.mine(uow, scene.township_id, scene.people["小张"], clock.now())
        other = await progress.mine(
            uow, scene.other_township_id, scene.people["王阿姨"], clock.now()
        )
    assert [item.id for item in liu] == [scene.lights] and liu[0].mine
    assert [item.id for item in wang] == [scene.patrol, scene.lights]
    assert wang[0].overdue and not wang[1].overdue
    assert wang[1].last_update is not None and wang[1].last_update.text == "已安装2盏"
    assert wang[1].progress == 50 and other == []
    assert [item.id for item in staff] == [scene.patrol, scene.lights]  # every item


async def test_staff_posting_for_a_member_tell_the_member_too(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    posted = await _post(
        session_factory, scene, clock.now(), who="小张", text="老刘出差，代为更新", percent=25
    )
    recipients = sorted(row.recipient_id for row in await _pushes(session_factory))
    expected = sorted(scene.people[name] for name in ("王阿姨", "李大爷", "赵姐", "老陈", "老刘"))
    assert posted.on_behalf and recipients == expected


async def test_many_pushes_at_once_are_queued_once_each(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    posted = await _post(session_factory, scene, clock.now(), text="已开工")
    payload = (await _pushes(session_factory))[0].payload
    people = [scene.people[name] for name in ("王阿姨", "老刘", "王阿姨")]
    async with UnitOfWork(session_factory) as uow:
        again = await notify_many(
            uow,
            recipient_ids=people,
            kind=NotificationKind.PROGRESS_POSTED,
            payload=payload,
            dedupe_prefix="progress:1",
            now=clock.now(),
        )
        await uow.commit()
    # 王阿姨 had hers already (the same key); 老刘, the author, had none: one new row.
    assert posted.told == 4 and again == 1
    assert len(await _pushes(session_factory)) == 5
