"""/start, /help and /lang: greetings and menus in the person's language."""

from __future__ import annotations

from bot.domain.roles import RoleName
from tests.handlers.test_intake_flow import start_in_village
from tests.harness import BotHarness, expect


async def test_language_follows_telegram_then_the_persons_choice(harness: BotHarness) -> None:
    english = harness.resident(3003, first_name="Ann", language_code="en-GB")
    await english.command("start")
    greeting = await expect(english, "Hello, Ann")
    assert "📝 I have a problem" in (greeting.reply_keyboard or [])
    await expect(english, "Which village or community of 东风镇 do you live in?")
    await english.command("lang")
    await expect(english, "Choose your language")
    await english.press_button("繁體中文")
    chosen = await expect(english, "Choose your language")  # the choice loses its buttons
    assert chosen.buttons == []
    await expect(english, "語言已設定為繁體中文")
    await english.command("help")
    await expect(english, "使用說明")
    await harness.nothing_more(english)
    # The person's own chat gets a command menu in the language they chose.
    menu = harness.api.commands({"type": "chat", "chat_id": english.id})
    assert menu is not None
    assert {"command": "new", "description": "反映問題"} in menu


async def test_traditional_chinese_from_language_code(harness: BotHarness) -> None:
    user = harness.resident(3004, first_name="陳伯", language_code="zh-hk")
    await user.command("start")
    await expect(user, "您好，陳伯")
    await expect(user, "您住在东风镇的哪個村")  # names are data, not translated
    await harness.nothing_more(user)


async def test_main_menu_buttons_work_without_commands(harness: BotHarness) -> None:
    user = harness.resident()
    await user.command("start")
    await expect(user, "有事好商量")
    await expect(user, "哪个村")
    await user.tap_reply_button("❓ 帮助")
    await expect(user, "使用说明")
    await user.tap_reply_button("📋 我的诉求")
    await expect(user, "还没有反映过问题")
    await user.tap_reply_button("🌐 语言")
    await expect(user, "请选择语言")
    await harness.nothing_more(user)


async def test_invalid_deep_link_falls_back_to_choosing(harness: BotHarness) -> None:
    user = harness.resident()
    await user.command("start", "v999999")
    await expect(user, "链接已失效")
    await expect(user, "哪个村")
    await harness.nothing_more(user)


async def test_unknown_command_and_free_text(harness: BotHarness) -> None:
    user = harness.resident()
    await user.command("start")
    await expect(user, "有事好商量")
    await expect(user, "哪个村")
    await user.command("frobnicate")
    await expect(user, "不认识这个命令")
    await user.send("你好")
    await expect(user, "要反映问题，请点下方")
    await harness.nothing_more(user)


async def test_greeting_help_and_menu_follow_the_person_s_roles(harness: BotHarness) -> None:
    staff = await harness.with_role(9001, RoleName.STAFF)
    await staff.command("start")
    greeting = await expect(staff, "您好，联络员！欢迎使用有事好商量，您是东风镇的联络办工作人员。")
    assert "/inbox — 待处理的诉求" in greeting.text and "/alerts" in greeting.text
    member = await harness.with_role(5001, RoleName.MEMBER, "委员老刘")
    await member.command("start")
    greeting = await expect(member, "您是东风镇的政协委员")
    assert "/topics — 协商议题" in greeting.text and "/inbox" not in greeting.text
    await member.command("help")
    help_text = await expect(member, "使用说明")
    assert "工作中常用的命令" in help_text.text and "/issue — 按编号查看诉求" in help_text.text
    await harness.nothing_more(staff, member)  # neither is asked which village they live in
    menus = {
        user.id: {item["command"] for item in harness.api.commands(chat(user.id)) or []}
        for user in (staff, member)
    }
    assert {"inbox", "topics", "issue", "alerts", "new"} <= menus[staff.id]
    assert {"topics", "issue", "new"} <= menus[member.id] and "inbox" not in menus[member.id]


def chat(chat_id: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": chat_id}


async def test_a_chosen_home_is_known_to_the_next_update_without_a_reload(
    harness: BotHarness,
) -> None:
    """Choosing the village amends the remembered person in place: /new starts there."""
    user = harness.resident(3010, first_name="李大爷")
    await start_in_village(user, "柳树屯")
    remembered = harness.services().people.peek(user.id)
    assert remembered is not None
    assert remembered.village_id == harness.village_id("柳树屯")
    assert remembered.township_id == harness.township_id
    await user.command("new")
    await expect(user, "请描述")
    await user.send("柳树屯村口的路灯坏了一个月，晚上很黑。")
    where = await expect(user, "在哪个村")
    assert where.inline_keyboard[0][0][0] == "✓ 柳树屯"
