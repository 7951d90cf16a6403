"""A member's participation record (委员履职记录) on a hand-made township, every figure
checked: invitations and check-ins, opinions, progress updates, items closed on time or late,
per period in the township's time (the first half-hour of March in Beijing is March)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.progress_errors import BadPeriod
from bot.services import participation, progress, topics
from bot.services.participation import Participation
from storage.db import SessionFactory
from storage.models import ActionItem, Meeting, Opinion, Outcome
from storage.uow import UnitOfWork
from tests import factories, meeting_fixtures
from tests.conftest import MutableClock
from tests.progress_fixtures import SHANGHAI, FollowThrough, follow_through


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _post(
    factory: SessionFactory,
    scene: FollowThrough,
    who: str,
    item: int,
    at: datetime,
    *,
    done: bool = False,
) -> None:
    async with UnitOfWork(factory) as uow:
        await progress.post_update(
            uow,
            township_id=scene.township_id,
            item_id=item,
            actor_id=scene.people[who],
            text="进展",
            photos=(),
            percent=None,
            done=done,
            now=at,
        )
        await uow.commit()


async def _fixture(factory: SessionFactory, clock: MutableClock) -> FollowThrough:
    """Clock at 2 March 2026; the fixture's meeting was on 27 February (last month)."""
    report = await factories.township(factory, clock.now())
    scene = await follow_through(
        factory, clock.now(), report, lights_due=date(2026, 3, 12), patrol_due=date(2026, 3, 31)
    )
    liu, chen = scene.people["老刘"], scene.people["老陈"]
    now = clock.now()
    # February: 老刘 came to the fixture's meeting too.
    await meeting_fixtures.invite(factory, scene.meeting_id, liu, "member", now, attended=True)
    # March: a meeting 老陈 attended and 老刘 missed; a cancelled one 老刘 was invited to.
    march = await meeting_fixtures.meeting(
        factory,
        township_id=scene.township_id,
        topic_ids=[],
        starts_at=_utc("2026-03-10T06:00"),
        now=now,
        number="HY-2026-0002",
    )
    cancelled = await meeting_fixtures.meeting(
        factory,
        township_id=scene.township_id,
        topic_ids=[],
        starts_at=_utc("2026-03-12T06:00"),
        now=now,
        number="HY-2026-0003",
    )
    await meeting_fixtures.invite(factory, march, liu, "member", now)
    await meeting_fixtures.invite(factory, march, chen, "member", now, attended=True)
    await meeting_fixtures.invite(factory, cancelled, liu, "member", now)
    # Two more topics, so 老刘 can give three opinions (one per topic).
    extra = []
    for text in ("菜市场积水", "幼儿园门口停车"):
        issue = await factories.issue(factory, now, report, scene.people["李大爷"], text)
        async with UnitOfWork(factory) as uow:
            view = await topics.create_topic(
                uow,
                township_id=scene.township_id,
                issue_ids=[issue],
                title=text,
                actor_id=None,
                now=now,
                zone=SHANGHAI,
            )
            await uow.commit()
        extra.append(view.id)
    async with UnitOfWork(factory) as uow:
        row = await uow.session.get(Meeting, cancelled)
        assert row is not None
        row.status = "cancelled"
        for topic, at in (
            (scene.topic_id, "2026-02-28T15:00"),  # 23:00 on 28 February in Beijing
            (extra[0], "2026-02-28T16:30"),  # 00:30 on 1 March in Beijing
            (extra[1], "2026-03-04T02:00"),
        ):
            uow.session.add(
                Opinion(
                    topic_id=topic, author_id=liu, text="意见", anonymous=False, created_at=_utc(at)
                )
            )
        # A third item of 老刘's, due 3 March, closed late.
        outcome = await uow.outcomes.outcome_of(scene.meeting_id)
        assert isinstance(outcome, Outcome)
        late = ActionItem(
            outcome_id=outcome.id,
            topic_id=scene.topic_id,
            description="清理路灯杆小广告",
            owner_person_id=liu,
            owner_name=None,
            due_on=date(2026, 3, 3),
            status="open",
            progress=0,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(late)
        await uow.commit()
    # 老刘: an update on the lights on 3 March, done on 12 March at 23:00 Beijing (on time);
    # the late item done on 4 March at 00:30 Beijing. Staff post one for the department.
    await _post(factory, scene, "老刘", scene.lights, _utc("2026-03-03T02:00"))
    await _post(factory, scene, "老刘", scene.lights, _utc("2026-03-12T15:00"), done=True)
    await _post(factory, scene, "老刘", late.id, _utc("2026-03-03T16:30"), done=True)
    await _post(factory, scene, "小张", scene.patrol, _utc("2026-03-05T02:00"))
    clock.current = _utc("2026-03-20T02:00")
    return scene


def _figures(record: Participation) -> tuple[int, ...]:
    return (
        record.invited,
        record.attended,
        record.opinions,
        record.updates,
        record.closed_on_time,
        record.closed_late,
    )


async def test_the_record_of_each_period_has_the_exact_figures(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _fixture(session_factory, clock)
    liu, chen = scene.people["老刘"], scene.people["老陈"]
    async with UnitOfWork(session_factory) as uow:
        march, since, until = await participation.record_for(
            uow, scene.township_id, liu, "this_month", clock.now()
        )
        february, _, _ = await participation.record_for(
            uow, scene.township_id, liu, "last_month", clock.now()
        )
        year, _, _ = await participation.record_for(
            uow, scene.township_id, liu, "this_year", clock.now()
        )
        members = await participation.participation(uow, scene.township_id, None, since, until)
        staff = await participation.participation(
            uow, scene.township_id, scene.people["小张"], since, until
        )
    assert (since, until) == (
        datetime(2026, 3, 1, tzinfo=SHANGHAI),
        datetime(2026, 4, 1, tzinfo=SHANGHAI),
    )
    # invited, attended, opinions, updates, closed on time, closed late
    assert _figures(march) == (1, 0, 2, 3, 1, 1)
    assert _figures(february) == (1, 1, 1, 0, 0, 0)
    assert _figures(year) == (2, 1, 3, 3, 1, 1)
    assert [(r.name, _figures(r)) for r in members] == [
        ("老刘", (1, 0, 2, 3, 1, 1)),
        ("老陈", (1, 1, 0, 0, 0, 0)),
    ]
    assert [r.person_id for r in members] == [liu, chen]
    assert _figures(staff[0]) == (0, 0, 0, 1, 0, 0)


async def test_an_inverted_period_is_refused(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(BadPeriod):
            await participation.participation(
                uow, report.township_id, None, clock.now(), clock.now() - timedelta(days=1)
            )


def test_periods_in_the_townships_time() -> None:
    # 31 January, 17:00 UTC is already 1 February in Beijing.
    now = _utc("2026-01-31T17:00")
    assert participation.period_bounds("this_month", now, SHANGHAI)[0] == datetime(
        2026, 2, 1, tzinfo=SHANGHAI
    )
    assert participation.period_bounds("last_month", now, SHANGHAI) == (
        datetime(2026, 1, 1, tzinfo=SHANGHAI),
        datetime(2026, 2, 1, tzinfo=SHANGHAI),
    )
    january = _utc("2026-01-10T00:00")
    assert participation.period_bounds("last_month", january, SHANGHAI)[0] == datetime(
        2025, 12, 1, tzinfo=SHANGHAI
    )
