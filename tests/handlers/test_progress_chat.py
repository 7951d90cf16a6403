"""Following up action items through the fake Bot API: /mine and an item's card, posting
progress with an album and a percentage (one push per follower, photos first), staff
posting for a department on its behalf, marking done, and every kind of bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.roles import RoleName
from bot.i18n import translator
from fake_telegram import BotMessage, SimUser
from handlers.progress_buttons import OpenItem, PickPercent, PostProgress
from storage.models import ActionItem, Notification, ProgressUpdate
from tests.harness import BotHarness, expect, expect_media
from tests.meeting_fixtures import next_push, pushes_go_out
from tests.progress_fixtures import TELEGRAM_IDS, FollowThrough, follow_through

ZH = translator("zh_Hans")
LIGHTS = "在东门口安装4盏太阳能路灯"
PATROL = "东门路灯每月巡查一次"
FOLLOWERS = ("王阿姨", "李大爷", "赵姐", "老陈")
NEXT = ZH._("Next ›")
SURE = ZH._(
    "Mark “{item}” as done? Everyone following its topic is told, and no more progress can be "
    "posted on it.",
    item=LIGHTS,
)
ANY_PHOTOS = ZH._("Any photos? Send them now (an album is fine), or press “Next ›”.")
HOW_FAR = ZH._("How far is it now? Press a button or type a number from 0 to 100.")


async def _scene(harness: BotHarness) -> tuple[FollowThrough, dict[str, SimUser]]:
    assert harness.township is not None
    scene = await follow_through(harness.session_factory, harness.clock.now(), harness.township)
    chats = {
        name: harness.api.user(telegram_id, first_name=name, language_code="zh-hans")
        for name, telegram_id in TELEGRAM_IDS.items()
    }
    # The raisers were told their issues were accepted (one push per issue).
    for name in ("王阿姨", "王阿姨", "李大爷"):
        await next_push(harness, chats[name], "YT-2026-0001")
    # Staff heard of each new issue.
    for _ in range(3):
        await next_push(harness, chats["小张"], "YS-2026-00000")
    return scene, chats


async def _album_push(harness: BotHarness, chat: SimUser, photos: int, fragment: str) -> BotMessage:
    """A push with photos: the album comes first, then its text."""
    for _ in range(10):
        pushes_go_out(harness)
        try:
            await expect_media(chat, "photo", timeout=1)
            break
        except TimeoutError:
            continue
    for _ in range(photos - 1):
        await expect_media(chat, "photo")
    return await expect(chat, fragment)


async def _open_card(chat: SimUser, index: int = 1) -> BotMessage:
    await chat.command("mine")
    listing = await expect(chat, ZH._("<b>Action items you are in charge of or follow</b>")[3:-4])
    await chat.press(listing.inline_keyboard[index - 1][0][1] or "", listing)
    return await chat.next_message()


async def _told(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        return int(await session.scalar(select(func.count(Notification.id))) or 0)


async def test_the_owner_posts_an_album_and_a_percentage_to_every_follower_once(
    harness: BotHarness,
) -> None:
    scene, chats = await _scene(harness)
    liu = chats["老刘"]
    card = await _open_card(liu)
    assert LIGHTS in card.text and ZH._("No progress posted yet.") in card.text
    assert "2026年3月12日" in card.text  # due in ten days, in the language's date style
    await liu.press(card.button_data(ZH._("📝 Post progress")), card)
    await expect(liu, "“" + LIGHTS + "”")
    await liu.send("东门口已安装2盏，另外2盏下周装")
    await expect(liu, ANY_PHOTOS)
    await liu.send_album(3)
    photos = await expect(
        liu,
        ZH.n_(
            "{count} photo received. Send more, or press “Next ›”.",
            "{count} photos received. Send more, or press “Next ›”.",
            3,
        ),
    )  # once for the whole album
    await liu.press(photos.button_data(NEXT), photos)
    await expect(
        liu,
        ZH.n_(
            "{count} photo received. Send more, or press “Next ›”.",
            "{count} photos received. Send more, or press “Next ›”.",
            3,
        ),
    )
    asked = await expect(liu, HOW_FAR)
    await liu.press(asked.button_data("50%"), asked)
    await expect(liu, ZH._("Progress on “{item}” is posted.", item=LIGHTS))
    await expect(liu, HOW_FAR)  # its keyboard goes

    # Each follower once, photos first: 王阿姨 raised two issues and attended, still one.
    for name in FOLLOWERS:
        text = await _album_push(harness, chats[name], 3, LIGHTS)
        assert ZH._("Progress now: {percent}%", percent=50) in text.text
        assert "东门口已安装2盏" in text.text and "王阿姨" not in text.text
    await harness.nothing_more(*(chats[name] for name in chats))
    async with harness.session_factory() as session:
        [update] = list(await session.scalars(select(ProgressUpdate)))
        item = await session.get(ActionItem, scene.lights)
    assert len(update.photos) == 3 and update.percent == 50 and not update.on_behalf
    assert item is not None and item.progress == 50

    # A percentage out of range is refused and asked again; then a typed one goes.
    card = await _open_card(liu)
    assert "“东门口已安装2盏，另外2盏下周装”" in card.text and "50%" in card.text
    await liu.press(card.button_data(ZH._("📝 Post progress")), card)
    await expect(liu, LIGHTS)
    await liu.send("第3盏装好了")
    photos = await expect(liu, ANY_PHOTOS)
    await liu.press(photos.button_data(NEXT), photos)
    await expect(liu, ANY_PHOTOS)
    await expect(liu, HOW_FAR)
    await liu.send("150")
    await expect(
        liu,
        ZH._(
            "“{text}” is not a percentage: please type a whole number from 0 to 100, like 60.",
            text="150",
        ),
    )
    await liu.send("75%")
    await expect(liu, ZH._("Progress on “{item}” is posted.", item=LIGHTS))
    for name in FOLLOWERS:
        await next_push(harness, chats[name], ZH._("Progress now: {percent}%", percent=75))

    # Marking done: asked once more, then told to everyone; a second tap changes nothing.
    card = await _open_card(liu)
    await liu.press(card.button_data(ZH._("✅ Mark done")), card)
    sure = await expect(liu, SURE)
    yes = sure.button_data(ZH._("✅ Yes, it is done"))
    await liu.press(yes, sure)
    await expect(liu, SURE)  # its button goes
    await expect(liu, ZH._("“{item}” is marked done.", item=LIGHTS))
    for name in FOLLOWERS:
        await next_push(harness, chats[name], ZH._("<b>Done: {item}</b>", item=LIGHTS)[3:-4])
    before = await _told(harness)
    query = await liu.press(yes, sure, check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "“{item}” is marked done already: no more progress can be posted on it.", item=LIGHTS
    )
    assert await _told(harness) == before
    async with harness.session_factory() as session:
        item = await session.get(ActionItem, scene.lights)
    assert item is not None and (item.status, item.progress) == ("done", 100)


async def test_staff_post_for_a_department_and_the_push_says_so(harness: BotHarness) -> None:
    _, chats = await _scene(harness)
    staff = chats["小张"]
    await harness.with_role(9001, RoleName.STAFF, "小张")  # known to the bot as staff
    await staff.command("mine")
    listing = await expect(staff, PATROL)
    assert LIGHTS in listing.text  # staff follow up every item of the township
    await staff.press(listing.button_data("2. " + PATROL), listing)
    card = await expect(staff, PATROL)
    await staff.press(card.button_data(ZH._("📝 Post progress")), card)
    await expect(staff, PATROL)
    await staff.send("本月已巡查，灯都亮")
    photos = await expect(staff, ANY_PHOTOS)
    await staff.press(photos.button_data(NEXT), photos)
    await expect(staff, ANY_PHOTOS)
    asked = await expect(staff, HOW_FAR)
    await staff.press(asked.button_data(ZH._("Keep {percent}% and post", percent=0)), asked)
    await expect(staff, ZH._("Progress on “{item}” is posted.", item=PATROL))
    on_behalf = ZH._("Posted by the liaison office on behalf of {owner}.", owner="城管办")
    assert on_behalf == "由联络办代城管办发布。"
    for name in FOLLOWERS:
        told = await next_push(harness, chats[name], PATROL)
        assert on_behalf in told.text


async def test_bad_input_and_stale_buttons_change_nothing(harness: BotHarness) -> None:
    scene, chats = await _scene(harness)
    # A resident has no /mine.
    await chats["王阿姨"].command("mine")
    await expect(chats["王阿姨"], ZH._("This is for CPPCC members and the liaison office's staff."))
    # A member who does not own the item sees its card without the buttons to post, and a
    # forged press is refused.
    chen = chats["老陈"]
    await chen.command("mine")
    await expect(
        chen,
        ZH._(
            "No action items for you yet: the items you are in charge of, and those of the "
            "topics you follow, show here once a meeting's outcome is published."
        ),
    )
    await chen.press(OpenItem(scene.lights).data(), check=False)
    card = await expect(chen, LIGHTS)
    assert ZH._("📝 Post progress") not in card.buttons
    query = await chen.press(PostProgress(scene.lights).data(), check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "Only the member in charge of “{item}” or the liaison office's staff can post its "
        "progress.",
        item=LIGHTS,
    )
    # Another township's staff: not found.
    wu = chats["小吴"]
    await wu.command("mine")
    await wu.next_message()
    query = await wu.press(OpenItem(scene.lights).data(), check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "This cannot be found, or it is not yours to change."
    )
    # A percentage button of a flow that ended is stale.
    await chats["老刘"].command("mine")
    await chats["老刘"].next_message()
    query = await chats["老刘"].press(PickPercent("abcdef", "50").data(), check=False)
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == ZH._(
        "This button has expired."
    )
    async with harness.session_factory() as session:
        assert list(await session.scalars(select(ProgressUpdate))) == []


async def test_the_participation_record_per_period(harness: BotHarness) -> None:
    scene, chats = await _scene(harness)
    liu = chats["老刘"]
    await liu.command("record")
    record = await expect(liu, ZH._("<b>Participation record of {name}</b>", name="老刘")[3:-4])
    assert ZH._("Meetings invited to: {count}", count=0) in record.text
    assert "2026年3月1日" in record.text and "2026年3月31日" in record.text
    await liu.press(record.button_data(ZH._("Last month")), record)
    edited = await expect(liu, "2026年2月1日")
    assert ZH._("Meetings invited to: {count}", count=0) in edited.text
    assert scene.lights
