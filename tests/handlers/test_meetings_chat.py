"""A deliberation meeting in chat, through the fake Bot API: from selecting the topic to
check-in and the published outcome, moving, cancelling, and the waiting list of a full
meeting."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.scheduler import Scheduler
from fake_telegram import BotMessage, SimUser
from handlers.meeting_buttons import CalendarFile, Rsvp
from storage.models import Invitation
from tests.bot.services.meeting_fixtures import MONDAY, SATURDAY_EVENING, Cast, cast
from tests.handlers.meeting_steps import ZH, create_meeting, decode_qr
from tests.handlers.test_outcome_chat import (
    BY_WHEN,
    NEXT,
    OUTCOME_HEADING,
    STEP_1,
    STEP_2,
    STEP_3,
    STEP_4,
    WHO,
    noted,
)
from tests.harness import BotHarness, expect, expect_media
from tests.meeting_fixtures import next_push

USED_LINK = (
    "This invitation link has already been used. Please ask the liaison office for a new one."
)
NOT_LISTED = (
    "You are not on the list of meeting {number}. Please wait a moment: the liaison office "
    "has been told and can let you in."
)
ABSENT = "Not checked in yet: {count}. Press a name to check them in."


async def _people(harness: BotHarness) -> tuple[Cast, SimUser, list[SimUser], list[SimUser]]:
    """The cast on the harness's database; the bot learns their roles on their first update."""
    harness.clock.current = MONDAY
    people = await cast(harness.session_factory, MONDAY, select=False)
    harness.services().people.forget(9001)
    staff = harness.api.user(9001, first_name="联络员", language_code="zh-hans")
    residents = [
        harness.api.user(3001 + n, first_name=name, language_code="zh-hans")
        for n, name in enumerate(("王阿姨", "李大爷", "张师傅"))
    ]
    members = [
        harness.api.user(5001 + n, first_name=name, language_code="zh-hans")
        for n, name in enumerate(("委员老刘", "委员小陈"))
    ]
    # Their issues became a topic: each raiser is told first.
    wake = harness.services().on_outbox
    assert wake is not None
    wake()
    for user in residents:
        await expect(user, "YT-2026-0001", timeout=10)
    return people, staff, residents, members


def _tick(harness: BotHarness, seconds: float = 2) -> None:
    """Time goes on (the dispatcher paces one push per second per chat by the clock), and the
    dispatcher looks again."""
    harness.clock.advance(seconds=seconds)
    wake = harness.services().on_outbox
    assert wake is not None
    wake()


async def _invitation(user: SimUser) -> BotMessage:
    message = await expect(user, "HY-2026-0001", timeout=10)
    assert ZH._("Attend") in message.buttons and ZH._("📅 Add to calendar") in message.buttons
    return message


async def _scheduler(harness: BotHarness) -> Scheduler:
    assert harness.app is not None
    scheduler = harness.app.bot_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


async def test_a_full_meeting_from_selection_to_check_in(harness: BotHarness) -> None:
    people, staff, residents, members = await _people(harness)
    card = await create_meeting(harness, staff, people.topic_id)
    _tick(harness)
    assert "2026年12月5日 星期六 19:00" in card.text and "请带上身份证" in card.text
    invitations = {user.id: await _invitation(user) for user in residents + members}
    text = invitations[3001].text
    assert "东风镇协商议事室" in text and "1. 通报东门路灯情况" in text
    assert ZH._("📍 Where") in invitations[3001].buttons  # the place has coordinates
    # Each is asked as what they are: a neighbour for their own matter, a member to deliberate.
    assert "与您和邻里相关的事" in text
    assert "以政协委员身份参加" in invitations[5001].text

    # A guest from the department, by a single-use link staff forward.
    await staff.press_button(ZH._("🎫 Guest link"))
    await expect(staff, ZH._("The guest takes part as:"))
    await staff.press_button(ZH._("department representative"))
    link_message = await expect(staff, "?start=g-")
    payload = link_message.text.split("?start=")[1].split()[0]
    guest = harness.api.user(6001, first_name="城管科小赵", language_code="zh-hans")
    await guest.command("start", payload)
    await expect(guest, ZH._("department representative"))
    guest_invitation = await _invitation(guest)
    assert "以部门代表身份参加" in guest_invitation.text
    await guest.press(Rsvp(1, "yes").data(), guest_invitation)
    await expect(guest, ZH._("attending"))
    stranger = harness.api.user(6002, first_name="路人", language_code="zh-hans")
    await stranger.command("start", payload)  # the same link a second time
    await expect(stranger, ZH._(USED_LINK))

    # Answers; the calendar file parses back with the meeting's instant and alarms.
    await residents[0].press(Rsvp(1, "yes").data(), invitations[3001])
    await expect(residents[0], ZH._("attending"))
    await residents[1].press(Rsvp(1, "no").data(), invitations[3002])
    await expect(residents[1], ZH._("not attending"))
    await members[0].press(Rsvp(1, "yes").data(), invitations[5001])
    await expect(members[0], ZH._("attending"))
    await residents[0].press(CalendarFile(1).data(), invitations[3001])
    document = await expect_media(residents[0], "document")
    file_id = document.payload["document"]["file_id"]
    ics = harness.api.files.get(file_id)
    assert ics is not None
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event.decoded("dtstart") == SATURDAY_EVENING
    # Someone who is not invited cannot get the meeting's file.
    await stranger.press(CalendarFile(1).data(), stranger.bot_messages()[-1], check=False)
    await harness.idle()
    assert harness.api.calls_of("answerCallbackQuery")[-1].params.get("show_alert")

    # 24 h before: a reminder to those who said yes or have not answered.
    harness.clock.current = SATURDAY_EVENING - timedelta(hours=24)
    await (await _scheduler(harness)).run_once()
    for user in (residents[0], residents[2], members[0], members[1], guest):
        await expect(
            user,
            ZH.n_(
                "<b>Reminder: meeting {number} starts in {count} hour.</b>",
                "<b>Reminder: meeting {number} starts in {count} hours.</b>",
                24,
                number="HY-2026-0001",
            )
            .replace("<b>", "")
            .replace("</b>", ""),
        )
    await harness.nothing_more(residents[1])

    # Check-in: staff open it; the card becomes the live count, the QR code follows.
    harness.clock.current = SATURDAY_EVENING - timedelta(minutes=20)
    await staff.command("meetings")
    listing = await expect(staff, ZH._("<b>Meetings</b>").replace("<b>", "").replace("</b>", ""))
    await staff.press(listing.inline_keyboard[0][0][1] or "", listing)
    card = await expect(staff, "HY-2026-0001")
    await staff.press_button(ZH._("✅ Check-in"))
    panel = await expect(staff, ZH._("Check-in is open."))
    qr = await expect_media(staff, "photo")
    link = qr.text.split("\n")[-1]
    photo = harness.api.files.get(qr.payload["photo"][-1]["file_id"])
    assert photo is not None and decode_qr(photo.content) == link
    scan = link.split("?start=")[1]
    await residents[0].command("start", scan)
    await expect(
        residents[0],
        ZH._("Welcome! You are checked in for meeting {number}.", number="HY-2026-0001"),
    )
    counted = await expect(
        staff, ZH._("Checked in: {count} (attending: {expected})", count=1, expected=3)
    )
    assert counted.message_id == panel.message_id == card.message_id  # edited in place
    await residents[0].command("start", scan)  # a second scan changes nothing
    await expect(
        residents[0],
        ZH._("You are already checked in for meeting {number}.", number="HY-2026-0001"),
    )
    await guest.command("start", scan)
    await expect(
        guest, ZH._("Welcome! You are checked in for meeting {number}.", number="HY-2026-0001")
    )
    await expect(staff, ZH._("Checked in: {count} (attending: {expected})", count=2, expected=3))
    # Someone not on the list is told so; staff let them in with one press.
    await stranger.command("start", scan)
    await expect(stranger, ZH._(NOT_LISTED, number="HY-2026-0001"))
    walk_in = await expect(staff, "路人", timeout=10)
    await staff.press_button(ZH._("✅ Let them in"))
    await expect(staff, ZH._("{name} is checked in.", name="路人"))
    await expect(staff, ZH._("Checked in: {count} (attending: {expected})", count=3, expected=4))
    await expect(stranger, "HY-2026-0001", timeout=10)
    # Staff check a member in from the list.
    await staff.press_button(ZH._("👥 Check in from the list"))
    absent = await expect(staff, ZH._(ABSENT, count=3))
    assert "✅ 委员老刘" in absent.buttons and "✅ 李大爷" not in absent.buttons  # said no
    await staff.press_button("✅ 委员老刘")
    await expect(staff, ZH._(ABSENT, count=3))  # buttons dropped
    await expect(staff, ZH._("Checked in: {count} (attending: {expected})", count=4, expected=4))
    assert walk_in.buttons == [ZH._("✅ Let them in")]
    async with harness.session_factory() as session:
        arrived = {
            i.person_id for i in await session.scalars(select(Invitation)) if i.checked_in_at
        }
    assert len(arrived) == 4
    await harness.nothing_more(staff, *residents, *members, guest, stranger)

    # After the meeting: the outcome, recorded and published; everyone concerned hears once.
    harness.clock.current = SATURDAY_EVENING + timedelta(hours=3)
    await staff.command("outcome")
    held = await expect(
        staff,
        ZH._("Meetings held: record an outcome (📝), or get the minutes of a published one (📄)."),
    )
    await staff.press(held.inline_keyboard[0][0][1] or "", held)
    await expect(staff, STEP_1)
    summary = "会议听取了居民意见，城管办介绍了路灯维护安排。"
    await staff.send(summary)
    await expect(staff, noted(len(summary)))
    await staff.press_button(NEXT)
    await expect(staff, noted(len(summary)))  # its keyboard goes
    await expect(staff, STEP_2)
    await staff.send("东门口加装路灯")
    await expect(staff, noted(7))
    await staff.press_button(NEXT)
    await expect(staff, noted(7))
    await expect(staff, STEP_3)
    await staff.press_button(NEXT)  # no disagreements left
    await expect(staff, STEP_3)
    await expect(staff, STEP_4)
    await staff.press_button(ZH._("➕ Add an action item"))
    await expect(staff, STEP_4)  # the list loses its keyboard
    await expect(staff, ZH._("What is to be done? One message (or /cancel)."))
    await staff.send("在东门口安装4盏太阳能路灯")
    await expect(staff, WHO)
    await staff.press_button("委员老刘")
    await expect(staff, ZH._("In charge: {owner}", owner="委员老刘"))
    await expect(staff, BY_WHEN)
    await staff.send("2026-12-31")
    await expect(staff, "在东门口安装4盏太阳能路灯")
    await expect(staff, STEP_4)
    await staff.press_button(ZH._("Done: review ›"))
    await expect(staff, STEP_4)
    review = await expect(staff, "东门口加装路灯")
    await staff.press(review.button_data(ZH._("✅ Publish")), review)
    question = await expect(staff, ZH._("It cannot be changed afterwards."))
    await staff.press(question.button_data(ZH._("✅ Publish now")), question)
    await expect(staff, ZH._("The outcome of {number} is published.", number="HY-2026-0001"))
    for user in (*residents, members[0], guest, stranger):
        told = await next_push(harness, user, OUTCOME_HEADING)
        assert "在东门口安装4盏太阳能路灯" in told.text and "2026年12月31日" in told.text
    await next_push(harness, members[0], "在东门口安装4盏太阳能路灯")  # his item, to him
    await harness.nothing_more(staff, *residents, *members, guest, stranger)
