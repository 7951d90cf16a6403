"""/start, /help and /lang: greetings and menus in the person's language."""

from __future__ import annotations

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
