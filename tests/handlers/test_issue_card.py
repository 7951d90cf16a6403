"""An issue as the office sees it, through the fake Bot API: media that never cost the card,
voice messages heard, the card's history, questions, people and contact, what members may
see, and issues reached from their topic and by number."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.services import people, topics, triage
from bot.services.intake import IssueDraft, MediaRef, submit
from fake_telegram import SimUser
from fake_telegram.objects import sample_content
from handlers.inbox import OpenIssue, ViewIssue
from handlers.topics import BackToTopic, TopicCard
from storage.models import Issue, Support
from storage.uow import UnitOfWork
from tests.harness import BotHarness, expect, expect_media

ZH = translator("zh_Hans")


async def person(
    harness: BotHarness, telegram_id: int, name: str, username: str | None = None
) -> int:
    """Someone who has talked to the bot (so pushes reach them); returns their person id."""
    harness.api.user(telegram_id, first_name=name, username=username, language_code="zh-hans")
    async with UnitOfWork(harness.session_factory) as uow:
        contact = people.Contact(telegram_id, telegram_id, name, username, "zh-hans")
        view = await people.register_contact(uow, contact, "zh_Hans", harness.clock.now())
        await uow.commit()
    return view.id


async def media_issue(
    harness: BotHarness,
    author_id: int,
    text: str,
    *,
    photos: int = 0,
    voice: bool = False,
    anonymous: bool = False,
    village: str = "南湖社区",
    home: str | None = None,
) -> int:
    """An issue raised in chat with photos or a voice message the fake Telegram knows."""
    files = harness.api.files
    shots = [files.create("photo", sample_content("photo")) for _ in range(photos)]
    spoken = files.create("voice", sample_content("voice")) if voice else None
    async with UnitOfWork(harness.session_factory) as uow:
        categories = await uow.directory.categories(harness.township_id)
        draft = IssueDraft(
            township_id=harness.township_id,
            village_id=harness.village_id(village),
            category_id=categories[0].id,
            text=text,
            voice=MediaRef(spoken.file_id, spoken.file_unique_id, 5) if spoken else None,
            photos=[MediaRef(shot.file_id, shot.file_unique_id) for shot in shots],
            anonymous=anonymous,
            home_village_id=harness.village_id(home) if home else None,
        )
        issue = await submit(uow, author_id, draft, now=harness.clock.now(), daily_limit=100)
        await uow.commit()
    return issue.id


async def make_topic(harness: BotHarness, issue_ids: list[int], title: str) -> int:
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


async def staff_member(harness: BotHarness, telegram_id: int = 9001) -> SimUser:
    staff = await harness.with_role(telegram_id, RoleName.STAFF)
    await staff.command("inbox")
    await expect(staff, "待办")
    return staff


async def test_a_card_with_one_photo_arrives_and_refused_media_never_cost_it(
    harness: BotHarness,
) -> None:
    raiser = await person(harness, 1001, "王阿姨")
    one = await media_issue(harness, raiser, "东门路灯坏了", photos=1)
    three = await media_issue(harness, raiser, "西门积水", photos=3)
    staff = await staff_member(harness)
    listing = staff.bot_messages()[-1]
    await staff.press(OpenIssue(one).data(), listing)
    await expect_media(staff, "photo")  # one photo is a photo: albums need 2–10 items
    await expect(staff, "东门路灯坏了")
    assert harness.api.calls_of("sendMediaGroup", staff.id) == []
    # Telegram refuses the photo, then the album: each card arrives all the same.
    harness.api.fail_next("sendPhoto", status=400, chat_id=staff.id)
    await staff.press(OpenIssue(one).data(), listing)
    await expect(staff, "东门路灯坏了")
    harness.api.fail_next("sendMediaGroup", status=400, chat_id=staff.id)
    await staff.press(OpenIssue(three).data(), listing)
    card = await expect(staff, "西门积水")
    assert "照片 3 张" in card.text
    await harness.nothing_more(staff)


async def test_a_voice_message_is_heard_and_listed_by_what_it_is(harness: BotHarness) -> None:
    raiser = await person(harness, 1001, "王阿姨")
    issue_id = await media_issue(harness, raiser, "", voice=True)
    staff = await staff_member(harness)
    listing = staff.bot_messages()[-1]
    assert listing.buttons[0].endswith("· 🎤 语音")  # not an empty summary
    await staff.press(OpenIssue(issue_id).data(), listing)
    await expect_media(staff, "voice")  # the voice itself, before the card
    card = await expect(staff, "YS-2026-000001")
    assert "附语音一段" in card.text
    await harness.nothing_more(staff)


async def test_staff_see_history_questions_people_and_how_to_reach_the_raiser(
    harness: BotHarness,
) -> None:
    raiser = await person(harness, 1001, "王阿姨", "wangayi")
    neighbour = await person(harness, 1002, "李大爷")
    issue_id = await media_issue(harness, raiser, "东门路灯坏了", anonymous=True, home="柳树屯")
    staff = await staff_member(harness)
    async with UnitOfWork(harness.session_factory) as uow:
        await uow.issues.add_support(
            Support(person_id=neighbour, issue_id=issue_id, created_at=harness.clock.now())
        )
        staff_id = (await uow.people.by_telegram_id(9001)).id  # type: ignore[union-attr]
        question = await triage.ask_for_information(
            uow,
            township_id=harness.township_id,
            issue_id=issue_id,
            question="是东门哪一根？",
            actor_id=staff_id,
            now=harness.clock.now(),
        )
        await triage.answer_question(
            uow,
            question_id=question,
            person_id=raiser,
            answer="进门左手第三根",
            now=harness.clock.now(),
        )
        await uow.commit()
    await staff.command("issue", "YS-2026-000001")
    card = await expect(staff, "东门路灯坏了")
    text = card.text
    assert "反映人：王阿姨（对委员匿名）" in text
    assert "地点：南湖社区" in text and "住在：柳树屯" in text  # she lives elsewhere
    assert "联系方式：王阿姨 · @wangayi" in text
    assert 'href="tg://user?id=1001"' in (card.source or "")  # a tap opens a chat with her
    assert "1 位邻居附议：李大爷" in text
    assert "联络员问：是东门哪一根？" in text and "居民答：进门左手第三根" in text
    assert "办理记录" in text and "需要补充信息" in text
    await harness.nothing_more(staff)


async def test_members_see_only_the_names_raisers_agreed_to_show(harness: BotHarness) -> None:
    named = await person(harness, 1001, "王阿姨", "wangayi")
    hidden = await person(harness, 1002, "李大爷", "lidaye")
    first = await media_issue(harness, named, "东门路灯坏了")
    second = await media_issue(harness, hidden, "东门路灯不亮", voice=True, anonymous=True)
    topic = await make_topic(harness, [first, second], "东门路灯")
    member = await harness.with_role(5001, RoleName.MEMBER, "委员老刘")
    await member.command("topics")
    overview = await expect(member, "YT-2026-0001")
    await member.press(TopicCard(topic).data(), overview)
    card = await expect(member, "东门路灯")
    assert "（王阿姨反映）" in card.text and "李大爷" not in card.text
    await member.press(ViewIssue(first).data(), card)
    shown = await expect(member, "东门路灯坏了")
    assert "反映人：王阿姨" in shown.text
    assert "wangayi" not in shown.text and "联系方式" not in shown.text  # never their contact
    await member.command("issue", "YS-2026-000002")
    shown = await expect(member, "东门路灯不亮")  # no voice: it would give the raiser away
    assert "反映人：匿名居民" in shown.text
    assert "李大爷" not in shown.text and "lidaye" not in (shown.source or "")
    await harness.nothing_more(member)


async def test_an_issue_in_a_topic_is_reached_by_number_and_from_its_topic(
    harness: BotHarness,
) -> None:
    raiser = await person(harness, 1001, "王阿姨")
    first = await media_issue(harness, raiser, "东门路灯坏了")
    second = await media_issue(harness, raiser, "东门路灯一直不亮")
    topic = await make_topic(harness, [first, second], "东门路灯")
    staff = await staff_member(harness)
    assert "东门路灯" not in staff.bot_messages()[-1].text  # no longer in the inbox
    await staff.command("issue", "ys-2026-000002")  # typed as people type it
    card = await expect(staff, "东门路灯一直不亮")
    assert "议题：YT-2026-0001 东门路灯" in card.text
    assert card.buttons == ["📂 议题 YT-2026-0001", "✂ 单独列为议题", "🏷 改类别", "📍 改村（社区）"]
    await staff.press(BackToTopic(topic).data(), card)
    topic_card = await expect(staff, "共有 1 人反映或附议")
    assert topic_card.message_id == card.message_id  # the card became its topic's card
    await staff.press(ViewIssue(first).data(), topic_card)
    await expect(staff, "东门路灯坏了")
    await staff.command("issue", "YS-2026-000009")
    await expect(staff, "本镇（街道）没有编号为 YS-2026-000009 的诉求。")
    await staff.command("issue")
    await expect(staff, "/issue YS-2026-000123")
    await harness.nothing_more(staff)
    async with harness.session_factory() as session:
        statuses = set(await session.scalars(select(Issue.status)))
    assert statuses == {IssueStatus.ACCEPTED}
