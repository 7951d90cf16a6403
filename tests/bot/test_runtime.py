"""The real `python -m bot` process against the project's own fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.services.setup import SetupReport
from fake_telegram import FakeBotApi, RunningServer, SimUser, start_server
from storage.db import SessionFactory
from storage.models import Issue, ReceivedUpdate
from tests import factories
from tests.conftest import MutableClock
from tests.harness import press_category, replies_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:RUNTIME-test-token"


async def _run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("token", "expected"), [("", "BOT_TOKEN is not set"), ("nonsense", "does not look like")]
)
async def test_without_a_usable_token_one_clear_line(
    tmp_path: Path, token: str, expected: str
) -> None:
    code, _stdout, stderr = await _run_cli(env=_clean_env(BOT_TOKEN=token), cwd=tmp_path)
    assert code == 2
    assert expected in stderr
    assert "python -m bot demo" in stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


async def test_bad_arguments_are_one_line(tmp_path: Path) -> None:
    code, _out, stderr = await _run_cli(
        "setup", "--township", "东风镇", env=_clean_env(), cwd=tmp_path
    )
    assert code == 2
    assert "--villages" in stderr
    assert "Traceback" not in stderr


async def test_demo_plays_the_intake_offline(tmp_path: Path) -> None:
    code, stdout, stderr = await _run_cli("demo", env=_clean_env(), cwd=tmp_path)
    assert code == 0, stderr
    assert "YS-2026-" in stdout or "YS-20" in stdout
    assert "办理记录" in stdout


async def test_setup_and_migrate_from_the_command_line(tmp_path: Path) -> None:
    env = _clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    args = ("setup", "--township", "东风镇", "--villages", "东风村，南湖社区", "--admin", "42")
    code, first, _ = await _run_cli(*args, env=env, cwd=tmp_path)
    assert code == 0
    assert "created" in first
    code, second, _ = await _run_cli(*args, env=env, cwd=tmp_path)
    assert code == 0
    assert "already there" in second
    assert "already admin" in second
    code, migrated, _ = await _run_cli("migrate", env=env, cwd=tmp_path)
    assert code == 0
    assert "revision" in migrated
    code, saved, _ = await _run_cli("backup", "saved.sqlite3", env=env, cwd=tmp_path)
    assert code == 0 and "saved.sqlite3" in saved
    code, _, again = await _run_cli("backup", "saved.sqlite3", env=env, cwd=tmp_path)
    assert code == 2 and "exists already" in again and len(again.strip().splitlines()) == 1
    code, restored, _ = await _run_cli("restore", "saved.sqlite3", env=env, cwd=tmp_path)
    assert code == 0 and "restored" in restored


async def test_setup_prints_usable_links_and_qr_codes(tmp_path: Path) -> None:
    api = FakeBotApi(token=TOKEN, bot_username="dongfeng_bot")
    server = await start_server(api)
    try:
        env = _clean_env(
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
            BOT_TOKEN=TOKEN,
            BOT_API_BASE_URL=server.base_url,
        )
        args = ("setup", "--township", "东风镇", "--villages", "东风村", "--qr-dir", "qr")
        code, out, err = await _run_cli(*args, env=env, cwd=tmp_path)
    finally:
        await server.close()
    assert code == 0, err
    assert "https://t.me/dongfeng_bot?start=v1" in out  # the bot's name, asked from Telegram
    assert (tmp_path / "qr" / "1-1.png").read_bytes().startswith(b"\x89PNG")
    # Without a token the link says what to fill in.
    code, out, _ = await _run_cli(*args[:-2], env={**env, "BOT_TOKEN": ""}, cwd=tmp_path)
    assert code == 0 and "<your_bot>" in out and "BOT_TOKEN" in out


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, api: FakeBotApi) -> None:
        polls_before = len(api.calls_of("getUpdates"))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(300):
            if len(api.calls_of("getUpdates")) > polls_before:
                return
            if self.process.returncode is not None:
                raise AssertionError("bot exited early")
            await asyncio.sleep(0.05)
        raise AssertionError("bot did not start polling")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> str:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")


@pytest.fixture
async def served_api() -> AsyncIterator[tuple[FakeBotApi, RunningServer]]:
    api = FakeBotApi(token=TOKEN)
    server = await start_server(api)
    yield api, server
    await server.close()


async def test_polling_process_survives_a_kill_between_two_steps(
    served_api: tuple[FakeBotApi, RunningServer],
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
) -> None:
    api, server = served_api
    report: SetupReport = await factories.township(session_factory, clock.now())
    env = _clean_env(
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=server.base_url,
        DATABASE_URL=database_url,
        ALBUM_WAIT_SECONDS="0.2",
    )
    bot = BotProcess(env, tmp_path)
    user: SimUser = api.user(1001, first_name="王阿姨", language_code="zh-hans")
    await bot.start(api)
    try:
        await user.command("start", f"v{report.villages['南湖社区']}")
        await replies_until(user, "您已登记在", timeout=10)
        await user.command("new")
        await replies_until(user, "请描述", timeout=10)
        await user.send("河道里有人倾倒建筑垃圾")
        await replies_until(user, "在哪个村", timeout=10)
        await user.press_button("✓ 南湖社区")  # where it is: the resident's own village
        await replies_until(user, "是哪方面的问题", timeout=10)
        await press_category(user, "环境保护")
        await replies_until(user, "需要补充照片吗", timeout=10)

        await bot.kill()  # no shutdown, no flush: only what was written per update survives
        await bot.start(api)

        await user.send_album(2)
        await replies_until(user, "已收到 2 张照片", timeout=10)
        await user.press_button("下一步 ›")
        await replies_until(user, "具体在哪里", timeout=10)
        await user.tap_reply_button("跳过，不发位置")
        await replies_until(user, "是否允许政协委员", timeout=10)
        await user.press_button("可以，显示我的姓名")
        summary = await replies_until(user, "提交前请核对", timeout=10)
        assert "河道里有人倾倒建筑垃圾" in summary.text
        await user.press_button("✅ 提交")
        await replies_until(user, "编号", timeout=10)
    finally:
        log = await bot.stop()
    assert "Traceback" not in log, log
    assert TOKEN.split(":")[1] not in log  # the token never reaches the log
    async with session_factory() as session:
        issue = await session.scalar(select(Issue))
    assert issue is not None
    assert issue.text == "河道里有人倾倒建筑垃圾"
    private = {"type": "all_private_chats"}
    chinese = api.commands(private)
    english = api.commands(private, language_code="en")
    assert chinese is not None
    assert english is not None
    assert {"command": "new", "description": "反映问题"} in chinese
    assert {"command": "new", "description": "Raise a matter"} in english


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _nested(depth: int) -> dict[str, object]:
    body: dict[str, object] = {"x": 1}
    for _ in range(depth):
        body = {"x": body}
    return {"update_id": 9, "message": body}


def _start_update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    person = {"id": user_id, "is_bot": False, "first_name": "王阿姨", "language_code": "zh-hans"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_780_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "王阿姨"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


class WebhookProcess:
    """The real bot in webhook mode, against the fake Telegram over HTTP."""

    def __init__(self, api: FakeBotApi, server: RunningServer, database_url: str, cwd: Path):
        self.api = api
        self.port = _free_port()
        self.env = _clean_env(
            BOT_TOKEN=TOKEN,
            BOT_API_BASE_URL=server.base_url,
            DATABASE_URL=database_url,
            WEBHOOK_URL="https://bot.example.test/telegram",
            WEBHOOK_PORT=str(self.port),
        )
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.secret = hashlib.sha256(f"webhook:{TOKEN}".encode()).hexdigest()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        calls = len(self.api.calls_of("setWebhook"))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        await self.api.wait_for_call("setWebhook", timeout=30, since=calls)
        async with aiohttp.ClientSession() as http:
            for _ in range(200):  # the listener starts right after setWebhook
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as health:
                        if health.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the webhook endpoint did not come up")

    async def post(
        self, body: object, *, secret: str | None = None, raw: bytes | None = None
    ) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret or self.secret}
        async with aiohttp.ClientSession() as http:
            if raw is not None:
                async with http.post(self.url, data=raw, headers=headers) as response:
                    return response.status
            async with http.post(self.url, json=body, headers=headers) as response:
                return response.status

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> str:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=30)
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")


async def test_webhook_mode_checks_the_secret_and_answers(
    served_api: tuple[FakeBotApi, RunningServer],
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
) -> None:
    api, server = served_api
    await factories.township(session_factory, clock.now())
    bot = WebhookProcess(api, server, database_url, tmp_path)
    user = api.user(1001, first_name="王阿姨", language_code="zh-hans")
    await bot.start()
    try:
        assert api.calls_of("setWebhook")[-1].params["secret_token"] == bot.secret
        assert await bot.post(_start_update(1, 1001, "/start"), secret="wrong") == 403
        assert await bot.post(None, raw=b"not json") == 400
        for not_an_update in (
            None,
            [],
            123,
            {"update_id": 5, "message": "x"},
            {"update_id": -1, "message": {}},
            {"update_id": 6},
            {"message": {"text": "hi"}},
            {"update_id": 7, "message": {}, "callback_query": {}},
            _nested(200),
        ):
            assert await bot.post(not_an_update) == 400, not_an_update
        assert await bot.post(None, raw=b"{" + b" " * (2 << 20) + b"}") == 413
        assert await bot.post(_start_update(2, 1001, "/start")) == 200
        assert await bot.post(_start_update(2, 1001, "/start")) == 200  # a replay
        greeting = await replies_until(user, "有事好商量", timeout=15)
        assert "王阿姨" in greeting.text
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{bot.port}/metrics") as metrics,
        ):
            assert "bot_updates_total" in await metrics.text()
        await asyncio.sleep(0.5)  # a second greeting would come within this
        assert len([m for m in user.bot_messages() if "有事好商量" in (m.text or "")]) == 1
    finally:
        log = await bot.stop()
    assert bot.process is not None and bot.process.returncode == 0, log
    assert "Traceback" not in log, log


async def test_an_update_answered_200_and_then_killed_is_handled_after_restart(
    served_api: tuple[FakeBotApi, RunningServer],
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
) -> None:
    api, server = served_api
    await factories.township(session_factory, clock.now())
    bot = WebhookProcess(api, server, database_url, tmp_path)
    user = api.user(1001, first_name="王阿姨", language_code="zh-hans")
    await bot.start()
    api.delay(30, method="sendMessage")  # the answer hangs: the update is in hand
    try:
        assert await bot.post(_start_update(10, 1001, "/start")) == 200
        await api.wait_for_call("sendMessage", timeout=15)
        await bot.kill()  # after the 200, before the update was finished
        api.delay(0, method="sendMessage")
        await bot.start()
        greeting = await replies_until(user, "有事好商量", timeout=20)
        assert "王阿姨" in greeting.text
        await asyncio.sleep(1)  # the mark that it was sent is written within this
        async with session_factory() as session:
            row = await session.get(ReceivedUpdate, 10)
            assert row is not None and row.status == "done" and row.replies is None
    finally:
        api.delay(0, method="sendMessage")
        log = await bot.stop()
    assert "Traceback" not in log, log
