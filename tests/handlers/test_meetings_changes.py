"""A meeting moved, cancelled, or full, in chat: every invitee told, answers kept, nothing
changed by a refused input."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.topic_status import TopicStatus
from fake_telegram import BotMessage, SimUser
from handlers.meeting_buttons import Rsvp
from storage.models import Invitation, Meeting, Notification, Topic
from tests.handlers.meeting_steps import WHEN_QUESTION, ZH, create_meeting
from tests.handlers.test_meetings_chat import _invitation, _people, _tick
from tests.harness import BotHarness, expect

NUMBER = "HY-2026-0001"


async def _convened(
    harness: BotHarness, capacity: str | None = None
) -> tuple[SimUser, list[SimUser], dict[int, BotMessage], int]:
    people, staff, residents, members = await _people(harness)
    await create_meeting(harness, staff, people.topic_id, capacity=capacity)
    _tick(harness)
    invitations = {user.id: await _invitation(user) for user in residents + members}
    return staff, residents + members, invitations, people.topic_id


async def _answers(harness: BotHarness) -> dict[int, str]:
    async with harness.session_factory() as session:
        return {i.person_id: i.rsvp for i in await session.scalars(select(Invitation))}


async def test_moving_tells_everyone_the_old_and_new_time_and_keeps_answers(
    harness: BotHarness,
) -> None:
    staff, invitees, invitations, _topic = await _convened(harness)
    first = invitees[0]
    await first.press(Rsvp(1, "yes").data(), invitations[first.id])
    await expect(first, ZH._("attending"))
    before = await _answers(harness)
    await staff.press_button(ZH._("🕑 Move"))
    await expect(staff, ZH._(WHEN_QUESTION))
    # A phrase the bot cannot read, and a past time: explained, asked again, nothing moved.
    await staff.send("开会")
    await expect(staff, ZH._("Sorry, I could not read a date and time in that."))
    await staff.send("昨天下午3点")
    await expect(staff, "2026年11月29日 星期日 15:00")
    await staff.send("12月12日晚上7点")
    await expect(staff, "2026年12月12日 星期六 19:00")
    await staff.press_button(ZH._("✓ Right"))
    moved = await expect(staff, "2026年12月12日 星期六 19:00")
    assert "2026年12月5日 星期六 19:00" in moved.text
    _tick(harness)
    for user in invitees:
        notice = await expect(user, ZH._("Old time: {when}", when="2026年12月5日 星期六 19:00"))
        assert ZH._("New time: {when}", when="2026年12月12日 星期六 19:00") in notice.text
        assert ZH._("Attend") in notice.buttons or f"✓ {ZH._('Attend')}" in notice.buttons
    confirm_again = ZH._(
        "Your answer so far: {answer}. Please confirm it again for the new time.",
        answer=ZH._("attending"),
    )
    assert confirm_again in first.bot_messages()[-1].text
    assert await _answers(harness) == before
    await harness.nothing_more(staff, *invitees)


async def test_cancelling_tells_everyone_and_old_buttons_change_nothing(
    harness: BotHarness,
) -> None:
    staff, invitees, invitations, topic_id = await _convened(harness)
    await staff.press_button(ZH._("✖ Cancel"))
    await expect(staff, ZH._("Cancel meeting {number}? Every invitee will be told.", number=NUMBER))
    await staff.press_button(ZH._("Yes, cancel the meeting"))
    await expect(
        staff, ZH._("Meeting {number} is cancelled; every invitee is being told.", number=NUMBER)
    )
    _tick(harness)
    for user in invitees:
        await expect(user, ZH._("We will tell you when a new meeting is set."))
    before = await _answers(harness)
    first = invitees[0]
    query = await first.press(Rsvp(1, "yes").data(), invitations[first.id])
    await harness.idle()
    answer = harness.api.callback_answer(query)
    assert answer is not None
    assert answer.get("text") == ZH._("Meeting {number} has been cancelled.", number=NUMBER)
    assert await _answers(harness) == before
    async with harness.session_factory() as session:
        assert (await session.get(Topic, topic_id)).status is TopicStatus.SELECTED  # type: ignore[union-attr]
        assert await session.scalar(select(Meeting.status)) == "cancelled"
    await harness.nothing_more(staff, *invitees)


async def test_a_full_meeting_puts_later_answers_in_line_and_promotes_the_first(
    harness: BotHarness,
) -> None:
    staff, invitees, invitations, _topic = await _convened(harness, capacity="1")
    one, two, three = invitees[:3]
    await one.press(Rsvp(1, "yes").data(), invitations[one.id])
    await expect(one, ZH._("attending"))
    for position, user in enumerate((two, three), start=1):
        await user.press(Rsvp(1, "yes").data(), invitations[user.id])
        await expect(
            user,
            ZH._(
                "Meeting {number} is full. You are number {position} on the waiting list; we "
                "will tell you if a seat comes free.",
                number=NUMBER,
                position=position,
            ),
        )
    # A double tap keeps the place and says nothing new.
    await two.press(Rsvp(1, "yes").data(), invitations[two.id])
    await one.press(Rsvp(1, "no").data(), invitations[one.id])
    await expect(one, ZH._("not attending"))
    _tick(harness)
    seat = await expect(
        two, ZH._("<b>A seat came free: you can attend meeting {number}.</b>", number=NUMBER)[3:-4]
    )
    assert f"✓ {ZH._('Attend')}" in seat.buttons
    answers = await _answers(harness)
    assert sorted(answers.values()).count("yes") == 1
    assert "waiting" in answers.values()
    await harness.nothing_more(staff, *invitees)


async def test_forged_and_foreign_buttons_change_nothing(harness: BotHarness) -> None:
    staff, invitees, _invitations, _topic = await _convened(harness)
    async with harness.session_factory() as session:
        pushes = len(list(await session.scalars(select(Notification))))
    before = await _answers(harness)
    first = invitees[0]
    outsider = harness.api.user(7001, first_name="外乡人", language_code="zh-hans")
    await outsider.command("help")
    await expect(outsider, "使用说明")
    for user, data in (
        (first, "mt.r:999:yes"),  # a meeting that does not exist
        (first, "mt.r:1:perhaps"),  # not an answer the button knows
        (outsider, Rsvp(1, "yes").data()),  # not invited
        (outsider, "mt.v:1"),  # a staff button
    ):
        query = await user.press(data, user.bot_messages()[-1], check=False)
        await harness.idle()
        answer = harness.api.callback_answer(query)
        # Refused with a reason, or "this button has expired" for data no button has.
        assert answer is not None and answer.get("text"), data
        if data.endswith("perhaps"):
            await expect(user, "")  # and the way on from a dead button (fallbacks)
    assert await _answers(harness) == before
    async with harness.session_factory() as session:
        assert len(list(await session.scalars(select(Notification)))) == pushes
    await harness.nothing_more(staff, first, outsider)


async def test_the_day_and_hour_picker_moves_a_meeting_too(harness: BotHarness) -> None:
    staff, invitees, _invitations, _topic = await _convened(harness)
    await staff.press_button(ZH._("🕑 Move"))
    await expect(staff, ZH._(WHEN_QUESTION))
    await staff.press_button(ZH._("📅 Pick a day"))
    days = await expect(staff, ZH._("Which day?"))
    assert days.buttons[0] == "2026年11月30日 星期一" and len(days.buttons) == 14
    await staff.press_button("2026年12月12日 星期六")
    await expect(staff, ZH._("At what time? (For minutes, type the time instead.)"))
    await staff.press_button("19:00")
    await expect(staff, "2026年12月12日 星期六 19:00")  # the hours become the question
    await staff.press_button(ZH._("✓ Right"))
    await expect(staff, "2026年12月12日 星期六 19:00")
    async with harness.session_factory() as session:
        starts_at = await session.scalar(select(Meeting.starts_at))
    assert starts_at is not None and starts_at.isoformat() == "2026-12-12T11:00:00+00:00"
    _tick(harness)
    for user in invitees:
        await expect(user, ZH._("New time: {when}", when="2026年12月12日 星期六 19:00"))
    await harness.nothing_more(staff, *invitees)
