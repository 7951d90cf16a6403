"""A whole session as its people play it: three residents in three languages, an admin, a
staff member and a member; what each of them receives, in order.

王阿姨 (简体) raises a broken street lamp; 陳伯 (繁體) writes one line about the same lamp and
joins her (附议); Ann (English) sends a photo before her words, then raises a matter outside
the township's remit. The admin makes 小张 staff by forwarding his message and 老刘 a member
by @username. Staff are alerted to each new issue, ask 王阿姨 a question she answers with a
photo by replying, make a topic of the lamp (both residents hear it, each in their
language), and reject Ann's matter with a template reason (in English for her). The member
reads the issue by number and sees no name of a raiser who chose to stay anonymous.
"""

from __future__ import annotations

import re

from bot.domain.roles import RoleName
from bot.i18n import Translator, translator
from fake_telegram import BotMessage, SimUser
from tests.handlers.test_admin import _forwarded
from tests.harness import BotHarness, expect, expect_media
from tests.meeting_fixtures import next_push

ZH, HANT, EN = translator("zh_Hans"), translator("zh_Hant"), translator("en")
LAMP = "南湖社区东门的路灯坏了两个星期，晚上老人出门很不安全，请尽快修理。"
LAMP_AGAIN = "南湖社區東門路燈壞了，晚上一片漆黑。"
JOINED = (
    "✅ You joined {number}. I will tell you about every step of it. Nothing else was submitted."
)
REMIT = "The river embankment of the county road needs repair."


def said(tr: Translator, msgid: str, **values: object) -> str:
    """The text as the person reads it (without the HTML tags of its bold parts)."""
    return tr._(msgid, **values).replace("<b>", "").replace("</b>", "")


async def start_at_home(user: SimUser, tr: Translator, village: str = "南湖社区") -> None:
    await user.command("start")
    await user.next_message()  # the greeting
    await expect(
        user, tr._("Which village or community of {township} do you live in?", township="东风镇")
    )
    await user.press_button(village)
    await expect(user, tr._("Saved: {village}.", village=village))
    await user.next_message()  # what to do next, with the main menu


async def describe_here(user: SimUser, tr: Translator, text: str) -> BotMessage:
    """/new, the words, "it is where I live"; returns what the bot asks next."""
    await user.command("new")
    await user.next_message()  # please describe
    await user.send(text)
    where = await user.next_message()
    assert where.inline_keyboard, where.text
    await user.press(where.inline_keyboard[0][0][1] or "", where)
    asked = await user.next_message()
    answered = await user.next_message()  # then the question, rewritten into the answer
    assert answered.edited and answered.message_id == where.message_id
    return asked


async def finish_intake(
    user: SimUser, tr: Translator, category: str, *, photos_kept: bool = False
) -> str:
    """From the category question to the receipt; returns the issue's number."""
    try:
        await user.press_button(category)
    except AssertionError:
        await user.press_button(f"✓ {category}")
    # The category question, rewritten into the answer and the next question: photos (or,
    # with a photo kept already, more of them).
    photos = await user.next_message()
    if photos_kept:
        assert (
            tr.n_(
                "Got {count} photo. Send more, or press “Next”.",
                "Got {count} photos. Send more, or press “Next”.",
                1,
            )
            in photos.text
        )
        await user.press_button(tr._("Next ›"))
    else:
        ask = "Would you like to add photos? Send them now (several at once is fine)."
        assert tr._(ask) in photos.text
        await user.press_button(tr._("No photos, next ›"))
    await expect(
        user, tr._("Where is it? Share the location, or skip if you described the place already.")
    )
    taken_away = await user.next_message()  # then its button taken away
    assert taken_away.edited and not taken_away.buttons
    await user.tap_reply_button(tr._("Skip, no location"))
    await user.next_message()
    await user.next_message()  # may members see your name?
    await user.press_button(tr._("No, keep me anonymous to members"))
    await expect(user, said(tr, "<b>Please check before sending</b>"))
    await user.press_button(tr._("✅ Send"))
    receipt = await user.next_message()
    found = re.search(r"YS-\d{4}-\d{6}", receipt.text)
    assert found is not None, receipt.text
    return found.group()


async def test_a_whole_session_in_three_languages(harness: BotHarness) -> None:
    admin = await harness.with_role(42, RoleName.ADMIN, "管理员")
    wang = harness.api.user(1001, first_name="王阿姨", language_code="zh-hans")
    chen = harness.api.user(1002, first_name="陳伯", language_code="zh-hant")
    ann = harness.api.user(1003, first_name="Ann", language_code="en")
    clerk = harness.api.user(9001, first_name="小张", username="xiaozhang", language_code="zh-hans")
    liu = harness.api.user(5001, first_name="老刘", username="laoliu", language_code="zh-hans")

    # The admin names the office's people the way one knows them.
    await admin.command("start")
    await expect(admin, "/grant")
    await clerk.command("help")
    await expect(clerk, "使用说明")
    await liu.command("help")
    await expect(liu, "使用说明")
    await admin.command("grant", "staff")
    await admin.next_message()
    await admin.post(_forwarded(harness, clerk))
    await expect(admin, "小张（@xiaozhang）")
    await expect(clerk, "联络办工作人员")
    await admin.command("grant", "member")
    await admin.next_message()
    await admin.send("@laoliu")
    await expect(admin, "老刘（@laoliu）")
    await expect(liu, "政协委员")

    # 王阿姨 raises the lamp; staff hear of it at once.
    await start_at_home(wang, ZH)
    category_question = await describe_here(wang, ZH, LAMP)
    assert "哪方面" in category_question.text
    first = await finish_intake(wang, ZH, ZH._("Urban and rural construction"))
    assert first == "YS-2026-000001"
    alert = await next_push(harness, clerk, first)
    assert LAMP[:10] in alert.text

    # 陳伯 writes one line about the same lamp in Traditional characters and joins her.
    await start_at_home(chen, HANT)
    offer = await describe_here(chen, HANT, LAMP_AGAIN)
    assert first in offer.text
    await chen.press_button(next(b for b in offer.buttons if first in b))
    await expect(
        chen,
        HANT._(JOINED, number=first),
    )

    # Ann sends a photo before her words: it is kept and words are still asked for.
    await start_at_home(ann, EN, "柳树屯")
    await ann.command("new")
    await ann.next_message()
    await ann.send_photo()
    hint = await ann.next_message()
    assert "photo" in hint.text.lower()
    await ann.send(REMIT)
    where = await ann.next_message()
    await ann.press(where.inline_keyboard[0][0][1] or "", where)
    await ann.next_message()
    await ann.next_message()  # the category question
    second = await finish_intake(ann, EN, EN._("Urban and rural construction"), photos_kept=True)
    await next_push(harness, clerk, second)

    # Staff ask 王阿姨 which lamp; she answers by replying with a photo.
    await clerk.command("issue", first)
    card = await expect(clerk, first)
    assert "王阿姨" in card.text and "陳伯" in card.text
    await clerk.press_button(ZH._("❓ Ask for more"))
    await clerk.next_message()
    await clerk.send("是东门哪一根？")
    await clerk.next_message()
    question = await next_push(harness, wang, "是东门哪一根？")
    await wang.send_photo(reply_to=question)
    await wang.next_message()
    answered = await next_push(harness, clerk, first)
    assert "另附照片 1 张：打开诉求即可查看。" in answered.text
    assert ZH._("Open the issue") in answered.buttons

    # The lamp becomes a topic: 王阿姨 and 陳伯 hear it, each in their language.
    await clerk.command("issue", first)
    await expect_media(clerk, "photo")  # her answer's photo, now the issue's
    await expect(clerk, first)
    await clerk.press_button(ZH._("✅ New topic"))
    await expect(clerk, first)  # asked first: this cannot be undone
    await clerk.press_button(ZH._("✅ Create the topic"))
    topic_made = await expect(clerk, "YT-2026-0001")
    assert first in topic_made.text  # the card, as the issue is now
    told = await next_push(harness, wang, "YT-2026-0001")
    assert "您的诉求 YS-2026-000001 已受理。" in told.text
    told = await next_push(harness, chen, "YT-2026-0001")
    assert (
        said(
            HANT,
            "<b>The issue {issue_number} you joined has been accepted.</b>",
            issue_number=first,
        )
        in told.text
    )

    # Ann's matter is outside the remit: rejected with a template, read in English.
    await clerk.command("issue", second)
    await expect_media(clerk, "photo")  # the photo she sent first
    await expect(clerk, second)
    await clerk.press_button(ZH._("✖ Reject"))
    await clerk.next_message()
    await clerk.press_button(ZH._("Outside the township's remit — please call the 12345 hotline."))
    await clerk.next_message()
    await clerk.press_button(ZH._("✖ Do not take it up"))
    await clerk.next_message()
    rejected = await next_push(harness, ann, second)
    assert "was not taken up" in rejected.text and "12345 hotline" in rejected.text

    # The member reads the lamp without 王阿姨's name (she chose to stay anonymous to members).
    await liu.command("issue", first)
    await expect_media(liu, "photo")
    member_card = await expect(liu, first)
    assert "王阿姨" not in member_card.text
    await harness.nothing_more(admin, wang, chen, ann, clerk, liu)
