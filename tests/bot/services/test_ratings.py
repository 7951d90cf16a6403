"""Rating a resolved topic: one rating per person and round (a second replaces the first),
不满意 reaching staff with the comment (or without one once the resident had time), the one
reminder after 3 days, staff's answer relayed; bad presses change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import Settings
from bot.domain.followup_errors import NotRaiserOrSupporter, NotRated, RoundClosed
from bot.i18n import translator
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import ratings, resolution
from bot.services.container import Services
from bot.services.outbox import NotificationKind
from handlers.notifications import render_notification
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests import factories
from tests.bot.services.followup_helpers import pushes, recipients
from tests.conftest import MutableClock
from tests.followup_fixtures import Followed, implementing_topic

K = NotificationKind
ZH = translator("zh_Hans")


@pytest.fixture
async def followed(session_factory: SessionFactory, clock: MutableClock) -> Followed:
    report = await factories.township(session_factory, clock.now())
    found = await implementing_topic(session_factory, clock.now(), report)
    async with UnitOfWork(session_factory) as uow:
        await resolution.resolve(
            uow,
            township_id=found.township_id,
            topic_id=found.topic_id,
            note="路灯已修好",
            actor_id=found.people["小张"],
            now=clock.now(),
        )
        await uow.commit()
    return found


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


async def _rate(
    factory: SessionFactory,
    f: Followed,
    clock: MutableClock,
    name: str,
    value: str,
    round_: int = 1,
) -> ratings.Rated:
    async with UnitOfWork(factory) as uow:
        rated = await ratings.rate(
            uow,
            person_id=f.people[name],
            topic_id=f.topic_id,
            round_=round_,
            value=value,  # type: ignore[arg-type]
            now=clock.now(),
        )
        await uow.commit()
        return rated


async def _comment(
    factory: SessionFactory, f: Followed, clock: MutableClock, name: str, text: str | None
) -> None:
    async with UnitOfWork(factory) as uow:
        await ratings.comment(
            uow,
            person_id=f.people[name],
            topic_id=f.topic_id,
            round_=1,
            text=text,
            now=clock.now(),
        )
        await uow.commit()


async def test_a_second_rating_replaces_the_first_and_a_double_tap_changes_nothing(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    first = await _rate(session_factory, followed, clock, "王阿姨", "basic")
    assert first.previous is None
    again = await _rate(session_factory, followed, clock, "王阿姨", "basic")
    assert again.previous == "basic"  # the same press twice
    replaced = await _rate(session_factory, followed, clock, "王阿姨", "satisfied")
    assert replaced.previous == "basic"
    async with UnitOfWork(session_factory) as uow:
        [rating] = await uow.ratings.ratings(followed.topic_id, 1)
    assert (rating.person_id, rating.value) == (followed.people["王阿姨"], "satisfied")


async def test_only_raisers_and_supporters_rate_and_only_the_standing_resolution(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    for outsider in ("孙叔", "老陈"):  # raised nothing; follows as a member
        with pytest.raises(NotRaiserOrSupporter):
            await _rate(session_factory, followed, clock, outsider, "satisfied")
    with pytest.raises(RoundClosed):  # a round that is not yet
        await _rate(session_factory, followed, clock, "赵姐", "satisfied", round_=2)
    async with UnitOfWork(session_factory) as uow:
        await resolution.reopen(
            uow,
            township_id=followed.township_id,
            topic_id=followed.topic_id,
            round_=1,
            description="加装一盏路灯",
            owner_person_id=None,
            owner_name="城管办",
            due_on=date(2026, 4, 30),
            actor_id=followed.people["小张"],
            now=clock.now(),
        )
        await uow.commit()
    with pytest.raises(RoundClosed) as stale:  # the request's button, after the reopening
        await _rate(session_factory, followed, clock, "赵姐", "satisfied")
    assert stale.value.reopened
    async with UnitOfWork(session_factory) as uow:
        assert await uow.ratings.ratings(followed.topic_id, 1) == []


async def test_unsatisfied_reaches_staff_with_the_comment_once(
    services: Services, session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    await _rate(session_factory, followed, clock, "李大爷", "unsatisfied")
    assert await pushes(session_factory, K.RATING_UNSATISFIED) == []  # waits for the comment
    await _comment(session_factory, followed, clock, "李大爷", "西边那盏还是不亮")
    [alert] = await pushes(session_factory, K.RATING_UNSATISFIED)
    assert alert.recipient_id == followed.people["小张"]
    assert (alert.payload["name"], alert.payload["comment"]) == ("李大爷", "西边那盏还是不亮")
    text, markup = render_notification(alert.kind, alert.payload, "zh_Hans")
    assert "西边那盏还是不亮" in text and markup is not None
    # The wait for a comment is over: nothing more later.
    clock.advance(hours=1)
    assert await Scheduler(services, JOB_HANDLERS).run_once() == 0
    assert len(await pushes(session_factory, K.RATING_UNSATISFIED)) == 1


async def test_unsatisfied_without_a_comment_reaches_staff_after_the_wait(
    services: Services, session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    scheduler = Scheduler(services, JOB_HANDLERS)
    await _rate(session_factory, followed, clock, "赵姐", "unsatisfied")
    clock.advance(minutes=29)
    await scheduler.run_once()
    assert await pushes(session_factory, K.RATING_UNSATISFIED) == []
    clock.advance(minutes=1)
    await scheduler.run_once()
    [alert] = await pushes(session_factory, K.RATING_UNSATISFIED)
    assert alert.payload["comment"] == ""
    # Changing to 满意 and back to 不满意 is a new 不满意: staff hear of it again.
    clock.advance(minutes=5)
    await _rate(session_factory, followed, clock, "赵姐", "satisfied")
    clock.advance(minutes=5)
    await _rate(session_factory, followed, clock, "赵姐", "unsatisfied")
    await _comment(session_factory, followed, clock, "赵姐", None)  # skipped the comment
    assert len(await pushes(session_factory, K.RATING_UNSATISFIED)) == 2


async def test_those_who_did_not_rate_are_asked_again_once_after_three_days(
    services: Services, session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    scheduler = Scheduler(services, JOB_HANDLERS)
    await _rate(session_factory, followed, clock, "王阿姨", "satisfied")
    clock.advance(days=3, seconds=-1)
    assert await scheduler.run_once() == 0
    clock.advance(seconds=1)
    assert await scheduler.run_once() == 1
    again = [
        row for row in await pushes(session_factory, K.RATING_REQUEST) if row.payload["reminder"]
    ]
    assert sorted(row.recipient_id for row in again) == sorted(
        [followed.people["李大爷"], followed.people["赵姐"]]
    )
    text, _ = render_notification(again[0].kind, again[0].payload, "zh_Hans")
    assert ZH._("A reminder:") in text
    # Then left in peace.
    clock.advance(days=30)
    await scheduler.run_once()
    assert len(await pushes(session_factory, K.RATING_REQUEST)) == 5


async def test_staff_answer_a_rating_and_the_resident_can_rate_again(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    async def answer(name: str) -> str:
        async with UnitOfWork(session_factory) as uow:
            person = await ratings.answer_rater(
                uow,
                township_id=followed.township_id,
                topic_id=followed.topic_id,
                person_id=followed.people[name],
                round_=1,
                text="西边那盏属于供电所，已转交",
                actor_id=followed.people["小张"],
                now=clock.now(),
            )
            await uow.commit()
            return person

    with pytest.raises(NotRated):  # 王阿姨 has not rated: a forged button
        await answer("王阿姨")
    await _rate(session_factory, followed, clock, "李大爷", "unsatisfied")
    assert await answer("李大爷") == "李大爷"
    [row] = await pushes(session_factory, K.RATING_ANSWERED)
    assert row.recipient_id == followed.people["李大爷"]
    text, markup = render_notification(row.kind, row.payload, "zh_Hans")
    assert "西边那盏属于供电所，已转交" in text
    assert markup is not None and len(markup.inline_keyboard[0]) == 3  # rate again
    assert await recipients(session_factory, K.RATING_ANSWERED) == [followed.people["李大爷"]]
