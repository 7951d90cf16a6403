"""Recording, editing and publishing a meeting's outcome through the fake Bot API, for a
meeting attended by 3 residents, 2 members, a guest and staff: one message per person
however many of its topics they follow, owners get their items, the topics move on, the
minutes open in python-docx with the right attendance; bad input changes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

from docx import Document
from sqlalchemy import select

from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from bot.i18n import translator
from bot.services.outbox import NotificationKind
from fake_telegram import BotMessage, SimUser
from handlers.deliberation_buttons import DownloadMinutes, RecordOutcome
from storage.models import ActionItem, Notification, Outcome, Topic
from storage.uow import UnitOfWork
from tests import factories, meeting_fixtures
from tests.harness import BotHarness, expect
from tests.meeting_fixtures import Scene, next_push, pushes_go_out

ZH = translator("zh_Hans")
NEXT = ZH._("Next ›")
OUTCOME_HEADING = ZH._("<b>What was agreed</b>").removeprefix("<b>").removesuffix("</b>")
STEP_1 = ZH._(
    "Step 1 of 4 — the discussion. Send a summary of what was discussed at {number}. Long "
    "minutes may come in several messages; they are put together. Press “Next ›” when all is "
    "in.",
    number="HY-2026-0001",
)
STEP_2 = ZH._(
    "Step 2 of 4 — the points of consensus: what everyone agreed on, one point per line. "
    "Press “Next ›” when all is in (or if there is none)."
)
STEP_3 = ZH._(
    "Step 3 of 4 — the disagreements that remain, if any. Press “Next ›” when all is in (or "
    "if there is none)."
)
STEP_4 = ZH._("Step 4 of 4 — the action items: what will be done, who is in charge, by when.")
WHO = ZH._(
    "Who is in charge? Pick a member, or type the name of the department or village (for "
    "example 城管办 or 东风村村委会)."
)
FIRST = "一、会议听取了王阿姨、李大爷等居民的意见。"
SECOND = "二、城管办介绍了路灯维护的安排。"
EDITING = ZH._(
    "Send the new text: your first message replaces what is there, further messages are added "
    "to it. Press “Next ›” to keep it as it is."
)
BY_WHEN = ZH._("By when? Type the date, like 12月20日 or 2026-12-20.")


def noted(count: int) -> str:
    return ZH.n_(
        "Noted ({count} character so far). Send more, or press “Next ›”.",
        "Noted ({count} characters so far). Send more, or press “Next ›”.",
        count,
    )


async def _meeting(harness: BotHarness) -> tuple[Scene, dict[str, SimUser], int, list[int]]:
    """Two topics deliberated at a meeting that ended an hour ago.

    Topic 1 (东门路灯): raised by 王阿姨 (anonymously) and 李大爷, joined by 赵姐.
    Topic 2 (菜市场积水): raised by 李大爷 and 孙叔 (孙叔 did not come).
    Attended: the three residents, members 老刘 and 老陈, 老周 of the 城管办, staff 小张.
    """
    scene = Scene()
    chats: dict[str, SimUser] = {}
    residents = ((1001, "王阿姨", "东风村"), (1002, "李大爷", "南湖社区"), (1003, "赵姐", "东风村"))
    for telegram_id, name, village in (*residents, (1004, "孙叔", "柳树屯")):
        await meeting_fixtures.resident(harness, scene, telegram_id, name, village)
        chats[name] = harness.api.user(telegram_id, first_name=name, language_code="zh-hans")
    people = scene.people
    wang = await meeting_fixtures.raised(harness, people["王阿姨"], "东门路灯坏了", anonymous=True)
    li = await meeting_fixtures.raised(harness, people["李大爷"], "东门口太黑", anonymous=False)
    li_2 = await meeting_fixtures.raised(
        harness, people["李大爷"], "菜市场门口积水", anonymous=False
    )
    sun = await meeting_fixtures.raised(
        harness, people["孙叔"], "菜市场下水道堵了", anonymous=False
    )
    lights = await meeting_fixtures.topic_of(harness, "东门路灯", [wang, li])
    market = await meeting_fixtures.topic_of(harness, "菜市场积水", [li_2, sun])
    await meeting_fixtures.join(harness, people["赵姐"], wang)
    for telegram_id, name, role in (
        (5001, "老刘", RoleName.MEMBER),
        (5002, "老陈", RoleName.MEMBER),
        (9001, "小张", RoleName.STAFF),
    ):
        chats[name] = await harness.with_role(telegram_id, role, name)
    people["周科长"] = await factories.person(
        harness.session_factory, harness.clock.now(), 7001, "周科长"
    )
    chats["周科长"] = harness.api.user(7001, first_name="周科长", language_code="zh-hans")
    async with UnitOfWork(harness.session_factory) as uow:
        for telegram_id, name in ((5001, "老刘"), (5002, "老陈"), (9001, "小张")):
            found = await uow.people.by_telegram_id(telegram_id)
            assert found is not None
            people[name] = found.id
    now = harness.clock.now()
    meeting = await meeting_fixtures.meeting(
        harness.session_factory,
        township_id=harness.township_id,
        topic_ids=[lights, market],
        starts_at=now - timedelta(hours=2, minutes=30),
        now=now,
    )
    for name, role in (
        ("王阿姨", "resident"),
        ("李大爷", "resident"),
        ("赵姐", "resident"),
        ("老刘", "member"),
        ("老陈", "member"),
        ("周科长", "department"),
        ("小张", "staff"),
    ):
        await meeting_fixtures.invite(
            harness.session_factory, meeting, people[name], role, now, attended=True
        )
    await meeting_fixtures.invite(harness.session_factory, meeting, people["孙叔"], "resident", now)
    # The raisers were told their issues were accepted (one push per issue).
    for name in ("王阿姨", "李大爷", "孙叔", "李大爷"):
        await next_push(harness, chats[name], "YT-2026-000")
    return scene, chats, meeting, [lights, market]


async def _record(harness: BotHarness, staff: SimUser) -> BotMessage:
    """Staff record the outcome, with every kind of bad input on the way; returns the review."""
    await staff.command("outcome")
    listing = await expect(
        staff,
        ZH._("Meetings held: record an outcome (📝), or get the minutes of a published one (📄)."),
    )
    await staff.press(listing.inline_keyboard[0][0][1] or "", listing)
    await expect(staff, STEP_1)
    # Long minutes in two messages, put together.
    await staff.send(FIRST)
    await expect(staff, noted(len(FIRST)))
    await staff.send(SECOND)
    pressed = await expect(staff, noted(len(FIRST) + 1 + len(SECOND)))
    await staff.press(pressed.button_data(NEXT), pressed)
    await expect(staff, noted(len(FIRST) + 1 + len(SECOND)))  # its keyboard goes
    await expect(staff, STEP_2)
    await staff.send("东门口加装路灯")
    await expect(staff, noted(7))
    await staff.press_button(NEXT)
    await expect(staff, noted(7))
    await expect(staff, STEP_3)
    await staff.press_button(NEXT)  # no disagreements left
    await expect(staff, STEP_3)
    await expect(staff, STEP_4)

    # Item 1: for topic 1, a member in charge; a due date in the past is refused first.
    await staff.press_button(ZH._("➕ Add an action item"))
    await expect(staff, STEP_4)  # the list loses its keyboard
    await expect(staff, ZH._("What is to be done? One message (or /cancel)."))
    await staff.send("在东门口安装4盏太阳能路灯")
    await expect(staff, ZH._("For which topic?"))
    await staff.press_button("YT-2026-0001 东门路灯")
    await expect(staff, ZH._("Topic: {number} {title}", number="YT-2026-0001", title="东门路灯"))
    await expect(staff, WHO)
    await staff.press_button("老刘")
    await expect(staff, ZH._("In charge: {owner}", owner="老刘"))
    await expect(staff, BY_WHEN)
    await staff.send("2026-01-05")
    await expect(
        staff,
        ZH._(
            "The due date {due} has passed (today is {today}). Please give a date from today on.",
            due="2026年1月5日",
            today="2026年3月2日",
        ),
    )
    await staff.send("3月31日")
    await expect(staff, "在东门口安装4盏太阳能路灯")
    await expect(staff, STEP_4)

    # Item 2: no owner is refused; a department typed by name; a date that is not one.
    await staff.press_button(ZH._("➕ Add an action item"))
    await expect(staff, STEP_4)  # the list loses its keyboard
    await expect(staff, ZH._("What is to be done? One message (or /cancel)."))
    await staff.send("东门路灯每月巡查一次")
    await expect(staff, ZH._("For which topic?"))
    await staff.press_button("YT-2026-0001 东门路灯")
    await expect(staff, ZH._("Topic: {number} {title}", number="YT-2026-0001", title="东门路灯"))
    await expect(staff, WHO)
    await staff.send("无")
    await expect(
        staff,
        ZH._(
            "Every action item needs an owner: pick a member below, or type the name of the "
            "department or village in charge."
        ),
    )
    await staff.send("城管办")
    await expect(staff, BY_WHEN)
    await staff.send("下周")
    await expect(staff, "下周")
    await staff.send("2026-04-15")
    await expect(staff, "城管办")
    await expect(staff, STEP_4)
    await staff.press_button(ZH._("Done: review ›"))
    await expect(staff, STEP_4)
    review = await expect(staff, "东门口加装路灯")

    # Edit a part of the draft: the first message replaces it.
    await staff.press(review.button_data(ZH._("✏️ Consensus")), review)
    await expect(staff, "东门口加装路灯")  # the review loses its keyboard
    await expect(staff, EDITING)
    await staff.send("东门口加装4盏太阳能路灯，城管办每月巡查")
    await expect(staff, noted(20))
    await staff.press_button(NEXT)
    await expect(staff, noted(20))
    review = await expect(staff, "每月巡查")
    assert "东门口加装路灯\n" not in review.text
    return review


async def test_recording_editing_and_publishing_an_outcome(harness: BotHarness) -> None:
    scene, chats, _meeting_id, (lights, market) = await _meeting(harness)
    staff = chats["小张"]
    review = await _record(harness, staff)
    async with harness.session_factory() as session:
        draft = await session.scalar(select(Outcome))
        assert draft is not None and draft.status == "draft"
        assert draft.summary == f"{FIRST}\n{SECOND}"
        assert (
            await session.scalar(select(Notification.id).where(Notification.kind.like("outcome%")))
            is None
        )

    await staff.press(review.button_data(ZH._("✅ Publish")), review)
    question = await expect(staff, ZH._("It cannot be changed afterwards."))
    # 王阿姨, 李大爷, 赵姐, 孙叔 (raisers, supporter, not all came), 老刘, 老陈, 周科长; not 小张.
    assert (
        ZH.n_(
            "The outcome goes to {count} person (followers, raisers, supporters and attendees), "
            "and each owner gets their action items.",
            "The outcome goes to {count} people (followers, raisers, supporters and attendees), "
            "and each owner gets their action items.",
            7,
        )
        in question.text
    )
    await staff.press(question.button_data(ZH._("✅ Publish now")), question)
    await expect(staff, ZH._("The outcome of {number} is published.", number="HY-2026-0001"))

    # One outcome message per person (李大爷 follows both topics), items to their owner.
    pushes_go_out(harness)
    for name in ("王阿姨", "李大爷", "赵姐", "孙叔", "老刘", "老陈", "周科长"):
        told = await expect(chats[name], OUTCOME_HEADING)
        assert "HY-2026-0001" in told.text and "城管办每月巡查" in told.text
        assert "YT-2026-0001" in told.text and "YT-2026-0002" in told.text
    items = await next_push(harness, chats["老刘"], "在东门口安装4盏太阳能路灯")
    assert "东门路灯每月巡查" not in items.text  # the department's item is not his
    await harness.nothing_more(*(chats[name] for name in chats if name != "小张"))
    async with harness.session_factory() as session:
        kinds = [
            (row.kind, row.recipient_id) for row in await session.scalars(select(Notification))
        ]
        statuses = {t.id: t.status for t in await session.scalars(select(Topic))}
        outcome = await session.scalar(select(Outcome))
        owners = sorted(
            (i.owner_person_id or 0, i.owner_name or "", i.due_on)
            for i in await session.scalars(select(ActionItem))
        )
    published = [person for kind, person in kinds if kind == NotificationKind.OUTCOME_PUBLISHED]
    assert sorted(published) == sorted(
        scene.people[name]
        for name in ("王阿姨", "李大爷", "赵姐", "孙叔", "老刘", "老陈", "周科长")
    )
    assert statuses == {lights: TopicStatus.IMPLEMENTING, market: TopicStatus.DELIBERATED}
    assert outcome is not None and outcome.status == "published"
    assert owners == [
        (0, "城管办", date(2026, 4, 15)),
        (scene.people["老刘"], "", date(2026, 3, 31)),
    ]

    # The minutes: a .docx that opens, with the attendance right.
    await staff.press_button(ZH._("📄 Minutes (.docx)"))
    document = await expect(staff, "HY-2026-0001")
    assert document.kind == "document"
    content = harness.api.files.get(document.payload["document"]["file_id"])
    assert content is not None
    minutes = Document(io.BytesIO(content.content))
    cells = {row.cells[0].text: row.cells[1].text for table in minutes.tables for row in table.rows}
    assert cells[ZH._("Liaison-office staff")] == "小张"
    assert cells[ZH._("CPPCC members")] == "老刘、老陈"
    assert "周科长" in cells[ZH._("Guests")]
    residents = cells[ZH._("Residents")]
    assert ZH.n_("{count} resident", "{count} residents", 3) in residents
    assert "东风村" in residents and "南湖社区" in residents
    assert "李大爷" in residents  # named: his issues are not anonymous
    assert "王阿姨" not in residents and "赵姐" not in residents
    text = "\n".join(p.text for p in minutes.paragraphs)
    assert "二、城管办介绍了路灯维护的安排。" in text
    assert "在东门口安装4盏太阳能路灯" in "\n".join(
        cell.text for table in minutes.tables for row in table.rows for cell in row.cells
    )
    await harness.nothing_more(staff)


async def test_stale_forged_and_foreign_presses_change_nothing(harness: BotHarness) -> None:
    _scene, chats, meeting, _topics = await _meeting(harness)
    staff = chats["小张"]
    review = await _record(harness, staff)
    await staff.press(review.button_data(ZH._("✅ Publish")), review)
    question = await expect(staff, ZH._("It cannot be changed afterwards."))
    await staff.press(question.button_data(ZH._("✅ Publish now")), question)
    await expect(staff, ZH._("The outcome of {number} is published.", number="HY-2026-0001"))
    await harness.idle()
    async with harness.session_factory() as session:
        before = len(list(await session.scalars(select(Notification))))

    # The old review's keyboard belongs to a flow that ended: stale.
    query = await staff.press(review.button_data(ZH._("✅ Publish")), review, check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "This button has expired."
    )
    await expect(staff, ZH._("That button is no longer valid. What would you like to do?"))
    # Recording again: published, so it says so.
    query = await staff.press(RecordOutcome(meeting).data(), review, check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "The outcome of meeting {number} is published already; it cannot be changed.",
        number="HY-2026-0001",
    )
    # A member and a staff member of another township.
    other = await factories.township(harness.session_factory, harness.clock.now(), name="西山乡")
    outsider = await harness.with_role(6001, RoleName.MEMBER, "外乡委员", other.township_id)
    foreign = await harness.with_role(6002, RoleName.STAFF, "外乡联络员", other.township_id)
    for person in (outsider, foreign):
        await person.command("help")
        await harness.idle()
        await person.messages_until_idle()  # the help, read
    query = await outsider.press(
        RecordOutcome(meeting).data(), outsider.bot_messages()[-1], check=False
    )
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "This is for the liaison office's staff only."
    )
    for press in (RecordOutcome(meeting), DownloadMinutes(meeting)):
        query = await foreign.press(press.data(), foreign.bot_messages()[-1], check=False)
        await harness.idle()
        assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
            "This cannot be found, or it is not yours to change."
        )
    async with harness.session_factory() as session:
        assert len(list(await session.scalars(select(Notification)))) == before
    await harness.nothing_more(outsider, foreign)


async def test_an_outcome_waits_for_the_meeting_and_needs_a_summary(harness: BotHarness) -> None:
    staff = await harness.with_role(9001, RoleName.STAFF)
    raiser = await factories.person(harness.session_factory, harness.clock.now(), 1001, "王阿姨")
    issue = await meeting_fixtures.raised(harness, raiser, "东门路灯坏了", anonymous=False)
    topic = await meeting_fixtures.topic_of(harness, "东门路灯", [issue])
    now = harness.clock.now()
    meeting = await meeting_fixtures.meeting(
        harness.session_factory,
        township_id=harness.township_id,
        topic_ids=[topic],
        starts_at=now + timedelta(hours=1),
        now=now,
    )
    await staff.command("help")
    await expect(staff, "使用说明")
    query = await staff.press(RecordOutcome(meeting).data(), staff.bot_messages()[-1], check=False)
    await harness.idle()
    assert (
        (harness.api.callback_answer(query) or {})
        .get("text", "")
        .startswith(
            ZH._(
                "Meeting {number} has not taken place yet: its outcome can be recorded once it "
                "has started.",
                number="HY-2026-0001",
            )[:10]
        )
    )
    harness.clock.advance(hours=3)
    await staff.press(RecordOutcome(meeting).data(), staff.bot_messages()[-1], check=False)
    await expect(staff, STEP_1)
    await staff.press_button(NEXT)
    await expect(staff, ZH._("Please write the summary of the discussion first."))
    await harness.nothing_more(staff)
