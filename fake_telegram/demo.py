"""`python -m bot demo`: the real bot, offline, against the project's own fake Bot API.

A throw-away SQLite database and a fake Telegram on 127.0.0.1; a simulated resident walks
through the whole intake in Chinese and the transcript is printed. No token, no network.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.application import build_application, on_startup, on_stop
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.categories import DEFAULT_CATEGORIES
from bot.i18n import translator
from bot.services.setup import setup_township
from bot.updates import Polling
from fake_telegram import BotMessage, FakeBotApi, SimUser, start_server
from handlers import keyboards
from storage.db import open_database
from storage.migrate import migrated_engine
from storage.uow import UnitOfWork

DEMO_TOKEN = "123456:DEMO-offline-token"
DEMO_TOWNSHIP = "东风镇"
DEMO_VILLAGES = ["东风村", "南湖社区", "柳树屯"]
RESIDENT_SAYS = "南湖社区东门的路灯坏了一个多月，晚上很黑，老人出门不安全，希望尽快修好。"
STEP_TIMEOUT = 10.0


async def _until(user: SimUser, fragment: str) -> BotMessage:
    """The bot's answer containing `fragment`, once the bot has said all it had to say:
    the resident acts only then, so the transcript reads in the order things happened."""
    while True:
        message = await user.next_message(timeout=STEP_TIMEOUT)
        if fragment in (message.text or ""):
            await user.wait_idle(quiet=0.3, timeout=STEP_TIMEOUT)
            return message


async def _play_resident(user: SimUser) -> None:
    tr = translator("zh_Hans")
    # Each wait looks for the start of the bot's next prompt, taken from the catalogue.
    prompt = {
        key: tr._(msgid)[:6]
        for key, msgid in {
            "category": "What is it about? Choose a category:",
            "describe": "Please describe the matter: what, where, since when. Write it, or send a "
            "voice message. You can also send a photo with a caption.",
            "place": "Where is it? If it is in {village}, where you live, press the first button.",
            "where": "Where is it? Share the location, or skip if you described the place already.",
            "anonymity": "May CPPCC members see your name with this issue? The office always "
            "knows who raised it, so it can answer you.",
            "check": "<b>Please check before sending</b>",
            "photos": "Would you like to add photos? Send them now (several at once is fine).",
        }.items()
    }
    await user.command("start")
    await _until(user, DEMO_TOWNSHIP)
    await user.press_button(DEMO_VILLAGES[1])
    await _until(user, DEMO_VILLAGES[1])
    await user.tap_reply_button(tr._(keyboards.MENU_NEW))
    await _until(user, prompt["describe"])
    await user.send(RESIDENT_SAYS)
    await _until(user, prompt["place"])
    await user.press_button("✓ " + DEMO_VILLAGES[1])
    await _until(user, prompt["category"])
    category_msgid, _label = DEFAULT_CATEGORIES["urban_construction"]
    label = tr._(category_msgid)
    # The bot may put its suggestion first, marked ✓.
    suggested = [b for b in user.bot_messages()[-1].buttons if b.endswith(label)]
    await user.press_button(suggested[0] if suggested else label)
    await _until(user, prompt["photos"])
    await user.send_album(2)
    await _until(user, "2")
    await user.press_button(tr._("Next ›"))
    await _until(user, prompt["where"])
    await user.tap_reply_button(tr._(keyboards.SHARE_LOCATION), location=(30.2741, 120.1551))
    await _until(user, prompt["anonymity"])
    await user.press_button(tr._("No, keep me anonymous to members"))
    await _until(user, "核对")
    await user.press_button(tr._("✅ Send"))
    await _until(user, "YS-")
    await user.command("my")
    listing = await _until(user, "/")
    await user.press_button(listing.buttons[0])
    await user.next_message(timeout=STEP_TIMEOUT)


async def run_demo() -> int:
    with tempfile.TemporaryDirectory(prefix="haoshangliang-demo-") as folder:
        api = FakeBotApi(token=DEMO_TOKEN, bot_username="haoshangliang_bot")
        server = await start_server(api)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=DEMO_TOKEN,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'demo.sqlite3'}",
            bot_api_base_url=server.base_url,
            bot_api_base_file_url=server.base_file_url,
            album_wait_seconds=0.3,
        )
        url = settings.resolved_database_url
        await (await migrated_engine(url)).dispose()
        database = open_database(url)
        async with UnitOfWork(database.sessions) as uow:
            await setup_township(
                uow, name=DEMO_TOWNSHIP, villages=DEMO_VILLAGES, now=SystemClock().now()
            )
            await uow.commit()
        app = build_application(settings, database)
        resident = api.user(1001, first_name="王阿姨", language_code="zh-hans")
        polling = Polling(app, timeout=2)
        try:
            await app.initialize()
            await on_startup(app)
            await app.start()
            await polling.start()
            await _play_resident(resident)
        except (TimeoutError, AssertionError) as exc:
            print(resident.transcript_text())
            print(f"\ndemo failed: {exc}", file=sys.stderr)
            return 1
        finally:
            if app.running:
                await polling.stop()
                await app.stop()
                await on_stop(app)
            await app.shutdown()
            await server.close()
            await database.dispose()
        print(resident.transcript_text())
        print(
            "\nThat was the real bot, talking to a fake Telegram on this machine. "
            "To run it for real: BOT_TOKEN=<token from @BotFather> python -m bot"
        )
        return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run_demo()))
