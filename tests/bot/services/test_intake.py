from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.domain.errors import (
    DescriptionTooLong,
    DraftIncomplete,
    NotAllowed,
    NotFound,
    QuotaExceeded,
)
from bot.domain.issue_status import IllegalTransition, IssueStatus
from bot.services import intake, issues
from bot.services.intake import IssueDraft, MediaRef
from bot.services.people import Contact, register_contact
from storage.db import SessionFactory
from storage.models import Issue
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


async def _person(
    session_factory: SessionFactory, clock: MutableClock, telegram_id: int = 1001
) -> int:
    async with UnitOfWork(session_factory) as uow:
        contact = Contact(telegram_id, telegram_id, "王阿姨", None, "zh-hans")
        person_id = (await register_contact(uow, contact, "zh_Hans", clock.now())).id
        await uow.commit()
        return person_id


async def _draft(session_factory: SessionFactory, clock: MutableClock) -> IssueDraft:
    report = await factories.township(session_factory, clock.now())
    async with UnitOfWork(session_factory) as uow:
        category = (await uow.directory.categories(report.township_id))[1]
    return IssueDraft(
        township_id=report.township_id,
        village_id=report.villages["南湖社区"],
        category_id=category.id,
        text="  南湖社区东门路灯坏了一个月，晚上很黑  ",
        voice=MediaRef("voice-1", "vu-1", 7),
        photos=[MediaRef("p1", "u1"), MediaRef("p2", "u2")],
        latitude=30.1,
        longitude=120.2,
        anonymous=True,
    )


async def _submit(
    session_factory: SessionFactory, author: int, draft: IssueDraft, clock: MutableClock
) -> intake.SubmittedIssue:
    async with UnitOfWork(session_factory) as uow:
        submitted = await intake.submit(uow, author, draft, now=clock.now(), daily_limit=3)
        await uow.commit()
        return submitted


async def test_submit_commits_everything_and_numbers_by_year(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    author = await _person(session_factory, clock)
    draft = await _draft(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        first = await intake.submit(uow, author, draft, now=clock.now(), daily_limit=3)
        changes = await uow.commit()
    # The new issue is reported for the similarity index, with its village's name.
    assert [(n.township_id, n.issue_id, n.text, n.village) for n in changes.new_issues] == [
        (draft.township_id, first.id, "南湖社区东门路灯坏了一个月，晚上很黑", "南湖社区")
    ]
    second = await _submit(session_factory, author, draft, clock)
    assert first.number == "YS-2026-000001"
    assert second.number == "YS-2026-000002"
    async with UnitOfWork(session_factory) as uow:
        detail = await issues.issue_detail(uow, first.id, author)
    assert detail.text == "南湖社区东门路灯坏了一个月，晚上很黑"
    assert detail.photo_count == 2 and detail.has_voice
    assert detail.location == (30.1, 120.2)
    assert detail.anonymous
    assert detail.village is not None and detail.village.name == "南湖社区"
    assert [e.status for e in detail.events] == [IssueStatus.SUBMITTED]


async def test_draft_round_trips_through_plain_values(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    draft = await _draft(session_factory, clock)
    assert IssueDraft.from_dict(draft.to_dict()) == draft


async def test_incomplete_or_forged_drafts_write_nothing(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    author = await _person(session_factory, clock)
    draft = await _draft(session_factory, clock)
    other = await factories.township(session_factory, clock.now(), name="西山乡")
    async with UnitOfWork(session_factory) as uow:
        foreign_category = (await uow.directory.categories(other.township_id))[0]
    cases = [
        (IssueDraft(**{**draft.__dict__, "category_id": None}), DraftIncomplete),
        (IssueDraft(**{**draft.__dict__, "text": " ", "voice": None}), DraftIncomplete),
        (IssueDraft(**{**draft.__dict__, "village_id": None}), DraftIncomplete),
        (IssueDraft(**{**draft.__dict__, "category_id": foreign_category.id}), NotFound),
        (IssueDraft(**{**draft.__dict__, "village_id": other.villages["东风村"]}), NotFound),
    ]
    for bad, error in cases:
        with pytest.raises(error):
            await _submit(session_factory, author, bad, clock)
    async with session_factory() as session:
        assert await session.scalar(select(func.count(Issue.id))) == 0


async def test_daily_quota_says_when(session_factory: SessionFactory, clock: MutableClock) -> None:
    author = await _person(session_factory, clock)
    draft = await _draft(session_factory, clock)
    first_time = clock.now()
    for _ in range(3):
        await _submit(session_factory, author, draft, clock)
        clock.advance(hours=1)
    with pytest.raises(QuotaExceeded) as raised:
        await _submit(session_factory, author, draft, clock)
    assert raised.value.retry_at == first_time + intake.QUOTA_WINDOW
    clock.current = first_time + intake.QUOTA_WINDOW
    await _submit(session_factory, author, draft, clock)  # the window moved on


def test_description_limit() -> None:
    assert intake.check_description("  短  ", 10) == "短"
    with pytest.raises(DescriptionTooLong):
        intake.check_description("长" * 11, 10)


def test_photos_are_capped_and_deduplicated() -> None:
    draft = IssueDraft()
    assert draft.add_photo(MediaRef("a", "1"), 2)
    assert draft.add_photo(MediaRef("a-bigger", "1"), 2)  # same photo again
    assert draft.add_photo(MediaRef("b", "2"), 2)
    assert not draft.add_photo(MediaRef("c", "3"), 2)
    assert [p.file_unique_id for p in draft.photos] == ["1", "2"]


async def test_status_changes_are_recorded_and_illegal_ones_refused(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    author = await _person(session_factory, clock)
    submitted = await _submit(session_factory, author, await _draft(session_factory, clock), clock)
    async with UnitOfWork(session_factory) as uow:
        await issues.change_status(
            uow,
            submitted.id,
            IssueStatus.NEEDS_INFO,
            actor_id=None,
            now=clock.now(),
            note="哪个路口？",
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(IllegalTransition):
            await issues.change_status(
                uow, submitted.id, IssueStatus.CLOSED, actor_id=None, now=clock.now()
            )
    async with UnitOfWork(session_factory) as uow:
        detail = await issues.issue_detail(uow, submitted.id, author)
    assert [e.status for e in detail.events] == [IssueStatus.SUBMITTED, IssueStatus.NEEDS_INFO]
    assert detail.events[-1].note == "哪个路口？"


async def test_only_the_author_sees_the_detail(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    author = await _person(session_factory, clock)
    stranger = await _person(session_factory, clock, telegram_id=2002)
    submitted = await _submit(session_factory, author, await _draft(session_factory, clock), clock)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotAllowed):
            await issues.issue_detail(uow, submitted.id, stranger)
        with pytest.raises(NotFound):
            await issues.issue_detail(uow, 999999, author)


async def test_submitting_the_same_draft_twice_gives_one_issue(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    author = await _person(session_factory, clock)
    draft = await _draft(session_factory, clock)
    draft.ref = "draft-1"
    first = await _submit(session_factory, author, draft, clock)
    again = await _submit(session_factory, author, draft, clock)
    assert again == first
    async with session_factory() as session:
        assert await session.scalar(select(func.count(Issue.id))) == 1
