"""The staff inbox: what waits for triage, newest first, and one issue as staff see it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import NotFound
from bot.domain.issue_status import IssueStatus
from bot.services import inbox, topics, triage
from bot.services.inbox import InboxRow, StaffIssueCard
from bot.services.intake import IssueDraft, MediaRef, submit
from bot.services.setup import SetupReport
from bot.services.views import CategoryView, IssueEventView
from storage.db import SessionFactory
from storage.models import Issue, Support
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


async def _page(
    session_factory: SessionFactory, township_id: int, **options: int | None
) -> tuple[list[InboxRow], int]:
    options.setdefault("page", 0)
    options.setdefault("page_size", 10)
    async with UnitOfWork(session_factory) as uow:
        return await inbox.page(uow, township_id, **options)  # type: ignore[arg-type]


async def _issues(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport, count: int
) -> list[int]:
    """`count` issues a minute apart, in alternating villages and categories."""
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    ids = []
    for index in range(count):
        clock.advance(minutes=1)
        ids.append(
            await factories.issue(
                session_factory,
                clock.now(),
                report,
                author,
                f"第{index}件事",
                village="南湖社区" if index % 2 == 0 else "柳树屯",
                category_index=index % 2,
            )
        )
    return ids


async def test_page_lists_newest_first_and_pages(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    ids = await _issues(session_factory, clock, report, 5)
    first, total = await _page(session_factory, report.township_id, page_size=2)
    second, _ = await _page(session_factory, report.township_id, page=1, page_size=2)
    last, _ = await _page(session_factory, report.township_id, page=2, page_size=2)
    beyond, beyond_total = await _page(session_factory, report.township_id, page=3, page_size=2)
    assert total == beyond_total == 5
    assert [row.id for row in first + second + last] == ids[::-1]
    assert beyond == []
    row = last[0]
    async with session_factory() as session:
        issue = await session.get(Issue, ids[0])
    assert issue is not None
    assert row == InboxRow(ids[0], issue.number, IssueStatus.SUBMITTED, issue.created_at, "第0件事")


async def test_page_filters_by_village_and_category(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    ids = await _issues(session_factory, clock, report, 5)
    async with UnitOfWork(session_factory) as uow:
        categories = await uow.directory.categories(report.township_id)
    village = report.villages["柳树屯"]
    rows, total = await _page(session_factory, report.township_id, village_id=village)
    assert ([row.id for row in rows], total) == ([ids[3], ids[1]], 2)
    rows, total = await _page(session_factory, report.township_id, category_id=categories[0].id)
    assert ([row.id for row in rows], total) == ([ids[4], ids[2], ids[0]], 3)
    rows, total = await _page(
        session_factory,
        report.township_id,
        village_id=report.villages["南湖社区"],
        category_id=categories[1].id,
    )
    assert (rows, total) == ([], 0)


async def test_only_waiting_issues_of_the_township_are_listed(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    submitted, asked, rejected, accepted = await _issues(session_factory, clock, report, 4)
    stranger = await factories.person(session_factory, clock.now(), 2002)
    await factories.issue(session_factory, clock.now(), other, stranger, "别的镇的事")
    async with UnitOfWork(session_factory) as uow:
        now, township = clock.now(), report.township_id
        await triage.ask_for_information(
            uow, township_id=township, issue_id=asked, question="哪里？", actor_id=None, now=now
        )
        await triage.reject(
            uow, township_id=township, issue_id=rejected, reason="已解决", actor_id=None, now=now
        )
        await topics.create_topic(
            uow,
            township_id=township,
            issue_ids=[accepted],
            title="议题",
            actor_id=None,
            now=now,
            zone=ZONE,
        )
        await uow.commit()
    rows, total = await _page(session_factory, report.township_id)
    assert [(row.id, row.status) for row in rows] == [
        (asked, IssueStatus.NEEDS_INFO),
        (submitted, IssueStatus.SUBMITTED),
    ]
    assert total == 2


async def _imported(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport, **fields: object
) -> int:
    values: dict[str, object] = {
        "number": "YS-2026-900001",
        "township_id": report.township_id,
        "text": "正文",
        "status": IssueStatus.SUBMITTED,
        "source": "import",
        "source_ref": "A-1",
        "created_at": clock.now(),
        "updated_at": clock.now(),
    }
    values.update(fields)
    async with UnitOfWork(session_factory) as uow:
        issue = await uow.issues.add(Issue(**values))
        await uow.commit()
        return issue.id


async def test_the_preview_is_one_short_line_and_prefers_the_title(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    long_text = "路灯\n  坏了" + "很久" * 40
    plain = await _imported(session_factory, clock, report, text=long_text)
    titled = await _imported(
        session_factory,
        clock,
        report,
        number="YS-2026-900002",
        source_ref="A-2",
        title="东门路灯",
        text=long_text,
        created_at=datetime(2026, 1, 1, tzinfo=ZONE),
    )
    rows, _ = await _page(session_factory, report.township_id)
    previews = {row.id: row.preview for row in rows}
    expected = ("路灯 坏了" + "很久" * 40)[:35] + "…"
    assert previews == {plain: expected, titled: "东门路灯"}
    assert len(expected) == 36


async def test_card_shows_everything_staff_need(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    neighbour = await factories.person(session_factory, clock.now(), 1002, "李大爷")
    async with UnitOfWork(session_factory) as uow:
        category = (await uow.directory.categories(report.township_id))[1]
        draft = IssueDraft(
            township_id=report.township_id,
            village_id=report.villages["柳树屯"],
            category_id=category.id,
            text="桥栏杆断了",
            voice=MediaRef("voice-1", "uv1", 12),
            photos=[MediaRef("photo-1", "u1"), MediaRef("photo-2", "u2")],
            latitude=39.9,
            longitude=116.4,
            anonymous=True,
        )
        issue = await submit(uow, author, draft, now=clock.now(), daily_limit=5)
        await uow.issues.add_support(
            Support(person_id=neighbour, issue_id=issue.id, created_at=clock.now())
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        card = await inbox.card(uow, issue.id, report.township_id)
    assert card == StaffIssueCard(
        id=issue.id,
        number=issue.number,
        township_id=report.township_id,
        status=IssueStatus.SUBMITTED,
        created_at=clock.now(),
        title=None,
        text="桥栏杆断了",
        village_id=report.villages["柳树屯"],
        village="柳树屯",
        place=None,
        category=CategoryView(category.id, category.key, category.label),
        raiser="王阿姨",  # staff always know who raised it, anonymous or not
        anonymous=True,
        photo_file_ids=("photo-1", "photo-2"),
        voice_file_id="voice-1",
        location=(39.9, 116.4),
        supporters=1,
        topic_id=None,
        source="telegram",
        source_ref=None,
        raiser_username=None,
        raiser_telegram_id=1001,  # how staff reach the raiser
        supporter_names=("李大爷",),
        history=(IssueEventView(clock.now(), IssueStatus.SUBMITTED, None),),
    )
    # Members: the raiser chose anonymity, so no name, no voice, no way to reach anyone.
    async with UnitOfWork(session_factory) as uow:
        seen = await inbox.card(uow, issue.id, report.township_id, for_staff=False)
    assert (seen.raiser, seen.raiser_telegram_id, seen.voice_file_id) == ("", None, None)
    assert (seen.supporters, seen.supporter_names, seen.questions) == (1, (), ())
    assert seen.photo_file_ids == ("photo-1", "photo-2")


async def test_members_see_the_names_of_raisers_who_agreed(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    issue_id = await factories.issue(session_factory, clock.now(), report, author, "路灯坏了")
    async with UnitOfWork(session_factory) as uow:
        await triage.ask_for_information(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            question="哪一根？",
            actor_id=author,
            now=clock.now(),
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        staff = await inbox.card(uow, issue_id, report.township_id)
        member = await inbox.card(uow, issue_id, report.township_id, for_staff=False)
    assert member.raiser == staff.raiser == "王阿姨"
    assert member.raiser_telegram_id is None and staff.raiser_telegram_id == 1001
    assert [q.question for q in staff.questions] == ["哪一根？"] and member.questions == ()
    # The history's notes (questions, answers, reasons) stay with the office.
    assert [e.note for e in staff.history] == [None, "哪一根？"]
    assert [e.note for e in member.history] == [None, None]


async def test_issues_are_found_by_the_number_people_type(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    issue_id = await factories.issue(session_factory, clock.now(), report, author, "路灯坏了")
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    for typed in ("YS-2026-000001", "ys-2026-000001", "YS－2026－000001", "2026-1", " 1 "):
        assert inbox.normalise_number(typed, 2026) == "YS-2026-000001", typed
    assert inbox.normalise_number("路灯", 2026) is None
    async with UnitOfWork(session_factory) as uow:
        assert await inbox.issue_by_number(uow, report.township_id, "YS-2026-000001") == issue_id
        with pytest.raises(NotFound):
            await inbox.issue_by_number(uow, other.township_id, "YS-2026-000001")
        with pytest.raises(NotFound):
            await inbox.issue_by_number(uow, report.township_id, "YS-2026-000009")


async def test_card_of_an_imported_issue(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    issue_id = await _imported(
        session_factory, clock, report, title="油烟扰民", place="魅力之城小区", latitude=39.9
    )
    async with UnitOfWork(session_factory) as uow:
        card = await inbox.card(uow, issue_id, report.township_id)
    assert (card.raiser, card.village, card.category, card.source, card.source_ref) == (
        None,
        None,
        None,
        "import",
        "A-1",
    )
    assert (card.title, card.place, card.location) == ("油烟扰民", "魅力之城小区", None)
    assert (card.photo_file_ids, card.voice_file_id, card.supporters) == ((), None, 0)


async def test_card_of_another_township_is_not_found(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    (issue_id,) = await _issues(session_factory, clock, report, 1)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotFound):
            await inbox.card(uow, issue_id, other.township_id)
        with pytest.raises(NotFound):
            await inbox.card(uow, 999999, report.township_id)


async def test_labels_name_issues_and_topics(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    long_text = "魅力之城小区楼下餐馆油烟太大，熏得家里没法开窗，老人孩子都受不了，请尽快处理"
    issue_id = await factories.issue(session_factory, clock.now(), report, author, long_text)
    grouped = await factories.issue(session_factory, clock.now(), report, author, "东门路灯坏了")
    async with UnitOfWork(session_factory) as uow:
        topic = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[grouped],
            title="东门路灯",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        labels = await inbox.labels_of(
            uow, [("issue", issue_id), ("topic", topic.id), ("issue", 999999), ("topic", 999999)]
        )
        assert await inbox.labels_of(uow, []) == {}
    assert labels == {
        ("issue", issue_id): f"YS-2026-000001 {long_text[:29]}…",
        ("topic", topic.id): f"{topic.number} 东门路灯",
    }
