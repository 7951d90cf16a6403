"""Opinions before a meeting, through the fake Bot API: staff open a topic, its followers and
the meeting's invitees are asked, each gives one opinion (by reply or by button, anonymous
or named), everyone votes one opinion at a time, staff read the digest; people of another
township, forged and late presses change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.domain.roles import RoleName
from bot.i18n import translator
from fake_telegram import SimUser
from handlers.deliberation_buttons import ToggleGathering, VoteOpinion, WriteOpinion
from storage.models import Opinion, OpinionVote
from storage.uow import UnitOfWork
from tests import factories, meeting_fixtures
from tests.harness import BotHarness, expect
from tests.meeting_fixtures import Scene, pushes_go_out

ZH = translator("zh_Hans")
ASKED = ZH._("Opinions are gathered until the meeting starts.")
A_RESIDENT = ZH._("a resident")
ALL_SEEN = ZH._(
    "You have seen every opinion on this topic so far. Thank you! You can change a vote until "
    "the meeting starts."
)


async def _scene(harness: BotHarness) -> tuple[dict[str, SimUser], int]:
    """A topic raised by 王阿姨 (anonymously) and 李大爷, joined by 赵姐; a meeting about it in
    three days, to which member 老刘 is invited. Returns the people's chats and the meeting's
    topic link."""
    scene = Scene()
    chats: dict[str, SimUser] = {}
    for telegram_id, name in ((1001, "王阿姨"), (1002, "李大爷"), (1003, "赵姐")):
        await meeting_fixtures.resident(harness, scene, telegram_id, name)
        chats[name] = harness.api.user(telegram_id, first_name=name, language_code="zh-hans")
    wang = await meeting_fixtures.raised(
        harness, scene.people["王阿姨"], "东门路灯坏了一个月", anonymous=True
    )
    li = await meeting_fixtures.raised(
        harness, scene.people["李大爷"], "东门口晚上太黑", anonymous=False
    )
    topic = await meeting_fixtures.topic_of(harness, "东门路灯", [wang, li])
    await meeting_fixtures.join(harness, scene.people["赵姐"], wang)
    chats["老刘"] = await harness.with_role(5001, RoleName.MEMBER, "委员老刘")
    async with UnitOfWork(harness.session_factory) as uow:
        liu = await uow.people.by_telegram_id(5001)
        assert liu is not None
        scene.people["老刘"] = liu.id
    now = harness.clock.now()
    meeting = await meeting_fixtures.meeting(
        harness.session_factory,
        township_id=harness.township_id,
        topic_ids=[topic],
        starts_at=now + timedelta(days=3),
        now=now,
    )
    await meeting_fixtures.invite(
        harness.session_factory, meeting, scene.people["老刘"], "member", now
    )
    async with UnitOfWork(harness.session_factory) as uow:
        link = (await uow.opinions.meeting_topics(meeting))[0][0].id
    # The raisers were told their issues were accepted into the topic.
    harness.services().on_outbox()  # type: ignore[misc]
    for name in ("王阿姨", "李大爷"):
        await expect(chats[name], "YT-2026-0001")
    return chats, link


async def _alert(harness: BotHarness, query_id: str) -> str:
    await harness.idle()
    answer = harness.api.callback_answer(query_id)
    assert answer is not None
    return str(answer.get("text") or "")


async def _counts(harness: BotHarness) -> tuple[int, int]:
    async with harness.session_factory() as session:
        opinions = await session.scalar(select(func.count()).select_from(Opinion))
        votes = await session.scalar(select(func.count()).select_from(OpinionVote))
    return int(opinions or 0), int(votes or 0)


async def test_opinions_with_votes_and_the_digest(harness: BotHarness) -> None:
    chats, link = await _scene(harness)
    wang, li, zhao, liu = chats["王阿姨"], chats["李大爷"], chats["赵姐"], chats["老刘"]
    staff = await harness.with_role(9001, RoleName.STAFF)

    # Staff open the topic for opinions.
    await staff.command("opinions")
    listing = await expect(
        staff, ZH._("Meetings coming up: choose one to gather opinions on its topics.")
    )
    await staff.press(listing.inline_keyboard[0][0][1] or "", listing)
    card = await expect(staff, ZH._("not gathering opinions"))
    await staff.press(ToggleGathering(link, True).data(), card)
    await expect(staff, ZH._("gathering opinions"))
    pushes_go_out(harness)

    # Followers (raisers and the supporter) and the invited member are asked, once each.
    requests = {name: await expect(chat, ASKED) for name, chat in chats.items()}
    assert all("东门路灯" in message.text for message in requests.values())

    # 王阿姨 replies to the request; her issue is anonymous, so anonymity is suggested.
    await wang.send("先修最暗的那一段，靠近菜市场", reply_to=requests["王阿姨"])
    preview = await expect(wang, "先修最暗的那一段")
    assert preview.buttons[0] == "✓ " + ZH._("Send anonymously")
    await wang.press_button("✓ " + ZH._("Send anonymously"))
    await expect(wang, ZH._("Others see it anonymously."))

    # 李大爷 uses the button, and signs his.
    await li.press(WriteOpinion(link).data(), requests["李大爷"])
    await expect(li, "YT-2026-0001")
    await li.send("路灯应该换成太阳能的")
    preview = await expect(li, "太阳能")
    assert preview.buttons[0] == ZH._("Send with my name")
    await li.press_button(ZH._("Send with my name"))
    await expect(li, ZH._("Others see your name."))

    # 赵姐 reads and votes, one opinion at a time; the anonymous one shows no name.
    await zhao.press_button(ZH._("🗳 Read and vote"))
    first = await expect(zhao, "先修最暗的那一段")
    assert A_RESIDENT in first.text and "王阿姨" not in first.text
    await zhao.press_button(ZH._("👍 Agree"))
    second = await expect(zhao, "太阳能")
    assert "李大爷" in second.text
    await zhao.press_button(ZH._("👎 Disagree"))
    await expect(zhao, ALL_SEEN)
    # A vote can be changed.
    await zhao.press_button(ZH._("From the first one"))
    again = await expect(zhao, "先修最暗的那一段")
    assert "✓ " + ZH._("👍 Agree") in again.buttons
    await zhao.press_button(ZH._("👎 Disagree"))
    await expect(zhao, ALL_SEEN)

    # 老刘 votes too; 王阿姨 sees her own opinion without vote buttons, and only 李大爷's to vote.
    await liu.press_button(ZH._("🗳 Read and vote"))
    await expect(liu, "先修最暗的那一段")
    await liu.press_button(ZH._("👎 Disagree"))
    await expect(liu, "太阳能")
    await liu.press_button(ZH._("👍 Agree"))
    await expect(liu, ALL_SEEN)
    await wang.press_button(ZH._("🗳 Read and vote"))
    await expect(wang, "太阳能")
    await wang.press_button(ZH._("Pass"))
    await expect(wang, ALL_SEEN)
    await wang.press_button(ZH._("From the first one"))
    own = await expect(wang, ZH._("This is your own opinion."))
    assert ZH._("👍 Agree") not in own.buttons
    assert await _counts(harness) == (2, 5)

    # A second opinion, and a vote on one's own, are refused in words.
    async with harness.session_factory() as session:
        wangs = await session.scalar(select(Opinion.id).where(Opinion.text.like("先修%")))
    assert wangs is not None
    query = await wang.press(VoteOpinion(wangs, "agree").data(), own, check=False)
    assert await _alert(harness, query) == ZH._("This is your own opinion: the others vote on it.")
    query = await wang.press(WriteOpinion(link).data(), requests["王阿姨"])
    assert "先修最暗的那一段" in await _alert(harness, query)

    # Staff's digest names every author, marks the anonymous one, and counts.
    await staff.press_button(ZH._("📊 Digest"))
    digest = await expect(staff, ZH._("Ranked by agreement:"))
    assert ZH._("{name} (anonymous to others)", name="王阿姨") in digest.text
    assert "李大爷" in digest.text
    ranked = digest.text.split(ZH._("Ranked by agreement:"))[1]
    assert ranked.index("太阳能") < ranked.index("先修最暗")  # 1 of 2 agreeing beats 0 of 2
    assert await _counts(harness) == (2, 5)
    await harness.nothing_more(wang, li, zhao, liu, staff)


async def test_other_townships_forged_and_late_presses_change_nothing(harness: BotHarness) -> None:
    chats, link = await _scene(harness)
    staff = await harness.with_role(9001, RoleName.STAFF)
    await staff.command("opinions")
    listing = await expect(
        staff, ZH._("Meetings coming up: choose one to gather opinions on its topics.")
    )
    await staff.press(ToggleGathering(link, True).data(), listing, check=False)
    await expect(staff, ZH._("gathering opinions"))
    pushes_go_out(harness)
    request = await expect(chats["赵姐"], ASKED)
    await chats["赵姐"].send("同意先修", reply_to=request)
    await expect(chats["赵姐"], "同意先修")
    await chats["赵姐"].press_button(ZH._("Send with my name"))
    await expect(chats["赵姐"], ZH._("Others see your name."))
    async with harness.session_factory() as session:
        opinion = await session.scalar(select(Opinion.id))
    assert opinion is not None
    before = await _counts(harness)

    # A member and a staff member of another township.
    other = await factories.township(harness.session_factory, harness.clock.now(), name="西山乡")
    outsider = await harness.with_role(6001, RoleName.MEMBER, "外乡委员", other.township_id)
    foreign_staff = await harness.with_role(6002, RoleName.STAFF, "外乡联络员", other.township_id)
    for person in (outsider, foreign_staff):
        await person.command("help")
        await harness.idle()
        await person.messages_until_idle()  # the help, read
    query = await outsider.press(
        VoteOpinion(opinion, "agree").data(), outsider.bot_messages()[-1], check=False
    )
    refused = await _alert(harness, query)
    assert refused == ZH._(
        "Only the people who follow topic {number}, the meeting's invitees and the "
        "township's residents can take part in its opinions.",
        number="YT-2026-0001",
    )
    query = await outsider.press(
        ToggleGathering(link, False).data(), outsider.bot_messages()[-1], check=False
    )
    assert await _alert(harness, query) == ZH._("This is for the liaison office's staff only.")
    query = await foreign_staff.press(
        ToggleGathering(link, False).data(), foreign_staff.bot_messages()[-1], check=False
    )
    assert await _alert(harness, query) == ZH._(
        "This cannot be found, or it is not yours to change."
    )
    # Forged data: an opinion that does not exist, a vote word that is not one.
    query = await chats["李大爷"].press(
        "op.v:99999:agree", chats["李大爷"].bot_messages()[-1], check=False
    )
    assert await _alert(harness, query) == ZH._(
        "This cannot be found, or it is not yours to change."
    )
    query = await chats["李大爷"].press(
        "op.v:1:maybe", chats["李大爷"].bot_messages()[-1], check=False
    )
    await harness.idle()
    assert harness.api.callback_answer(query) is not None

    # Once the meeting has started, votes are too late.
    harness.clock.advance(days=3, minutes=1)
    query = await chats["李大爷"].press(
        VoteOpinion(opinion, "agree").data(), chats["李大爷"].bot_messages()[-1], check=False
    )
    assert await _alert(harness, query) == ZH._(
        "Meeting {number} has started: opinions were gathered until then.", number="HY-2026-0001"
    )
    assert await _counts(harness) == before
