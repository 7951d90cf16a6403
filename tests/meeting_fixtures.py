"""Meetings written straight into the database, as the convening side would leave them:
topics scheduled for a meeting, invitations, check-ins (tests of opinions and outcomes
need them without going through that side's chat)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.topic_status import TopicStatus
from bot.services import joining, topics
from bot.services.intake import IssueDraft, submit
from fake_telegram import BotMessage, SimUser
from storage.db import SessionFactory
from storage.models import Invitation, Meeting, MeetingTopic, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.harness import BotHarness, expect


@dataclass
class Scene:
    """A township's people by name (person ids) and what was made for them."""

    people: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    meetings: dict[str, int] = field(default_factory=dict)


async def resident(
    harness: BotHarness, scene: Scene, telegram_id: int, name: str, village: str = "东风村"
) -> int:
    """A registered resident living in `village`."""
    factory, now = harness.session_factory, harness.clock.now()
    person_id = await factories.person(factory, now, telegram_id, name)
    async with UnitOfWork(factory) as uow:
        await uow.people.set_village(person_id, harness.village_id(village), now)
        await uow.commit()
    scene.people[name] = person_id
    return person_id


async def raised(
    harness: BotHarness, person_id: int, text: str, *, anonymous: bool, village: str = "东风村"
) -> int:
    """An issue the person raised in chat, anonymous towards members or not."""
    assert harness.township is not None
    async with UnitOfWork(harness.session_factory) as uow:
        categories = await uow.directory.categories(harness.township_id)
        draft = IssueDraft(
            township_id=harness.township_id,
            village_id=harness.village_id(village),
            category_id=categories[0].id,
            text=text,
            anonymous=anonymous,
        )
        issue = await submit(uow, person_id, draft, now=harness.clock.now(), daily_limit=1000)
        await uow.commit()
        return issue.id


async def topic_of(harness: BotHarness, title: str, issue_ids: list[int]) -> int:
    async with UnitOfWork(harness.session_factory) as uow:
        view = await topics.create_topic(
            uow,
            township_id=harness.township_id,
            issue_ids=issue_ids,
            title=title,
            actor_id=None,
            now=harness.clock.now(),
            zone=harness.settings.zone,
        )
        await uow.commit()
        return view.id


async def join(harness: BotHarness, person_id: int, issue_id: int) -> None:
    """附议: the person joins the issue (and so follows its topic)."""
    async with UnitOfWork(harness.session_factory) as uow:
        await joining.join_issue(
            uow, person_id=person_id, issue_id=issue_id, now=harness.clock.now()
        )
        await uow.commit()


async def meeting(
    factory: SessionFactory,
    *,
    township_id: int,
    topic_ids: list[int],
    starts_at: datetime,
    now: datetime,
    number: str = "HY-2026-0001",
    title: str = "东门路灯协商议事会",
    duration_minutes: int = 90,
) -> int:
    """A scheduled meeting about these topics; the topics become `scheduled`."""
    async with UnitOfWork(factory) as uow:
        row = Meeting(
            number=number,
            township_id=township_id,
            title=title,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            format="onsite",
            place="镇政府三楼会议室",
            agenda=[],
            description="",
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(row)
        await uow.session.flush()
        for topic_id in topic_ids:
            uow.session.add(MeetingTopic(meeting_id=row.id, topic_id=topic_id))
            topic = await uow.session.get(Topic, topic_id)
            assert topic is not None
            topic.status = TopicStatus.SCHEDULED
        await uow.commit()
        return row.id


async def invite(
    factory: SessionFactory,
    meeting_id: int,
    person_id: int,
    role: str,
    now: datetime,
    *,
    attended: bool = False,
) -> None:
    """An invitation (answered yes), checked in when `attended`."""
    async with UnitOfWork(factory) as uow:
        uow.session.add(
            Invitation(
                meeting_id=meeting_id,
                person_id=person_id,
                role=role,
                reason="added",
                rsvp="yes",
                responded_at=now,
                checked_in_at=now if attended else None,
                created_at=now,
            )
        )
        await uow.commit()


async def move(factory: SessionFactory, meeting_id: int, *, to: datetime) -> None:
    """The convening side reschedules: same row, new start."""
    async with UnitOfWork(factory) as uow:
        row = await uow.session.get(Meeting, meeting_id)
        assert row is not None
        row.starts_at = to
        await uow.commit()


async def cancel(factory: SessionFactory, meeting_id: int) -> None:
    async with UnitOfWork(factory) as uow:
        row = await uow.session.get(Meeting, meeting_id)
        assert row is not None
        row.status = "cancelled"
        await uow.commit()


def pushes_go_out(harness: BotHarness) -> None:
    """The dispatcher paces pushes one per second per chat, on the injected clock: move it on
    and wake the dispatcher, so a chat's next push goes out."""
    harness.clock.advance(seconds=2)
    harness.services().on_outbox()  # type: ignore[misc]


async def next_push(harness: BotHarness, chat: SimUser, fragment: str) -> BotMessage:
    """The chat's next push, which must contain `fragment`; the clock is moved on (and the
    dispatcher woken) until it comes, however the pacing fell."""
    for _ in range(10):
        pushes_go_out(harness)
        try:
            return await expect(chat, fragment, timeout=1)
        except TimeoutError:
            continue
    raise AssertionError(f"no push with {fragment!r} in chat {chat.chat_id}")
