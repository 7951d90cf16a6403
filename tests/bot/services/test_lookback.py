"""回头看 on an injected clock: the township's review days after resolution (also across a
restart), raisers and supporters asked once each, owners nudged, answers kept per round,
"又出现了" alerting staff, the topic reviewed when everyone answered or after 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from bot.domain.followup_errors import NotRaiserOrSupporter, RoundClosed
from bot.domain.topic_status import TopicStatus
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import lookback, resolution
from bot.services.container import Services
from bot.services.outbox import NotificationKind
from handlers.notifications import render_notification
from storage.db import SessionFactory
from storage.models import Township
from storage.uow import UnitOfWork
from tests import factories
from tests.bot.services.followup_helpers import pending_jobs, pushes, recipients
from tests.conftest import MutableClock
from tests.followup_fixtures import Followed, implementing_topic

K = NotificationKind


@pytest.fixture
async def followed(session_factory: SessionFactory, clock: MutableClock) -> Followed:
    report = await factories.township(session_factory, clock.now())
    async with UnitOfWork(session_factory) as uow:
        township = await uow.session.get(Township, report.township_id)
        assert township is not None
        township.review_days = 20  # this township looks back after 20 days
        await uow.commit()
    found = await implementing_topic(session_factory, clock.now(), report)
    async with UnitOfWork(session_factory) as uow:
        await resolution.resolve(
            uow,
            township_id=found.township_id,
            topic_id=found.topic_id,
            note="",
            actor_id=found.people["小张"],
            now=clock.now(),
        )
        await uow.commit()
    return found


def _scheduler(settings: Settings, factory: SessionFactory, clock: MutableClock) -> Scheduler:
    """A scheduler of a freshly started bot: nothing but the database carries over."""
    return Scheduler(
        Services(settings=settings, session_factory=factory, clock=clock), JOB_HANDLERS
    )


async def _answer(
    factory: SessionFactory, f: Followed, clock: MutableClock, name: str, answer: str
) -> lookback.Answered:
    async with UnitOfWork(factory) as uow:
        answered = await lookback.answer(
            uow,
            person_id=f.people[name],
            topic_id=f.topic_id,
            round_=1,
            answer=answer,  # type: ignore[arg-type]
            now=clock.now(),
        )
        await uow.commit()
        return answered


async def _status(factory: SessionFactory, topic_id: int) -> TopicStatus:
    async with UnitOfWork(factory) as uow:
        topic = await uow.topics.get(topic_id)
        assert topic is not None
        return topic.status


async def test_the_round_survives_a_restart_and_closes_when_everyone_answered(
    settings: Settings, session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    people = followed.people
    resolved_at = clock.now()
    # The bot runs a while, then is restarted before the day comes.
    first = _scheduler(settings, session_factory, clock)
    clock.advance(days=19)
    await first.run_once()
    assert await pushes(session_factory, K.LOOKBACK_ASK) == []
    with pytest.raises(RoundClosed):  # a forged press before the question went out
        await _answer(session_factory, followed, clock, "王阿姨", "solved")
    restarted = _scheduler(settings, session_factory, clock)
    clock.current = resolved_at + timedelta(days=20)
    await restarted.run_once()
    assert await recipients(session_factory, K.LOOKBACK_ASK) == sorted(
        [people["王阿姨"], people["李大爷"], people["赵姐"]]
    )
    # 老刘 owns an item; the 城管办 has no account.
    assert await recipients(session_factory, K.LOOKBACK_CHECK) == [people["老刘"]]
    ask = (await pushes(session_factory, K.LOOKBACK_ASK))[0]
    text, markup = render_notification(ask.kind, ask.payload, "zh_Hans")
    assert "东门路灯" in text and "2026年3月2日" in text
    assert markup is not None and len(markup.inline_keyboard[0]) == 2
    assert (await _answer(session_factory, followed, clock, "王阿姨", "solved")).previous is None
    with pytest.raises(NotRaiserOrSupporter):
        await _answer(session_factory, followed, clock, "孙叔", "back")
    back = await _answer(session_factory, followed, clock, "李大爷", "back")
    assert not back.closed
    assert await recipients(session_factory, K.LOOKBACK_PROBLEM) == [people["小张"]]
    # 王阿姨 changes her mind: it replaces her answer (and alerts staff).
    changed = await _answer(session_factory, followed, clock, "王阿姨", "back")
    assert changed.previous == "solved"
    assert len(await pushes(session_factory, K.LOOKBACK_PROBLEM)) == 2
    last = await _answer(session_factory, followed, clock, "赵姐", "solved")
    assert last.closed
    assert await _status(session_factory, followed.topic_id) is TopicStatus.REVIEWED
    [row, *_] = reviewed = await pushes(session_factory, K.TOPIC_REVIEWED)
    assert sorted(r.recipient_id for r in reviewed) == sorted(
        [people[name] for name in ("王阿姨", "李大爷", "赵姐", "老陈")]
    )
    assert (row.payload["still_solved"], row.payload["back_again"]) == (1, 2)
    async with UnitOfWork(session_factory) as uow:
        kept = await uow.ratings.look_backs(followed.topic_id, 1)
    assert sorted(r.answer for r in kept) == ["back_again", "back_again", "still_solved"]
    assert (
        await pending_jobs(session_factory)
        == {
            # The reminder to rate was due long ago and ran; nothing else waits.
        }
    )
    with pytest.raises(RoundClosed):  # the round has closed
        await _answer(session_factory, followed, clock, "赵姐", "back")


async def test_the_round_closes_seven_days_after_the_question(
    settings: Settings, session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    scheduler = _scheduler(settings, session_factory, clock)
    clock.advance(days=20)
    await scheduler.run_once()
    await _answer(session_factory, followed, clock, "王阿姨", "solved")
    clock.advance(days=7, seconds=-1)
    await scheduler.run_once()
    assert await _status(session_factory, followed.topic_id) is TopicStatus.RESOLVED
    clock.advance(seconds=1)
    await scheduler.run_once()
    assert await _status(session_factory, followed.topic_id) is TopicStatus.REVIEWED
    [row, *_] = await pushes(session_factory, K.TOPIC_REVIEWED)
    assert (row.payload["still_solved"], row.payload["back_again"]) == (1, 0)
